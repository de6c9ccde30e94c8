#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn and machined together: --register=auto/yes/no, CreateMachine and RegisterMachine
# (--keep-unit), machinectl list/status/terminate/poweroff/reboot on nspawn's machines, a name that is
# registered already, unregistration at the end and on error paths.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-bus.sh"

MCTL="$BUILDDIR/machinectl"
T=$(overlay_tree reg)
start_bus

# No registry on the bus: auto runs unregistered and says so; yes refuses; no says nothing.
run_nspawn -D "$T" -M ${MP}a --pipe /bin/true
assert_eq 0 "$RC" "--register=auto without machined runs"
assert_match 'runs unregistered' "$ERR" "and says it runs unregistered"
run_nspawn -D "$T" -M ${MP}a --register=yes --pipe /bin/true
assert_true "--register=yes without machined fails" test "$RC" -ne 0
assert_eq 1 "$(echo "$ERR" | wc -l)" "with one line"
run_nspawn -q -D "$T" -M ${MP}a --register=no --pipe /bin/true
assert_eq "0:" "$RC:$ERR" "--register=no says nothing"

start_machined

# A registered container: listed while it runs, gone when it ends.
"$NSPAWN" -q -D "$T" -M ${MP}b --pipe sleep 33 </dev/null & P=$!
# Registration comes before the payload runs: wait for both.
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
assert_true "the payload runs" wait_payload $P 'sleep 33'
assert_true "the machine is listed" wait_until 5 listed "${MP}b"
LIST=$("$MCTL" list --no-legend)
assert_match "^${MP//./\\.}b +container +nspawn +debian +12" "$LIST" "machinectl list shows the container, its class, service and OS"
LEADER=$("$MCTL" show ${MP}b -P Leader)
assert_eq "$PAYLOAD" "$LEADER" "the leader is the container's PID 1"
assert_eq "machine-${MP}b.scope" "$("$MCTL" show ${MP}b -P Unit)" "the unit is the machine's scope"
assert_true "the state file exists" test -f /run/systemd/machines/${MP}b
STATUS=$("$MCTL" status ${MP}b)
assert_match 'sleep 33' "$STATUS" "machinectl status shows the process tree"
kill -TERM $P
wait $P
assert_eq "" "$("$MCTL" list --no-legend)" "the machine is unregistered when the container ends"
assert_false "its state file is gone" test -e /run/systemd/machines/${MP}b

# machinectl terminate ends the container.
"$NSPAWN" -q -D "$T" -M ${MP}c --pipe sleep 100 </dev/null & P=$!
assert_true "the machine is listed" wait_until 5 listed "${MP}c"
"$MCTL" terminate ${MP}c
wait $P; RC=$?
assert_eq 137 "$RC" "machinectl terminate kills the container"

# A name that is registered already: refused before the payload runs, nothing touched.
sleep 100 & S=$!
on_exit "kill $S"
busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
        RegisterMachine sayssus ${MP}d 0 other container "$S" / >/dev/null
run_nspawn -q -D "$T" -M ${MP}d --pipe sh -c 'touch /ran'
assert_true "a registered name is refused" test "$RC" -ne 0
assert_match "Machine '${MP}d' already exists" "$ERR" "with systemd's message"
assert_false "the payload never ran" test -e "$T/ran"
assert_eq "$S" "$("$MCTL" show ${MP}d -P Leader)" "the other machine is untouched"
assert_eq "" "$(find /sys/fs/cgroup -maxdepth 3 -name "machine-${MP}d.scope")" "no cgroup is left for the refused start"
kill $S; wait $S 2>/dev/null

# --keep-unit registers the caller's unit with RegisterMachine.
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified); U=${U:-/sys/fs/cgroup}
mkdir "$U/${MP}reg.service"
on_exit "find '$U/${MP}reg.service' -depth -type d -exec rmdir {} \\; 2>/dev/null"
sh -c "echo \$\$ > '$U/${MP}reg.service/cgroup.procs'; exec '$NSPAWN' -q -D '$T' -M ${MP}e --keep-unit --pipe sleep 1008" </dev/null & P=$!
assert_true "the machine is listed" wait_until 5 listed "${MP}e"
assert_eq "${MP}reg.service" "$("$MCTL" show ${MP}e -P Unit)" "--keep-unit registers the caller's unit"
kill -TERM $P; wait $P

# A booted guest: machinectl poweroff powers it off (exit 0), machinectl reboot reboots it (133).
for verb in poweroff:0 reboot:133; do
        "$NSPAWN" -q -b -D "$T" -M ${MP}f --console=passive </dev/null & P=$!
        booted() {
                local l
                l=$("$MCTL" show "${MP}f" -P Leader 2>/dev/null) && [ -n "$l" ] &&
                        nsenter -t "$l" -m -p systemctl is-system-running 2>/dev/null | grep -q running
        }
        assert_true "the guest boots" wait_until 30 booted
        "$MCTL" "${verb%%:*}" ${MP}f
        timeout 30 tail --pid=$P -f /dev/null
        wait $P; RC=$?
        assert_eq "${verb#*:}" "$RC" "machinectl ${verb%%:*} on a booted guest gives exit ${verb#*:}"
done
assert_eq "" "$("$MCTL" list --no-legend)" "nothing stays registered"

# B14: two starts of one name at the same time: never does the loser kill the winner.
killed=0 won=0
for i in $(seq 8); do
        "$NSPAWN" -q -D "$T" -M ${MP}g --pipe sh -c 'sleep 0.5' </dev/null 2>/dev/null & A=$!
        "$NSPAWN" -q -D "$T" -M ${MP}g --pipe sh -c 'sleep 0.5' </dev/null 2>/dev/null & B=$!
        wait $A; ra=$?
        wait $B; rb=$?
        [ "$ra" = 137 ] || [ "$rb" = 137 ] && killed=$((killed + 1))
        [ "$ra" = 0 ] || [ "$rb" = 0 ] && won=$((won + 1))
done
assert_eq 0 "$killed" "concurrent starts of one name never kill each other's container"
assert_eq 8 "$won" "one of each pair runs to its end"

# Registration and removal do not make machined grow (a leak of one event source per signal).
RSS0=$(awk '/VmRSS/ {print $2}' /proc/$MACHINED_PID/status)
sleep 1000 & S=$!
for i in $(seq 300); do
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                RegisterMachine sayssus ${MP}h 0 x container "$S" / >/dev/null
        busctl call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager \
                UnregisterMachine s ${MP}h >/dev/null
done
kill $S; wait $S 2>/dev/null
RSS1=$(awk '/VmRSS/ {print $2}' /proc/$MACHINED_PID/status)
assert_true "machined's RSS stays flat over 300 register/unregister pairs (${RSS0} -> ${RSS1} KiB)" \
        test $((RSS1 - RSS0)) -lt 100

# A registry that does not answer: --register=auto runs unregistered after the call times out.
kill -STOP $MACHINED_PID
run_nspawn -D "$T" -M ${MP}i --pipe /bin/true
kill -CONT $MACHINED_PID
assert_eq 0 "$RC" "a hung machined does not stop --register=auto"
assert_match 'runs unregistered' "$ERR" "and nspawn says it runs unregistered"

# Without its bus, machined exits instead of lingering unreachable.
stop_bus
assert_true "machined exits when the bus goes away" wait_until 3 eval "! kill -0 $MACHINED_PID 2>/dev/null"

test_end
