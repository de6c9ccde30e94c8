#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every container has a tasks limit (issue 7, item 4): 16384, nspawn@.service's TasksMax=, on the
# pids controller wherever the host has it (cgroup2 if enabled there, else the v1 pids hierarchy), on
# the machine's scope: above the root of the guest's cgroup namespace, out of the guest's reach.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree lim)
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified)
U=${U:-/sys/fs/cgroup}
SCOPE="machine.slice/machine-${MP}lim.scope"

# Where the container's pids.max must be: cgroup2 where pids is enabled for machine.slice's children.
pids_dir() { # path below the hierarchies
        if [ -e "$U/$1/pids.max" ]; then echo "$U/$1"
        elif [ -d /sys/fs/cgroup/pids ] && grep -q ' - cgroup cgroup .*[,]pids' /proc/self/mountinfo; then
                echo "/sys/fs/cgroup/pids/$1"
        fi
}

rm -f "$T/ready" "$T/stop"
"$NSPAWN" -q -D "$T" -M "${MP}lim" --register=no --pipe sh -c '
        # Try to lift the limit from inside: the namespace root is all the guest can reach.
        if grep -q "^[0-9]*:pids:" /proc/self/cgroup; then
                mkdir -p /mnt/pids && mount -t cgroup -o pids cgroup /mnt/pids && echo max > /mnt/pids/pids.max
                echo "pids: $(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup) $(cat /mnt/pids/pids.max)"
                umount /mnt/pids
        else
                echo max > /sys/fs/cgroup/pids.max 2>/dev/null && echo "lifted in cgroup2"
        fi
        touch /ready; while [ ! -e /stop ]; do sleep 0.05; done' </dev/null >"$WORK/lim.out" 2>&1 & P=$!
on_exit "kill $P 2>/dev/null"
for _ in $(seq 200); do [ -e "$T/ready" ] && break; sleep 0.05; done
assert_true "the container started" test -e "$T/ready"
D=$(pids_dir "$SCOPE")
assert_true "the host has a pids controller (cgroup2 or v1)" test -n "$D"
assert_eq 16384 "$(cat "$D/pids.max" 2>&1)" "the machine's scope has the default tasks limit"
assert_true "the payload runs below the limited scope" grep -qx "$(pgrep -P $P | head -n1)" "$D/payload/cgroup.procs"
touch "$T/stop"
wait $P; RC=$?
assert_eq 0 "$RC" "the container ran ($(cat "$WORK/lim.out"))"
assert_no_match 'lifted' "$(cat "$WORK/lim.out")" "the guest cannot lift the limit"
if grep -q '^pids:' "$WORK/lim.out"; then
        assert_eq "pids: / max" "$(cat "$WORK/lim.out")" "inside, the pids hierarchy's root is the payload cgroup (its own max only)"
fi

# --keep-unit: the limit goes on the caller's cgroup (above "payload"), unless it has one already; what
# nspawn made in a v1 hierarchy for it is removed again.
SVC=nspawn-test-lim.service
mkdir "$U/$SVC"
on_exit "find '$U/$SVC' -depth -type d -exec rmdir {} \\; 2>/dev/null"
rm -f "$T/ready" "$T/stop"
sh -c "echo \$\$ > '$U/$SVC/cgroup.procs'; exec '$NSPAWN' -q -D '$T' --keep-unit --register=no --pipe sh -c 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'" \
        </dev/null >"$WORK/ku.out" 2>&1 & P=$!
for _ in $(seq 200); do [ -e "$T/ready" ] && break; sleep 0.05; done
D=$(pids_dir "$SVC")
assert_eq 16384 "$(cat "$D/pids.max" 2>&1)" "--keep-unit: the caller's cgroup gets the default tasks limit"
touch "$T/stop"
wait $P; RC=$?
assert_eq 0 "$RC" "the --keep-unit container ran ($(cat "$WORK/ku.out"))"
left=$(find /sys/fs/cgroup -path "$U" -prune -o -name "$SVC" -print)
assert_eq "" "$left" "--keep-unit: the v1 cgroups nspawn made for the caller are removed"

# A limit that is there already is the caller's: left alone, and so is a v1 cgroup nspawn did not make.
D=$(pids_dir "$SVC")
if [ "$D" != "$U/$SVC" ] && [ -n "$D" ]; then
        mkdir "$D"
        on_exit "rmdir '$D'"
fi
echo 100 > "$D/pids.max"
sh -c "echo \$\$ > '$U/$SVC/cgroup.procs'; exec '$NSPAWN' -q -D '$T' --keep-unit --register=no --pipe true" </dev/null >"$WORK/ku.out" 2>&1
assert_eq 100 "$(cat "$D/pids.max")" "--keep-unit: the caller's own tasks limit is kept ($(cat "$WORK/ku.out"))"
assert_true "--keep-unit: a v1 cgroup that nspawn did not make stays" test -d "$D"

test_end
