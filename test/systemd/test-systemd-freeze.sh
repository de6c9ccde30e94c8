#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Freeze and thaw on the systemd back end (issue 9): in a booted guest (systemd as PID 1), a container
# of our nspawn registered with machined (its scope machine-NAME.scope is systemd's); machinectl
# freeze goes through systemd's FreezeUnit, so systemd's FreezerState of the scope says frozen, as does
# machined's; a counter inside stops while frozen and goes on after thaw (ThawUnit); a frozen machine
# terminates (the scope goes).
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot mfreeze
T=$(sd_guest_inner_tree frz)
N=inner
SCOPE=machine-$N.scope

counter() { sd_guest_run cat "$T/counter" 2>/dev/null || echo 0; }
counter_above() { [ "$(counter)" -gt "$1" ]; }
counter_stands() {
        local c1 c2
        c1=$(counter)
        sleep 1.5
        c2=$(counter)
        [ "$c1" = "$c2" ]
}
listed() { sd_guest_run machinectl show $N -P State >/dev/null 2>&1; }
scope_freezer() { sd_guest_run systemctl show "$SCOPE" -P FreezerState; }
machine_freezer() { sd_guest_run machinectl show $N -P FreezerState; }

# The container runs as a service of the guest, so that it outlives sd_guest_run.
sd_guest_run systemd-run -q --unit=frz-runner nspawn -q -D "$T" -M $N --pipe sh -c \
        'i=0; while :; do i=$((i+1)); echo $i > /counter.new; mv /counter.new /counter; sleep 0.01; done'
assert_true "the container registers with machined" wait_until 20 listed
assert_true "its counter runs" wait_until 20 counter_above 5
assert_eq "$SCOPE" "$(sd_guest_run machinectl show $N -P Unit)" "its unit is systemd's scope"
assert_eq active "$(sd_guest_run systemctl is-active "$SCOPE")" "the scope is active in systemd"
assert_eq running "$(scope_freezer)" "systemd: the scope is not frozen"

RC=0; sd_guest_run machinectl freeze $N || RC=$?
assert_eq 0 "$RC" "machinectl freeze succeeds"
assert_eq frozen "$(scope_freezer)" "systemd froze the scope (FreezeUnit)"
assert_eq frozen "$(machine_freezer)" "machined says frozen"
assert_true "the counter stands still while frozen" counter_stands
FROZEN_AT=$(counter)
assert_match "Freezer: frozen" "$(sd_guest_run machinectl status $N)" "status shows it"

RC=0; sd_guest_run machinectl thaw $N || RC=$?
assert_eq 0 "$RC" "machinectl thaw succeeds"
assert_eq running "$(scope_freezer)" "systemd thawed the scope (ThawUnit)"
assert_eq running "$(machine_freezer)" "machined says running"
assert_true "the counter goes on after the thaw" wait_until 5 counter_above "$FROZEN_AT"

RC=0; sd_guest_run machinectl freeze $N || RC=$?
RC=0; sd_guest_run machinectl terminate $N || RC=$?
assert_eq 0 "$RC" "terminate of a frozen machine succeeds"
gone() { ! listed && [ "$(sd_guest_run systemctl is-active "$SCOPE")" != active ]; }
assert_true "the machine and its scope are gone" wait_until 20 gone
sd_guest_run systemctl stop frz-runner.service 2>/dev/null

test_end
