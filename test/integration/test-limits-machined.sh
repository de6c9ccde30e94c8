#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The same limits through machined (issue 9): CreateMachine's scope_properties, read and validated by
# machined and applied by its cgroupfs back end to the scope before it answers. A registered nspawn
# passes its --property= and --slice= there (and applies nothing itself); a leader that is not
# nspawn's gets the scope made for it, in the v1 controllers of hybrid hosts too. Unknown properties
# and bad values are InvalidArgs naming them; what the host cannot apply is refused with one line, the
# leader left where it was, nothing left behind.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-bus.sh"

T=$(overlay_tree mlim)
M=${MP}mlim
U=$CGROOT
start_bus
start_machined

mcall() { busctl --system --timeout=10 call $DEST $OBJ $MGR "$@"; }
# Prints the D-Bus error name of a CreateMachine call, or OK; the whole error goes to $WORK/gerr.
gcreate() { # name leader properties-gvariant
        local out
        if out=$(gdbus call --system --timeout 10 --dest $DEST --object-path $OBJ --method "$MGR.CreateMachine" -- \
                        "$1" '@ay []' test container "$2" '' "$3" 2>&1); then
                echo OK
        else
                echo "$out" > "$WORK/gerr"
                sed -n 's/.*GDBus\.Error:\([A-Za-z0-9_.]*\):.*/\1/p' <<<"$out" | head -1
        fi
}
ctl_dir() { # controller scope-path: where the controller's files of the scope are
        local v1=$1
        [ "$1" = io ] && v1=blkio
        if grep -qw "$1" "$U/$2/cgroup.controllers" 2>/dev/null; then echo "$U/$2"
        else
                local mp
                mp=$(awk -v c="$v1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $5 }' /proc/self/mountinfo | head -n1)
                [ -n "$mp" ] && echo "$mp/$2"
        fi
}
mem_limit() { # scope-path
        local d
        d=$(ctl_dir memory "$1")
        if [ -e "$d/memory.max" ]; then cat "$d/memory.max"; else cat "$d/memory.limit_in_bytes" 2>&1; fi
}
cgroups_of() { # pid: its /proc/PID/cgroup, sorted
        sort "/proc/$1/cgroup"
}

# --- A registered nspawn: its properties go to machined, which applies them to the scope.
rm -f "$T/ready" "$T/stop"
"$NSPAWN" -q -D "$T" -M "$M" --register=yes --pipe --slice="${MP%.}-m.slice" \
        --property=MemoryMax=64M --property=TasksMax=20 --property=AllowedCPUs=0 sh -c '
        head -c 256M /dev/zero | tail >/dev/null; echo "hog status $?"
        grep Cpus_allowed_list /proc/self/status
        touch /ready; while [ ! -e /stop ]; do sleep 0.05; done' </dev/null >"$WORK/out" 2>&1 & P=$!
on_exit "kill $P 2>/dev/null"
assert_true "the registered container runs" wait_until 30 test -e "$T/ready"
S="${MP%.}.slice/${MP%.}-m.slice/machine-$M.scope"
assert_eq "s \"machine-$M.scope\"" "$(busctl --system get-property $DEST "$(mcall GetMachine s "$M" | cut -d'"' -f2)" $MI Unit)" \
        "the machine's unit is its scope"
assert_eq 67108864 "$(mem_limit "$S")" "machined put MemoryMax=64M on the scope in the slice"
assert_eq 20 "$(cat "$(ctl_dir pids "$S")/pids.max")" "... and TasksMax=20"
assert_eq 0 "$(cat "$(ctl_dir cpuset "$S")/cpuset.cpus")" "... and AllowedCPUs=0"
touch "$T/stop"
RC=0; wait $P || RC=$?
OUT=$(cat "$WORK/out")
assert_eq 0 "$RC" "the registered container ran ($OUT)"
assert_match "hog status 137" "$OUT" "the hog over MemoryMax= was killed inside"
assert_match $'Cpus_allowed_list:\t0' "$OUT" "AllowedCPUs=0 pinned the payload"
assert_eq "" "$(find /sys/fs/cgroup -name "${MP%.}*.slice")" "the slices are gone again"

# --- A leader that is not nspawn's: machined makes the scope, in the v1 controllers as well, with
# the limits on it before the leader enters.
sleep 1000 & L=$!
on_exit "kill $L 2>/dev/null"
assert_eq OK "$(gcreate "${MP}c" "$L" '[("MemoryMax", <uint64 67108864>), ("TasksMax", <uint64 7>), ("CPUQuotaPerSecUSec", <uint64 250000>), ("AllowedCPUs", <[byte 0x01]>), ("Slice", <"'"${MP%.}"'-c.slice">)]')" \
        "CreateMachine with scope properties"
S="${MP%.}.slice/${MP%.}-c.slice/machine-${MP}c.scope"
assert_true "the scope is in the slice" test -d "$U/$S"
assert_eq 67108864 "$(mem_limit "$S")" "the scope has MemoryMax="
assert_eq 7 "$(cat "$(ctl_dir pids "$S")/pids.max")" "... TasksMax="
D=$(ctl_dir cpu "$S")
if [ -e "$D/cpu.max" ]; then Q=$(cat "$D/cpu.max"); else Q="$(cat "$D/cpu.cfs_quota_us") $(cat "$D/cpu.cfs_period_us")"; fi
assert_eq "25000 100000" "$Q" "... CPUQuotaPerSecUSec=250ms"
assert_eq 0 "$(cat "$(ctl_dir cpuset "$S")/cpuset.cpus")" "... AllowedCPUs=0"
assert_true "the leader lives in the scope's memory cgroup" grep -qx "$L" "$(ctl_dir memory "$S")/cgroup.procs"
assert_match $'Cpus_allowed_list:\t0$' "$(grep Cpus_allowed_list /proc/$L/status)" "the leader is pinned to CPU 0"
mcall TerminateMachine s "${MP}c"
assert_true "TerminateMachine: the leader is gone" wait_until 5 pid_gone "$L" "sleep 1000"
assert_true "... and the scope, in every hierarchy" wait_until 5 sh -c "[ -z \"\$(find /sys/fs/cgroup -name 'machine-${MP}c.scope')\" ]"
assert_eq "" "$(find /sys/fs/cgroup -name "${MP%.}*.slice")" "... and its slices"

# --- Refusals: nothing moved, nothing made.
sleep 1000 & L=$!
on_exit "kill $L 2>/dev/null"
BEFORE=$(cgroups_of "$L")
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcreate "${MP}u" "$L" '[("Frobnicate", <uint64 1>)]')" "an unknown property: InvalidArgs"
assert_match "Frobnicate" "$(cat "$WORK/gerr")" "... naming it"
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcreate "${MP}u" "$L" '[("CPUWeight", <uint64 0>)]')" "CPUWeight=0: InvalidArgs"
assert_match "CPUWeight" "$(cat "$WORK/gerr")" "... naming it"
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcreate "${MP}u" "$L" '[("MemoryMax", <"64M">)]')" "MemoryMax as a string: InvalidArgs"
assert_match "MemoryMax" "$(cat "$WORK/gerr")" "... naming it"
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcreate "${MP}u" "$L" '[("Slice", <"a--b.slice">)]')" "a bad slice: InvalidArgs"
assert_eq org.freedesktop.DBus.Error.NotSupported "$(gcreate "${MP}u" "$L" '[("DeviceAllow", <[("/dev/fuse", "r")]>)]')" \
        "DeviceAllow= on the cgroupfs back end: NotSupported"
assert_match "DeviceAllow=.*launcher" "$(cat "$WORK/gerr")" "... saying why"
# On hybrid hosts the memory controller is v1's: no memory.high.
if ! grep -qw memory "$U/machine.slice/cgroup.controllers" 2>/dev/null; then
        assert_eq org.freedesktop.DBus.Error.NotSupported "$(gcreate "${MP}u" "$L" '[("MemoryMax", <uint64 67108864>), ("MemoryHigh", <uint64 33554432>), ("Slice", <"'"${MP%.}"'-u.slice">)]')" \
                "MemoryHigh= on cgroup v1: NotSupported"
        assert_match "MemoryHigh=" "$(cat "$WORK/gerr")" "... naming it"
        echo "machined on MemoryHigh=: $(cat "$WORK/gerr")"
fi
assert_eq "$BEFORE" "$(cgroups_of "$L")" "after the refusals the leader is where it was"
assert_false "... and is no machine" mcall GetMachine s "${MP}u"
assert_eq "" "$(find /sys/fs/cgroup -name "machine-${MP}u.scope" -o -name "${MP%.}*.slice")" "... and no scope or slice was left in any hierarchy"
assert_true "machined still answers" machined_answers

test_end
