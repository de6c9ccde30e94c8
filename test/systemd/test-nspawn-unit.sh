#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn@.service, as installed, on a systemd host (the guest): `systemctl start nspawn@NAME` boots
# /var/lib/machines/NAME to 'running' (seen through our machinectl from outside the inner guest),
# registered with our machined under the unit's name; a reboot inside makes nspawn exit 133 and the
# unit restart with a new leader; `systemctl stop` powers it off and unregisters it; enable/disable
# create and remove the machines.target.wants symlink.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot unit
# Our tmpfiles snippet (beside systemd-container's identical line) made the directory root's only.
assert_true "the tmpfiles snippet is installed" sd_guest_run test -f /usr/lib/tmpfiles.d/nspawn.conf
assert_eq "Q /var/lib/machines 0700 - - -" "$(sd_guest_run grep -v '^#' /usr/lib/tmpfiles.d/nspawn.conf)" "... with its line"
assert_eq 700 "$(sd_guest_run stat -c %a /var/lib/machines)" "/var/lib/machines is 0700"
T=$(sd_guest_inner_tree inner)
U=nspawn@inner.service

state() { sd_guest_run systemctl show -P "${2:-ActiveState}" "$1"; }
# The inner guest's state, found by its leader as our machined knows it.
LEADER=
INNER=
inner_running() {
        LEADER=$(sd_guest_run machinectl show inner -P Leader 2>/dev/null) && [ -n "$LEADER" ] || return 1
        INNER=$(sd_guest_run timeout 5 nsenter -t "$LEADER" -a systemctl is-system-running 2>/dev/null)
        [ "$INNER" = running ] || [ "$INNER" = degraded ]
}
inner_failed() { # why
        fail "$1"
        {
                sd_guest_run systemctl status --no-pager -l "$U"
                sd_guest_run journalctl --no-pager -n 40 -u "$U"
        } >&2
}

assert_true "systemctl start $U succeeds" sd_guest_run systemctl start "$U"
assert_eq active "$(state "$U")" "$U is active (Type=notify: nspawn said READY)"
wait_until 60 inner_running
assert_eq running "$INNER" "the inner guest boots to 'running'" || inner_failed "the inner guest did not boot"
FIRST=$LEADER
assert_match "^inner +container +nspawn +debian +12" "$(sd_guest_run machinectl list --no-legend)" \
        "our machinectl lists it"
OWNER=$(sd_guest_run busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s org.freedesktop.machine1 | awk '{print $2}')
assert_eq "$SD_GUEST_LIBEXECDIR/machined" "$(sd_guest_run readlink "/proc/$OWNER/exe")" "the machined that answers is ours"
assert_eq "$U" "$(sd_guest_run machinectl show inner -P Unit)" "it is registered with the unit's name"
MAIN=$(state "$U" MainPID)
assert_eq "$MAIN" "$(sd_guest_run ps -o ppid= -p "$FIRST" | tr -d ' ')" \
        "... its leader is a child of the unit's main process (nspawn)"
assert_eq "0::/machine.slice/nspawn@inner.service/supervisor" "$(sd_guest_run grep '^0::' "/proc/$MAIN/cgroup")" \
        "... which stays in the unit's cgroup (its supervisor child)"
assert_match "^0::/machine.slice/nspawn@inner.service/payload(/|$)" "$(sd_guest_run grep '^0::' "/proc/$FIRST/cgroup")" \
        "... and the leader in its payload child"

# A reboot inside: nspawn exits 133 and the unit restarts (RestartForceExitStatus=133).
sd_guest_run nsenter -t "$FIRST" -a systemctl reboot
new_leader() { inner_running && [ "$LEADER" != "$FIRST" ]; }
assert_true "after a reboot inside, the unit runs the machine again with a new leader" wait_until 60 new_leader
assert_eq 1 "$(state "$U" NRestarts)" "... restarted once by systemd (exit 133)"
assert_eq running "$INNER" "... and the inner guest is 'running' again"

assert_true "systemctl stop $U succeeds" sd_guest_run systemctl stop "$U"
assert_eq inactive "$(state "$U")" "$U is inactive (the guest powered off, not failed)"
assert_eq "" "$(sd_guest_run machinectl list --no-legend)" "the machine is no longer registered"
assert_false "... and no machine-inner process is left" sd_guest_run_sh 'pgrep -f "nspawn.*-machine=[i]nner"'

# enable/disable: the machines.target.wants symlink.
W=/etc/systemd/system/machines.target.wants/$U
assert_true "systemctl enable $U succeeds" sd_guest_run systemctl enable "$U"
assert_eq /lib/systemd/system/nspawn@.service "$(sd_guest_run readlink "$W")" "... and links it into machines.target.wants"
assert_eq enabled "$(sd_guest_run systemctl is-enabled "$U")" "... is-enabled says enabled"
assert_true "systemctl disable $U succeeds" sd_guest_run systemctl disable "$U"
assert_false "... and removes the link" sd_guest_run test -L "$W"

test_end
