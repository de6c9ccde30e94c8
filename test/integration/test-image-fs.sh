#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i: roots of each filesystem the tests can build (ext4, xfs, btrfs writable; erofs and
# squashfs read-only by nature), found by probing; the GPT read-only (60) and no-auto (63) attributes;
# --read-only; an image file that cannot be opened for writing (immutable, or on a read-only mount)
# gives a read-only container; a writable ext4 that was not unmounted cleanly is checked before it is
# mounted read-write (or mounted read-only with a warning), never mounted read-write unchecked.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"

# The payload that reports whether / can be written, and the root's mount.
PROBE='if touch /probe 2>/dev/null; then echo writable; rm -f /probe; else echo read-only; fi'

T=$(img_tree "$WORK/tree")

# --- Root filesystems ------------------------------------------------------------------------------
for fs in ext4 xfs btrfs erofs squashfs; do
        img_fs "$fs" "$T" "$WORK/root.$fs"
        img_gpt "$WORK/${MP}$fs.raw" "root $WORK/root.$fs"
        rm -f "$WORK/root.$fs"
        run_image "$WORK/${MP}$fs.raw" --pipe sh -c "cat /etc/image-marker; $PROBE; $MOUNTS"
        assert_eq 0 "$RC" "$fs root: the container runs ($ERR)"
        assert_match '^tree' "$OUT" "$fs root: the payload sees the image's tree"
        assert_true "$fs root: / is $fs (probed, not guessed)" has_mount / "$fs"
        case $fs in
        erofs|squashfs)
                assert_match 'read-only' "$OUT" "$fs root: read-only by nature, / cannot be written" ;;
        *)
                assert_match 'writable' "$OUT" "$fs root: / is writable" ;;
        esac
        assert_img_clean "$fs root"
done
# A read-only filesystem also works with --read-only (no write is attempted).
run_image "$WORK/${MP}squashfs.raw" --read-only --pipe cat /etc/image-marker
assert_eq "0:tree" "$RC:$OUT" "squashfs with --read-only"

# --- GPT attributes --------------------------------------------------------------------------------
img_fs ext4 "$T" "$WORK/root.ext4"
mkdir -p "$WORK/home/user"
echo home > "$WORK/home/marker"
img_fs ext4 "$WORK/home" "$WORK/home.ext4" 8
A="$WORK/${MP}ro-root.raw"
img_gpt "$A" "root $WORK/root.ext4 attrs=GUID:60"
SUM=$(md5sum < "$A")
run_image "$A" --pipe sh -c "$PROBE; $MOUNTS"
assert_eq 0 "$RC" "read-only attribute on the root: the container runs ($ERR)"
assert_match 'read-only' "$OUT" "read-only attribute on the root: / cannot be written"
assert_match '(^|'$'\n'')/ ext4 ro' "$OUT" "... and / is mounted ro"
assert_eq "$SUM" "$(md5sum < "$A")" "... and the image file is unchanged"
assert_img_clean "read-only root"

img_gpt "$WORK/${MP}ro-home.raw" "root $WORK/root.ext4" "home $WORK/home.ext4 attrs=GUID:60"
run_image "$WORK/${MP}ro-home.raw" --pipe sh -c "$PROBE; cat /home/marker; touch /home/x 2>/dev/null && echo home-writable || echo home-read-only; $MOUNTS"
assert_eq 0 "$RC" "read-only attribute on /home: the container runs"
assert_match 'writable' "$OUT" "... / stays writable"
assert_match $'home\nhome-read-only' "$OUT" "... /home is mounted and cannot be written"
assert_match '(^|'$'\n'')/home ext4 ro' "$OUT" "... /home is mounted ro"
assert_img_clean "read-only /home"

img_gpt "$WORK/${MP}noauto.raw" "root $WORK/root.ext4" "home $WORK/home.ext4 attrs=GUID:63" "srv $WORK/home.ext4"
run_image "$WORK/${MP}noauto.raw" --pipe sh -c "$MOUNTS; ls /home"
assert_eq 0 "$RC" "no-auto attribute on /home: the container runs"
assert_false "... /home is not mounted" has_mount /home ext4
assert_true "... while /srv (no attribute) is" has_mount /srv ext4
assert_no_match 'marker' "$(printf '%s\n' "$OUT" | tail -n +2)" "... /home shows the root's empty directory"
assert_img_clean "no-auto /home"

img_gpt "$WORK/${MP}noauto-root.raw" "root $WORK/root.ext4 attrs=GUID:63"
assert_img_refused "$WORK/${MP}noauto-root.raw" "a root marked no-auto (so no root)"

# --- A mount point that is a symlink out of the image ------------------------------------------------
# /home in the image points at a host path: the partition goes where the link leads inside the image
# (or nowhere), never onto the host's directory, not even in nspawn's own mount namespace.
mkdir -p "$WORK/escape"
S=$(img_tree "$WORK/tree-symlink")
rmdir "$S/home"
ln -s "$WORK/escape" "$S/home"
img_fs ext4 "$S" "$WORK/symlink-root.ext4"
img_gpt "$WORK/${MP}symlink.raw" "root $WORK/symlink-root.ext4" "home $WORK/home.ext4"
"$NSPAWN" -q --register=no -i "$WORK/${MP}symlink.raw" --pipe sh -c "cat /etc/image-marker; exec sleep 1009" \
        </dev/null >"$WORK/symlink.out" 2>"$WORK/symlink.err" & P=$!
assert_true "a /home symlink to a host path: the container runs" wait_payload $P 'sleep 1009'
assert_eq "" "$(awk -v d="$WORK/escape" '$5 == d || index($5, d "/") == 1' /proc/$P/mountinfo "/proc/$PAYLOAD/mountinfo" 2>&1)" \
        "... nothing is mounted on the host's directory, in nspawn's namespace or the container's"
assert_eq "" "$(ls -A "$WORK/escape")" "... and the host's directory is untouched"
kill -TERM $P; wait $P
assert_img_clean "a /home symlink to a host path"

# --- --read-only -----------------------------------------------------------------------------------
R="$WORK/${MP}rw.raw"
img_gpt "$R" "root $WORK/root.ext4" "home $WORK/home.ext4"
SUM=$(md5sum < "$R")
run_image "$R" --read-only --pipe sh -c "$PROBE; touch /home/x 2>/dev/null && echo home-writable || echo home-read-only; $MOUNTS"
assert_eq 0 "$RC" "--read-only: the container runs ($ERR)"
assert_match $'^read-only\nhome-read-only' "$OUT" "--read-only: neither / nor /home can be written"
assert_eq "$SUM" "$(md5sum < "$R")" "--read-only: the image file is not written (not even a journal replay or a mount count)"
assert_img_clean "--read-only"
# The loop device itself is read-only: look at it while the container runs.
"$NSPAWN" -q --register=no -i "$R" --read-only --pipe sleep 1001 </dev/null & P=$!
assert_true "the --read-only container runs" wait_payload $P 'sleep 1001'
LOOP=$(losetup -a | grep -F "$R" | head -1 | cut -d: -f1)
assert_match '^/dev/loop' "$LOOP" "a loop device backs the running image"
[ -n "$LOOP" ] && assert_eq 1 "$(blockdev --getro "$LOOP")" "... and it is read-only (blockdev --getro)"
kill -TERM $P; wait $P
assert_img_clean "the --read-only container, ended"

# --- An image file that cannot be opened for writing ---------------------------------------------
# Root opens any file O_RDWR whatever its mode (CAP_DAC_OVERRIDE): an immutable file and a file on a
# read-only mount are what a file that is not writable looks like to root.
I="$WORK/${MP}immutable.raw"
cp --sparse=always "$R" "$I"
chattr +i "$I"
on_exit "chattr -i '$I'"
assert_false "the immutable file cannot be opened for writing, even by root" sh -c ": >> '$I'" 2>/dev/null
run_image "$I" --pipe sh -c "$PROBE"
assert_eq "0:read-only" "$RC:$OUT" "an immutable image runs read-only ($ERR)"
assert_img_clean "immutable image"
chattr -i "$I"

mkdir -p "$WORK/rodir"
cp --sparse=always "$R" "$WORK/rodir/${MP}robind.raw"
mount --bind "$WORK/rodir" "$WORK/rodir"
on_exit "umount '$WORK/rodir' 2>/dev/null"
mount -o remount,bind,ro "$WORK/rodir"
assert_false "an image on a read-only mount cannot be opened for writing" sh -c ": >> '$WORK/rodir/${MP}robind.raw'" 2>/dev/null
SUM=$(md5sum < "$WORK/rodir/${MP}robind.raw")
run_image "$WORK/rodir/${MP}robind.raw" --pipe sh -c "$PROBE"
assert_eq "0:read-only" "$RC:$OUT" "an image on a read-only mount runs read-only ($ERR)"
assert_eq "$SUM" "$(md5sum < "$WORK/rodir/${MP}robind.raw")" "... and is unchanged"
assert_img_clean "image on a read-only mount"
umount "$WORK/rodir"

# --- An ext4 that was not unmounted cleanly --------------------------------------------------------
U="$WORK/${MP}unclean.raw"
img_gpt "$U" "root $WORK/root.ext4"
OFF=$(img_part_offset "$U" 1)
SIZE=$(img_part_size "$U" 1)
# The root partition as a file of its own, to read and write its superblock with e2fsprogs.
part_out() { dd if="$U" of="$WORK/part.ext4" bs=1M iflag=skip_bytes,count_bytes skip="$OFF" count="$SIZE" status=none; }
part_in() { dd if="$WORK/part.ext4" of="$U" bs=1M oflag=seek_bytes seek="$OFF" conv=notrunc status=none; }
fs_state() { part_out; dumpe2fs -h "$WORK/part.ext4" 2>/dev/null | sed -n 's/^Filesystem state: *//p'; }
part_out
debugfs -w -R 'ssv state 0' "$WORK/part.ext4" >/dev/null 2>&1
part_in
assert_eq "not clean" "$(fs_state)" "the root's ext4 is marked not clean"
run_image "$U" --pipe sh -c "$PROBE"
assert_eq 0 "$RC" "an unclean ext4 root: the container runs ($ERR)"
STATE=$(fs_state)
if [ "$OUT" = writable ]; then
        assert_eq clean "$STATE" "mounted read-write, so it was checked first: fsck marked it clean"
        # fsck's report of what it repaired is status, not a warning: -q keeps it off stderr.
        assert_eq "" "$ERR" "... and with -q nothing of the check reaches stderr"
else
        assert_eq read-only "$OUT" "not checked, so mounted read-only"
        assert_match 'clean|check|fsck|read-only' "$ERR" "... with a warning"
fi
assert_img_clean "unclean ext4"

# The journal says it needs recovery (a crash while mounted): the same rule.
part_out
debugfs -w -R 'feature needs_recovery' "$WORK/part.ext4" >/dev/null 2>&1
part_in
run_image "$U" --pipe sh -c "$PROBE"
assert_eq 0 "$RC" "an ext4 root that needs journal recovery: the container runs ($ERR)"
part_out
FEAT=$(dumpe2fs -h "$WORK/part.ext4" 2>/dev/null | grep '^Filesystem features')
if [ "$OUT" = writable ]; then
        assert_no_match 'needs_recovery' "$FEAT" "mounted read-write after the journal was recovered"
else
        assert_match 'clean|check|fsck|recover|read-only' "$ERR" "mounted read-only with a warning"
fi
assert_img_clean "ext4 that needs recovery"

# With --read-only an unclean ext4 is neither checked nor written (a fresh image: only the state
# is unclean, the journal needs no recovery).
img_gpt "$U" "root $WORK/root.ext4"
part_out
debugfs -w -R 'ssv state 0' "$WORK/part.ext4" >/dev/null 2>&1
part_in
SUM=$(md5sum < "$U")
run_image "$U" --read-only --pipe sh -c "$PROBE"
assert_eq "0:read-only" "$RC:$OUT" "an unclean ext4 with --read-only runs read-only"
assert_eq "$SUM" "$(md5sum < "$U")" "... and nothing checks or writes it"
assert_img_clean "unclean ext4, --read-only"

test_end
