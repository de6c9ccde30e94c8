#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machined's machine lifecycle on the cgroupfs back end (issue 7, items 16-19, 24): kill and terminate
# reach the machine's whole cgroup; only a leader that is gone (ESRCH) ends a machine, also across a
# restart under injected faults; planted state files cannot point terminate at other cgroups; the
# scopes machined made are collected once empty, whatever happened; the rollback of a failed move
# never kills. Faults are injected with strace.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-bus.sh"
test_begin

MACHINECTL=${MACHINECTL:-$BUILDDIR/machinectl}
SLICE=$CGROOT/machine.slice
# The leaders are children of this shell and must live in no unit (RegisterMachine takes the leader's
# unit as the machine's): run from the root cgroup, as on this VM.
grep -q '^0::/$' /proc/self/cgroup || echo $$ > "$CGROOT/cgroup.procs" || true

mcall() { busctl --system --timeout=5 call $DEST $OBJ $MGR "$@"; }
mprop() { busctl --system --timeout=5 get-property $DEST "$1" $MI "$2"; }
gcall() { # method gvariant-args...: prints OK or the D-Bus error name
        local m=$1 out
        shift
        if out=$(gdbus call --system --timeout 5 --dest $DEST --object-path $OBJ --method "$MGR.$m" -- "$@" 2>&1); then
                echo OK
        else
                sed -n 's/.*GDBus\.Error:\([A-Za-z0-9_.]*\):.*/\1/p' <<<"$out" | head -1
        fi
}
register() { mcall RegisterMachine sayssus "$1" 0 test container "$2" /; }
create() { mcall CreateMachine sayssusa\(sv\) "$1" 0 "" "" "$2" "" 0; }
path_of() { mcall GetMachine s "$1" | sed 's/^o "\(.*\)"$/\1/'; }
names() { mcall ListMachines | grep -o "\"${MP}md-lc-[^\"]*\"" | tr -d '"' | sort | tr '\n' ' '; }
scope_of() { printf '%s/machine-%s.scope' "$SLICE" "${1//-/\\x2d}"; }
proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }
# Dead: gone, or a zombie that nobody has reaped yet.
dead() { local s; s=$(proc_state "$1"); [ -z "$s" ] || [ "$s" = Z ]; }
alive() { ! dead "$1"; }
all_in_state() { # state pid...
        local s=$1 p
        shift
        for p; do [ "$(proc_state "$p")" = "$s" ] || return 1; done
}
all_dead() { local p; for p; do dead "$p" || return 1; done; }
wait_for() { # seconds command...: polls until the command succeeds
        local t=$1 i
        shift
        for i in $(seq $((t * 20))); do
                "$@" && return 0
                sleep 0.05
        done
        "$@"
}
gone() { ! mcall GetMachine s "$1" >/dev/null 2>&1 && [ ! -e "$STATE/$1" ]; }
no_dir() { [ ! -d "$1" ]; }
starttime() { awk '{print $22}' "/proc/$1/stat"; }
# A background process (sleep) in cgroup $1 (absolute, "" for this shell's), killed at the end.
spawn_in() { # cgroup
        if [ -n "$1" ]; then
                bash -c "echo \$\$ > '$1/cgroup.procs' && exec sleep 1000" &
        else
                sleep 1000 &
        fi
        SPAWNED=$!
        on_exit "kill -9 $SPAWNED 2>/dev/null; wait $SPAWNED 2>/dev/null"
        wait_for 2 test "$(readlink /proc/$SPAWNED/exe)" = "$(readlink -f "$(command -v sleep)")"
}

# machined under strace, with strace's fault-injection options; $MACHINED_PID is strace's.
start_machined_strace() { # strace options...
        printf '#!/bin/sh\nexec strace -f -qq -o %q %s %q\n' "$WORK/strace.log" "$*" "$BUILDDIR/machined" > "$WORK/machined-strace"
        chmod +x "$WORK/machined-strace"
        MACHINED=$WORK/machined-strace start_machined
}
stop_machined_strace() {
        local child
        child=$(pgrep -P "$MACHINED_PID" -x machined)
        [ -n "$child" ] && kill -TERM "$child"
        wait "$MACHINED_PID" 2>/dev/null
        MACHINED_PID=
}
restart_machined() { stop_machined; start_machined; }
# After a fault that should have killed machined: true when it died; else it is stopped.
machined_died() {
        local r=0
        wait_for 5 dead "$MACHINED_PID" || r=1
        [ "$r" = 0 ] || stop_machined_strace
        wait "$MACHINED_PID" 2>/dev/null
        MACHINED_PID=
        return $r
}

assert_true "strace is installed (tools/deps)" command -v strace
start_bus
start_machined
on_exit "rm -f $STATE/${MP}md-lc-* $STATE/unit:*${MP}md*lc*"
on_exit "for d in $SLICE/machine-${MP}md*lc*; do [ -d \"\$d\" ] && find \"\$d\" -depth -type d -exec rmdir {} \; ; done 2>/dev/null"

# --- Item 24 first, while machined knows no machine: the rollback after a failed check never kills.
# A dry run finds the pidfd check that follows the move of the leader by pid; the real run makes that
# check fail (as if the leader had died and its pid had gone to another process before the move).
stop_machined
start_machined_strace -e trace=pidfd_send_signal,write -y
spawn_in ""; R1=$SPAWNED
create ${MP}md-lc-rb "$R1" >/dev/null
mcall TerminateMachine s ${MP}md-lc-rb >/dev/null
wait_for 2 gone ${MP}md-lc-rb
stop_machined_strace
N=$(awk -v pid="$R1" '/pidfd_send_signal\(/ { n++; if (moved) { print n; exit } }
        index($0, "cgroup.procs>, \"" pid "\"") { moved = 1 }' "$WORK/strace.log")
assert_match '^[0-9]+$' "${N:-}" "24: the dry run finds the check after the move (call ${N:-?})"
spawn_in ""; R2=$SPAWNED
CG_BEFORE=$(grep '^0::' /proc/$R2/cgroup)
start_machined_strace -e trace=pidfd_send_signal -e inject=pidfd_send_signal:error=ESRCH:when=${N:-1}
OUT=$(create ${MP}md-lc-rb "$R2" 2>&1)
assert_match "does not exist" "$OUT" "24: the move cannot be proven to have taken the leader: CreateMachine fails"
sleep 0.2 # the process would be dead by now if it had been killed: it is checked below, not waited for
assert_true "24: the process that was moved is not killed" alive "$R2"
assert_eq "$CG_BEFORE" "$(grep '^0::' /proc/$R2/cgroup)" "24: ... it is back in the cgroup the leader was in"
assert_true "24: ... and the scope is gone" no_dir "$(scope_of ${MP}md-lc-rb)"
assert_false "24: ... no state file" test -e "$STATE/${MP}md-lc-rb"
stop_machined_strace
start_machined

# --- Item 18: kill and terminate reach every process of the machine's cgroup.
KCG=$CGROOT/${MP}md-lc-kill.scope
mkdir "$KCG"
on_exit "rmdir '$KCG' 2>/dev/null"
bash -c "echo \$\$ > '$KCG/cgroup.procs'; sleep 1000 & sleep 1000 & exec sleep 1000" &
K=$!
on_exit "kill -9 $K 2>/dev/null; wait $K 2>/dev/null"
wait_for 2 test "$(wc -l < "$KCG/cgroup.procs")" = 3
sleep 0.1
KPIDS=($(cat "$KCG/cgroup.procs"))
on_exit "kill -9 ${KPIDS[*]} 2>/dev/null"
OTHERS=()
for p in "${KPIDS[@]}"; do [ "$p" = "$K" ] || OTHERS+=("$p"); done
assert_eq 3 "${#KPIDS[@]}" "18: the machine has three processes"
register ${MP}md-lc-kill "$K" >/dev/null
assert_eq "s \"${MP}md-lc-kill.scope\"" "$(mprop "$(path_of ${MP}md-lc-kill)" Unit)" "18: RegisterMachine takes the leader's unit"
OUT=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus "$MACHINECTL" kill --signal=SIGSTOP ${MP}md-lc-kill 2>&1)
assert_true "18: machinectl kill --signal=SIGSTOP stops every process of the machine ($OUT)" wait_for 2 all_in_state T "${KPIDS[@]}"
mcall KillMachine ssi ${MP}md-lc-kill all 18
assert_true "18: KillMachine all SIGCONT continues them all" wait_for 2 all_in_state S "${KPIDS[@]}"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus "$MACHINECTL" kill --kill-whom=leader --signal=SIGSTOP ${MP}md-lc-kill
assert_true "18: --kill-whom=leader stops the leader" wait_for 2 all_in_state T "$K"
assert_true "18: ... and only the leader" all_in_state S "${OTHERS[@]}"
mcall KillMachine ssi ${MP}md-lc-kill leader 18
wait_for 2 all_in_state S "$K"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus "$MACHINECTL" terminate ${MP}md-lc-kill
assert_true "18: terminate of a machine without a PID namespace of its own ends all its processes" wait_for 2 all_dead "${KPIDS[@]}"
assert_true "18: ... and the machine" wait_for 2 gone ${MP}md-lc-kill
wait "$K" 2>/dev/null

# ... and of an nspawn container (the scope nspawn made, the payload below it): SIGSTOP reaches the
# processes beside the container's PID 1, terminate ends the container.
BB=$(busybox_tree "$WORK/${MP}bb")
NS=$(scope_of ${MP}md-lc-ns)
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus "$NSPAWN" -q -D "$BB" -M ${MP}md-lc-ns --register=yes --pipe \
        sh -c 'sleep 1000 & sleep 1000 & wait' </dev/null >/dev/null 2>"$WORK/ns.err" &
NSP=$!
on_exit "kill -9 $NSP 2>/dev/null; wait $NSP 2>/dev/null"
ns_ready() { mcall GetMachine s ${MP}md-lc-ns >/dev/null 2>&1 && [ "$(find "$NS" -name cgroup.procs -exec cat {} + 2>/dev/null | wc -l)" -ge 3 ]; }
assert_true "18: the nspawn container runs, registered, with three processes" wait_for 10 ns_ready
NSPIDS=($(find "$NS" -name cgroup.procs -exec cat {} + 2>/dev/null))
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus "$MACHINECTL" kill --signal=SIGSTOP ${MP}md-lc-ns
assert_true "18: machinectl kill --signal=SIGSTOP stops every process of the container" wait_for 2 all_in_state T "${NSPIDS[@]}"
mcall KillMachine ssi ${MP}md-lc-ns all 18
assert_true "18: ... SIGCONT continues them" wait_for 2 all_in_state S "${NSPIDS[@]}"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus "$MACHINECTL" terminate ${MP}md-lc-ns
assert_true "18: terminate ends every process of the container" wait_for 5 all_dead "${NSPIDS[@]}"
assert_true "18: ... and nspawn" wait_for 5 dead "$NSP"
wait "$NSP" 2>/dev/null
assert_true "18: ... which removes its scope" wait_for 2 no_dir "$NS"

# --- Item 16: a restarted machined whose pidfd_open fails with EMFILE keeps the machines.
spawn_in ""; L1=$SPAWNED
spawn_in ""; L2=$SPAWNED
register ${MP}md-lc-live "$L1" >/dev/null
create ${MP}md-lc-scope "$L2" >/dev/null
assert_true "16: the scope exists" test -d "$(scope_of ${MP}md-lc-scope)"
stop_machined
start_machined_strace -e trace=pidfd_open -e inject=pidfd_open:error=EMFILE
assert_eq "" "$(names)" "16: with pidfd_open failing, the machines are not adopted"
assert_true "16: ... but the state files stay" test -e "$STATE/${MP}md-lc-live" -a -e "$STATE/${MP}md-lc-scope"
assert_true "16: ... the scope stays" test -d "$(scope_of ${MP}md-lc-scope)"
assert_true "16: ... the leaders live" all_in_state S "$L1" "$L2"
assert_match "Not adopting machine ${MP}md-lc-scope .*Too many open files" "$(cat "$WORK/machined.log")" "16: ... the cause is logged"
spawn_in ""; L3=$SPAWNED
OUT=$(create ${MP}md-lc-new "$L3" 2>&1)
assert_match "pidfd.*Too many open files" "$OUT" "16: CreateMachine says what failed"
assert_no_match "does not exist" "$OUT" "16: ... not that the leader does not exist"
OUT=$(register ${MP}md-lc-new "$L3" 2>&1)
assert_match "pidfd.*Too many open files" "$OUT" "16: RegisterMachine says what failed"
assert_false "16: ... nothing was registered" test -e "$STATE/${MP}md-lc-new"
assert_true "16: ... no scope was made" no_dir "$(scope_of ${MP}md-lc-new)"
stop_machined_strace
start_machined
assert_eq "${MP}md-lc-live ${MP}md-lc-scope " "$(names)" "16: the next machined adopts them again"
assert_eq 's "machine-'"$MP"'md\\x2dlc\\x2dscope.scope"' "$(mprop "$(path_of ${MP}md-lc-scope)" Unit)" "16: ... with the same unit"
# A liveness check that fails otherwise than with ESRCH (here EPERM, from the first check after the
# start: a dry run counts the checks that re-adoption makes) does not end the machine either.
stop_machined
start_machined_strace -e trace=pidfd_send_signal
N=$(grep -c 'pidfd_send_signal(' "$WORK/strace.log")
stop_machined_strace
start_machined_strace -e trace=pidfd_send_signal -e inject=pidfd_send_signal:error=EPERM:when=$((N + 1))+
assert_eq "${MP}md-lc-live ${MP}md-lc-scope " "$(names)" "16: re-adopted again ($N checks at start)"
OUT=$(mcall GetMachine s ${MP}md-lc-scope 2>&1)
assert_match '^o ' "$OUT" "16: a liveness check failing with EPERM does not drop the machine"
assert_true "16: ... its leader lives" alive "$L2"
assert_true "16: ... its scope stays" test -d "$(scope_of ${MP}md-lc-scope)"
assert_true "16: ... its state file stays" test -e "$STATE/${MP}md-lc-scope"
stop_machined_strace
start_machined
mcall TerminateMachine s ${MP}md-lc-scope
assert_true "16: terminate after the restart works" wait_for 2 gone ${MP}md-lc-scope
assert_true "16: ... and removes the scope machined made (ownership kept)" wait_for 2 no_dir "$(scope_of ${MP}md-lc-scope)"
mcall TerminateMachine s ${MP}md-lc-live
assert_true "16: ${MP}md-lc-live terminated" wait_for 2 gone ${MP}md-lc-live

# --- Item 17: the scopes machined made are collected once empty, whatever happened before.
# (a) UnregisterMachine while processes remain (one of them in a sub-cgroup, as a guest's manager
# makes them).
spawn_in ""; U=$SPAWNED
create ${MP}md-lc-unreg "$U" >/dev/null
US=$(scope_of ${MP}md-lc-unreg)
mkdir "$US/payload"
echo "$U" > "$US/payload/cgroup.procs"
mcall UnregisterMachine s ${MP}md-lc-unreg
assert_true "17a: after UnregisterMachine the scope stays while it has processes" test -d "$US/payload"
assert_true "17a: ... its process runs" alive "$U"
kill -9 "$U"; wait "$U" 2>/dev/null
assert_true "17a: ... and the scope goes once it is empty" wait_for 2 no_dir "$US"
spawn_in ""; U2=$SPAWNED
assert_match '^o ' "$(create ${MP}md-lc-unreg "$U2" 2>&1)" "17a: ... so that the name can be created again"
mcall TerminateMachine s ${MP}md-lc-unreg
assert_true "17a: ... and terminated" wait_for 2 no_dir "$US"
# (b) A second CreateMachine with the same leader (after the first machine was unregistered).
spawn_in ""; S=$SPAWNED
create ${MP}md-lc-first "$S" >/dev/null
mcall UnregisterMachine s ${MP}md-lc-first
create ${MP}md-lc-second "$S" >/dev/null
assert_match "machine-${MP}md\\\\x2dlc\\\\x2dsecond.scope$" "$(grep '^0::' /proc/$S/cgroup)" "17b: the leader moved to the second scope"
assert_true "17b: the first scope, empty now, goes" wait_for 2 no_dir "$(scope_of ${MP}md-lc-first)"
mcall TerminateMachine s ${MP}md-lc-second
assert_true "17b: the second goes with its machine" wait_for 2 no_dir "$(scope_of ${MP}md-lc-second)"
# (c) machined killed between the move and the state file (its link into place).
stop_machined
spawn_in ""; X=$SPAWNED
start_machined_strace -e trace=linkat -e inject=linkat:signal=KILL
create ${MP}md-lc-crash "$X" >/dev/null 2>&1
assert_true "17c: machined is killed when it links the state file into place" machined_died
assert_true "17c: ... before the state file was in place" test ! -e "$STATE/${MP}md-lc-crash"
assert_true "17c: ... with the leader in the scope" grep -qx "$X" "$(scope_of ${MP}md-lc-crash)/cgroup.procs"
FOREIGN="$(scope_of ${MP}md-lc-foreign)"
mkdir "$FOREIGN"
on_exit "rmdir '$FOREIGN' 2>/dev/null"
start_machined
assert_eq "" "$(names)" "17c: the next machined does not list it"
assert_true "17c: ... the scope stays while its process runs" test -d "$(scope_of ${MP}md-lc-crash)"
kill -9 "$X"; wait "$X" 2>/dev/null
assert_true "17c: ... and goes once it is empty" wait_for 2 no_dir "$(scope_of ${MP}md-lc-crash)"
assert_true "17: an empty scope that machined did not make (nspawn's) is left alone" test -d "$FOREIGN"
# (c') the same, with the leader gone while no machined ran: swept at start.
stop_machined
spawn_in ""; Y=$SPAWNED
start_machined_strace -e trace=linkat -e inject=linkat:signal=KILL
create ${MP}md-lc-crash2 "$Y" >/dev/null 2>&1
assert_true "17c': machined is killed when it links the state file into place" machined_died
assert_true "17c': the scope was left behind" test -d "$(scope_of ${MP}md-lc-crash2)"
kill -9 "$Y"; wait "$Y" 2>/dev/null
start_machined
assert_true "17c': the sweep at start removes it" wait_for 2 no_dir "$(scope_of ${MP}md-lc-crash2)"
rmdir "$FOREIGN"

# --- Item 19: planted state files cannot point terminate at other cgroups.
ICG=$CGROOT/${MP}md-lc-inn.scope
mkdir "$ICG"
on_exit "rmdir '$ICG' 2>/dev/null"
spawn_in "$ICG"; I=$SPAWNED
spawn_in "$ICG"; P1=$SPAWNED
spawn_in ""; P2=$SPAWNED
spawn_in ""; P3=$SPAWNED
plant() { # name leader extra-lines
        printf 'NAME=%s\nLEADER=%s\nCLASS=container\nREALTIME=1\nMONOTONIC=1\n%b' "$1" "$2" "$3" > "$STATE/$1"
}
plant ${MP}md-lc-p1 "$P1" "LEADER_STARTTIME=$(starttime "$P1")\nSCOPE=${MP}md-lc-inn.scope\nCGROUP=/${MP}md-lc-inn.scope\nOWN_CGROUP=yes\n"
plant ${MP}md-lc-p2 "$P2" "LEADER_STARTTIME=$(starttime "$P2")\nSCOPE=${MP}md-lc-inn.scope\nCGROUP=/${MP}md-lc-inn.scope\nOWN_CGROUP=no\n"
plant ${MP}md-lc-p3 "$P3" ""
restart_machined
assert_eq NoSuchMachine "$(gcall TerminateMachine ${MP}md-lc-p1 | sed 's/.*\.//')" "19: OWN_CGROUP=yes for a cgroup that is not the machine's scope: not adopted"
assert_eq NoSuchMachine "$(gcall TerminateMachine ${MP}md-lc-p2 | sed 's/.*\.//')" "19: a CGROUP the leader does not live in: not adopted"
sleep 0.2 # a kill would have landed by now; the processes are checked, not waited for
assert_true "19: ... the innocent process in that cgroup lives" alive "$I"
assert_true "19: ... and so do the leaders" all_in_state S "$P1" "$P2"
assert_false "19: ... the untrusted state files are removed" test -e "$STATE/${MP}md-lc-p1" -o -e "$STATE/${MP}md-lc-p2"
assert_eq "" "$(names)" "19: a state file without LEADER_STARTTIME: not adopted"
assert_true "19: ... its leader lives" alive "$P3"
assert_false "19: ... its state file is removed" test -e "$STATE/${MP}md-lc-p3"
if alive "$I"; then
        # Only with the checks above in place: without them CGROUP=/ would have terminate kill the host.
        spawn_in ""; P4=$SPAWNED
        spawn_in ""; P5=$SPAWNED
        spawn_in ""; J=$SPAWNED
        plant ${MP}md-lc-p4 "$P4" "LEADER_STARTTIME=$(starttime "$P4")\nCGROUP=/\nOWN_CGROUP=yes\n"
        plant ${MP}md-lc-p5 "$P5" "LEADER_STARTTIME=$(starttime "$P5")\nCGROUP=/\nOWN_CGROUP=no\n"
        restart_machined
        assert_eq NoSuchMachine "$(gcall TerminateMachine ${MP}md-lc-p4 | sed 's/.*\.//')" "19: CGROUP=/ with OWN_CGROUP=yes: not adopted"
        assert_eq NoSuchMachine "$(gcall TerminateMachine ${MP}md-lc-p5 | sed 's/.*\.//')" "19: CGROUP=/: not adopted"
        sleep 0.2
        assert_true "19: ... an innocent process in the root cgroup lives" alive "$J"
        assert_true "19: ... and so do the leaders" all_in_state S "$P4" "$P5"
fi

assert_eq "" "$(names)" "no machine left"
stop_machined
stop_bus
assert_eq "" "$(ls -A "$STATE" | grep -E "^(${MP}md-lc-|unit:machine-${MP}md.x2dlc)")" "no state file left"
assert_eq "" "$(ls -A "$SLICE" 2>/dev/null | grep "${MP}md.x2dlc")" "no scope left"
test_end
