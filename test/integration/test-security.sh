#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Escape and isolation checks of ../shared/reference/reliability-checks.md, section (a): A2 (fds and
# working directory), A4 (symlinked API directories), A5 (files written into the tree), A6 (TIOCSTI),
# A7 (masked /proc files), A8 (read-only /proc/sys and /sys), A10 (capability sets), A13 (devices),
# A14 (namespaces). Runs without a user namespace: see the note in that file's section 0.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree sec)
N=(-q -D "$T" --pipe)

# ---------------------------------------------------------------------------------------------------
# A2: the payload gets fds 0-2 and nothing else; --chdir=/proc/self/fd/N never leads to the host.
mkdir "$WORK/hostdir"
echo secret > "$WORK/hostdir/HOST-ONLY-MARKER"
exec 7</etc/passwd 9<"$WORK/hostdir" 12<"$WORK/hostdir"

# The payload's own fds, seen by the payload itself: ls, exec'd in its place, lists /proc/self/fd, where
# 3 is ls's own directory fd (the lowest free one: a leaked fd would push it up). Not through a shell
# that keeps running: it holds fds of its own while it sets up pipes and redirections (a flaky fd 3
# and fd 10 before).
run_nspawn "${N[@]}" sh -c 'exec ls /proc/self/fd'
assert_eq "0 1 2 3" "$(echo $OUT)" "A2: the payload has only fds 0-2 (caller had 7, 8, 9, 12 open)"
run_nspawn "${N[@]}" -a sh -c 'exec ls /proc/self/fd'
assert_eq "0 1 2 3" "$(echo $OUT)" "A2: with --as-pid2, the payload has only fds 0-2"
run_nspawn "${N[@]}" -a ls /proc/1/fd
assert_eq "0 1 2" "$(echo $OUT)" "A2: with --as-pid2, the stub has only fds 0-2"
run_nspawn "${N[@]}" --private-network sh -c 'exec ls /proc/self/fd'
assert_eq "0 1 2 3" "$(echo $OUT)" "A2: with --private-network, only fds 0-2"

bad=""
for n in $(seq 3 12); do
        run_nspawn "${N[@]}" --chdir=/proc/self/fd/$n sh -c 'pwd; ls -a'
        if [ "$RC" -eq 0 ]; then
                p=$(head -n1 <<<"$OUT")
                # pwd must print an absolute path that exists in the tree, and the listing must not
                # be the host directory.
                if [[ "$p" != /* ]] || [[ "$OUT" == *HOST-ONLY-MARKER* ]] || [ ! -d "$T$p" ]; then
                        bad+=" $n:$p"
                fi
        fi
        [[ "$OUT" == *HOST-ONLY-MARKER* ]] && bad+=" $n:leak"
done
assert_eq "" "$bad" "A2: --chdir=/proc/self/fd/3..12 fails or stays inside the container"
exec 7<&- 9<&- 12<&-

# ---------------------------------------------------------------------------------------------------
# A4: /dev, /proc, /run, /etc replaced by absolute symlinks to host directories. Either the start is
# refused or everything lands inside the tree; the host directories stay empty.
for name in dev proc run etc; do
        for variant in dangling intree; do
                H=/tmp/host-$name-$$
                mkdir -p "$H"
                on_exit "rm -rf '$H'"
                A=$(overlay_tree "a4$name$variant")
                rm -rf "${A:?}/$name"
                ln -s "$H" "$A/$name"
                # Variant "intree": the link's target also exists inside the tree, so a correct
                # launcher starts the container with the API file system there.
                [ "$variant" = intree ] && mkdir -p "$A$H"
                run_nspawn -q -D "$A" --pipe /bin/true
                echo "  ($name/$variant: exit $RC${ERR:+, $ERR})"
                assert_eq "" "$(ls -A "$H")" "A4: /$name -> $H ($variant): the host directory stays empty"
                assert_false "A4: /$name -> $H ($variant): nothing is mounted on the host directory" \
                        grep -q " $H" /proc/self/mountinfo
                assert_true "A4: /$name -> $H ($variant): host /dev/ptmx still exists" test -c /dev/ptmx
                rm -rf "$H"
        done
done

# ---------------------------------------------------------------------------------------------------
# A5: files the launcher writes into the tree never follow a symlink out of it.
hash_host() { sha256sum /etc/shadow /etc/passwd /etc/hostname /etc/resolv.conf 2>/dev/null; }
B=$(overlay_tree a5)
ln -sf /etc/shadow "$B/etc/resolv.conf"
ln -sf /etc/passwd "$B/etc/localtime"
ln -sf /etc/hostname "$B/etc/machine-id"
before=$(hash_host)
run_nspawn -q -D "$B" --pipe /bin/true
assert_eq 0 "$RC" "A5: a tree with resolv.conf/localtime/machine-id linked to host files starts ($ERR)"
run_nspawn -q -D "$B" --read-only --pipe /bin/true
run_nspawn -q -D "$B" --private-network --pipe /bin/true
assert_eq "$before" "$(hash_host)" "A5: host /etc/shadow, passwd, hostname, resolv.conf unchanged"
ln -sf ../../../../../../etc/shadow "$B/etc/resolv.conf"
run_nspawn -q -D "$B" --pipe /bin/true
assert_eq "$before" "$(hash_host)" "A5: a relative escaping resolv.conf link changes nothing on the host"

# resolv.conf: copied from the host into a writable tree, bound over it in a read-only one, left
# alone with a private network.
B=$(overlay_tree a5b)
host_resolv=$(cat /etc/resolv.conf)
echo "nameserver 192.0.2.99" > "$B/etc/resolv.conf"
run_nspawn -q -D "$B" --private-network --pipe cat /etc/resolv.conf
assert_eq "nameserver 192.0.2.99" "$OUT" "A5: with --private-network the tree's resolv.conf is left alone"
run_nspawn -q -D "$B" --read-only --pipe cat /etc/resolv.conf
assert_eq "$host_resolv" "$OUT" "A5: with --read-only the container sees the host's resolv.conf"
assert_eq "nameserver 192.0.2.99" "$(cat "$B/etc/resolv.conf")" "A5: --read-only does not write into the tree"
run_nspawn -q -D "$B" --pipe cat /etc/resolv.conf
assert_eq "$host_resolv" "$OUT" "A5: a writable tree gets the host's resolv.conf"
assert_eq "$host_resolv" "$(cat "$B/etc/resolv.conf")" "A5: ... copied into the tree"

# --read-only: the root is read-only, /tmp and /run are writable.
run_nspawn -q -D "$B" --read-only --pipe sh -c 'touch /x 2>/dev/null && echo root-writable
        touch /tmp/x && echo tmp-ok; touch /run/x && echo run-ok'
assert_eq $'tmp-ok\nrun-ok' "$OUT" "--read-only: / is read-only, /tmp and /run are writable"
assert_false "--read-only: nothing was created in the tree" test -e "$B/x"

# ---------------------------------------------------------------------------------------------------
# A7: /proc/kcore, keys, kallsyms, timer_list (and /proc/acpi) are masked.
run_nspawn "${N[@]}" sh -c '
        echo "kcore:$(head -c1 /proc/kcore 2>/dev/null | wc -c)"
        echo "keys:$(cat /proc/keys 2>/dev/null | wc -c)"
        echo "kallsyms:$(cat /proc/kallsyms 2>/dev/null | wc -c)"
        echo "timer_list:$(cat /proc/timer_list 2>/dev/null | wc -c)"
        echo "acpi:$(ls -A /proc/acpi 2>/dev/null | wc -l)"
        cat /proc/self/mountinfo >&2'
assert_eq $'kcore:0\nkeys:0\nkallsyms:0\ntimer_list:0\nacpi:0' "$OUT" "A7: masked /proc files read as empty"
masked=""
for f in kcore keys kallsyms timer_list acpi sched_debug; do
        [ -e /proc/$f ] || continue
        grep -qE "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ /proc/$f " <<<"$ERR" || masked+=" $f"
done
assert_eq "" "$masked" "A7: each of these that exists on this kernel has a masking mount"

# ---------------------------------------------------------------------------------------------------
# A8: /proc/sys, /proc/sysrq-trigger and /sys are read-only.
core=$(cat /proc/sys/kernel/core_pattern)
on_exit "[ \"\$(cat /proc/sys/kernel/core_pattern)\" = '$core' ] || echo '$core' > /proc/sys/kernel/core_pattern"
run_nspawn "${N[@]}" sh -c '
        (echo x > /proc/sys/kernel/core_pattern) 2>/dev/null && echo core_pattern-written
        if [ -e /proc/sysrq-trigger ]; then
                [ -w /proc/sysrq-trigger ] && echo sysrq-writable
                # "h" only prints the help text to the kernel log, should it get through.
                (echo h > /proc/sysrq-trigger) 2>/dev/null && echo sysrq-written
        fi
        touch /sys/kernel/x 2>/dev/null && echo sys-written
        (echo 1 > /proc/sys/vm/drop_caches) 2>/dev/null && echo proc-sys-written
        echo done'
assert_eq "done" "$OUT" "A8: /proc/sys, /proc/sysrq-trigger and /sys refuse writes"
assert_eq "$core" "$(cat /proc/sys/kernel/core_pattern)" "A8: host core_pattern unchanged"

# ---------------------------------------------------------------------------------------------------
# A10: capability sets.
caps() { grep -E '^Cap(Inh|Bnd|Amb)' <<<"$OUT" | tr -d '\t' | tr '\n' ' '; }
run_nspawn "${N[@]}" grep Cap /proc/self/status
assert_eq "CapInh:0000000000000000 CapBnd:00000000fcecafff CapAmb:0000000000000000 " "$(caps)" \
        "A10: default bounding set, empty inheritable and ambient sets"
run_nspawn "${N[@]}" --private-network grep Cap /proc/self/status
assert_eq "CapInh:0000000000000000 CapBnd:00000000fcecbfff CapAmb:0000000000000000 " "$(caps)" \
        "A10: --private-network adds CAP_NET_ADMIN"
run_nspawn "${N[@]}" --drop-capability=CAP_SYS_ADMIN grep Cap /proc/self/status
assert_eq "CapInh:0000000000000000 CapBnd:00000000fcccafff CapAmb:0000000000000000 " "$(caps)" \
        "A10: --drop-capability=CAP_SYS_ADMIN removes bit 21"
run_nspawn "${N[@]}" --capability=CAP_SYS_TIME grep Cap /proc/self/status
assert_eq "CapInh:0000000000000000 CapBnd:00000000feecafff CapAmb:0000000000000000 " "$(caps)" \
        "A10: --capability=CAP_SYS_TIME adds bit 25"
# A file with inheritable file capabilities gains nothing for a non-root user (inheritable set empty).
C=$(overlay_tree a10)
cp "$C/bin/grep" "$C/usr/local/bin/capgrep"
run_nspawn -q -D "$C" --pipe sh -c 'setcap cap_net_admin+ei /usr/local/bin/capgrep && getcap /usr/local/bin/capgrep'
assert_match 'cap_net_admin[=+]ei' "$OUT" "A10: setcap inside the container works ($ERR)"
run_nspawn -q -D "$C" --pipe -u nobody /usr/local/bin/capgrep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status
assert_eq $'CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000' \
        "$OUT" "A10: a binary with cap_net_admin+ei gains nothing for a user"

# ---------------------------------------------------------------------------------------------------
# A13: no raw access to host devices. /tmp is nodev, so the nodes are also made on the tree itself
# (/root) and on /dev, where nodev does not protect them and only the device policy does.
disk=$(lsblk -dnro MAJ:MIN,TYPE 2>/dev/null | awk '$2 == "disk" { print $1; exit }' | tr : ' ')
disk=${disk:-8 0}
run_nspawn "${N[@]}" sh -c "
        for d in /tmp /root /dev; do
                rm -f \$d/sda \$d/disk \$d/mem
                mknod \$d/sda b 8 0 2>/dev/null; mknod \$d/disk b $disk 2>/dev/null; mknod \$d/mem c 1 1 2>/dev/null
                dd if=\$d/sda of=/dev/null bs=512 count=1 2>/dev/null && echo read:\$d/sda
                dd if=\$d/disk of=/dev/null bs=512 count=1 2>/dev/null && echo read:\$d/disk
                head -c1 \$d/mem >/dev/null 2>&1 && echo read:\$d/mem
                rm -f \$d/sda \$d/disk \$d/mem
        done
        head -c1 /dev/null && echo null-ok
        head -c4 /dev/zero | wc -c
        ls /dev | tr '\n' ' '"
assert_eq $'null-ok\n4\nfd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ' \
        "$OUT" "A13: host devices cannot be read; /dev has only the API devices"

# ---------------------------------------------------------------------------------------------------
# A14: namespaces.
run_nspawn "${N[@]}" ls /proc
assert_eq "1" "$(grep -E '^[0-9]+$' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "A14: /proc lists only the container's processes"

sleep 1000 & HOSTPID=$!
on_exit "kill $HOSTPID 2>/dev/null"
run_nspawn "${N[@]}" sh -c "kill -0 $HOSTPID 2>/dev/null && echo reachable; kill -9 $HOSTPID 2>/dev/null && echo killed; echo done"
assert_eq "done" "$OUT" "A14: a host process cannot be signalled"
assert_true "A14: the host process is still alive" kill -0 $HOSTPID
kill $HOSTPID; wait $HOSTPID 2>/dev/null

host_hostname=$(hostname)
run_nspawn "${N[@]}" sh -c 'hostname evil && hostname'
assert_eq "evil" "$OUT" "A14: the container can set its own hostname"
assert_eq "$host_hostname" "$(hostname)" "A14: the host's hostname is unchanged"

shm=$(ipcmk -M 4096 | grep -oE '[0-9]+$')
on_exit "ipcrm -m $shm 2>/dev/null"
assert_match '^[0-9]+$' "$shm" "A14: host shared memory segment created"
run_nspawn "${N[@]}" sh -c 'ipcs -m | grep -cE "^0x" || true'
assert_eq "0" "$OUT" "A14: ipcs in the container does not list the host's segment"
ipcrm -m "$shm"

run_nspawn "${N[@]}" --private-network ip -o link
assert_eq "lo" "$(awk -F': ' '{ print $2 }' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "A14: --private-network: only lo"
assert_match '^1: lo: <[A-Z_,]*\bUP\b' "$OUT" "A14: --private-network: lo is UP"
run_nspawn "${N[@]}" ip -o link
assert_eq "$(ip -o link | awk -F': ' '{ print $2 }' | sort)" "$(awk -F': ' '{ print $2 }' <<<"$OUT" | sort)" \
        "A14: without --private-network the host's links are shared"

# ---------------------------------------------------------------------------------------------------
# A6: TIOCSTI. In pipe mode the payload's stdin is the caller's terminal; it must not be able to push
# input into it. A static helper reports isatty(0) and the result of TIOCSTI on fd 0.
cat > "$WORK/tiocsti.c" <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(void) {
        const char *s = "echo PWNED-by-tiocsti\n";
        printf("tty=%d\n", isatty(0));
        for (const char *p = s; *p; p++)
                if (ioctl(0, TIOCSTI, p) < 0) {
                        printf("TIOCSTI: %s\n", strerrorname_np(errno));
                        return 1;
                }
        printf("TIOCSTI: injected\n");
        return 0;
}
EOF
assert_true "A6: the TIOCSTI helper builds" gcc -static -O2 -o "$WORK/tiocsti" "$WORK/tiocsti.c"
for mode in "--pipe" "--pipe -u nobody"; do
        # script gives nspawn a pty as stdin; the payload tries to inject into it.
        OUT=$(timeout 60 script -qec "'$NSPAWN' -q -D '$T' $mode --bind-ro='$WORK/tiocsti:/usr/local/bin/tiocsti' tiocsti" /dev/null </dev/null 2>&1 | tr -d '\r')
        assert_match 'tty=1' "$OUT" "A6 ($mode): the payload's stdin is the terminal"
        assert_match 'TIOCSTI: EPERM' "$OUT" "A6 ($mode): TIOCSTI is refused with EPERM"
done

# The seccomp filter is in place.
run_nspawn "${N[@]}" grep -E '^Seccomp:' /proc/self/status
assert_eq $'Seccomp:\t2' "$OUT" "the payload runs under a seccomp filter"

test_end
