#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machined on a private system bus, driven with busctl and gdbus (gdbus prints D-Bus error names):
# the Manager and Machine API, state files (also as sd-login reads them), the scope cgroup of
# CreateMachine, leader death, terminate and kill, bad input, authorization, restart, PID reuse, the
# distribution's machinectl against us. Rows B10-B13 and C1-C10 of
# ../shared/reference/reliability-checks.md (C11 is machinectl's).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-bus.sh"
test_begin

DEST=org.freedesktop.machine1
OBJ=/org/freedesktop/machine1
MGR=org.freedesktop.machine1.Manager
MI=org.freedesktop.machine1.Machine
STATE=/run/systemd/machines
CGROOT=/sys/fs/cgroup/unified
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && CGROOT=/sys/fs/cgroup
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
# RegisterMachine takes the leader's unit as the machine's unit, and one unit cannot hold two machines.
# The leaders here are plain children of this shell: run them from the root cgroup (no unit), as on
# this VM, also where the test itself was started inside a unit (a session scope, a service).
grep -q '^0::/$' /proc/self/cgroup || echo $$ > "$CGROOT/cgroup.procs" || true

mcall() { busctl --system --timeout=5 call $DEST $OBJ $MGR "$@"; }
mprop() { # object-path property
        busctl --system --timeout=5 get-property $DEST "$1" $MI "$2"
}
# Calls a Manager method with gdbus; prints "OK" or the D-Bus error name. $AS runs it as someone else.
gcall() { # method gvariant-args...
        local m=$1 out
        shift
        if out=$(${AS:-} gdbus call --system --timeout 5 --dest $DEST --object-path $OBJ --method "$MGR.$m" -- "$@" 2>&1); then
                echo OK
        else
                sed -n 's/.*GDBus\.Error:\([A-Za-z0-9_.]*\):.*/\1/p' <<<"$out" | head -1
        fi
}
# A leader: a sleep in the background, killed at the end if still there.
new_leader() {
        sleep 1000 &
        LEADER=$!
        on_exit "kill -9 $LEADER 2>/dev/null; wait $LEADER 2>/dev/null"
}
register() { # name leader
        mcall RegisterMachine sayssus "$1" 0 test container "$2" /
}
create() { # name leader
        mcall CreateMachine sayssusa\(sv\) "$1" 0 "" "" "$2" "" 0
}
gone_within() { # name seconds: true when GetMachine fails and the state file is gone in time
        local i
        for i in $(seq $(($2 * 20))); do
                if ! mcall GetMachine s "$1" >/dev/null 2>&1 && [ ! -e "$STATE/$1" ]; then
                        return 0
                fi
                sleep 0.05
        done
        return 1
}
alive() { kill -0 "$1" 2>/dev/null; }
list_names() { mcall ListMachines | grep -o '"md-[^"]*"' | tr -d '"' | sort | tr '\n' ' '; }
path_of() { mcall GetMachine s "$1" | sed 's/^o "\(.*\)"$/\1/'; }

start_bus
assert_true "the private bus runs" test -S "$WORK/bus"
start_machined
assert_true "machined answers a Peer.Ping" machined_answers
on_exit "rm -f $STATE/md-* $STATE/unit:machine-md*"

# Manager properties.
assert_eq 's "/var/lib/machines"' "$(busctl --system get-property $DEST $OBJ $MGR PoolPath)" "PoolPath"
assert_eq "t 18446744073709551615" "$(busctl --system get-property $DEST $OBJ $MGR PoolLimit)" "PoolLimit is unknown"
assert_eq "t 18446744073709551615" "$(busctl --system get-property $DEST $OBJ $MGR PoolUsage)" "PoolUsage is unknown"

# RegisterMachine: no cgroup of its own, the leader's unit (none here: the leader is in the root cgroup
# or in some non-unit cgroup).
new_leader; L1=$LEADER
OUT=$(mcall RegisterMachine sayssus md-reg 16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 test-svc container "$L1" /srv/md-reg 2>&1)
assert_eq 'o "/org/freedesktop/machine1/machine/md_2dreg"' "$OUT" "RegisterMachine returns the escaped object path"
assert_match '"md-reg" "container" "test-svc" "/org/freedesktop/machine1/machine/md_2dreg"' "$(mcall ListMachines)" "ListMachines lists it"
assert_eq "/org/freedesktop/machine1/machine/md_2dreg" "$(path_of md-reg)" "GetMachine"
assert_eq "/org/freedesktop/machine1/machine/md_2dreg" "$(mcall GetMachineByPID u "$L1" | sed 's/^o "\(.*\)"$/\1/')" "GetMachineByPID of the leader"
P=/org/freedesktop/machine1/machine/md_2dreg
assert_eq 's "md-reg"' "$(mprop $P Name)" "property Name"
assert_eq "u $L1" "$(mprop $P Leader)" "property Leader"
assert_eq 's "container"' "$(mprop $P Class)" "property Class"
assert_eq 's "test-svc"' "$(mprop $P Service)" "property Service"
assert_eq 's "/srv/md-reg"' "$(mprop $P RootDirectory)" "property RootDirectory"
assert_eq 'ay 16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16' "$(mprop $P Id)" "property Id"
assert_eq 's "running"' "$(mprop $P State)" "property State"
assert_eq 'ai 0' "$(mprop $P NetworkInterfaces)" "property NetworkInterfaces"
assert_match '^t [1-9][0-9]+$' "$(mprop $P Timestamp)" "property Timestamp"
assert_match '^t [1-9][0-9]+$' "$(mprop $P TimestampMonotonic)" "property TimestampMonotonic"
assert_match '\.Terminate +method' "$(busctl --system introspect $DEST $P $MI)" "introspection shows the Machine methods"
assert_match 'md_2dreg' "$(busctl --system tree $DEST)" "busctl tree shows the machine (node enumerator)"
assert_match '"Name" s "md-reg"' "$(busctl --system call $DEST $P org.freedesktop.DBus.Properties GetAll s $MI)" "Properties.GetAll"
assert_match '"ID" "[a-z]+"' "$(mcall GetMachineOSRelease s md-reg)" "GetMachineOSRelease reads the leader's os-release"
assert_match '"ID" "[a-z]+"' "$(busctl --system call $DEST $P $MI GetOSRelease)" "Machine.GetOSRelease"
assert_eq 'a(iay) 0' "$(mcall GetMachineAddresses s md-reg)" "GetMachineAddresses (no private network: empty)"
assert_eq NoMachineForPID "$(gcall GetMachineByPID $$ | sed 's/.*\.//')" "GetMachineByPID of a host process: NoMachineForPID"

# The state file, in sd-login's format.
S=$(cat "$STATE/md-reg" 2>/dev/null)
assert_match $'(^|\n)NAME=md-reg\n' "$S" "state file: NAME"
assert_match $'\nLEADER='"$L1"$'\n' "$S" "state file: LEADER"
assert_match $'\nID=0102030405060708090a0b0c0d0e0f10\n' "$S" "state file: ID (32 hex digits)"
assert_match $'\nCLASS=container\n' "$S" "state file: CLASS"
assert_match $'\nSERVICE=test-svc\n' "$S" "state file: SERVICE"
assert_match $'\nROOT=/srv/md-reg\n' "$S" "state file: ROOT"
assert_match $'\nREALTIME=[0-9]+\n' "$S" "state file: REALTIME"
assert_match $'\nMONOTONIC=[0-9]+\n' "$S" "state file: MONOTONIC"
assert_match $'\nLEADER_STARTTIME='"$(awk '{print $22}' /proc/$L1/stat)"$'\n' "$S" "state file: the leader's start time"

# Duplicates, C4 leaders.
new_leader; L2=$LEADER
assert_eq org.freedesktop.machine1.MachineExists "$(gcall RegisterMachine md-reg '@ay []' '' container "$L2" '')" "a duplicate name: MachineExists"
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcall RegisterMachine md-other '@ay []' '' container "$L1" '')" "a leader that already leads a machine: InvalidArgs"
assert_eq org.freedesktop.machine1.NoSuchMachine "$(gcall GetMachine md-nosuch)" "GetMachine of an unknown name: NoSuchMachine"
assert_eq org.freedesktop.machine1.NoSuchMachine "$(gcall TerminateMachine md-nosuch)" "TerminateMachine of an unknown name: NoSuchMachine"
assert_eq org.freedesktop.machine1.NoSuchMachine "$(gcall KillMachine md-nosuch all 15)" "KillMachine of an unknown name: NoSuchMachine"

# B10: leader death removes the machine once, quickly.
busctl --system monitor --match "type='signal',interface='$MGR',member='MachineRemoved'" >"$WORK/monitor" 2>/dev/null &
MON=$!
on_exit "kill $MON 2>/dev/null; wait $MON 2>/dev/null"
sleep 0.3
kill -9 "$L1"; wait "$L1" 2>/dev/null
assert_true "B10: a dead leader's machine and state file are gone within 1 s" gone_within md-reg 1
sleep 0.3
kill "$MON"; wait "$MON" 2>/dev/null
assert_eq 1 "$(grep -c 'Member=MachineRemoved' "$WORK/monitor")" "B10: exactly one MachineRemoved"
assert_match 'STRING "md-reg"' "$(cat "$WORK/monitor")" "B10: ... naming the machine"

# CreateMachine: machine.slice/machine-<escaped>.scope in the cgroup2 hierarchy.
OUT=$(gcall CreateMachine md-create '@ay []' '' '' "$L2" '' '@a(sv) []')
assert_eq OK "$OUT" "CreateMachine with an empty id, class and root, and no properties"
SCOPE="$CGROOT/machine.slice/machine-md\\x2dcreate.scope"
P=$(path_of md-create)
assert_eq 's "machine-md\\x2dcreate.scope"' "$(mprop "$P" Unit)" "the Unit is the escaped scope"
assert_true "the scope cgroup exists" test -d "$SCOPE"
assert_match "^0::/machine.slice/machine-md\\\\x2dcreate.scope$" "$(grep '^0::' /proc/$L2/cgroup)" "the leader moved into the scope"
assert_eq 'ay 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0' "$(mprop "$P" Id)" "an empty id is the null id"
assert_match $'\nSCOPE="machine-md\\\\\\\\x2dcreate.scope"\n' "$(cat "$STATE/md-create")" "state file: SCOPE"
assert_eq md-create "$(readlink "$STATE/unit:machine-md\\x2dcreate.scope")" "the unit: link points to the machine"

# A process inside the scope finds its machine (GetMachineByPID, .../machine/self).
mkfifo "$WORK/go"
bash -c "read x < '$WORK/go'; busctl --system get-property $DEST /org/freedesktop/machine1/machine/self $MI Name > '$WORK/self' 2>&1; sleep 1000 & exec sleep 1000" &
L3=$!
on_exit "kill -9 $L3 2>/dev/null; wait $L3 2>/dev/null"
create md-self "$L3" >/dev/null
echo go > "$WORK/go"
for i in $(seq 50); do [ -s "$WORK/self" ] && break; sleep 0.05; done
assert_eq 's "md-self"' "$(cat "$WORK/self")" ".../machine/self resolves to the caller's machine"
CHILD=$(pgrep -P "$L3" | head -1)
assert_eq '"/org/freedesktop/machine1/machine/md_2dself"' "$(mcall GetMachineByPID u "${CHILD:-0}" | cut -d' ' -f2)" "GetMachineByPID of a process in the scope"

# KillMachine: leader only, then all.
bash -c "trap 'echo usr1 >> $WORK/usr1' USR1; while :; do sleep 0.05; done" &
L4=$!
on_exit "kill -9 $L4 2>/dev/null; wait $L4 2>/dev/null"
sleep 0.2
create md-kill "$L4" >/dev/null
mcall KillMachine ssi md-kill leader 10
for i in $(seq 40); do [ -s "$WORK/usr1" ] && break; sleep 0.05; done
assert_eq usr1 "$(cat "$WORK/usr1" 2>/dev/null)" "KillMachine whom=leader signals the leader"
assert_true "... and the machine stays" mcall GetMachine s md-kill
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcall KillMachine md-kill nobody 15)" "KillMachine whom=nobody: InvalidArgs"
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcall KillMachine md-kill all 0)" "KillMachine signal 0: InvalidArgs"
assert_eq org.freedesktop.DBus.Error.InvalidArgs "$(gcall KillMachine md-kill all 65)" "KillMachine signal 65: InvalidArgs"
mcall KillMachine ssi md-kill all 15
assert_true "KillMachine whom=all: the machine is gone" gone_within md-kill 1
assert_false "... its leader is dead" alive "$L4"
assert_false "... its scope is gone" test -d "$CGROOT/machine.slice/machine-md\\x2dkill.scope"

# TerminateMachine, Machine.Terminate.
mcall TerminateMachine s md-create
assert_true "TerminateMachine (created): gone within 1 s" gone_within md-create 1
assert_false "... the leader is dead" alive "$L2"
assert_false "... the scope is gone" test -d "$SCOPE"
assert_false "... the unit link is gone" test -L "$STATE/unit:machine-md\\x2dcreate.scope"
busctl --system call $DEST "$(path_of md-self)" $MI Terminate
assert_true "Machine.Terminate: gone within 1 s" gone_within md-self 1
assert_false "... the leader is dead" alive "$L3"
new_leader; L5=$LEADER
register md-term "$L5" >/dev/null
mcall TerminateMachine s md-term
assert_true "TerminateMachine (registered): gone within 1 s" gone_within md-term 1
assert_false "... the leader is dead" alive "$L5"
new_leader; L6=$LEADER
register md-unreg "$L6" >/dev/null
mcall UnregisterMachine s md-unreg
assert_false "UnregisterMachine: the machine is gone" mcall GetMachine s md-unreg
assert_false "... and its state file" test -e "$STATE/md-unreg"
assert_true "... its leader still runs" alive "$L6"
new_leader; L6b=$LEADER
create md-unreg2 "$L6b" >/dev/null
mcall UnregisterMachine s md-unreg2
assert_false "UnregisterMachine (created): the machine is gone" mcall GetMachine s md-unreg2
assert_true "... its leader still runs (unregistering does not stop a machine)" alive "$L6b"
assert_true "... in its scope, which stays while it has processes" grep -q "^$L6b\$" "$CGROOT/machine.slice/machine-md\\x2dunreg2.scope/cgroup.procs"
kill -9 "$L6b"; wait "$L6b" 2>/dev/null
for i in $(seq 40); do [ -d "$CGROOT/machine.slice/machine-md\\x2dunreg2.scope" ] || break; sleep 0.05; done
assert_false "... and goes once it is empty" test -d "$CGROOT/machine.slice/machine-md\\x2dunreg2.scope"

# C4, C5, C7: bad input is refused with InvalidArgs before any side effect.
new_leader; L7=$LEADER
BEFORE_STATE=$(ls -A "$STATE" | sort)
BEFORE_CG=$(find "$CGROOT" -name 'machine-*' | sort)
bad() { # description expected method args...
        local what=$1 want=$2
        shift 2
        assert_eq "$want" "$(gcall "$@")" "$what"
}
IA=org.freedesktop.DBus.Error.InvalidArgs
for n in 'a/b' '..' '.' '../../etc/x' '' "$(printf 'a%.0s' $(seq 65))" "$(printf 'b%.0s' $(seq 300))" $'a\nb' 'a b' 'aé' '-a' '.host' 'a_b'; do
        q=$(printf '%q' "${n:0:20}")
        bad "C5: RegisterMachine refuses the name $q" $IA RegisterMachine "$n" '@ay []' '' container "$L7" ''
        bad "C5: CreateMachine refuses the name $q" $IA CreateMachine "$n" '@ay []' '' container "$L7" '' '@a(sv) []'
        bad "C5: GetMachine refuses the name $q" $IA GetMachine "$n"
        bad "C5: TerminateMachine refuses the name $q" $IA TerminateMachine "$n"
done
# Not valid UTF-8: no D-Bus library sends it; the bus would drop it. machined must not mind.
busctl --system call $DEST $OBJ $MGR GetMachine s $'a\xff' >/dev/null 2>&1
assert_true "C5: a name that is not UTF-8 does not reach or hurt machined" machined_answers
bad "C7: a 3-byte id" $IA RegisterMachine md-bad '[byte 1,2,3]' '' container "$L7" ''
bad "C7: a 17-byte id" $IA RegisterMachine md-bad "[byte $(seq -s, 17)]" '' container "$L7" ''
bad "C7: class 'host'" $IA RegisterMachine md-bad '@ay []' '' host "$L7" ''
bad "C7: a relative root directory" $IA RegisterMachine md-bad '@ay []' '' container "$L7" 'srv/x'
bad "C7: a root directory with .." $IA RegisterMachine md-bad '@ay []' '' container "$L7" '/srv/../etc'
bad "C7: a service with a newline" $IA RegisterMachine md-bad '@ay []' $'a\nSCOPE=x' container "$L7" ''
bad "C7: ifindex 0" $IA RegisterMachineWithNetwork md-bad '@ay []' '' container "$L7" '' '[0]'
bad "C4: leader 1" $IA RegisterMachine md-bad '@ay []' '' container 1 ''
bad "C4: leader = machined" $IA RegisterMachine md-bad '@ay []' '' container "$MACHINED_PID" ''
bad "C4: a leader that does not exist" $IA CreateMachine md-bad '@ay []' '' container 999999 '' '@a(sv) []'
bad "C4: a thread is not a leader" $IA RegisterMachine md-bad '@ay []' '' container "$(ls /proc/$MACHINED_PID/task | sort -n | tail -1 | grep -v "^$MACHINED_PID\$" || echo 999998)" ''
OUT=$(timeout 10 busctl --system call $DEST $OBJ $MGR CreateMachine sayssusa\(sv\) md-big 0 "" "" "$L7" "" 1 Foo s "$(head -c 8000000 /dev/zero | tr '\0' a)" 2>&1)
assert_true "C7: an 8 MB property value does not kill machined" machined_answers
mcall UnregisterMachine s md-big >/dev/null 2>&1
assert_eq "$BEFORE_STATE" "$(ls -A "$STATE" | sort)" "bad input left no state file"
assert_eq "$BEFORE_CG" "$(find "$CGROOT" -name 'machine-*' | sort)" "bad input left no cgroup"
assert_eq "" "$(list_names)" "bad input registered nothing"
assert_true "machined still runs" alive "$MACHINED_PID"

# Valid unusual names make valid, reversible paths (C6).
N64=$(printf 'x%.0s' $(seq 63))9
register "$N64" "$L7" >/dev/null
assert_eq "s \"$N64\"" "$(mprop "$(path_of "$N64")" Name)" "C6: a 64-character name"
mcall UnregisterMachine s "$N64"
register md-a.b-c "$L7" >/dev/null
assert_eq /org/freedesktop/machine1/machine/md_2da_2eb_2dc "$(path_of md-a.b-c)" "C6: dots and dashes are escaped"
assert_eq 's "md-a.b-c"' "$(mprop /org/freedesktop/machine1/machine/md_2da_2eb_2dc Name)" "C6: ... and the Name is the original"
mcall UnregisterMachine s md-a.b-c

# C1, C2: state-changing calls need root; reading is open to everyone.
register md-auth "$L7" >/dev/null
AD=org.freedesktop.DBus.Error.AccessDenied
AS=$AS_NOBODY
assert_eq OK "$(gcall ListMachines)" "C1: ListMachines works for nobody"
assert_eq OK "$(gcall GetMachine md-auth)" "C1: GetMachine works for nobody"
new_leader; L8=$LEADER
chown 65534 /proc/$L8 2>/dev/null
assert_eq $AD "$(gcall RegisterMachine md-nobody '@ay []' '' container "$L8" '')" "C1: RegisterMachine is denied to nobody"
assert_eq $AD "$(gcall CreateMachine md-nobody '@ay []' '' container "$L8" '' '@a(sv) []')" "C1: CreateMachine is denied to nobody"
assert_eq $AD "$(gcall CreateMachineWithNetwork md-nobody '@ay []' '' container "$L8" '' '@ai []' '@a(sv) []')" "C1: CreateMachineWithNetwork is denied to nobody"
assert_eq $AD "$(gcall RegisterMachineWithNetwork md-nobody '@ay []' '' container "$L8" '' '@ai []')" "C1: RegisterMachineWithNetwork is denied to nobody"
assert_eq $AD "$(gcall TerminateMachine md-auth)" "C1: TerminateMachine is denied to nobody"
assert_eq $AD "$(gcall KillMachine md-auth all 9)" "C1: KillMachine is denied to nobody"
assert_eq $AD "$(gcall UnregisterMachine md-auth)" "C1: UnregisterMachine is denied to nobody"
OUT=$($AS_NOBODY busctl --system call $DEST "$(path_of md-auth)" $MI Terminate 2>&1)
assert_match "denied" "$OUT" "C1: Machine.Terminate is denied to nobody"
OUT=$($AS_NOBODY busctl --system get-property $DEST "$(path_of md-auth)" $MI Leader 2>&1)
assert_eq "u $L7" "$OUT" "C1: properties are readable by nobody"
OUT=$($AS_NOBODY gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.RequestName org.freedesktop.machine1 4 2>&1)
assert_match "AccessDenied" "$OUT" "C3: nobody cannot own org.freedesktop.machine1 (the policy file)"
AS=
assert_true "C1: md-auth is still registered" mcall GetMachine s md-auth
assert_true "C1: its leader still runs" alive "$L7"
assert_false "C1: nothing was registered for nobody" mcall GetMachine s md-nobody
mcall UnregisterMachine s md-auth

# With network interfaces, scope properties, leader 0 (the caller).
new_leader; L9=$LEADER
OUT=$(busctl --system call $DEST $OBJ $MGR RegisterMachineWithNetwork sayssusai md-net 0 "" vm "$L9" "" 2 1 7 2>&1)
assert_eq 'o "/org/freedesktop/machine1/machine/md_2dnet"' "$OUT" "RegisterMachineWithNetwork"
assert_eq 'ai 2 1 7' "$(mprop "$(path_of md-net)" NetworkInterfaces)" "... NetworkInterfaces"
assert_eq 's "vm"' "$(mprop "$(path_of md-net)" Class)" "... class vm"
assert_match $'\nNETIF=1 7\n' "$(cat "$STATE/md-net")" "... state file NETIF"
assert_eq org.freedesktop.DBus.Error.NotSupported "$(gcall GetMachineOSRelease md-net)" "GetMachineOSRelease of a vm: NotSupported (as in systemd)"
assert_eq org.freedesktop.DBus.Error.NotSupported "$(gcall GetMachineAddresses md-net)" "GetMachineAddresses of a vm: NotSupported"
if command -v python3 >/dev/null; then
        # sd-login (libsystemd) reads the state files: sd_get_machine_names(), sd_machine_get_class(),
        # sd_machine_get_ifindices().
        OUT=$(python3 - md-net <<'EOP' 2>&1
import ctypes, sys
lib = ctypes.CDLL("libsystemd.so.0")
names = ctypes.POINTER(ctypes.c_char_p)()
n = lib.sd_get_machine_names(ctypes.byref(names))
found = [names[i].decode() for i in range(max(n, 0))]
name = sys.argv[1].encode()
cls = ctypes.c_char_p()
r = lib.sd_machine_get_class(name, ctypes.byref(cls))
ifs = ctypes.POINTER(ctypes.c_int)()
k = lib.sd_machine_get_ifindices(name, ctypes.byref(ifs))
print(sys.argv[1] in found, cls.value.decode() if r >= 0 else r, [ifs[j] for j in range(max(k, 0))])
EOP
)
        assert_eq "True vm [1, 7]" "$OUT" "sd-login reads the state file (names, class, ifindices)"
fi
mcall UnregisterMachine s md-net
new_leader; L10=$LEADER
OUT=$(busctl --system call $DEST $OBJ $MGR CreateMachineWithNetwork sayssusaia\(sv\) md-cnet 0 "" container "$L10" "" 1 3 2 Description s hello MemoryMax t 1000000 2>&1)
assert_eq 'o "/org/freedesktop/machine1/machine/md_2dcnet"' "$OUT" "CreateMachineWithNetwork with scope properties"
assert_match "ignoring 2 scope properties" "$(cat "$WORK/machined.log")" "... the properties that cannot be applied are logged"
mcall TerminateMachine s md-cnet
assert_true "... terminated" gone_within md-cnet 1
OUT=$(mcall RegisterMachine sayssus md-self0 0 "" container 0 "" 2>&1)
assert_eq 'o "/org/freedesktop/machine1/machine/md_2dself0"' "$OUT" "leader 0 means the caller (as in systemd)"
assert_true "... which exits at once: the machine goes" gone_within md-self0 1

# A process in another machine's unit cannot register a machine of its own (the unit is taken).
sleep 1000 &
L11=$!
on_exit "kill -9 $L11 2>/dev/null; wait $L11 2>/dev/null"
create md-owner "$L11" >/dev/null
sleep 1000 &
L12=$!
on_exit "kill -9 $L12 2>/dev/null; wait $L12 2>/dev/null"
echo "$L12" > "$CGROOT/machine.slice/machine-md\\x2downer.scope/cgroup.procs"
assert_eq $IA "$(gcall RegisterMachine md-intruder '@ay []' '' container "$L12" '')" "a leader inside another machine's unit: InvalidArgs"
assert_true "... its process was not harmed" alive "$L12"
assert_true "... md-owner is untouched" mcall GetMachine s md-owner
mcall TerminateMachine s md-owner
assert_true "... terminate kills the whole scope" gone_within md-owner 1
sleep 0.1
assert_false "... including the second process" alive "$L12"

# A leader that already lives below the scope (nspawn's scope/payload) stays there, and machined
# leaves that cgroup to whoever made it.
NEST="$CGROOT/machine.slice/machine-md\\x2dnest.scope"
mkdir -p "$NEST/payload"
on_exit "rmdir '$NEST/payload' '$NEST' 2>/dev/null"
sleep 1000 &
L13=$!
on_exit "kill -9 $L13 2>/dev/null; wait $L13 2>/dev/null"
echo "$L13" > "$NEST/payload/cgroup.procs"
create md-nest "$L13" >/dev/null
assert_eq 's "machine-md\\x2dnest.scope"' "$(mprop "$(path_of md-nest)" Unit)" "a leader in scope/payload: the scope is the unit"
assert_match 'payload$' "$(grep '^0::' /proc/$L13/cgroup)" "... the leader stays in payload"
mcall TerminateMachine s md-nest
assert_true "... terminate kills the leader" gone_within md-nest 1
assert_true "... and leaves the cgroup to its maker" test -d "$NEST/payload"
rmdir "$NEST/payload" "$NEST"

# GetMachineOSRelease resolves inside the machine's root (RESOLVE_IN_ROOT), with limits.
BB=$(busybox_tree "$WORK/bb")
mkdir -p "$BB/usr/lib"
echo 'ID=inside' > "$BB/usr/lib/os-release"
ln -s /../../../../usr/lib/os-release "$BB/etc/os-release"
chroot "$BB" /bin/sleep 1000 &
L14=$!
on_exit "kill -9 $L14 2>/dev/null; wait $L14 2>/dev/null"
register md-root "$L14" >/dev/null
assert_eq 'a{ss} 1 "ID" "inside"' "$(mcall GetMachineOSRelease s md-root)" "os-release: an absolute symlink with .. stays in the machine's root"
rm "$BB/etc/os-release"
mkfifo "$BB/etc/os-release"
OUT=$(timeout 5 busctl --system call $DEST $OBJ $MGR GetMachineOSRelease s md-root 2>&1); RC=$?
assert_true "os-release: a FIFO does not block machined (rc $RC: $OUT)" test "$RC" -ne 124
rm "$BB/etc/os-release"
head -c 200000 /dev/zero | tr '\0' a > "$BB/etc/os-release"
OUT=$(timeout 5 busctl --system call $DEST $OBJ $MGR GetMachineOSRelease s md-root 2>&1); RC=$?
assert_true "os-release: a 200 kB file is refused (rc $RC: ${OUT:0:80})" test "$RC" -ne 0 -a "$RC" -ne 124
assert_true "machined still answers" machined_answers
mcall TerminateMachine s md-root
assert_true "... md-root terminated" gone_within md-root 1

# GetMachineAddresses enters a private network namespace; host-scoped addresses (loopback) are left out.
unshare -n sh -c "ip link set lo up && ip addr add 10.99.0.1/24 dev lo && ip addr add fd00::5/64 dev lo nodad; touch '$WORK/netready'; exec sleep 1000" &
L17=$!
on_exit "kill -9 $L17 2>/dev/null; wait $L17 2>/dev/null"
for i in $(seq 50); do [ -e "$WORK/netready" ] && break; sleep 0.05; done
register md-addr "$L17" >/dev/null
assert_eq 'a(iay) 2 2 4 10 99 0 1 10 16 253 0 0 0 0 0 0 0 0 0 0 0 0 0 0 5' "$(mcall GetMachineAddresses s md-addr)" \
        "GetMachineAddresses lists the addresses of a private network namespace"
assert_eq 'a(iay) 2 2 4 10 99 0 1 10 16 253 0 0 0 0 0 0 0 0 0 0 0 0 0 0 5' \
        "$(busctl --system call $DEST "$(path_of md-addr)" $MI GetAddresses)" "Machine.GetAddresses"
mcall TerminateMachine s md-addr
assert_true "... md-addr terminated" gone_within md-addr 1

# C10: two terminates at the same moment.
new_leader; L15=$LEADER
create md-twice "$L15" >/dev/null
gcall TerminateMachine md-twice > "$WORK/t1" &
T1=$!
gcall TerminateMachine md-twice > "$WORK/t2"
wait $T1
assert_match "^(OK|org.freedesktop.machine1.NoSuchMachine)$" "$(cat "$WORK/t1")" "C10: first of two concurrent terminates"
assert_match "^(OK|org.freedesktop.machine1.NoSuchMachine)$" "$(cat "$WORK/t2")" "C10: second of two concurrent terminates"
assert_true "C10: the machine is gone" gone_within md-twice 1

# The distribution's machinectl (systemd-container) works with us. It refuses to run unless
# /run/systemd/system exists: give it a private /run/systemd.
assert_true "the distribution's machinectl is installed (tools/deps: systemd-container)" test -x /usr/bin/machinectl
if [ -x /usr/bin/machinectl ]; then
        new_leader; L16=$LEADER
        create md-distro "$L16" >/dev/null
        DM() { unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl --no-pager "$@"' sh "$@" 2>/dev/null; }
        assert_match 'md-distro +container' "$(DM list)" "the distribution's machinectl lists our machine"
        assert_match "Leader: $L16 \\(sleep\\)" "$(DM status md-distro)" "... shows its status"
        assert_match $'\nUnit=machine-md\\\\x2ddistro.scope\n' "$(DM show md-distro)" "... shows its properties"
        DM terminate md-distro
        assert_true "... terminates it" gone_within md-distro 1
fi

# C8 (smaller): a flood of concurrent registrations, all collected when their leaders die.
FLOOD=()
for i in $(seq 300); do
        sleep 1000 &
        FLOOD+=($!)
done
on_exit "kill -9 ${FLOOD[*]} 2>/dev/null"
RSS0=$(awk '/VmRSS/ {print $2}' /proc/$MACHINED_PID/status)
for i in $(seq 300); do echo "$i ${FLOOD[$((i - 1))]}"; done |
        xargs -P 30 -n 2 sh -c "busctl --system call $DEST $OBJ $MGR RegisterMachine sayssus md-f\$0 0 '' container \$1 / >/dev/null || echo failed" > "$WORK/flood"
assert_eq "" "$(cat "$WORK/flood")" "C8: 300 concurrent registrations succeed"
T0=$(date +%s%N)
N=$(mcall ListMachines | grep -o '"md-f[0-9]*"' | wc -l)
T1=$(date +%s%N)
assert_eq 300 "$N" "C8: ListMachines lists them all"
assert_true "C8: ListMachines with 300 machines answers within 1 s ($(((T1 - T0) / 1000000)) ms)" test $(((T1 - T0) / 1000000)) -lt 1000
RSS1=$(awk '/VmRSS/ {print $2}' /proc/$MACHINED_PID/status)
echo "note: machined RSS $RSS0 kB idle, $RSS1 kB with 300 machines"
kill -9 "${FLOOD[@]}"
wait "${FLOOD[@]}" 2>/dev/null
flood_count() { mcall ListMachines | grep -o '"md-f[0-9]*"' | wc -l; }
for i in $(seq 40); do [ "$(flood_count)" = 0 ] && break; sleep 0.05; done
assert_eq 0 "$(flood_count)" "C8: all 300 are collected when their leaders die"
assert_eq 0 "$(ls "$STATE" | grep -c '^md-f')" "C8: ... with their state files"

# B12: a restart re-adopts live machines and drops dead ones (SIGTERM and SIGKILL).
for sig in TERM KILL; do
        new_leader; LA=$LEADER
        new_leader; LB=$LEADER
        new_leader; LC=$LEADER
        register md-live "$LA" >/dev/null
        register md-dead "$LB" >/dev/null
        create md-scope "$LC" >/dev/null
        stop_machined $sig
        kill -9 "$LB"; wait "$LB" 2>/dev/null
        start_machined
        assert_eq "md-live md-scope " "$(list_names)" "B12 ($sig): the live machines are back, the dead one is not"
        assert_false "B12 ($sig): the dead machine's state file is gone" test -e "$STATE/md-dead"
        assert_eq "u $LA" "$(mprop "$(path_of md-live)" Leader)" "B12 ($sig): same leader"
        assert_eq 's "machine-md\\x2dscope.scope"' "$(mprop "$(path_of md-scope)" Unit)" "B12 ($sig): same unit"
        mcall TerminateMachine s md-scope
        assert_true "B12 ($sig): terminate works after the restart" gone_within md-scope 1
        assert_false "B12 ($sig): ... and removes the scope" test -d "$CGROOT/machine.slice/machine-md\\x2dscope.scope"
        kill -9 "$LA"; wait "$LA" 2>/dev/null
        assert_true "B12 ($sig): a re-adopted machine goes when its leader dies" gone_within md-live 1
done

# B13: machined killed in the middle of a flood of registrations, then restarted: every machine is
# either fully there (listed, with its state file) or absent; none is listed without a live leader.
B13=()
for i in $(seq 100); do
        sleep 1000 &
        B13+=($!)
done
on_exit "kill -9 ${B13[*]} 2>/dev/null"
for i in $(seq 100); do echo "$i ${B13[$((i - 1))]}"; done |
        xargs -P 20 -n 2 sh -c "busctl --system --timeout=2 call $DEST $OBJ $MGR RegisterMachine sayssus md-c\$0 0 '' container \$1 / >/dev/null 2>&1" &
XARGS=$!
sleep 0.15
stop_machined KILL
wait $XARGS 2>/dev/null
start_machined
LISTED=$(mcall ListMachines | grep -o '"md-c[0-9]*"' | tr -d '"' | sort)
FILES=$(ls "$STATE" | grep '^md-c' | sort)
assert_eq "$FILES" "$LISTED" "B13: after the restart, the listed machines are exactly those with state files ($(echo "$LISTED" | grep -c .) of 100)"
kill -9 "${B13[@]}"
wait "${B13[@]}" 2>/dev/null
for i in $(seq 40); do [ -z "$(ls "$STATE" | grep '^md-c')" ] && break; sleep 0.05; done
assert_eq "" "$(mcall ListMachines | grep -o '"md-c[0-9]*"')" "B13: all are collected when their leaders die"
assert_eq "" "$(ls "$STATE" | grep '^md-c')" "B13: ... with their state files"

# C9: clients that disconnect in the middle of a call do no harm.
new_leader; LD=$LEADER
for i in $(seq 50); do
        timeout -s KILL 0.005 busctl --system call $DEST $OBJ $MGR RegisterMachine sayssus md-d$i 0 "" container "$LD" / >/dev/null 2>&1
        mcall UnregisterMachine s md-d$i >/dev/null 2>&1
done
busctl --system --expect-reply=no call $DEST $OBJ $MGR ListMachines
assert_true "C9: machined survives clients that vanish mid-call" machined_answers
assert_eq "" "$(mcall ListMachines | grep -o '"md-d[0-9]*"')" "C9: no half-registered machine is left"
assert_true "C9: the leader was not harmed" alive "$LD"

# B11: PID reuse. machined is stopped while the leader dies and its pid comes back.
new_leader; LP=$LEADER
register md-reuse "$LP" >/dev/null
kill -STOP "$MACHINED_PID"
kill -9 "$LP"; wait "$LP" 2>/dev/null
REUSED=
for i in $(seq 20); do
        echo $((LP - 1)) > /proc/sys/kernel/ns_last_pid
        sleep 1000 &
        if [ $! = "$LP" ]; then REUSED=$!; break; fi
        kill -9 $! 2>/dev/null; wait $! 2>/dev/null
done
kill -CONT "$MACHINED_PID"
if [ -n "$REUSED" ]; then
        on_exit "kill -9 $REUSED 2>/dev/null; wait $REUSED 2>/dev/null"
        R=$(gcall TerminateMachine md-reuse)
        assert_match "^(OK|org.freedesktop.machine1.NoSuchMachine)$" "$R" "B11: terminate after PID reuse: no effect or NoSuchMachine"
        sleep 0.2
        assert_true "B11: the process that got the recycled pid lives" alive "$REUSED"
        assert_true "B11: the machine is gone" gone_within md-reuse 1
        assert_eq NoMachineForPID "$(gcall GetMachineByPID "$REUSED" | sed 's/.*\.//')" "B11: the recycled pid belongs to no machine"
        kill -9 "$REUSED"; wait "$REUSED" 2>/dev/null
else
        echo "note: could not recycle pid $LP; B11 not checked"
        assert_true "B11 (no reuse): the machine is gone" gone_within md-reuse 1
fi

assert_eq "" "$(list_names)" "no machine left"
stop_machined
stop_bus
assert_eq "" "$(ls -A "$STATE" | grep -E '^(md-|unit:machine-md)')" "no state file left"
assert_eq "" "$(pgrep -xf "$MACHINED"; pgrep -f "$WORK/bus.conf")" "no machined or dbus-daemon of this test left"
test_end
