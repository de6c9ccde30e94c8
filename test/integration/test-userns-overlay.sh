#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -U (ownership chown) on an overlay whose layers are on different file systems (the lower on the
# disk, the upper on a tmpfs, as an ephemeral or nested tree has them): overlayfs reports the lower
# layer's st_dev for files that were not copied up, which the shift took for other mounts and skipped,
# so the container's root could not write its own tree. Every file is shifted; a mount inside the
# tree is still not walked.
. "$(dirname "$0")/../lib.sh"
test_begin

L=$(busybox_tree "$WORK/lower")
echo data > "$L/etc/file"
mkdir -p "$WORK/t" "$WORK/${MP}o"
mount -t tmpfs tmpfs "$WORK/t"
on_exit "umount '$WORK/t'"
mkdir -p "$WORK/t/upper" "$WORK/t/work"
mount -t overlay overlay -o "lowerdir=$L,upperdir=$WORK/t/upper,workdir=$WORK/t/work" "$WORK/${MP}o"
on_exit "umount '$WORK/${MP}o'"
O=$WORK/${MP}o
# A mount inside the tree: not the tree's, never shifted.
mkdir -p "$WORK/other" "$O/mnt/other"
touch "$WORK/other/f"
mount --bind "$WORK/other" "$O/mnt/other"
on_exit "umount '$O/mnt/other'"
assert_true "the layers are on different file systems" test "$(stat -c %d "$L")" != "$(stat -c %d "$WORK/t")"

run_nspawn -q --register=no -D "$O" -U -P sh -c 'stat -c %u /bin/busybox /etc/file; echo more >> /etc/file && echo wrote'
SHIFT=$(stat -c %u "$O")
assert_eq $'0\n0\nwrote' "$OUT" "inside, the tree's files are root's and root writes them (stderr: $ERR)"
assert_eq "$SHIFT:$SHIFT" "$(stat -c %u:%g "$O/bin/busybox")" "a file of the lower layer was shifted"
assert_true "the range is above the host's users ($SHIFT)" test "$SHIFT" -ge $((0x80000))
umount "$O/mnt/other"
assert_eq "0:0" "$(stat -c %u:%g "$WORK/other/f")" "a mount inside the tree was not walked"

test_end
