#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i refuses what is no usable image (checks D5-D8 of reliability-checks.md): truncated and
# empty files; GPTs with bad CRCs, absurd entry counts and sizes, entries past the end of the disk or
# overlapping, no root or two roots; a corrupt root filesystem (within 60 s); a directory, a FIFO,
# /dev/null, a nonexistent path, a block device with no image on it. Each with one line naming the
# image, an exit status below 128 (no crash), and nothing left behind: no loop device, no partition
# node, no mount (lib-image.sh). A primary GPT that is corrupt while the backup is valid is either
# used or refused, the same way every time.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"
GPT_CORRUPT="python3 $SRCDIR/test/helpers/gpt-corrupt.py"

T=$(img_tree "$WORK/tree")
img_fs ext4 "$T" "$WORK/root.ext4"
img_fs ext4 "" "$WORK/home.ext4" 8
GOOD="$WORK/good.raw"
img_gpt "$GOOD" "root $WORK/root.ext4" "home $WORK/home.ext4"
run_image "$GOOD" -M "${MP}good" --pipe true
assert_eq 0 "$RC" "the image the bad ones are made from runs ($ERR)"

bad() { # name: a copy of the good image to spoil, named so that the machine carries our prefix
        local b="$WORK/${MP}$1.raw"
        cp --sparse=always "$GOOD" "$b"
        echo "$b"
}

# --- D5: truncated and empty files -------------------------------------------------------------------
for size in 10M 1M 512 0; do
        B=$(bad "trunc$size")
        truncate -s "$size" "$B"
        assert_img_refused "$B" "an image truncated to $size"
done
: > "$WORK/${MP}empty.raw"
assert_img_refused "$WORK/${MP}empty.raw" "an empty file"

# --- D6: bad GPTs (both copies spoiled) ------------------------------------------------------------
for op in "header-crc" "entry-crc" "count 0xFFFFFFFF" "count 0" "entry-size 0" "entry-size 7" \
          "entry-size 0x10000000" "past-eof 1" "past-eof-usable 1" "overlap 1 2"; do
        name=$(echo "$op" | tr -cd 'a-z0-9')
        B=$(bad "$name")
        $GPT_CORRUPT "$B" $op || fail "gpt-corrupt $op failed"
        # An absurd count or size must be refused before anything is allocated: a 512 MiB cap on the
        # address space turns a 512 GiB allocation into a failure, never into a run.
        ( ulimit -v 524288; assert_img_refused "$B" "GPT: $op"; echo "$CHECKS $FAILURES" > "$WORK/counts" )
        read -r CHECKS FAILURES < "$WORK/counts"
done

# No root, two roots, a root marked no-auto: well-formed tables without a usable root.
img_gpt "$WORK/${MP}noroot.raw" "home $WORK/home.ext4" "srv $WORK/home.ext4"
assert_img_refused "$WORK/${MP}noroot.raw" "a GPT without a root partition"
assert_match '[Rr]oot' "$ERR" "... and the message says the root is missing"
img_gpt "$WORK/${MP}tworoots.raw" "root $WORK/root.ext4" "root $WORK/root.ext4"
assert_img_refused "$WORK/${MP}tworoots.raw" "a GPT with two root partitions"
img_gpt "$WORK/${MP}twolinux.raw" "linux $WORK/root.ext4" "linux $WORK/root.ext4"
assert_img_refused "$WORK/${MP}twolinux.raw" "a GPT with two generic Linux partitions and no root"
img_gpt "$WORK/${MP}twohomes.raw" "root $WORK/root.ext4" "home $WORK/home.ext4" "home $WORK/home.ext4"
assert_img_refused "$WORK/${MP}twohomes.raw" "a GPT with two /home partitions"
img_gpt "$WORK/${MP}swaponly.raw" "swap $WORK/home.ext4"
assert_img_refused "$WORK/${MP}swaponly.raw" "a GPT with only a swap partition"
img_mbr "$WORK/${MP}mbrfat.raw" "0c $WORK/home.ext4"
assert_img_refused "$WORK/${MP}mbrfat.raw" "an MBR disk with no Linux partition"

# The primary header spoiled, the backup intact: used or refused, but the same way every time, and
# cleanly either way.
for op in "header-crc --primary-only" "entry-crc --primary-only" "zap-primary"; do
        name=$(echo "$op" | tr -cd 'a-z0-9')
        B=$(bad "$name")
        $GPT_CORRUPT "$B" $op || fail "gpt-corrupt $op failed"
        run_image "$B" --pipe cat /etc/image-marker
        R1="$RC:$OUT"
        assert_img_clean "primary GPT spoiled ($op), first run"
        run_image "$B" --pipe cat /etc/image-marker
        assert_eq "$R1" "$RC:$OUT" "primary GPT spoiled ($op): the same result twice"
        if [ "$RC" = 0 ]; then
                assert_eq "tree" "$OUT" "... the backup GPT is used"
        else
                assert_true "... refused with an error status, no crash (exit $RC)" test "$RC" -lt 128
                assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "... with one line ($ERR)"
        fi
        assert_img_clean "primary GPT spoiled ($op)"
done

# --- D7: a corrupt root filesystem -----------------------------------------------------------------
OFF=$(img_part_offset "$GOOD" 1)
B=$(bad zerosb)
dd if=/dev/zero of="$B" bs=1024 seek=$((OFF / 1024 + 1)) count=1 conv=notrunc status=none
start=$(date +%s)
assert_img_refused "$B" "a root whose ext4 superblock is zeroed"
assert_true "... refused within the 60 s timeout" test $(( $(date +%s) - start )) -lt 60
B=$(bad random)
head -c 10M /dev/urandom | dd of="$B" bs=1M oflag=seek_bytes seek="$OFF" conv=notrunc status=none
assert_img_refused "$B" "a root whose first 10 MiB are random"
# The superblock intact, the metadata behind it destroyed: the check must catch it (or the mount
# fail), and nothing may hang.
B=$(bad garbled)
head -c 6M /dev/urandom | dd of="$B" bs=1M oflag=seek_bytes seek=$((OFF + 4096)) conv=notrunc status=none
run_image "$B" --pipe cat /etc/image-marker
assert_true "an ext4 with garbage behind its superblock: no hang, no crash (exit $RC)" test "$RC" -ne 124 -a "$RC" -lt 128
assert_img_clean "ext4 with garbage behind its superblock"

# A /home whose filesystem is destroyed: refused, or skipped with one warning that names it while
# the container runs; never a crash or a hang.
B=$(bad badhome)
dd if=/dev/zero of="$B" bs=1024 seek=$(( $(img_part_offset "$GOOD" 2) / 1024 )) count=4 conv=notrunc status=none
run_image "$B" --pipe cat /etc/image-marker
if [ "$RC" = 0 ]; then
        assert_eq tree "$OUT" "a /home with no filesystem: the container runs without it"
        assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "... with one warning ($ERR)"
        assert_match '[Hh]ome' "$ERR" "... naming the /home partition"
else
        assert_true "a /home with no filesystem: refused, no crash (exit $RC)" test "$RC" -lt 128 -a "$RC" -ne 124
        assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "... with one line ($ERR)"
fi
assert_img_clean "a /home with no filesystem"

# --- D8: things that are no image ----------------------------------------------------------------
mkdir -p "$WORK/${MP}dir.raw"
assert_img_refused "$WORK/${MP}dir.raw" "a directory"
mkfifo "$WORK/${MP}fifo.raw"
assert_img_refused "$WORK/${MP}fifo.raw" "a FIFO (no writer: it must not block)"
assert_img_refused /dev/null "/dev/null"
assert_img_refused "$WORK/${MP}missing.raw" "a nonexistent path"
assert_match 'does not exist|[Nn]o such file' "$ERR" "... says it does not exist"
ln -s "$WORK/${MP}missing.raw" "$WORK/${MP}dangling.raw"
assert_img_refused "$WORK/${MP}dangling.raw" "a dangling symlink"

# A block device: a loop device of ours, holding junk, then a good image. The device is the
# caller's: nspawn must leave it attached.
head -c 8M /dev/urandom > "$WORK/junk"
JUNK=$(losetup -f --show "$WORK/junk")
on_exit "losetup -d $JUNK 2>/dev/null"
ln -s "$JUNK" "$WORK/${MP}blk.raw"
run_image "$WORK/${MP}blk.raw" --pipe true
assert_true "a symlink to a block device with no image on it is refused (exit $RC)" test "$RC" -ne 0 -a "$RC" -lt 128
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "... with one line ($ERR)"
assert_true "... and the caller's loop device stays attached" test -e "/sys/block/${JUNK#/dev/}/loop/backing_file"
losetup -d "$JUNK"
cp --sparse=always "$GOOD" "$WORK/good2.raw"
DEV=$(losetup -f --show "$WORK/good2.raw")
on_exit "losetup -d $DEV 2>/dev/null"
run_nspawn -q --register=no -i "$DEV" -M "${MP}blkdev" --pipe cat /etc/image-marker
assert_eq "0:tree" "$RC:$OUT" "a block device holding an image runs ($ERR)"
assert_true "... and the caller's loop device stays attached" test -e "/sys/block/${DEV#/dev/}/loop/backing_file"
assert_eq "" "$(ls "${DEV}"p* 2>/dev/null)" "... without partitions added to it"
losetup -d "$DEV"
assert_img_clean "the block device runs"

# -i together with -D is a usage error.
run_nspawn -q --register=no -i "$GOOD" -D "$T" --pipe true
assert_true "-i with -D is refused (exit $RC)" test "$RC" -ne 0 -a "$RC" -lt 128
assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "... with one line ($ERR)"

test_end
