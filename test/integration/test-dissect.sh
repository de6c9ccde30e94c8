#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The library under nspawn -i (issue 8): loop devices without udev (LOOP_CONFIGURE with autoclear,
# partitions with BLKPG), the partition table read by libblkid, the choice of partitions of the
# Discoverable Partitions Specification, filesystem probing. Runs test/helpers/dissect-probe on
# images built here: good ones, and the bad ones of checks D5, D6 and D8. After each run, the loop
# device and its partition nodes must be gone.
. "$(dirname "$0")/../lib.sh"
. "$SRCDIR/test/lib-dissect.sh"
test_begin

: "${DISSECT_PROBE:=$BUILDDIR/test/dissect-probe}"
export DISSECT_PROBE_SHOW_LOOP=1

# Runs the helper on IMAGE: its partition lines in $POUT, its stderr in $PERR, its status in $PRC,
# and whether its loop device (and partitions) went away afterwards in $PGONE.
loop_gone() { # node
        [ -z "$1" ] && return 0
        ! losetup "$1" >/dev/null 2>&1 || return 1
        ! compgen -G "${1}p*" >/dev/null
}
probe() { # image
        local out loop
        PRC=0
        out=$(timeout 30 "$DISSECT_PROBE" "$1" 2>"$WORK/probe.err") || PRC=$?
        PERR=$(cat "$WORK/probe.err")
        loop=$(sed -n 's/^loop //p' <<<"$out")
        POUT=$(grep -v '^loop ' <<<"$out")
        PGONE=gone
        wait_until 5 loop_gone "$loop" || PGONE="left: $loop $(ls "$loop"p* 2>/dev/null | tr '\n' ' ')"
}
good() { # image expected message
        probe "$1"
        assert_eq 0 "$PRC" "$3: accepted${PERR:+ ($PERR)}"
        assert_eq "$2" "$POUT" "$3: the partitions"
        assert_eq gone "$PGONE" "$3: the loop device and its partitions are gone"
}
bad() { # image regex message
        probe "$1"
        assert_eq 2 "$PRC" "$3: refused"
        assert_match "^problem: $2" "$PERR" "$3: says why in one line"
        assert_eq "" "$POUT" "$3: no partitions"
        assert_eq gone "$PGONE" "$3: the loop device is gone"
}

M=1048576
TREE=$(busybox_tree "$WORK/tree")
echo 'ID=test' > "$TREE/etc/os-release"

# --- Good images ---

# Root only, ext4, filled from a tree.
I="$WORK/root.raw"
make_gpt_image "$I" 40 "size=24M,type=root"
mkfs_partition "$I" 1 ext4 "$TREE"
good "$I" "root 1 $M $((24 * M)) ro=0 growfs=0 fstype=ext4 clean=1" "GPT, root only"

# Every designator, with every filesystem type nspawn -i mounts (sparse: xfs wants 300 MiB,
# btrfs 114 MiB), plus swap and a type nobody knows, which are ignored.
I="$WORK/all.raw"
make_gpt_image "$I" 520 "size=8M,type=esp" "size=8M,type=xbootldr" "size=8M,type=root" \
        "size=8M,type=usr" "size=120M,type=home" "size=310M,type=srv" "size=8M,type=var" \
        "size=8M,type=tmp" "size=8M,type=swap" "size=8M,type=11111111-2222-3333-4444-555555555555"
mkfs_partition "$I" 1 vfat
mkfs_partition "$I" 3 erofs "$TREE"
mkfs_partition "$I" 4 squashfs "$TREE/usr"
mkfs_partition "$I" 5 btrfs "$TREE/root"
mkfs_partition "$I" 6 xfs
mkfs_partition "$I" 7 ext4
mkfs_partition "$I" 8 ext4
o() { echo $((($1 - 1) * 8 + 1)); }
good "$I" "root 3 $(($(o 3) * M)) $((8 * M)) ro=0 growfs=0 fstype=erofs
usr 4 $(($(o 4) * M)) $((8 * M)) ro=0 growfs=0 fstype=squashfs
home 5 $((33 * M)) $((120 * M)) ro=0 growfs=0 fstype=btrfs
srv 6 $((153 * M)) $((310 * M)) ro=0 growfs=0 fstype=xfs
var 7 $((463 * M)) $((8 * M)) ro=0 growfs=0 fstype=ext4 clean=1
tmp 8 $((471 * M)) $((8 * M)) ro=0 growfs=0 fstype=ext4 clean=1
esp 1 $M $((8 * M)) ro=0 growfs=0 fstype=vfat
xbootldr 2 $((9 * M)) $((8 * M)) ro=0 growfs=0 fstype=none" "GPT, every designator, every filesystem"

# Attributes: read-only (60), growfs (59), no-auto (63).
I="$WORK/attrs.raw"
make_gpt_image "$I" 40 "size=16M,type=root,attrs=GUID:60" "size=8M,type=home,attrs=GUID:59" \
        "size=8M,type=srv,attrs=GUID:63"
mkfs_partition "$I" 1 ext4
good "$I" "root 1 $M $((16 * M)) ro=1 growfs=0 fstype=ext4 clean=1
home 2 $((17 * M)) $((8 * M)) ro=0 growfs=1 fstype=none" "GPT attributes read-only, growfs, no-auto"

# The only Linux partition has the generic type: it is the root.
I="$WORK/generic.raw"
make_gpt_image "$I" 40 "size=8M,type=esp" "size=16M,type=linux"
mkfs_partition "$I" 2 ext4
good "$I" "root 2 $((9 * M)) $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=1
esp 1 $M $((8 * M)) ro=0 growfs=0 fstype=none" "GPT, one generic Linux partition"
make_gpt_image "$I" 40 "size=8M,type=linux" "size=16M,type=linux"
bad "$I" "No root partition, and more than one generic Linux partition \(1 and 2\)" "GPT, two generic Linux partitions"

# MBR: the one Linux partition; of several, the bootable one.
I="$WORK/mbr.raw"
make_mbr_image "$I" 40 "size=8M,type=82" "size=16M,type=83"
mkfs_partition "$I" 2 ext4
good "$I" "root 2 $((9 * M)) $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=1" "MBR, one Linux partition"
make_mbr_image "$I" 40 "size=8M,type=83" "size=16M,type=83,bootable"
mkfs_partition "$I" 2 ext4
good "$I" "root 2 $((9 * M)) $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=1" "MBR, two Linux partitions, one bootable"
make_mbr_image "$I" 40 "size=8M,type=83" "size=16M,type=83"
bad "$I" "More than one Linux partition \(1 and 2\) in the MBR" "MBR, two Linux partitions, none bootable"
# A logical partition inside an extended one (which contains it, and is no overlap).
make_mbr_image "$I" 60 "size=8M,type=82" "type=5" "size=16M,type=83" "size=8M,type=7"
mkfs_partition "$I" 5 ext4
good "$I" "root 5 $((10 * M)) $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=1" "MBR, a logical Linux partition"
make_mbr_image "$I" 40 "size=8M,type=7" "size=16M,type=82"
bad "$I" "No Linux partition" "MBR, no Linux partition"
make_mbr_image "$I" 40 "size=8M,type=82" "size=30M,type=83"
truncate -s 20M "$I"
bad "$I" "Partition 2 lies past the end of the disk" "MBR, partition past the end"

# Bare filesystems: the whole disk is the root.
I="$WORK/bare.raw"
truncate -s 16M "$I"
mkfs_partition "$I" 0 ext4 "$TREE"
good "$I" "root 0 0 $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=1" "bare ext4"
rm -f "$I"
mksquashfs "$TREE" "$I" -noappend -quiet -no-progress >/dev/null
good "$I" "root 0 0 $(stat -c %s "$I") ro=0 growfs=0 fstype=squashfs" "bare squashfs"

# An ext4 root that is not clean (the journal needs recovery, or errors were found) is reported so.
I="$WORK/dirty.raw"
make_gpt_image "$I" 40 "size=16M,type=root"
mkfs_partition "$I" 1 ext4
# s_state (superblock byte 58) = 0: not cleanly unmounted.
printf '\0' | dd of="$I" bs=1 seek=$((M + 1024 + 58)) conv=notrunc status=none
good "$I" "root 1 $M $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=0" "ext4 not cleanly unmounted"

# --- Bad GPTs (check D6) ---
BASE="$WORK/base.raw"
make_gpt_image "$BASE" 40 "size=16M,type=root" "size=8M,type=home" "size=8M,type=swap"
mkfs_partition "$BASE" 1 ext4
BASE_OUT="root 1 $M $((16 * M)) ro=0 growfs=0 fstype=ext4 clean=1
home 2 $((17 * M)) $((8 * M)) ro=0 growfs=0 fstype=none"
good "$BASE" "$BASE_OUT" "the base image of the GPT cases"
I="$WORK/bad.raw"
case_of() { cp --sparse=always "$BASE" "$I"; gpt_edit "$I" "$@"; }

case_of header-crc
bad "$I" "A protective MBR but no valid GPT header" "both GPT headers with a wrong CRC"
case_of entries-crc
bad "$I" "A protective MBR but no valid GPT header" "both entry arrays with a wrong CRC"
case_of set-count 0xFFFFFFFF
bad "$I" "The GPT header claims 4294967295 partition entries of 128 bytes each" "NumberOfPartitionEntries=0xFFFFFFFF"
case_of set-count 0x1FFFFFF
bad "$I" "The GPT header claims 33554431 partition entries" "an entry array just under 4 GiB (libblkid would read it)"
case_of --primary set-count 0xFFFFFFFF
bad "$I" "The GPT header claims 4294967295" "an absurd count in the primary header only (refused, not left to the backup)"
case_of set-entry-size 0
bad "$I" "A protective MBR but no valid GPT header" "SizeOfPartitionEntry=0"
case_of set-entry-size 7
bad "$I" "A protective MBR but no valid GPT header" "SizeOfPartitionEntry=7"
case_of set-entry 2 $((17 * 2048)) 200000
bad "$I" "Partition 2 lies outside the usable area of the disk" "an entry past the end of the disk"
case_of set-entry 2 $((17 * 2048)) $((40 * 2048 - 1))
bad "$I" "Partition 2 lies outside the usable area of the disk" "an entry over the backup table"
case_of set-entry 2 $((17 * 2048)) $((17 * 2048 - 100))
# libblkid's size of such an entry wraps around to a huge number: refused as past the end.
bad "$I" "Partition 2 lies past the end of the disk" "an entry that ends before it starts"
case_of set-entry 2 $((10 * 2048)) $((20 * 2048))
bad "$I" "Partitions 1 and 2 overlap" "overlapping entries"
case_of set-entry 3 $((25 * 2048)) $((33 * 2048 - 1)) "$(gpt_type_uuid root)"
bad "$I" "Partitions 1 and 3 are of the same kind" "two root partitions"
case_of set-entry 1 2048 $((17 * 2048 - 1)) "$(gpt_type_uuid srv)"
bad "$I" "No root partition\." "no root partition"
case_of set-attrs 1 0x8000000000000000
bad "$I" "No root partition\." "the root marked no-auto"
# A primary copy that is broken in a way the backup can stand in for: the backup is used, as the
# UEFI specification says firmware does, and as libblkid does. Consistently, whatever the damage.
case_of --primary header-crc
good "$I" "$BASE_OUT" "primary header CRC wrong, backup used"
case_of --primary entries-crc
good "$I" "$BASE_OUT" "primary entry array CRC wrong, backup used"
case_of --primary set-entry-size 7
good "$I" "$BASE_OUT" "primary entry size wrong, backup used"
case_of --primary zap
good "$I" "$BASE_OUT" "primary header zapped, backup used"
case_of --backup zap
good "$I" "$BASE_OUT" "backup header zapped, primary used"
case_of zap
bad "$I" "A protective MBR but no valid GPT header" "both headers zapped"

# --- Truncated and empty files (check D5) ---
for s in 10M 1M 512 0; do
        cp --sparse=always "$BASE" "$I"
        truncate -s "$s" "$I"
        bad "$I" "(A protective MBR but no valid GPT header|No partition table and no filesystem)" "the image truncated to $s"
done
truncate -s 0 "$I"; truncate -s 16M "$I"
bad "$I" "No partition table and no filesystem\." "a zeroed file"

# --- Not images (check D8): the library's refusal, before any loop device ---
mkdir "$WORK/dir"
probe "$WORK/dir"
assert_eq 1 "$PRC" "a directory is refused"
assert_match "Is a directory" "$PERR" "a directory: the reason"
probe /dev/null
assert_eq 1 "$PRC" "/dev/null is refused"
assert_match "File descriptor in bad state" "$PERR" "/dev/null: not a file or block device"

# --- The lock: shared users share, an exclusive holder keeps them out ---
flock -s "$BASE" "$DISSECT_PROBE" "$BASE" >"$WORK/shared.out" 2>&1
assert_eq 0 "$?" "a shared lock held by another user does not stop a read-only user"
rm -f "$WORK/locked"
flock -x "$BASE" sh -c "touch '$WORK/locked'; while [ -e '$WORK/locked' ]; do sleep 0.05; done" & LP=$!
on_exit "rm -f '$WORK/locked'; kill $LP 2>/dev/null"
wait_until 10 test -e "$WORK/locked"
probe "$BASE"
assert_eq 1 "$PRC" "an exclusive lock held by another user stops a read-only user"
assert_match "Device or resource busy" "$PERR" "the lock: the reason"
rm -f "$WORK/locked"
wait "$LP"

# --- Many at once: LOOP_CTL_GET_FREE hands them the same device; the losers retry ---
pids=()
for i in $(seq 8); do
        "$DISSECT_PROBE" "$BASE" >"$WORK/par.$i" 2>&1 & pids+=($!)
done
ok=0
for i in $(seq 8); do
        wait "${pids[$((i - 1))]}" && [ "$(grep -v '^loop ' "$WORK/par.$i")" = "$BASE_OUT" ] && ok=$((ok + 1))
done
assert_eq 8 "$ok" "eight at once all get a loop device and the same answer"

# --- No udev, and SIGKILL: the partition nodes are there when BLKPG returns (devtmpfs), and a killed
# user leaves nothing (autoclear) ---
DISSECT_PROBE_HOLD=1 "$DISSECT_PROBE" "$BASE" >"$WORK/held" 2>&1 & HP=$!
on_exit "kill -KILL $HP 2>/dev/null"
assert_true "the helper holds its loop device" wait_line "$WORK/held" '^held$'
L=$(sed -n 's/^loop //p' "$WORK/held")
assert_match '^/dev/loop[0-9]+$' "$L" "its loop device"
assert_true "partition 1 has its node" test -b "${L}p1"
assert_true "partition 2 has its node" test -b "${L}p2"
assert_false "the unselected swap partition has none" test -e "${L}p3"
assert_eq 1 "$(cat "/sys/block/${L#/dev/}/ro")" "the device is read-only, as asked"
assert_match "^$L: .*\($BASE\)" "$(losetup "$L")" "losetup shows it attached to the image"
assert_match "autoclear" "$(losetup -O AUTOCLEAR,PARTSCAN -n "$L" | awk '{ print ($1 == 1 ? "autoclear" : "no-autoclear") ($2 == 1 ? " partscan" : "") }')" "with autoclear"
kill -KILL "$HP"
wait "$HP" 2>/dev/null
assert_true "after SIGKILL, the loop device and its partition nodes are gone" wait_until 5 loop_gone "$L"

# A partition the kernel made already (kernels with partition parsers scan during LOOP_CONFIGURE):
# adding it again at the same place is fine, at another place it is refused.
OUT=$(DISSECT_PROBE_READD=1 "$DISSECT_PROBE" "$BASE" 2>&1)
L=$(sed -n 's/^loop //p' <<<"$OUT")
assert_match "readd 1 same: ${L}p1" "$OUT" "a partition added twice at the same place is fine"
assert_match "readd 1 other: Device or resource busy" "$OUT" "at another place, EBUSY"
assert_true "and its nodes are gone after" wait_until 5 loop_gone "$L"

# --- Nothing of ours left: loop devices (lib.sh checks those backed by files in $WORK too), nodes ---
wait_until 5 sh -c "! losetup -a | grep -qF '$WORK/'"
assert_eq "" "$(losetup -a | grep -F "$WORK/")" "no loop device of the test remains"
for f in "$WORK"/par.* ; do
        l=$(sed -n 's/^loop //p' "$f")
        wait_until 5 loop_gone "$l" || fail "partition nodes of $l remain: $(ls "$l"p* 2>/dev/null)"
done

test_end
