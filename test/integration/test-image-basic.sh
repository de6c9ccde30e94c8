#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i: a GPT image with a root partition runs a command (exit status passed on, machine name
# from the file name); the Discoverable Partitions: /usr, /home, /srv, /var, the temporary data
# partition (on /var/tmp, as the specification says: /tmp is nspawn's tmpfs) and XBOOTLDR (/boot)
# mounted at their places, the ESP skipped with one warning where the kernel has no vfat (mounted on
# /efi, or on an empty /boot, where it has); the other layouts the specification accepts: a GPT
# whose only Linux partition has the generic type, an MBR disk with one Linux partition, a bare
# filesystem. After every run: no loop device, partition node or mount of ours (lib-image.sh).
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"


# --- Root only -------------------------------------------------------------------------------------
R="$WORK/${MP}root.raw"
img_simple "$R"
# No udev here (check D13): partition nodes come from BLKPG and devtmpfs, nothing waits for udev.
start=$(date +%s%N)
run_image "$R" --pipe cat /etc/image-marker
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "0:tree-${MP}root" "$RC:$OUT" "root only: the command runs on the image's tree"
assert_true "... at once, waiting for no udev (${ms} ms < 3000)" test "$ms" -lt 3000
assert_eq "" "$ERR" "root only: nothing on stderr"
assert_img_clean "root only"
run_image "$R" --pipe sh -c 'exit 42'
assert_eq 42 "$RC" "the payload's exit status is passed on"
run_image "$R" --pipe /bin/false
assert_eq 1 "$RC" "/bin/false gives 1"
run_image "$R" --pipe hostname
assert_eq "${MP}root" "$OUT" "the machine name is the image's file name without .raw"
run_image "$R" -M "${MP}other" --pipe hostname
assert_eq "${MP}other" "$OUT" "-M names the machine"
run_image "$R" --pipe sh -c "$MOUNTS"
assert_true "/ is the image's ext4 (writable)" has_mount / ext4
assert_match '^/ ext4 rw' "$OUT" "the root is mounted read-write"
run_image "$R" --pipe sh -c 'echo written > /root/note'
run_image "$R" --pipe cat /root/note
assert_eq "0:written" "$RC:$OUT" "a write to the image persists to the next run"
assert_img_clean "the runs on the root-only image"
# An image given by a relative path, and through a symlink.
( cd "$WORK" && run_image "./${MP}root.raw" --pipe true && echo "rc=$RC" ) > "$WORK/rel.out"
assert_eq "rc=0" "$(cat "$WORK/rel.out")" "a relative image path works"
ln -s "$R" "$WORK/${MP}link.raw"
run_image "$WORK/${MP}link.raw" --pipe cat /etc/image-marker
assert_eq "0:tree-${MP}root" "$RC:$OUT" "a symlink to an image works"

# --- All the partitions the specification names ------------------------------------------------------
# The root holds the busybox tree but an empty /usr; each other partition holds a marker naming it.
T=$(img_tree "$WORK/tree-multi")
mkdir -p "$WORK/parts"
for p in usr home srv var tmp xbootldr; do
        mkdir -p "$WORK/parts/$p"
        echo "$p" > "$WORK/parts/$p/marker-$p"
        img_fs ext4 "$WORK/parts/$p" "$WORK/parts/$p.ext4" 8
done
mkdir -p "$WORK/parts/usr/bin" "$WORK/parts/usr/lib" "$WORK/parts/var/tmp"
img_fs ext4 "$WORK/parts/var" "$WORK/parts/var.ext4" 8
cp "$T/usr/lib/os-release" "$WORK/parts/usr/lib/os-release"
img_fs ext4 "$WORK/parts/usr" "$WORK/parts/usr.ext4" 8
img_fs ext4 "$T" "$WORK/parts/root.ext4"
img_fs vfat "" "$WORK/parts/esp.vfat"
img_fs swap "" "$WORK/parts/swap" 2>/dev/null
M="$WORK/${MP}multi.raw"
img_gpt "$M" "root $WORK/parts/root.ext4" "usr $WORK/parts/usr.ext4" "home $WORK/parts/home.ext4" \
        "srv $WORK/parts/srv.ext4" "var $WORK/parts/var.ext4" \
        "esp $WORK/parts/esp.vfat" "xbootldr $WORK/parts/xbootldr.ext4" "swap $WORK/parts/swap" \
        "3b8f8425-0000-4000-8000-000000000001 - size=1"
run_image "$M" --pipe sh -c "$MOUNTS; cat /usr/marker-usr /home/marker-home /srv/marker-srv /var/marker-var /boot/marker-xbootldr"
assert_eq 0 "$RC" "the image with every partition type runs ($ERR)"
for m in /usr /home /srv /var /boot; do
        assert_true "$m is an ext4 partition of the image" has_mount $m ext4
done
assert_match $'usr\nhome\nsrv\nvar\nxbootldr' "$OUT" "each partition's contents appear at its place"
if grep -qw vfat /proc/filesystems; then
        assert_true "the ESP is mounted on /efi" has_mount /efi vfat
        assert_eq "" "$ERR" "no warning when the kernel has vfat"
else
        assert_false "the ESP is not mounted (this kernel has no vfat)" has_mount /efi vfat
        assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "one warning for the ESP ($ERR)"
        assert_match '([Ee][Ss][Pp]|EFI|[Ee]fi|vfat)' "$ERR" "the warning names the ESP"
fi
assert_no_match 'swap' "$OUT" "the swap partition is ignored"
assert_img_clean "the multi-partition image"

# The temporary data partition goes on /var/tmp (the specification: "the intended mount point is
# indeed /var/tmp/, not /tmp/"; /tmp is nspawn's tmpfs), here on top of a /var partition.
img_gpt "$WORK/${MP}vartmp.raw" "root $WORK/parts/root.ext4" "var $WORK/parts/var.ext4" "tmp $WORK/parts/tmp.ext4"
run_image "$WORK/${MP}vartmp.raw" --pipe sh -c "$MOUNTS; cat /var/tmp/marker-tmp 2>/dev/null; true"
assert_eq 0 "$RC" "root + /var + temporary data partition: the container runs ($ERR)"
assert_true "the temporary data partition is on /var/tmp" has_mount /var/tmp ext4
assert_match '(^|'$'\n'')tmp$' "$OUT" "... with its contents"
assert_false "... not on /tmp" has_mount /tmp ext4
assert_img_clean "the temporary data partition"

# ESP on /boot: when /boot is an empty directory and there is no XBOOTLDR.
img_gpt "$WORK/${MP}esp.raw" "root $WORK/parts/root.ext4" "esp $WORK/parts/esp.vfat"
run_image "$WORK/${MP}esp.raw" --pipe sh -c "$MOUNTS"
assert_eq 0 "$RC" "root + ESP: the container runs"
if grep -qw vfat /proc/filesystems; then
        assert_true "the ESP goes on the empty /boot when there is no XBOOTLDR" has_mount /boot vfat
else
        assert_match '([Ee][Ss][Pp]|EFI|[Ee]fi|vfat)' "$ERR" "root + ESP: the ESP is skipped with a warning"
        assert_no_match ' vfat ' "$OUT" "no vfat mount"
fi
assert_img_clean "root + ESP"

# A root the kernel cannot mount is an error, not a warning: vfat as the root here.
if ! grep -qw vfat /proc/filesystems; then
        img_gpt "$WORK/${MP}vfatroot.raw" "root $WORK/parts/esp.vfat"
        assert_img_refused "$WORK/${MP}vfatroot.raw" "a root of a filesystem the kernel lacks (vfat)"
        assert_match '[Vv][Ff][Aa][Tt]|filesystem|file system' "$ERR" "the message says what cannot be mounted"
fi

# /usr is needed as much as the root: a /usr the kernel cannot mount is an error too.
if ! grep -qw vfat /proc/filesystems; then
        img_gpt "$WORK/${MP}vfatusr.raw" "root $WORK/parts/root.ext4" "usr $WORK/parts/esp.vfat"
        assert_img_refused "$WORK/${MP}vfatusr.raw" "a /usr of a filesystem the kernel lacks (vfat)"
fi

# --- The other layouts ---------------------------------------------------------------------------
img_fs ext4 "$T" "$WORK/g.ext4"
img_gpt "$WORK/${MP}generic.raw" "linux $WORK/g.ext4" "swap $WORK/parts/swap"
run_image "$WORK/${MP}generic.raw" --pipe cat /etc/image-marker
assert_eq "0:tree-multi" "$RC:$OUT" "a GPT whose only Linux partition has the generic type: it is the root"
assert_img_clean "generic Linux type"

img_mbr "$WORK/${MP}mbr.raw" "83 $WORK/g.ext4 bootable"
run_image "$WORK/${MP}mbr.raw" --pipe cat /etc/image-marker
assert_eq "0:tree-multi" "$RC:$OUT" "an MBR disk with one bootable Linux (0x83) partition"
assert_img_clean "MBR"
img_mbr "$WORK/${MP}mbr2.raw" "83 $WORK/g.ext4"
run_image "$WORK/${MP}mbr2.raw" --pipe cat /etc/image-marker
assert_eq "0:tree-multi" "$RC:$OUT" "an MBR disk with one Linux partition, not marked bootable"
assert_img_clean "MBR without the boot flag"

cp --sparse=always "$WORK/g.ext4" "$WORK/g2.ext4"
img_bare "$WORK/${MP}bare.raw" "$WORK/g2.ext4"
run_image "$WORK/${MP}bare.raw" --pipe sh -c "cat /etc/image-marker; $MOUNTS"
assert_match '^tree-multi' "$OUT" "a bare ext4 filesystem is the root"
assert_true "/ is that ext4" has_mount / ext4
assert_img_clean "bare ext4"

test_end
