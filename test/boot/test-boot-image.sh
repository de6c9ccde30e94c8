#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i -b: the bookworm tree in a GPT disk image (tools/make-image, built once per tree and
# cached) boots to multi-user.target with no failed units and powers off; while it runs,
# machinectl list shows it and machinectl status shows the image; nspawn@.service's command line boots
# it as /var/lib/machines/NAME.raw; nothing is left behind (no loop device, no partition node, no
# mount). The cached image is never written: each boot runs on a
# sparse copy in $WORK.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"
. "$SRCDIR/test/lib-bus.sh"

CACHED=$("$SRCDIR/tools/make-image" bookworm)
SUM=$(stat -c '%s %Y' "$CACHED")
I="$WORK/${MP}bookworm.raw"
cp --sparse=always "$CACHED" "$I"

# The image's nspawn-test-record.service writes the boot's result to /host-out and powers off (when
# /host-out/.record exists).
O="$WORK/out"; mkdir -p "$O"; touch "$O/.record"
start=$(date +%s%N)
timeout 120 "$NSPAWN" -q -b -i "$I" --register=no --bind="$O:/host-out" --console=passive </dev/null; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "bookworm image: boot and power-off took $ms ms"
assert_eq 0 "$RC" "the image boots and the guest's power-off ends nspawn with 0"
assert_eq running "$(cat "$O/state" 2>/dev/null)" "the system reaches 'running'"
assert_eq "" "$(cat "$O/failed" 2>/dev/null)" "no failed units"
assert_img_clean "the booted image"

# Registered: machinectl list and status while it runs; gone after machinectl poweroff.
start_bus
start_machined
MCTL="$BUILDDIR/machinectl"
NAME="${MP}bw"
"$NSPAWN" -q -b -i "$I" -M "$NAME" --console=passive </dev/null & P=$!
booted() {
        local l
        l=$("$MCTL" show "$NAME" -P Leader 2>/dev/null) && [ -n "$l" ] &&
                [ "$(timeout 5 nsenter -t "$l" -m -p systemctl is-system-running 2>/dev/null)" = running ]
}
assert_true "the registered image boots to 'running'" wait_until 90 booted
LIST=$("$MCTL" list --no-legend 2>&1)
assert_match "^${NAME//./\\.} +container +nspawn +debian +12" "$LIST" "machinectl list shows the booted image ($LIST)"
STATUS=$("$MCTL" status "$NAME" 2>&1)
assert_match "${I//./\\.}" "$STATUS" "machinectl status shows the image's path"
assert_match 'systemd' "$STATUS" "... and the guest's processes"
"$MCTL" poweroff "$NAME"
wait $P; RC=$?
assert_eq 0 "$RC" "machinectl poweroff powers it off (exit 0)"
assert_eq "" "$("$MCTL" list --no-legend 2>&1)" "and it is no longer listed"
assert_img_clean "the registered boot"

# nspawn@.service's command line (units/nspawn@.service.in) boots NAME.raw from /var/lib/machines, as
# the unit would: run from a cgroup of its own (--keep-unit), the image found by -M alone. The
# directory is replaced, for this test only, by a bind mount of one of ours.
M="$WORK/machines"
mkdir -p "$M"
[ -d /var/lib/machines ] || { mkdir -p /var/lib/machines; on_exit "rmdir /var/lib/machines"; }
track_path /var/lib/machines
mount --bind "$M" /var/lib/machines
on_exit "umount /var/lib/machines"
SVCNAME="${MP}svc"
mv "$I" "$M/$SVCNAME.raw"
EXEC=$(sed -n 's/^ExecStart=//p' "$SRCDIR/units/nspawn@.service.in")
EXEC=${EXEC//@bindir@\/nspawn/$NSPAWN}
EXEC=${EXEC//%i/$SVCNAME}
assert_match "^$NSPAWN .*--machine=$SVCNAME" "$EXEC" "the unit's command line, for the instance $SVCNAME"
CG=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified); CG=${CG:-/sys/fs/cgroup}
mkdir "$CG/$SVCNAME.service"
on_exit "find '$CG/$SVCNAME.service' -depth -type d -exec rmdir {} \\; 2>/dev/null"
sh -c "echo \$\$ > '$CG/$SVCNAME.service/cgroup.procs'; exec $EXEC" </dev/null >"$WORK/svc.out" 2>&1 & P=$!
guest_running() {
        local l
        l=$(pgrep -P "$P" -x systemd | head -1) && [ -n "$l" ] &&
                [ "$(timeout 5 nsenter -t "$l" -m -p systemctl is-system-running 2>/dev/null)" = running ]
}
assert_true "nspawn@$SVCNAME.service's command line boots /var/lib/machines/$SVCNAME.raw to 'running'" wait_until 90 guest_running
assert_true "... from a loop device of that image" sh -c "losetup -a | grep -qF '/var/lib/machines/$SVCNAME.raw'"
kill -TERM $P; wait $P; RC=$?
assert_eq 0 "$RC" "... and SIGTERM (systemctl stop) powers it off with 0"
[ "$RC" = 0 ] || cat "$WORK/svc.out" >&2
assert_img_clean "the nspawn@.service boot"

assert_eq "$SUM" "$(stat -c '%s %Y' "$CACHED")" "the cached image was not written"

test_end
