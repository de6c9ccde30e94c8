#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --keep-unit: nspawn stays in its caller's cgroup (a service's), moves itself into "supervisor" and
# runs the payload in "payload"; only "payload" is removed at the end.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree ku)
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified)
U=${U:-/sys/fs/cgroup}
SVC="$U/${MP}ku.service"
mkdir "$SVC"
on_exit "find '$SVC' -depth -type d -exec rmdir {} \\; 2>/dev/null"

# Run nspawn from inside the "service" cgroup.
sh -c "echo \$\$ > '$SVC/cgroup.procs'; exec '$NSPAWN' -q -D '$T' --keep-unit --pipe sh -c 'sed -n s/^0:://p /proc/1/cgroup; grep -qx 1 /sys/fs/cgroup/cgroup.procs && echo pid1-here
        while [ ! -e /go ]; do sleep 0.05; done'" </dev/null > "$WORK/ku.out" 2>&1 & P=$!
# The payload runs until the host creates /go in its tree.
assert_true "the payload is up" wait_line "$WORK/ku.out" '^pid1-here$'
assert_eq "/${MP}ku.service/supervisor" "$(sed -n 's/^0:://p' /proc/$P/cgroup)" \
        "nspawn moved itself into the service's supervisor cgroup"
assert_true "the payload runs in the service's payload cgroup" is_descendant "$(head -1 "$SVC/payload/cgroup.procs")" $P
touch "$T/go"
wait $P; RC=$?
assert_eq 0 "$RC" "the container ran"
assert_eq $'/\npid1-here' "$(cat "$WORK/ku.out")" "the payload's cgroup namespace is rooted at its own cgroup"
assert_false "the payload cgroup is removed at the end" test -d "$SVC/payload"
assert_true "the service's cgroup stays (it belongs to the service manager)" test -d "$SVC/supervisor"

# Where nspawn does not run in a cgroup of its own, --keep-unit is refused with nothing left.
OUT=$(sh -c "echo \$\$ > '$U/cgroup.procs'; exec '$NSPAWN' -q -D '$T' --keep-unit --pipe true" 2>&1 </dev/null); RC=$?
assert_true "--keep-unit from the root cgroup fails" test "$RC" -ne 0
assert_match 'keep-unit' "$OUT" "and says why"

test_end
