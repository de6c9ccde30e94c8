#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl start/stop/poweroff/enable/disable against a real systemd (issue 9): in a booted guest,
# our machinectl starts a bootable tree in /var/lib/machines through nspawn@.service (StartUnit, the
# job waited for) until the machine runs, poweroff and stop stop the unit, enable and disable create
# and remove the machines.target.wants symlink (machines.target enabled too), each said as systemctl
# says it; a unit that fails to start is one line naming it.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot mstart
N=inner
T=$(sd_guest_inner_tree $N)
UNIT=nspawn@$N.service
WANTS=/etc/systemd/system/machines.target.wants/$UNIT

g() { # runs the shell text in the guest: $OUT, $ERR, $RC
        local o e
        o=$(mktemp) e=$(mktemp)
        RC=0
        sd_guest_run_sh "$@" >"$o" 2>"$e" </dev/null || RC=$?
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}
unit_state() { sd_guest_run systemctl is-active "$UNIT" 2>/dev/null; }
unit_is() { [ "$(unit_state)" = "$1" ]; }
# The inner machine's systemd says running (or degraded: a container lacks some hardware units).
inner_booted() {
        local l s
        l=$(sd_guest_run machinectl show $N -P Leader 2>/dev/null) || return 1
        [ -n "$l" ] || return 1
        s=$(sd_guest_run nsenter -t "$l" -a systemctl is-system-running 2>/dev/null)
        [ "$s" = running ] || [ "$s" = degraded ]
}

# --- start: StartUnit nspawn@NAME.service, waiting for the job ----------------------------------------
g 'machinectl start "$1"; echo "rc=$?"; systemctl is-active "nspawn@$1.service"' $N
assert_eq "" "$ERR" "machinectl start says nothing"
assert_eq $'rc=0\nactive' "$OUT" "machinectl start returns once nspawn@$N.service is active (the job is waited for)"
assert_true "the started machine boots" wait_until 60 inner_booted
assert_eq running "$(sd_guest_run machinectl show $N -P State)" "machined has the machine, running"
assert_eq "$UNIT" "$(sd_guest_run machinectl show $N -P Unit)" "its unit is nspawn@$N.service"
g 'machinectl status "$1"' $N
assert_match "Unit: nspawn@$N\\.service" "$OUT" "status shows the unit"
assert_match "(├|└)─payload" "$OUT" "status shows the unit's cgroup tree"
assert_match "/sbin/init|systemd" "$OUT" "... with the machine's init in it"

# --- poweroff and stop stop the unit --------------------------------------------------------------------
g 'machinectl poweroff "$1"' $N
assert_eq 0 "$RC" "machinectl poweroff succeeds"
assert_true "poweroff: nspawn@$N.service stops" wait_until 60 unit_is inactive
g 'machinectl start "$1"' $N
assert_eq 0 "$RC" "machinectl start again"
assert_true "the machine boots again" wait_until 60 inner_booted
g 'machinectl stop "$1"' $N
assert_eq 0 "$RC" "machinectl stop succeeds"
assert_true "stop: nspawn@$N.service stops" wait_until 60 unit_is inactive

# --- enable, disable ------------------------------------------------------------------------------------
# Debian's systemd-container enables machines.target: off first, so that enable has to do it.
sd_guest_run systemctl disable -q machines.target
assert_eq disabled "$(sd_guest_run systemctl is-enabled machines.target)" "machines.target is disabled before"
g 'machinectl enable "$1"' $N
assert_eq 0 "$RC" "machinectl enable succeeds"
assert_match "(^|"$'\n'")Created symlink $WANTS → /[^ ]*/nspawn@\\.service\\." "$ERR" "enable says the symlink as systemctl does"
FRAGMENT=$(sd_guest_run systemctl show -P FragmentPath "$UNIT")
assert_match "/nspawn@\.service$" "$FRAGMENT" "systemd has our nspawn@.service"
assert_eq "$(sd_guest_run readlink -f "$FRAGMENT")" "$(sd_guest_run readlink -f "$WANTS")" \
        "the machines.target.wants symlink points to nspawn@.service"
assert_eq enabled "$(sd_guest_run systemctl is-enabled "$UNIT")" "the unit is enabled"
assert_eq enabled "$(sd_guest_run systemctl is-enabled machines.target)" "machines.target is enabled too"
g 'machinectl disable "$1"' $N
assert_eq 0 "$RC" "machinectl disable succeeds"
assert_match "(^|"$'\n'")Removed \"$WANTS\"\\." "$ERR" "disable says the removed symlink"
assert_false "the symlink is gone" sd_guest_run test -L "$WANTS"
assert_eq disabled "$(sd_guest_run systemctl is-enabled "$UNIT")" "the unit is disabled"
g 'machinectl -q enable "$1" && machinectl -q disable "$1"' $N
assert_eq "0:" "$RC:$ERR" "--quiet: enable and disable say nothing"

# --- errors ---------------------------------------------------------------------------------------------
g 'machinectl start nosuchtree'
assert_eq 1 "$RC" "start of a machine without a tree fails"
assert_match "^Job for nspawn@nosuchtree\\.service failed" "$ERR" "... naming the unit"
assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "... in one line"
g 'machinectl start "a/b"'
assert_eq "1:Invalid machine name 'a/b'." "$RC:$ERR" "start of an invalid name: one line"
g 'machinectl enable "a/b"'
assert_eq "1:Invalid machine name 'a/b'." "$RC:$ERR" "enable of an invalid name: one line"
assert_false "nothing was enabled" sd_guest_run_sh 'ls /etc/systemd/system/machines.target.wants/ 2>/dev/null | grep -q nspawn@'

test_end
