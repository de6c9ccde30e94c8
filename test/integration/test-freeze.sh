#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Freeze and thaw on the cgroupfs back end (issue 9): machinectl freeze/thaw of an nspawn container
# through machined (cgroup.freeze on cgroup2, and the v1 freezer with MACHINED_CGROUP_FREEZER=v1): a
# counter inside stops while frozen and goes on after the thaw; FreezerState on the bus (and its
# PropertiesChanged), in status, list and list -o json; the state across a machined restart; a frozen
# machine terminates (on v1 too, where SIGKILL waits for a thaw); the bad input; start/enable/disable
# refused in one line on a host whose PID 1 is not systemd.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-bus.sh"

MCTL="$BUILDDIR/machinectl"
T=$(overlay_tree frz)
start_bus
start_machined || { fail "machined did not start"; test_end; }

mctl() { # $OUT, $ERR, $RC
        capture 30 "$MCTL" "$@"
}
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
counter() { cat "$T/counter" 2>/dev/null || echo 0; }
# True once the counter moved past $1.
counter_above() { [ "$(counter)" -gt "$1" ]; }
freezer_state() { "$MCTL" show "$1" -P FreezerState 2>/dev/null; }

# A container whose payload counts, about 100 times a second, into /counter (written atomically).
start_counter() { # name
        rm -f "$T/counter"
        "$NSPAWN" -q -D "$T" -M "$1" --pipe sh -c \
                'i=0; while :; do i=$((i+1)); echo $i > /counter.new; mv /counter.new /counter; sleep 0.01; done' \
                </dev/null >/dev/null 2>&1 &
        P=$!
        on_exit "kill -9 $P 2>/dev/null"
        wait_until 10 listed "$1" && wait_until 10 counter_above 5
}
# The counter stands still for 1.5 s: well over a hundred steps of a running one.
counter_stands() {
        local c1 c2
        c1=$(counter)
        sleep 1.5
        c2=$(counter)
        [ "$c1" = "$c2" ]
}
# The container's nspawn ends within 10 s; prints its exit status.
wait_exit() { # pid
        local rc=0
        timeout 10 tail --pid="$1" -f /dev/null || { echo timeout; return; }
        wait "$1" 2>/dev/null || rc=$?
        echo "$rc"
}

# --- cgroup2: freeze, thaw --------------------------------------------------------------------------
dbus-monitor --system "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" \
        > "$WORK/monitor" 2>/dev/null & MON=$!
on_exit "kill $MON 2>/dev/null; wait $MON 2>/dev/null"

assert_true "a counting container runs" start_counter ${MP}a
A=$P
CG=$CGROOT/machine.slice/machine-${MP}a.scope
assert_eq running "$(freezer_state ${MP}a)" "FreezerState is running"
mctl status ${MP}a
assert_no_match "Freezer:" "$OUT" "status of a running machine says nothing of the freezer"
mctl list
assert_match "^MACHINE +CLASS +SERVICE +OS +VERSION +ADDRESSES"$'\n' "$OUT" "list of running machines: the usual columns"

mctl freeze ${MP}a
assert_eq "0:" "$RC:$ERR" "machinectl freeze succeeds, silently"
assert_eq frozen "$(freezer_state ${MP}a)" "FreezerState is frozen once freeze returns"
assert_eq 1 "$(cat "$CG/cgroup.freeze")" "the machine's cgroup2 cgroup.freeze is set"
assert_match "frozen 1" "$(cat "$CG/cgroup.events")" "the kernel says the cgroup is frozen"
assert_true "the counter stands still while frozen" counter_stands
FROZEN_AT=$(counter)

mctl status ${MP}a
assert_match $'\n'" +Freezer: frozen"$'\n' "$OUT" "status shows the frozen machine"
mctl list
assert_match "^MACHINE +CLASS +SERVICE +OS +VERSION +ADDRESSES +FREEZER"$'\n' "$OUT" "list gets a FREEZER column, last"
assert_match $'\n'"${MP//./\\.}a +container +nspawn +debian +12 +- +frozen"$'\n' "$OUT" "list shows the frozen machine"
mctl list -o json
assert_eq frozen "$(printf '%s' "$OUT" | jq -r ".[] | select(.machine == \"${MP}a\") | .freezer")" "list -o json: freezer"

mctl freeze ${MP}a
assert_eq "0:" "$RC:$ERR" "freezing a frozen machine succeeds and changes nothing"
assert_eq frozen "$(freezer_state ${MP}a)" "still frozen"
assert_eq "$FROZEN_AT" "$(counter)" "the counter did not move"

mctl thaw ${MP}a
assert_eq "0:" "$RC:$ERR" "machinectl thaw succeeds"
assert_eq running "$(freezer_state ${MP}a)" "FreezerState is running again"
assert_true "the counter goes on after the thaw" wait_until 5 counter_above "$FROZEN_AT"
assert_eq 0 "$(cat "$CG/cgroup.freeze")" "cgroup.freeze is cleared"
mctl thaw ${MP}a
assert_eq "0:" "$RC:$ERR" "thawing a running machine succeeds and changes nothing"
mctl list -o json
assert_eq null "$(printf '%s' "$OUT" | jq -r ".[] | select(.machine == \"${MP}a\") | .freezer")" \
        "list -o json: no freezer key for a running machine (as the distribution's machinectl)"

# The bus: the methods of the Machine object too, and PropertiesChanged for each change.
busctl call $DEST $OBJ/machine/${MPO}a $MI Freeze >/dev/null
assert_eq frozen "$(busctl get-property $DEST $OBJ/machine/${MPO}a $MI FreezerState | cut -d'"' -f2)" "Machine.Freeze()"
busctl call $DEST $OBJ/machine/${MPO}a $MI Thaw >/dev/null
assert_eq running "$(busctl get-property $DEST $OBJ/machine/${MPO}a $MI FreezerState | cut -d'"' -f2)" "Machine.Thaw()"
monitor_saw() { grep -q "string \"$1\"" "$WORK/monitor"; }
assert_true "PropertiesChanged: freezing" wait_until 5 monitor_saw freezing
assert_true "PropertiesChanged: frozen" wait_until 5 monitor_saw frozen
assert_true "PropertiesChanged: thawing" wait_until 5 monitor_saw thawing
assert_true "PropertiesChanged: running" wait_until 5 monitor_saw running
assert_match "emits-change" "$(busctl introspect $DEST $OBJ/machine/${MPO}a $MI | grep FreezerState)" \
        "FreezerState is introspected as emitting changes"

# --- a machined restart keeps the state ---------------------------------------------------------------
mctl freeze ${MP}a
stop_machined
start_machined || fail "machined did not come back"
assert_eq frozen "$(freezer_state ${MP}a)" "a restarted machined shows the machine frozen"
mctl status ${MP}a
assert_match "Freezer: frozen" "$OUT" "and so does status"

# --- a frozen machine terminates -----------------------------------------------------------------------
mctl terminate ${MP}a
assert_eq "0:" "$RC:$ERR" "terminate of a frozen machine succeeds"
assert_eq 137 "$(wait_exit $A)" "the frozen container dies of the terminate"
assert_false "the machine is gone" listed ${MP}a

# --- bad input --------------------------------------------------------------------------------------------
for v in freeze thaw; do
        mctl $v ${MP}nope
        assert_eq "1:No machine '${MP}nope' known" "$RC:$ERR" "$v of an unknown machine: one line"
        mctl $v
        assert_eq "1:Too few arguments for '$v'." "$RC:$ERR" "$v without a name"
        mctl $v 'a/b'
        assert_eq 1 "$RC" "$v of an invalid name fails"
        assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "$v of an invalid name: one line"
done
# A machine without a cgroup of its own: RegisterMachine of a leader in the root cgroup.
(echo $BASHPID > "$CGROOT/cgroup.procs"; exec sleep 300) & S=$!
on_exit "kill $S 2>/dev/null"
wait_until 5 grep -qx '0::/' /proc/$S/cgroup
busctl call $DEST $OBJ $MGR RegisterMachine sayssus ${MP}r 0 test container $S / >/dev/null
mctl freeze ${MP}r
assert_eq 1 "$RC" "freeze of a machine without a cgroup fails"
assert_eq "Could not freeze machine '${MP}r': Machine '${MP}r' has no cgroup of its own to freeze" "$ERR" \
        "freeze of a machine without a cgroup: one line saying why"
assert_eq running "$(freezer_state ${MP}r)" "it stays running"
if setpriv --help >/dev/null 2>&1; then
        start_counter ${MP}n
        N=$P
        RC=0; ERR=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MCTL" freeze ${MP}n 2>&1) || RC=$?
        assert_eq 1 "$RC" "freeze as nobody fails"
        assert_match "^Could not freeze machine '${MP}n': Access denied" "$ERR" "freeze as nobody: denied"
        assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "freeze as nobody: one line"
        assert_eq running "$(freezer_state ${MP}n)" "and the machine runs on"
        "$MCTL" terminate ${MP}n
        wait_exit $N >/dev/null
fi
busctl call $DEST $OBJ $MGR UnregisterMachine s ${MP}r >/dev/null

# --- the v1 freezer (hybrid hosts without the cgroup2 one) ---------------------------------------------
if [ -d /sys/fs/cgroup/freezer ] && [ "$(stat -fc %T /sys/fs/cgroup/freezer)" = cgroupfs ]; then
        stop_machined
        MACHINED_CGROUP_FREEZER=v1 start_machined || fail "machined (v1 freezer) did not start"
        assert_true "a counting container runs" start_counter ${MP}v
        V=$P
        V1=/sys/fs/cgroup/freezer/machine.slice/machine-${MP}v.scope
        # Should the terminate fail to thaw it, the cleanup's SIGKILL still ends the container.
        on_exit "echo THAWED > '$V1/freezer.state' 2>/dev/null"
        mctl freeze ${MP}v
        assert_eq "0:" "$RC:$ERR" "v1: freeze succeeds"
        assert_eq FROZEN "$(cat "$V1/freezer.state")" "v1: freezer.state is FROZEN"
        assert_eq 0 "$(cat "$CGROOT/machine.slice/machine-${MP}v.scope/cgroup.freeze")" "v1: cgroup2's freezer untouched"
        assert_true "v1: the counter stands still while frozen" counter_stands
        FROZEN_AT=$(counter)
        mctl thaw ${MP}v
        assert_eq "0:" "$RC:$ERR" "v1: thaw succeeds"
        assert_eq THAWED "$(cat "$V1/freezer.state")" "v1: freezer.state is THAWED"
        assert_true "v1: the counter goes on after the thaw" wait_until 5 counter_above "$FROZEN_AT"
        # Frozen through v1, thawed by a machined that freezes through cgroup2: v1 is thawed too.
        mctl freeze ${MP}v
        assert_true "v1: frozen again" counter_stands
        FROZEN_AT=$(counter)
        stop_machined
        start_machined || fail "machined (cgroup2 freezer) did not start"
        mctl thaw ${MP}v
        assert_eq "0:" "$RC:$ERR" "thaw by a machined that uses cgroup2 succeeds"
        assert_eq THAWED "$(cat "$V1/freezer.state")" "... and thaws the v1 freezer"
        assert_true "... so the counter goes on" wait_until 5 counter_above "$FROZEN_AT"
        stop_machined
        MACHINED_CGROUP_FREEZER=v1 start_machined || fail "machined (v1 freezer) did not start"
        # A task frozen by v1 does not die of SIGKILL until thawed: terminate must thaw.
        mctl freeze ${MP}v
        mctl terminate ${MP}v
        assert_eq "0:" "$RC:$ERR" "v1: terminate of a frozen machine succeeds"
        assert_eq 137 "$(wait_exit $V)" "v1: the frozen container dies of the terminate"
fi

# --- start, enable, disable need systemd as PID 1 ------------------------------------------------------
if [ ! -d /run/systemd/system ]; then
        for v in start enable disable; do
                mctl $v ${MP}x
                assert_eq 1 "$RC" "$v without systemd fails"
                assert_eq "'$v' needs systemd as PID 1 (it starts and enables nspawn@.service); this system runs without it." \
                        "$ERR" "$v without systemd: one line"
        done
        RC=0; ERR=$(env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=de_DE.UTF-8 NSPAWN_LOCALEDIR="$BUILDDIR/po" \
                "$MCTL" enable ${MP}x 2>&1) || RC=$?
        assert_eq "1:»enable« braucht systemd als PID 1 (es startet und aktiviert nspawn@.service); dieses System läuft ohne." \
                "$RC:$ERR" "the refusal in German"
fi

test_end
