#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A machine's State, on the bus and in its state file (STATE=), as systemd-machined has it: running
# once registered, closing from TerminateMachine until it is gone, kept across a restart of machined.
# "opening" lasts as long as the cgroup back end works: on cgroupfs (this host) the back end is done
# before CreateMachine returns, so it shows in the unit test (test-machined-manager) with a back end
# that completes later. To hold a machine in closing, its leader is frozen in the v1 freezer: a frozen
# task keeps a pending SIGKILL until it is thawed. Also: a thread named as leader is refused as one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-bus.sh"
test_begin

# The leaders are children of this shell: from the root cgroup, so that they have no unit.
grep -q '^0::/$' /proc/self/cgroup || echo $$ > "$CGROOT/cgroup.procs" || true

mcall() { busctl --system --timeout=5 call $DEST $OBJ $MGR "$@"; }
mprop() { busctl --system --timeout=5 get-property $DEST "$1" $MI "$2"; }
state_key() { sed -n "s/^$2=//p" "$STATE/$1" 2>/dev/null; } # name key
prop_is() { [ "$(mprop "$1" "$2")" = "$3" ]; } # path property value
gone() { ! mcall GetMachine s "$1" >/dev/null 2>&1 && [ ! -e "$STATE/$1" ]; }
new_leader() {
        sleep 1000 &
        LEADER=$!
        on_exit "kill -9 $LEADER 2>/dev/null; wait $LEADER 2>/dev/null"
}

start_bus
start_machined
on_exit "rm -f $STATE/${MP}* $STATE/unit:machine-${MP}*"

# Running: CreateMachine returns once the back end is done.
new_leader; L=$LEADER
N=${MP}st
OUT=$(mcall CreateMachine sayssusa\(sv\) "$N" 0 "" "" "$L" "" 0 2>&1)
P=/org/freedesktop/machine1/machine/${MPO}st
assert_eq "o \"$P\"" "$OUT" "CreateMachine returns the object path"
assert_eq 's "running"' "$(mprop "$P" State)" "State is running after CreateMachine"
assert_eq running "$(state_key "$N" STATE)" "the state file says STATE=running"

# A thread is not a process: refused with the rule's own message (this kernel's pidfd_open() says
# ENOENT for a thread, which is not "no such file").
python3 -c 'import threading, time
threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
time.sleep(1000)' &
TP=$!
on_exit "kill -9 $TP 2>/dev/null; wait $TP 2>/dev/null"
wait_until 5 sh -c "[ \$(ls /proc/$TP/task | wc -l) -ge 2 ]"
TID=$(ls /proc/$TP/task | grep -vx "$TP" | head -1)
OUT=$(mcall RegisterMachine sayssus ${MP}thr 0 "" container "$TID" "" 2>&1)
assert_eq "Call failed: PID $TID is not a process (a thread?)" "$OUT" "a thread as leader: refused as a thread"

# Closing: TerminateMachine of a machine whose leader is frozen (v1 freezer) and so cannot die yet.
FRZ=/sys/fs/cgroup/freezer
if [ -d "$FRZ" ] && [ "$(stat -fc %T $FRZ)" = cgroupfs ]; then
        F=$FRZ/${MP}frz
        mkdir "$F"
        on_exit "echo THAWED > $F/freezer.state 2>/dev/null; for p in \$(cat $F/cgroup.procs 2>/dev/null); do echo \$p > $FRZ/cgroup.procs; done; rmdir $F"
        echo "$L" > "$F/cgroup.procs"
        echo FROZEN > "$F/freezer.state"
        assert_true "the leader is frozen" wait_until 5 grep -qx FROZEN "$F/freezer.state"
        assert_eq "" "$(mcall TerminateMachine s "$N" 2>&1)" "TerminateMachine succeeds"
        assert_eq 's "closing"' "$(mprop "$P" State)" "State is closing while the leader cannot die"
        assert_eq closing "$(state_key "$N" STATE)" "the state file says STATE=closing"
        assert_match "\"$N\"" "$(mcall ListMachines)" "a closing machine is still listed"
        # Terminating it again is no error: it is closing already.
        assert_eq "" "$(mcall TerminateMachine s "$N" 2>&1)" "a second TerminateMachine succeeds"

        # A restarted machined re-adopts it as closing (the request stands).
        stop_machined
        start_machined
        assert_eq 's "closing"' "$(mprop "$P" State)" "after a restart of machined, State is still closing"
        assert_eq closing "$(state_key "$N" STATE)" "... and so is the state file"

        echo THAWED > "$F/freezer.state"
        assert_true "thawed, the leader dies of the pending SIGKILL" wait_until 5 sh -c "! kill -0 $L 2>/dev/null"
        wait "$L" 2>/dev/null
        assert_true "and the machine and its state file are gone" wait_until 5 gone "$N"
        assert_false "and so is its scope" test -d "$CGROOT/machine.slice/machine-$(unit_escape "$N").scope"
else
        fail "no cgroup v1 freezer at $FRZ: the closing state cannot be held here"
fi

# A machine that registers while another is closing is running at once (states are per machine).
new_leader; L2=$LEADER
mcall RegisterMachine sayssus ${MP}reg 0 "" container "$L2" "" >/dev/null
assert_eq 's "running"' "$(mprop /org/freedesktop/machine1/machine/${MPO}reg State)" "RegisterMachine: running"
assert_eq running "$(state_key ${MP}reg STATE)" "RegisterMachine: STATE=running"
assert_eq "" "$(mcall TerminateMachine s ${MP}reg 2>&1)" "TerminateMachine of a registered machine"
assert_true "its leader dies and the machine goes" wait_until 5 gone ${MP}reg

test_end
