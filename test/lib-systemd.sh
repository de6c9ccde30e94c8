# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd suite's harness (bash). Source test/lib.sh first and call test_begin, then source this.
# This host's PID 1 is not systemd; a guest booted by our nspawn has systemd as PID 1 and a cgroup2
# subtree of its own, and that is where systemd-host behaviour is tested:
#   sd_guest_boot NAME [NSPAWN-ARGS...]  boots an overlay of the cached bookworm tree as machine
#                                         ${MP}NAME, with this build installed into it, until the
#                                         guest's `systemctl is-system-running` says running
#   sd_guest_run CMD [ARGS...]            runs CMD inside the guest; its exit status, stdin passed
#   sd_guest_run_sh 'TEXT' [ARGS...]      the same through /bin/sh -c
#   sd_guest_inner_tree NAME              prepares /var/lib/machines/NAME in the guest, a writable
#                                         overlay of the bookworm tree, and prints that path
# The guest goes away with the test's cleanup (test_end, or any exit). It has a network namespace of
# its own (only lo).
#
# What the guest holds of ours: `meson install --destdir` of $BUILDDIR, staged once per build state
# (see sd_stage) and extracted over the guest's tree. With the default prefix (/usr/local) our
# programs are /usr/local/bin/{nspawn,machinectl} and /usr/local/libexec/machined, first in the
# guest's PATH; the distribution's machinectl stays /usr/bin/machinectl. The units, the D-Bus policy
# and the activation file go where the guest's systemd and dbus read them (units/meson.build); ours
# replace systemd-container's files of the same names, so D-Bus activates our machined.
#
# sd_guest_run enters every namespace of the guest's PID 1 and its root, and is placed in a cgroup of
# the guest's own tree first (nspawn-test-run below the guest's root cgroup): a process left in the
# host's cgroup would be outside the guest's cgroup namespace, where the guest's systemd cannot move
# it (into a scope, say) and nested nspawn would not find its own cgroup. It keeps the caller's
# capabilities and has no seccomp filter: what must run exactly as the guest's own processes do runs
# through a unit of the guest (systemctl start, systemd-run).

: "${BUILDDIR:?BUILDDIR must point at the build directory}"
# When the test got the integration lock (test_begin): sd_guest_stop says how long the test took.
SD_T0=$(date +%s%N)
SD_GUEST_PID=
SD_GUEST_LEADER=
SD_GUEST_NAME=
SD_GUEST_RUNCG=
# Our programs' directories in the guest (set by sd_guest_boot): nspawn and machinectl are in
# $SD_GUEST_BINDIR, machined in $SD_GUEST_LIBEXECDIR.
SD_GUEST_BINDIR=
SD_GUEST_LIBEXECDIR=
# The cached tree is bound read-only here in the guest, the lower layer of sd_guest_inner_tree.
SD_GUEST_TREES=/var/lib/nspawn-test/trees
# How long a boot may take until the guest's systemd says running (seconds).
SD_BOOT_TIMEOUT=${SD_BOOT_TIMEOUT:-90}

# Prints the directory holding `meson install --destdir` of $BUILDDIR, made once per state of what is
# installed: the key covers every installed file's size and mtime (a rebuilt binary makes a new key)
# and the build configuration. Concurrent callers wait for each other on a lock; a finished stage is
# never written again, older stages are removed when a new one is made.
sd_stage() {
        local base=$BUILDDIR/sd-guest-stage key d
        mkdir -p "$base"
        key=$(cd "$BUILDDIR" && meson introspect --installed . | python3 -c '
import hashlib, json, os, sys
h = hashlib.sha256()
for src, dst in sorted(json.load(sys.stdin).items()):
    try:
        st = os.stat(src)
        h.update(f"{src}\0{dst}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except OSError:  # a symlink to install is listed by its name
        h.update(f"{src}\0{dst}\n".encode())
st = os.stat("build.ninja")
h.update(f"{st.st_mtime_ns}".encode())
print(h.hexdigest()[:16])') || return 1
        d=$base/$key
        (
                flock 9
                [ -e "$d/.complete" ] && exit 0
                rm -rf "$d.tmp"
                meson install -C "$BUILDDIR" --no-rebuild --quiet --destdir "$d.tmp" >&2 || exit 1
                touch "$d.tmp/.complete"
                mv "$d.tmp" "$d"
                find "$base" -mindepth 1 -maxdepth 1 ! -name "$key" ! -name .lock -exec rm -rf {} +
        ) 9>"$base/.lock" || return 1
        echo "$d"
}

# The state the guest's systemd is in (systemctl is-system-running); true once the boot is over,
# one way or the other. "offline" is what systemctl says before systemd listens on its socket.
_sd_boot_over() {
        SD_GUEST_STATE=$(sd_guest_run systemctl is-system-running 2>/dev/null)
        case "$SD_GUEST_STATE" in
                running|degraded|maintenance|stopping) return 0 ;;
        esac
        return 1
}

# The guest's PID 1: nspawn's child once it runs systemd.
_sd_find_leader() {
        local p
        kill -0 "$SD_GUEST_PID" 2>/dev/null || return 0
        for p in $(pgrep -P "$SD_GUEST_PID"); do
                [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && { SD_GUEST_LEADER=$p; return 0; }
        done
        return 1
}

sd_guest_boot() { # name [nspawn args...]
        local name=$1 stage root tree start ms cg cgroot
        shift
        if [ -n "$SD_GUEST_PID" ]; then
                fail "sd_guest_boot $name: a guest runs already ($SD_GUEST_NAME)"
                test_end
        fi
        stage=$(sd_stage) || { fail "sd_guest_boot: meson install --destdir of $BUILDDIR failed"; test_end; }
        # Where our programs are in the guest (the build's prefix, bindir and libexecdir).
        read -r SD_GUEST_BINDIR SD_GUEST_LIBEXECDIR < <(cd "$BUILDDIR" && meson introspect --buildoptions . |
                python3 -c '
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(os.path.join(o["prefix"], o["bindir"]), os.path.join(o["prefix"], o["libexecdir"]))')
        if [ "$SD_GUEST_BINDIR" = /usr/bin ]; then
                fail "sd_guest_boot: the build's prefix is /usr; our machinectl would replace the distribution's in the guest (configure with the default prefix, /usr/local)"
                test_end
        fi
        tree=$(debian_tree bookworm) || { fail "sd_guest_boot: no bookworm tree"; test_end; }
        root=$(overlay_tree "$name") || { fail "sd_guest_boot: no overlay for $name"; test_end; }
        # Directories that are symlinks in the tree (/lib -> usr/lib) stay symlinks.
        tar -C "$stage" --exclude=./.complete -cf - . | tar -C "$root" -xf - --keep-directory-symlink ||
                { fail "sd_guest_boot: installing the build into $root failed"; test_end; }
        mkdir -p "$root$SD_GUEST_TREES/bookworm"
        SD_GUEST_NAME=$MP$name
        start=$(date +%s%N)
        # --private-network: the guest gets CAP_NET_ADMIN (in its own network namespace only),
        # which nested containers need to set up theirs (nspawn --private-network inside).
        "$NSPAWN" -q -b -D "$root" -M "$SD_GUEST_NAME" --register=no --console=passive --private-network \
                --bind-ro="$tree:$SD_GUEST_TREES/bookworm" "$@" \
                </dev/null >"$WORK/guest-$name.log" 2>&1 &
        SD_GUEST_PID=$!
        on_exit sd_guest_stop
        if ! wait_until 30 _sd_find_leader || [ -z "$SD_GUEST_LEADER" ]; then
                fail "guest $SD_GUEST_NAME: nspawn did not start systemd: $(tail -n 20 "$WORK/guest-$name.log")"
                test_end
        fi
        # The guest's root cgroup on the host: the leader's cgroup2 path without its init.scope.
        cg=$(sed -n 's/^0:://p' "/proc/$SD_GUEST_LEADER/cgroup")
        cgroot=/sys/fs/cgroup/unified
        [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && cgroot=/sys/fs/cgroup
        SD_GUEST_RUNCG=$cgroot${cg%/init.scope}/nspawn-test-run
        mkdir -p "$SD_GUEST_RUNCG" || { fail "guest $SD_GUEST_NAME: cannot make $SD_GUEST_RUNCG"; test_end; }
        SD_GUEST_STATE=
        wait_until "$SD_BOOT_TIMEOUT" _sd_boot_over
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        CHECKS=$((CHECKS + 1))
        if [ "$SD_GUEST_STATE" != running ]; then
                fail "guest $SD_GUEST_NAME did not reach 'running' (state '$SD_GUEST_STATE' after $ms ms)"
                {
                        echo "--- systemctl --failed:"
                        sd_guest_run systemctl --failed --no-pager
                        echo "--- journal:"
                        sd_guest_run journalctl -b --no-pager -n 60
                        echo "--- nspawn:"
                        tail -n 20 "$WORK/guest-$name.log"
                } >&2
                test_end
        fi
        pass "guest $SD_GUEST_NAME boots to 'running' in $ms ms"
}

# Stops the guest: SIGTERM makes nspawn power it off; SIGKILL if that takes too long.
sd_guest_stop() {
        [ -n "$SD_GUEST_PID" ] || return 0
        local start=$(date +%s%N) rc=0
        kill -TERM "$SD_GUEST_PID" 2>/dev/null
        if ! wait_until 30 _sd_guest_gone; then
                echo "guest $SD_GUEST_NAME: no power-off within 30 s, killing it" >&2
                kill -KILL "$SD_GUEST_PID" 2>/dev/null
        fi
        wait "$SD_GUEST_PID" 2>/dev/null || rc=$?
        echo "guest $SD_GUEST_NAME: power-off took $(( ($(date +%s%N) - start) / 1000000 )) ms (nspawn exit $rc);" \
                "$(( ($(date +%s%N) - SD_T0) / 1000000 )) ms since the test got the lock"
        remove_machine_cgroup "$(unit_escape "$SD_GUEST_NAME")"
        SD_GUEST_PID= SD_GUEST_LEADER= SD_GUEST_RUNCG=
}
_sd_guest_gone() { ! kill -0 "$SD_GUEST_PID" 2>/dev/null; }

sd_guest_run() { # command [args...]
        if [ -z "$SD_GUEST_LEADER" ]; then
                echo "sd_guest_run: no guest runs" >&2
                return 125
        fi
        (
                echo "$BASHPID" > "$SD_GUEST_RUNCG/cgroup.procs" || exit 125
                exec nsenter -t "$SD_GUEST_LEADER" -a -r -w \
                        env -i PATH="$SD_GUEST_BINDIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
                        HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 "$@"
        )
}

sd_guest_run_sh() { # shell-text [args...]
        local text=$1
        shift
        sd_guest_run /bin/sh -c "$text" sh "$@"
}

# /var/lib/machines/NAME inside the guest: an overlay of the bookworm tree (bound read-only into the
# guest at boot) with its upper layer on a tmpfs of its own; all of it goes with the guest.
sd_guest_inner_tree() { # name
        local name=$1
        sd_guest_run_sh '
                set -e
                d=/var/lib/nspawn-test/inner/$1
                mkdir -p "$d" "/var/lib/machines/$1"
                mount -t tmpfs -o mode=0755 tmpfs "$d"
                mkdir "$d/upper" "$d/work"
                mount -t overlay overlay -o "lowerdir=$2/bookworm,upperdir=$d/upper,workdir=$d/work" "/var/lib/machines/$1"
        ' "$name" "$SD_GUEST_TREES" >&2 || { echo "sd_guest_inner_tree: cannot prepare $name" >&2; return 1; }
        echo "/var/lib/machines/$name"
}
