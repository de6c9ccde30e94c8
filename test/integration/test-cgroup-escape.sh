#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The container's place in the cgroup hierarchies (issue 7, items 1 and 2). A payload left in the
# root of a cgroup v1 hierarchy sees that hierarchy's release_agent once it mounts it inside its
# cgroup namespace, and can make the kernel run a program of its choice as host root
# (CVE-2022-0492). The payload must sit in the machine's own cgroup in every mounted hierarchy, and
# with the v1 devices fallback the device policy must sit above the namespace root.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree esc)
N=(-q -D "$T" --pipe)

# The host's v1 hierarchies, as the mount options that name them ("cpu", "name=systemd", ...).
mapfile -t V1 < <(awk '$0 ~ / - cgroup cgroup / { n = split($NF, o, ","); s = "";
        for (i = 1; i <= n; i++) if (o[i] != "rw" && o[i] != "ro" && o[i] !~ /^(clone_children|noprefix|xattr|release_agent=|cpuset_v2_mode|favordynmods|nsdelegate)/) s = s (s ? "," : "") o[i];
        print s }' /proc/self/mountinfo | sort -u)
echo "  v1 hierarchies: ${V1[*]:-none}"
if [ "${#V1[@]}" -eq 0 ]; then
        # Pure cgroup2 host: there is no release_agent to reach; the checks below have nothing to do.
        pass "no cgroup v1 hierarchy on this host"
        test_end
fi

# --- item 1: no hierarchy root is visible from inside ---------------------------------------------
run_nspawn "${N[@]}" sh -c '
        i=0
        for o in "$@"; do
                i=$((i + 1)); mkdir -p /mnt/cg$i
                if ! mount -t cgroup -o "$o" cgroup /mnt/cg$i 2>/dev/null; then echo "$o:nomount"; continue; fi
                [ -e /mnt/cg$i/release_agent ] && echo "$o:release_agent"
                umount /mnt/cg$i
        done; true' sh "${V1[@]}"
assert_eq 0 "$RC" "the container ran ($ERR)"
assert_no_match 'release_agent' "$OUT" "no v1 hierarchy mounted inside shows a release_agent"
assert_no_match 'nomount' "$OUT" "every v1 hierarchy of the host can be mounted inside (the check above is real)"

# The reproduction of the issue: write a host path into release_agent, arm notify_on_release, and let
# a short-lived process leave a child cgroup. The script must never run on the host.
HIER=$(awk '$0 ~ / - cgroup cgroup .*[,]pids/ { print $5; exit }' /proc/self/mountinfo)
OPT=pids
if [ -z "$HIER" ]; then
        HIER=$(awk '$0 ~ / - cgroup cgroup / { print $5; exit }' /proc/self/mountinfo)
        OPT=${V1[0]}
fi
OLD_AGENT=$(cat "$HIER/release_agent")
on_exit "printf '%s\n' '$OLD_AGENT' > '$HIER/release_agent'"
on_exit "rmdir '$HIER/nspawn-escape-test' 2>/dev/null"
printf '#!/bin/sh\ntouch %s/marker\n' "$WORK" > "$T/escape.sh"
chmod +x "$T/escape.sh"
run_nspawn "${N[@]}" sh -c '
        mkdir -p /mnt/cg && mount -t cgroup -o "$1" cgroup /mnt/cg || exit 3
        echo "$2" > /mnt/cg/release_agent 2>/dev/null && echo agent-written
        mkdir /mnt/cg/nspawn-escape-test && echo 1 > /mnt/cg/nspawn-escape-test/notify_on_release || exit 4
        sh -c "echo \$\$ > /mnt/cg/nspawn-escape-test/cgroup.procs; true"
        rmdir /mnt/cg/nspawn-escape-test; umount /mnt/cg; true' sh "$OPT" "$T/escape.sh"
assert_eq 0 "$RC" "the reproduction ran inside ($ERR)"
assert_no_match 'agent-written' "$OUT" "release_agent cannot be written from inside"
# The kernel runs the agent from a work queue: give it a moment before concluding that it did not.
for _ in $(seq 30); do [ -e "$WORK/marker" ] && break; sleep 0.1; done
assert_false "the release_agent reproduction runs nothing on the host" test -e "$WORK/marker"
assert_eq "$OLD_AGENT" "$(cat "$HIER/release_agent")" "the host's release_agent is unchanged"

# --- the placement, seen from the host ------------------------------------------------------------
M="${MP}esc"
SCOPE="machine.slice/machine-${MP}esc.scope"
rm -f "$T/ready" "$T/stop"
"$NSPAWN" -q -D "$T" -M "$M" --register=no --pipe sh -c 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done' \
        </dev/null >"$WORK/p.out" 2>&1 & P=$!
on_exit "kill $P 2>/dev/null"
for _ in $(seq 200); do [ -e "$T/ready" ] && break; sleep 0.05; done
assert_true "the container started" test -e "$T/ready"
C=$(pgrep -P $P | head -n1)
bad=$(WANT="/$SCOPE/payload" awk -F: '$3 != ENVIRON["WANT"]' "/proc/$C/cgroup")
assert_eq "" "$bad" "the payload is in /$SCOPE/payload in every hierarchy"
assert_eq "${#V1[@]}" "$(grep -vc '^0::' "/proc/$C/cgroup")" "(and that covers all ${#V1[@]} v1 hierarchies)"
touch "$T/stop"
wait $P; RC=$?
assert_eq 0 "$RC" "the container exited cleanly"
assert_eq "" "$(find /sys/fs/cgroup -name "machine-${MP}esc.scope" 2>/dev/null)" \
        "the machine's cgroups are gone from every hierarchy after exit"

# --- item 2: the v1 devices fallback (the BPF device program cannot be attached) ------------------
# strace makes nspawn's own bpf() calls fail (it does not follow the container: no -f), so nspawn
# falls back to the v1 devices controller.
if [ -d /sys/fs/cgroup/devices ] && grep -q ' - cgroup cgroup .*devices' /proc/self/mountinfo; then
        run_nspawn "${N[@]}" sh -c 'echo ok' # warm up the page cache: strace slows the start a lot
        RC=0
        OUT=$(timeout 60 strace -o /dev/null -e trace=bpf -e inject=bpf:error=EPERM "$NSPAWN" "${N[@]}" sh -c '
                mkdir -p /mnt/dev && mount -t cgroup -o devices cgroup /mnt/dev || exit 3
                echo a > /mnt/dev/devices.allow 2>/dev/null && echo lifted
                echo "c 1:3 rwm" > /mnt/dev/devices.allow 2>/dev/null || echo narrow-allow-refused
                grep -qx "a \*:\* rwm" /mnt/dev/devices.list && echo all-allowed
                mknod /tmp/sda b 8 0 2>/dev/null && echo mknod-ok
                mknod /tmp/mem c 1 1 2>/dev/null && echo mknod-mem-ok
                head -c1 /dev/null && echo null-ok
                umount /mnt/dev; true' </dev/null 2>"$WORK/fb.err") || RC=$?
        assert_eq 0 "$RC" "the container ran with the v1 devices fallback ($(cat "$WORK/fb.err"))"
        assert_no_match 'lifted|all-allowed' "$OUT" "the guest cannot lift the v1 device policy"
        assert_no_match 'mknod' "$OUT" "the guest cannot create a forbidden device node"
        assert_match 'null-ok' "$OUT" "the API devices still work"
else
        pass "no v1 devices hierarchy: no fallback to test"
fi

test_end
