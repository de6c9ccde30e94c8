#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --keep-unit runs the container in the caller's service cgroup, whose service manager may have a
# device filter of its own there (DevicePolicy=closed of nspawn@.service). nspawn adds its program
# beside it (BPF_F_ALLOW_MULTI) and detaches only its own at the end (issue 7, item 6).
. "$(dirname "$0")/../lib.sh"
test_begin

: "${BPF_DEVPROG:=$BUILDDIR/test/bpf-devprog}"
T=$(overlay_tree kub)
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified)
U=${U:-/sys/fs/cgroup}
SVC="$U/nspawn-test-kub.service"
mkdir "$SVC"
on_exit "find '$SVC' -depth -type d -exec rmdir {} \\; 2>/dev/null"

ID=$("$BPF_DEVPROG" attach "$SVC")
assert_match '^[0-9]+$' "$ID" "the service manager's stand-in device program is attached"

rm -f "$T/ready" "$T/stop"
sh -c "echo \$\$ > '$SVC/cgroup.procs'; exec '$NSPAWN' -q -D '$T' --keep-unit --register=no --pipe sh -c '
        mknod /tmp/sda b 8 0 2>/dev/null && echo mknod-ok
        touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'" </dev/null >"$WORK/out" 2>&1 & P=$!
on_exit "kill $P 2>/dev/null"
for _ in $(seq 200); do [ -e "$T/ready" ] && break; sleep 0.05; done
assert_true "the container started" test -e "$T/ready"
DURING=$("$BPF_DEVPROG" query "$SVC" | sort -n | tr '\n' ' ')
assert_match "(^| )$ID " "$DURING" "while it runs, the service's program is still attached"
assert_eq 2 "$(wc -w <<<"$DURING")" "and nspawn's program beside it"
touch "$T/stop"
wait $P; RC=$?
assert_eq 0 "$RC" "the container ran ($(cat "$WORK/out"))"
assert_no_match 'mknod-ok' "$(cat "$WORK/out")" "nspawn's device policy holds beside the service's"
assert_eq "$ID" "$("$BPF_DEVPROG" query "$SVC" | tr '\n' ' ' | sed 's/ $//')" \
        "afterwards the service's program, and only it, is attached"

test_end
