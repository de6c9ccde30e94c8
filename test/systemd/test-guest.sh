#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The harness (test/lib-systemd.sh) and nested use: the guest boots with systemd as PID 1 and this
# build installed; sd_guest_run passes stdin, output and the exit status and runs in the guest's
# namespaces, root and cgroup tree; our nspawn runs a container inside the guest and boots the
# bookworm tree of sd_guest_inner_tree there to 'running'.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot guest

assert_eq systemd "$(sd_guest_run cat /proc/1/comm)" "PID 1 of the guest is systemd"
for ns in mnt pid uts ipc net cgroup; do
        assert_eq "$(readlink "/proc/$SD_GUEST_LEADER/ns/$ns")" "$(sd_guest_run readlink /proc/self/ns/$ns)" \
                "sd_guest_run runs in the guest's $ns namespace"
done
RC=0; sd_guest_run sh -c 'exit 7' || RC=$?
assert_eq 7 "$RC" "sd_guest_run returns the command's exit status"
assert_eq "in and out" "$(echo 'in and out' | sd_guest_run cat)" "sd_guest_run passes stdin"
assert_eq "a b" "$(sd_guest_run_sh 'echo "$1 $2"' a b)" "sd_guest_run_sh passes its arguments"
assert_eq "/ /" "$(sd_guest_run_sh 'echo "$(pwd) $(readlink /proc/self/root)"')" "... in the guest's root"
assert_eq "0::/nspawn-test-run" "$(sd_guest_run cat /proc/self/cgroup | grep '^0::')" \
        "... and in a cgroup of the guest's own tree"
assert_eq cgroup2 "$(sd_guest_run stat -fc %T /sys/fs/cgroup | sed 's/fs$//')" "the guest's /sys/fs/cgroup is cgroup2"

# This build, installed: ours first in PATH, the distribution's machinectl beside it.
assert_eq "$SD_GUEST_BINDIR/nspawn" "$(sd_guest_run_sh 'command -v nspawn')" "our nspawn is installed in the guest"
assert_match "^machinectl " "$(sd_guest_run machinectl --version)" "our machinectl comes first in PATH"
assert_match "^systemd 252" "$(sd_guest_run /usr/bin/machinectl --version | head -n1)" \
        "/usr/bin/machinectl is the distribution's"
assert_true "the guest's systemd knows machined.service" sd_guest_run_sh "systemctl cat machined.service >/dev/null"

# Nested: a container of our nspawn inside the guest, then a booted one.
T=$(sd_guest_inner_tree inner)
assert_eq /var/lib/machines/inner "$T" "sd_guest_inner_tree prints the inner tree's path"
OUT=$(sd_guest_run nspawn -q -D "$T" -M inner1 --register=no --pipe /bin/sh -c 'echo nested; cat /proc/1/comm' 2>&1)
assert_eq $'nested\nsh' "$OUT" "our nspawn runs a container inside the guest"
# From a service of the guest, with the guest's capability bounding set and seccomp filter (which
# sd_guest_run does not have), and a network namespace of its own inside.
OUT=$(sd_guest_run systemd-run -q --wait --pipe nspawn -q -D "$T" -M inner3 --register=no --private-network \
        --pipe ip -o link 2>&1)
assert_match '^1: lo: <[A-Z_,]*\bUP\b' "$OUT" "a service of the guest runs a nested container with --private-network ($OUT)"
sd_guest_run nspawn -q -b -D "$T" -M inner2 --register=no --console=passive </dev/null >"$WORK/inner2.log" 2>&1 &
P=$!
inner_state() {
        local l
        l=$(sd_guest_run_sh 'pgrep -x systemd -P "$(pgrep -xo nspawn)"') || return 1
        STATE=$(sd_guest_run nsenter -t "$l" -a systemctl is-system-running 2>/dev/null)
        [ "$STATE" = running ] || [ "$STATE" = degraded ]
}
STATE=
wait_until 60 inner_state
assert_eq running "$STATE" "our nspawn boots the bookworm tree inside the guest to 'running'"
[ "$STATE" = running ] || cat "$WORK/inner2.log" >&2
sd_guest_run_sh 'kill -TERM $(pgrep -xo nspawn)'
RC=0; wait $P || RC=$?
assert_eq 0 "$RC" "... and SIGTERM powers the nested guest off (exit 0)"

test_end
