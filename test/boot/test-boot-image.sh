#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i -b: the bookworm tree in a GPT disk image (tools/make-image, built once per tree and
# cached) boots to multi-user.target with no failed units and powers off; while it runs,
# machinectl list shows it and machinectl status shows the image; nothing is left behind (no loop
# device, no partition node, no mount). The cached image is never written: each boot runs on a
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

assert_eq "$SUM" "$(stat -c '%s %Y' "$CACHED")" "the cached image was not written"

test_end
