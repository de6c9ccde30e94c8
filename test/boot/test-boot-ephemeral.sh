#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -b -x: two ephemeral boots of one bookworm tree at once both reach "running" with no failed
# units; each sees the other running (a directory bound into both) before it powers off; the tree is
# unchanged and no overlay mount is left on the host.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree eph)
mkdir -p "$WORK/shared" "$WORK/out-a" "$WORK/out-b"
# Each guest's name for the shared directory (the tree's /etc/hostname names both the same).
echo a > "$WORK/out-a/name"
echo b > "$WORK/out-b/name"
cat > "$T/etc/systemd/system/record.service" <<'UNIT'
[Unit]
Description=Record the boot result, wait for the other guest, power off
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait > /host-out/state 2>&1; systemctl --failed --no-legend --plain > /host-out/failed 2>&1; touch /host-shared/$(cat /host-out/name); for i in $(seq 1200); do [ $(ls /host-shared | wc -l) -ge 2 ] && break; sleep 0.1; done; ls /host-shared > /host-out/seen; echo written > /etc/written; systemctl poweroff'
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$T/etc/systemd/system/multi-user.target.wants"
ln -sf ../record.service "$T/etc/systemd/system/multi-user.target.wants/record.service"

tree_sum() { find "$1" -xdev -printf '%p %m %U %G %s %T@ %y %l\n' | sort | sha256sum; }
BEFORE=$(tree_sum "$T")
OVERLAYS=$(grep -c ' - overlay ' /proc/self/mountinfo)

start=$(date +%s%N)
timeout 180 "$NSPAWN" -q -b -x -M "${MP}a" -D "$T" --bind="$WORK/out-a:/host-out" --bind="$WORK/shared:/host-shared" \
        --console=passive </dev/null & A=$!
timeout 180 "$NSPAWN" -q -b -x -M "${MP}b" -D "$T" --bind="$WORK/out-b:/host-out" --bind="$WORK/shared:/host-shared" \
        --console=passive </dev/null & B=$!
wait $A; RA=$?
wait $B; RB=$?
echo "two ephemeral boots and power-offs took $(( ($(date +%s%N) - start) / 1000000 )) ms"
assert_eq "0 0" "$RA $RB" "both ephemeral guests powered off with exit 0"
assert_eq "running running" "$(cat "$WORK/out-a/state" "$WORK/out-b/state" 2>/dev/null | xargs)" "both reached 'running'"
assert_eq "" "$(cat "$WORK/out-a/failed" "$WORK/out-b/failed" 2>/dev/null)" "no failed units"
assert_eq "a b" "$(cat "$WORK/out-a/seen" 2>/dev/null | xargs)" "the first saw both running at once"
assert_eq "a b" "$(cat "$WORK/out-b/seen" 2>/dev/null | xargs)" "the second saw both running at once"
assert_eq "$BEFORE" "$(tree_sum "$T")" "the tree is unchanged"
assert_false "the guests' writes are gone" test -e "$T/etc/written"
assert_eq "$OVERLAYS" "$(grep -c ' - overlay ' /proc/self/mountinfo)" "no overlay mount is left on the host"

test_end
