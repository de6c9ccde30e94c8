#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl against our machined on a private system bus: list, status, show, terminate, kill,
# poweroff, reboot, JSON output, --no-legend, escaping of a hostile os-release, and the error paths
# (unknown machine, no registry on the bus, no bus at all, a bus that does not answer).
. "$(dirname "$0")/../lib.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MACHINECTL=${MACHINECTL:-$BUILDDIR/machinectl}
ESC=$'\e'

test_begin

# Runs machinectl, capturing stdout in $OUT, stderr in $ERR, the exit status in $RC and the time taken
# in milliseconds in $MS.
mctl() {
        local o e t0
        o=$(mktemp) e=$(mktemp)
        RC=0
        t0=$(date +%s%N)
        timeout 30 "$MACHINECTL" "$@" >"$o" 2>"$e" </dev/null || RC=$?
        MS=$((($(date +%s%N) - t0) / 1000000))
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}

# --- no registry ---------------------------------------------------------------------------------
start_bus || { fail "no private bus"; test_end; }

mctl list
assert_eq 1 "$RC" "list without machined fails"
assert_match "^Could not reach the machine registry \(machined\) on the system bus: " "$ERR" "list without machined: clear message"
assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "list without machined: one line"
assert_true "list without machined: fast (${MS} ms)" test "$MS" -lt 2000
mctl status ${MP}x
assert_eq 1 "$RC" "status without machined fails"
assert_match "^Could not reach the machine registry" "$ERR" "status without machined: clear message"

RC=0; DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-such-socket mctl list
assert_eq 1 "$RC" "list without a bus fails"
assert_match "^Could not reach the machine registry .*: No such file or directory" "$ERR" "list without a bus: clear message"

# A socket that accepts but never answers (a hung bus): the first call has a short deadline.
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); time.sleep(30)' \
        "$WORK/hung" & HUNG=$!
on_exit "kill $HUNG 2>/dev/null; wait $HUNG 2>/dev/null"
for i in $(seq 50); do [ -S "$WORK/hung" ] && break; sleep 0.05; done
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/hung mctl list
assert_eq 1 "$RC" "list on a hung bus fails"
assert_match "^Could not reach the machine registry .*timed out" "$ERR" "list on a hung bus: clear message"
assert_true "list on a hung bus: within the 2 s deadline (${MS} ms)" test "$MS" -lt 3500
kill "$HUNG" 2>/dev/null; wait "$HUNG" 2>/dev/null

# --- argument errors (no bus needed) --------------------------------------------------------------
mctl no-such-verb
assert_eq 1 "$RC" "unknown verb fails"
assert_match "Unknown command verb 'no-such-verb'" "$ERR" "unknown verb: message"
mctl status
assert_eq 1 "$RC" "status without a name fails"
mctl kill --kill-whom=nobody ${MP}x
assert_eq 1 "$RC" "bad --kill-whom fails"
mctl --version
assert_match "^machinectl " "$OUT" "--version"
mctl --help
assert_match "terminate NAME" "$OUT" "--help lists the verbs"

# --- with machined --------------------------------------------------------------------------------
start_machined || { fail "machined did not start"; test_end; }
on_exit "'$MACHINECTL' terminate ${MP}a ${MP}b ${MP}c ${MP}d ${MP}e >/dev/null 2>&1"

mctl list
assert_eq 0 "$RC" "empty list succeeds"
assert_eq "No machines." "$OUT" "empty list: legend"
mctl list --no-legend
assert_eq "" "$OUT" "empty list --no-legend prints nothing"
mctl list -o json
assert_eq "[]" "$OUT" "empty list as JSON"

mctl show
assert_eq 0 "$RC" "show without names (the manager)"
assert_match "(^|"$'\n'")PoolPath=" "$OUT" "show: PoolPath of the manager"
mctl show -p PoolPath --value
assert_eq 0 "$RC" "show -p PoolPath --value"
assert_match "^/" "$OUT" "show -p PoolPath --value prints a path"

# A tree whose os-release tries to take over the terminal: OSC 52 (clipboard) and clear screen.
TREE=$WORK/tree
mkdir -p "$TREE/bin" "$TREE/etc"
cp /bin/busybox "$TREE/bin/busybox"
ln -s busybox "$TREE/bin/sleep"
printf '%s\n' "ID=\"evil${ESC}[2J\"" "VERSION_ID=\"6${ESC}[31m6\"" \
        "PRETTY_NAME=\"${ESC}]52;c;ZWNobyBwd24=$(printf '\a')${ESC}[2JEvil OS\"" > "$TREE/etc/os-release"

# Leaders: a sleep chrooted into the tree, with SIGINT at its default (a background job of a script
# ignores it, and "reboot" sends it).
start_leader() {
        env --default-signal=INT chroot "$TREE" /bin/sleep 300 &
        LEADER=$!
        on_exit "kill -9 $LEADER 2>/dev/null"
        for i in $(seq 50); do
                [ "$(readlink /proc/$LEADER/root)" = "$TREE" ] && [ "$(cat /proc/$LEADER/comm)" = sleep ] && return 0
                sleep 0.02
        done
        return 1
}
create_machine() { # name leader
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                CreateMachine 'sayssusa(sv)' "$1" 16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 mctest container \
                "$2" "$TREE" 0 >/dev/null
}
register_machine() { # name leader
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                RegisterMachine 'sayssus' "$1" 0 mctest container "$2" "$TREE" >/dev/null
}
wait_gone() { # name
        for i in $(seq 100); do
                "$MACHINECTL" show "$1" >/dev/null 2>&1 || return 0
                sleep 0.05
        done
        return 1
}
wait_exit_status() { # pid -> prints the status
        local rc=0
        timeout 5 tail --pid="$1" -f /dev/null
        wait "$1" 2>/dev/null || rc=$?
        echo "$rc"
}

start_leader && LA=$LEADER
start_leader && LB=$LEADER
assert_true "machine ${MP}a created" create_machine ${MP}a "$LA"
assert_true "machine ${MP}b registered" register_machine ${MP}b "$LB"

mctl list
assert_eq 0 "$RC" "list succeeds"
assert_match "^MACHINE +CLASS +SERVICE +OS +VERSION +ADDRESSES" "$OUT" "list: header"
assert_match $'\n'"${MP}a +container +mctest +evil\\\\e\[2J +6\\\\e\[31m6 +-"$'\n' "$OUT" "list: row of ${MP}a, escaped"
assert_match $'\n'"${MP}b +container +mctest " "$OUT" "list: row of ${MP}b"
assert_match $'\n\n'"2 machines listed.$" "$OUT" "list: footer"
assert_no_match "$ESC" "$OUT" "list: no escape character reaches the terminal"
mctl list --no-legend
assert_eq 2 "$(printf '%s\n' "$OUT" | wc -l)" "list --no-legend: two lines"
assert_match "^${MP}a " "$OUT" "list --no-legend: no header, sorted"
assert_no_match "listed" "$OUT" "list --no-legend: no footer"

mctl list -o json
assert_eq 0 "$RC" "list -o json succeeds"
assert_eq "${MP}a ${MP}b" "$(printf '%s' "$OUT" | jq -r '[.[].machine] | join(" ")')" "list -o json: machines"
assert_eq "evil${ESC}[2J" "$(printf '%s' "$OUT" | jq -r '.[0].os')" "list -o json: os round-trips through JSON"
assert_eq "container mctest null" "$(printf '%s' "$OUT" | jq -c -j '.[1] | .class, " ", .service, " ", .addresses')" \
        "list -o json: class, service, addresses"
assert_no_match "$ESC" "$OUT" "list -o json: escape character encoded"

mctl status ${MP}a
assert_eq 0 "$RC" "status succeeds"
assert_match "^${MP}a\(0102030405060708090a0b0c0d0e0f10\)" "$OUT" "status: name and id"
assert_match "Since: [A-Z][a-z]{2} [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} .*ago" "$OUT" "status: since"
assert_match "Leader: $LA \(sleep\)" "$OUT" "status: leader"
assert_match "Service: mctest; class container" "$OUT" "status: service and class"
assert_match "Root: $TREE" "$OUT" "status: root"
assert_match 'OS: \\e\]52;c;ZWNobyBwd24=\\x07\\e\[2JEvil OS' "$OUT" "status: hostile PRETTY_NAME escaped"
assert_no_match "$ESC" "$OUT" "status: no escape character reaches the terminal"
assert_match "Unit: machine-${MP//./\\.}a\\.scope"$'\n' "$OUT" "status: unit"
assert_match $'\n'" +(├|└)─$LA /bin/sleep 300"'($|'$'\n'')' "$OUT" "status: process tree of the unit"
mctl status ${MP}a ${MP}b
assert_match $'\n\n'"${MP}b"$'\n' "$OUT" "status of two machines"

mctl status ${MP}nope
assert_eq 1 "$RC" "status of an unknown machine fails"
assert_eq "No machine '${MP}nope' known" "$ERR" "status of an unknown machine: message"
mctl show ${MP}nope
assert_eq 1 "$RC" "show of an unknown machine fails"
assert_eq "No machine '${MP}nope' known" "$ERR" "show of an unknown machine: message"
mctl terminate ${MP}nope
assert_eq 1 "$RC" "terminate of an unknown machine fails"
assert_eq "No machine '${MP}nope' known" "$ERR" "terminate of an unknown machine: message"

mctl show ${MP}a
assert_eq 0 "$RC" "show succeeds"
assert_match "(^|"$'\n'")Name=${MP}a"$'\n' "$OUT" "show: Name"
assert_match $'\n'"Id=0102030405060708090a0b0c0d0e0f10"$'\n' "$OUT" "show: Id as 32 hex digits"
assert_match $'\n'"Leader=$LA"$'\n' "$OUT" "show: Leader"
assert_match $'\n'"Class=container"$'\n' "$OUT" "show: Class"
assert_match $'\n'"Timestamp=[A-Z][a-z]{2} " "$OUT" "show: Timestamp formatted"
assert_match $'\n'"TimestampMonotonic=[0-9]+"$'\n' "$OUT" "show: TimestampMonotonic raw"
mctl show -P RootDirectory ${MP}a
assert_eq "$TREE" "$OUT" "show -P RootDirectory"
mctl show --property=Name,Leader --value ${MP}a ${MP}b
assert_eq "${MP}a"$'\n'"$LA"$'\n'"${MP}b"$'\n'"$LB" "$OUT" "show -p A,B --value with two machines"
mctl show -p NetworkInterfaces ${MP}a
assert_eq "NetworkInterfaces=" "$OUT" "show -p shows an empty property asked for"
mctl show ${MP}a
assert_no_match "NetworkInterfaces=" "$OUT" "show hides empty properties"
mctl show -a ${MP}a
assert_match "NetworkInterfaces=" "$OUT" "show -a shows empty properties"
mctl show -o json ${MP}a
assert_eq "${MP}a $LA 0102030405060708090a0b0c0d0e0f10 []" \
        "$(printf '%s' "$OUT" | jq -j '.Name, " ", .Leader, " ", .Id, " ", (.NetworkInterfaces | tostring)')" \
        "show -o json"

# Reading is open to everyone; changing is not, and the refusal is one clear line.
if setpriv --help >/dev/null 2>&1; then
        RC=0; OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MACHINECTL" list --no-legend 2>&1) || RC=$?
        assert_eq 0 "$RC" "list as nobody succeeds"
        assert_match "^${MP}a " "$OUT" "list as nobody shows the machines"
        RC=0; ERR=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MACHINECTL" terminate ${MP}a 2>&1) || RC=$?
        assert_eq 1 "$RC" "terminate as nobody fails"
        assert_match "^Could not terminate machine '${MP}a': " "$ERR" "terminate as nobody: message"
        assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "terminate as nobody: one line"
fi

# kill: the signal and whom reach machined's KillMachine.
mctl kill --kill-whom=leader -s SIGUSR1 ${MP}b
assert_eq 0 "$RC" "kill --kill-whom=leader -s SIGUSR1"
assert_eq $((128 + 10)) "$(wait_exit_status "$LB")" "kill: the leader got SIGUSR1"
assert_true "kill: the machine went away with its leader" wait_gone ${MP}b

mctl poweroff ${MP}a
assert_eq 0 "$RC" "poweroff succeeds"
assert_eq $((128 + $(kill -l SIGRTMIN+4))) "$(wait_exit_status "$LA")" "poweroff: the leader got SIGRTMIN+4"
assert_true "poweroff: the machine went away" wait_gone ${MP}a

start_leader && LC=$LEADER
assert_true "machine ${MP}c created" create_machine ${MP}c "$LC"
mctl reboot ${MP}c
assert_eq 0 "$RC" "reboot succeeds"
assert_eq $((128 + 2)) "$(wait_exit_status "$LC")" "reboot: the leader got SIGINT"
assert_true "reboot: the machine went away" wait_gone ${MP}c

start_leader && LD=$LEADER
start_leader && LE=$LEADER
assert_true "machine ${MP}d created" create_machine ${MP}d "$LD"
assert_true "machine ${MP}e created" create_machine ${MP}e "$LE"
mctl kill ${MP}d
assert_eq 0 "$RC" "kill with the defaults"
assert_eq $((128 + 15)) "$(wait_exit_status "$LD")" "kill: SIGTERM by default"
mctl terminate ${MP}e ${MP}nope
assert_eq 1 "$RC" "terminate of a known and an unknown machine fails"
assert_eq "No machine '${MP}nope' known" "$ERR" "terminate goes on after an unknown machine"
assert_true "terminate: the machine is gone" wait_gone ${MP}e
assert_eq $((128 + 9)) "$(wait_exit_status "$LE")" "terminate: the leader was killed"
mctl list
assert_eq "No machines." "$OUT" "all machines gone"

test_end
