#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The distribution's machinectl (/usr/bin/machinectl from systemd-container, systemd 252) against
# our machined in the guest: it lists, shows and gives the status of a machine that nspawn@.service
# registered, powers it off and terminates it, and lists the image pool. Its `start` finds the image
# with our GetImage and starts systemd-nspawn@NAME.service (the distribution's unit).
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot distro
T=$(sd_guest_inner_tree inner)
U=nspawn@inner.service
MC=/usr/bin/machinectl
assert_match "^systemd 252" "$(sd_guest_run "$MC" --version | head -n1)" "$MC is the distribution's"

state() { sd_guest_run systemctl show -P "${2:-ActiveState}" "$1"; }
LEADER=
inner_running() {
        local s
        LEADER=$(sd_guest_run machinectl show inner -P Leader 2>/dev/null) && [ -n "$LEADER" ] || return 1
        s=$(sd_guest_run timeout 5 nsenter -t "$LEADER" -a systemctl is-system-running 2>/dev/null)
        [ "$s" = running ]
}
start_inner() {
        sd_guest_run systemctl start "$U" && wait_until 60 inner_running
}
unit_down() { [ "$(state "$U")" != active ] && [ "$(state "$U")" != deactivating ]; }

assert_true "nspawn@inner.service boots the inner guest" start_inner
OWNER=$(sd_guest_run busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s org.freedesktop.machine1 | awk '{print $2}')
assert_eq "$SD_GUEST_LIBEXECDIR/machined" "$(sd_guest_run readlink "/proc/$OWNER/exe")" "the machined that answers is ours"
OUT=$(sd_guest_run "$MC" list --no-legend 2>&1)
assert_match "^inner +container +nspawn +debian +12 " "$OUT" "$MC list shows the machine ($OUT)"
OUT=$(sd_guest_run "$MC" show inner 2>&1)
assert_match $'(^|\n)Name=inner\n' "$OUT" "$MC show: Name"
assert_match $'(^|\n)Unit=nspawn@inner.service\n' "$OUT" "$MC show: Unit"
assert_match $'(^|\n)Leader='"$LEADER"$'\n' "$OUT" "$MC show: Leader"
assert_match $'(^|\n)State=running(\n|$)' "$OUT" "$MC show: State"
OUT=$(sd_guest_run "$MC" status inner 2>&1)
assert_match "Unit: nspawn@inner.service" "$OUT" "$MC status shows the unit"
assert_match "OS: Debian GNU/Linux 12" "$OUT" "... the OS (GetMachineOSRelease)"
assert_match "/sbin/init|systemd" "$OUT" "... and the unit's processes"

assert_true "$MC poweroff succeeds" sd_guest_run "$MC" poweroff inner
assert_true "... the guest powers off and the unit stops" wait_until 30 unit_down
assert_eq inactive "$(state "$U")" "... cleanly (inactive, not failed)"
assert_eq "" "$(sd_guest_run "$MC" list --no-legend 2>&1)" "... and $MC lists nothing"

assert_true "nspawn@inner.service boots it again" start_inner
assert_true "$MC terminate succeeds" sd_guest_run "$MC" terminate inner
assert_true "... the unit stops" wait_until 30 unit_down
assert_eq "" "$(sd_guest_run machinectl list --no-legend 2>&1)" "... and the machine is gone"

# `machinectl start` is GetImage (our image API finds /var/lib/machines/inner) and then
# StartUnit(systemd-nspawn@inner.service), the distribution's unit. That unit's systemd-nspawn 252 then
# fails in this guest before it registers ("Failed to adjust UID/GID shift of OS tree: Operation not
# permitted": its -U chown of the overlay tree), which is neither machinectl's nor machined's part:
# what is checked here is that the image is found and the unit is started.
SN=systemd-nspawn@inner.service
OUT=$(sd_guest_run timeout 60 "$MC" start inner 2>&1)
assert_no_match "GetImage|No image|not known" "$OUT" "$MC start finds the image with our GetImage ($OUT)"
assert_match "^[0-9a-f]{32}$" "$(state "$SN" InvocationID)" "... and starts $SN"
sd_guest_run systemctl stop "$SN" >/dev/null 2>&1
sd_guest_run systemctl reset-failed "$SN" >/dev/null 2>&1
assert_match "^inner +directory " "$(sd_guest_run "$MC" list-images --no-legend 2>&1)" "$MC list-images shows the image"
assert_match "Path: /var/lib/machines/inner" "$(sd_guest_run "$MC" image-status inner 2>&1)" "$MC image-status shows it"

test_end
