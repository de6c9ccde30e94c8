#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --private-users-ownership=map, and auto (the default of -U): the root and the binds are id-mapped
# through the container's user namespace, so the files on disk keep their ids and what the container
# creates is stored unshifted. On every file system this kernel id-maps (probed by
# test/helpers/idmap-probe.c, independently of nspawn): directory trees on ext4 and tmpfs, images
# (-i -U) of ext4, xfs, btrfs, erofs and squashfs; file systems that cannot be id-mapped (ramfs, and
# overlayfs on this kernel) fall back to chown with auto and are refused, named, with map;
# idmap/noidmap binds; bad input refused with nothing left behind.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"

LOCKS=/run/nspawn/userns
# What the payload reports: its uid, its uid_map, the owner of a tree file as it sees it, whether it
# can create a file in /root, and the root mount's options.
PROBE='id -u; cat /proc/self/uid_map; stat -c %u:%g /etc/passwd; touch /root/made && echo made; awk '\''$5 == "/" { print $6 }'\'' /proc/self/mountinfo'

owner() { stat -c %u:%g "$1"; }
probe_fs() { "$IDMAP_PROBE" "$1"; }
# Lock files this test's containers left (others' containers, and files of SIGKILLed launchers that a
# later pick reuses, may be there before).
LOCKS_BEFORE=$(ls "$LOCKS" 2>/dev/null)
locks_left() { comm -13 <(echo "$LOCKS_BEFORE" | sort) <(ls "$LOCKS" 2>/dev/null | sort) | grep -c . ; }

# The checks of one run of $PROBE in a mapped container ($OUT, $RC, $ERR of run_nspawn).
assert_mapped_run() { # what
        local what=$1 shift_line
        assert_eq 0 "$RC" "$what: the container runs (stderr: $ERR)"
        assert_eq 0 "$(sed -n 1p <<<"$OUT")" "$what: root inside"
        shift_line=$(sed -n 2p <<<"$OUT")
        assert_match '^ *0 +[0-9]+ +65536$' "$shift_line" "$what: uid_map 0 SHIFT 65536"
        SHIFT=$(awk '{ print $2 }' <<<"$shift_line")
        assert_true "$what: the range is not the host's" test "${SHIFT:-0}" -ge 65536
        assert_eq 0:0 "$(sed -n 3p <<<"$OUT")" "$what: the tree's root-owned files are root's inside"
        assert_eq made "$(sed -n 4p <<<"$OUT")" "$what: root inside can create files in the tree"
        assert_match '(^|,)idmapped(,|$)' "$(sed -n 5p <<<"$OUT")" "$what: the root mount is id-mapped"
}

# --- Directory trees ---------------------------------------------------------------------------------
# ext4 (the test directory) and tmpfs.
mkdir -p "$WORK/tmpfs"
mount -t tmpfs -o mode=0755 tmpfs "$WORK/tmpfs"
on_exit umount -l "$WORK/tmpfs"
for t in "$WORK/${MP}ext4" "$WORK/tmpfs/${MP}tmpfs"; do
        busybox_tree "$t" >/dev/null
        fs=$(stat -f -c %T "$t")
        assert_eq yes "$(probe_fs "$t")" "$fs: the kernel id-maps it (probe)"
        for mode in "-U" "--private-users=pick --private-users-ownership=map"; do
                rm -f "$t/root/made"
                # shellcheck disable=SC2086
                run_nspawn -q --register=no -D "$t" $mode -P sh -c "$PROBE"
                assert_mapped_run "$fs tree, $mode"
                assert_eq 0:0 "$(owner "$t")" "$fs tree, $mode: the tree's root directory is still the host's root's on disk"
                assert_eq 0:0 "$(owner "$t/etc/passwd")" "$fs tree, $mode: the tree's files keep their ids on disk"
                assert_eq 0:0 "$(owner "$t/root/made")" "$fs tree, $mode: a file made inside is stored unshifted"
        done
done
assert_eq 0 "$(locks_left)" "no range lock is left after the runs"

# Inside, ids other than root's map as well: a file the host gives uid 1000 is 1000's inside, and one
# the container gives to 4242 is 4242's on disk.
T=$WORK/${MP}ext4
chown 1000:1000 "$T/etc/group"
run_nspawn -q --register=no -D "$T" -U -P sh -c 'stat -c %u:%g /etc/group; touch /tmp/x; chown 4242:4243 /root/made && echo chowned'
assert_eq "1000:1000"$'\n'"chowned" "$OUT" "other ids map one to one (stderr: $ERR)"
assert_eq 4242:4243 "$(owner "$T/root/made")" "an id set inside is stored as that id on disk"

# --read-only with map: nothing to shift, the root is id-mapped and read-only.
run_nspawn -q --register=no -D "$T" -U --read-only -P sh -c 'stat -c %u /etc/passwd; touch /etc/x 2>/dev/null || echo ro'
assert_eq "0"$'\n'"ro" "$OUT" "--read-only -U: mapped and read-only (stderr: $ERR)"

# --- File systems that cannot be id-mapped: ramfs, and overlayfs (on this kernel an overlay takes
# id-mapped layers but cannot itself be id-mapped). map is refused, naming the file system, with
# nothing shifted; auto shifts the tree on disk instead.
mkdir -p "$WORK/ramfs"
mount -t ramfs -o mode=0755 ramfs "$WORK/ramfs"
on_exit umount -l "$WORK/ramfs"
busybox_tree "$WORK/lower" >/dev/null
mkdir -p "$WORK/upper" "$WORK/owork" "$WORK/${MP}ovl"
mount -t overlay overlay -o "lowerdir=$WORK/lower,upperdir=$WORK/upper,workdir=$WORK/owork" "$WORK/${MP}ovl"
on_exit umount -l "$WORK/${MP}ovl"
for t in "$WORK/ramfs/${MP}r" "$WORK/${MP}ovl"; do
        [ -e "$t/bin/busybox" ] || busybox_tree "$t" >/dev/null
        fs=$(awk -v m="$t" '$5 == m { for (i = 7; i <= NF; i++) if ($i == "-") print $(i + 1) }' /proc/self/mountinfo)
        [ -n "$fs" ] || fs=$(stat -f -c %T "$t")
        assert_match '^no ' "$(probe_fs "$t")" "$fs: the kernel does not id-map it (probe)"
        refused "map on $fs" "$fs" -q --register=no -D "$t" --private-users=pick --private-users-ownership=map /bin/true
        assert_eq 0:0 "$(owner "$t/bin/busybox")" "map on $fs: refused, nothing was shifted"
        assert_eq 0 "$(locks_left)" "map on $fs: no range lock left"
        run_nspawn -q --register=no -D "$t" -U -P sh -c 'id -u; stat -c %u /etc/passwd; awk '\''$5 == "/" { print $6 }'\'' /proc/self/mountinfo'
        assert_eq 0 "$RC" "auto on $fs: the container runs (stderr: $ERR)"
        assert_eq "0 0" "$(sed -n 1,2p <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "auto on $fs: root inside, the tree root's"
        assert_no_match 'idmapped' "$(sed -n 3p <<<"$OUT")" "auto on $fs: no id-mapped root"
        RSHIFT=$(stat -c %u "$t")
        assert_true "auto on $fs: the tree was shifted on disk instead ($RSHIFT)" test "$RSHIFT" -ge 65536
done

# --- Bad input --------------------------------------------------------------------------------------
# A tree left in another range by an earlier chown: map cannot take it, and says so; chown can.
S=$(busybox_tree "$WORK/${MP}shifted")
chown -R 589824:589824 "$S"
refused "map on a tree of another range" "chown" -q --register=no -D "$S" --private-users=pick --private-users-ownership=map /bin/true
assert_eq 589824:589824 "$(owner "$S/bin/busybox")" "map on a tree of another range: nothing changed"
refused "idmap bind without a user namespace" "idmap" -q --register=no -D "$T" --bind="$WORK:/mnt:idmap" /bin/true
# A read-only id-mapped bind would hold only until the container's root remounts it (the flags of
# mounts it makes itself are not locked): refused.
refused "read-only idmap bind" "read-only" -q --register=no -D "$T" -U --bind-ro="$WORK:/mnt:idmap" /bin/true
refused "a bind option that does not exist" "idmapped" -q --register=no -D "$T" -U --bind="$WORK:/mnt:idmapped" /bin/true
# sysfs cannot be id-mapped: the bind is refused, naming the source and its file system.
refused "idmap bind of sysfs" "sysfs" -q --register=no -D "$T" -U --bind="/sys/kernel:/mnt/k:idmap" /bin/true
assert_eq 0 "$(locks_left)" "bad input: no range lock left"

# --- Binds ------------------------------------------------------------------------------------------
# idmap: host ids appear as the same ids inside, what root writes there is the host root's; noidmap:
# the host's ids are nobody's inside, and container root cannot write there. Sources in a 0700
# directory: nspawn opens them, with the host's credentials.
mkdir -p "$WORK/src/d"
echo host > "$WORK/src/d/f"
chown 1000:1000 "$WORK/src/d/f"
chmod 0700 "$WORK/src"
mkdir -p "$WORK/tmpfs/src"
echo t > "$WORK/tmpfs/src/f"
run_nspawn -q --register=no -D "$T" -U -P \
        --bind="$WORK/src/d:/mnt/a:idmap" --bind="$WORK/src/d:/mnt/b" --bind-ro="$WORK/src/d:/mnt/c" \
        --bind="$WORK/tmpfs/src:/mnt/t:idmap,norbind" \
        sh -c 'stat -c %u:%g /mnt/a/f /mnt/b/f /mnt/c/f /mnt/t/f; echo in > /mnt/a/new && echo wrote-a; echo in > /mnt/b/new2 2>/dev/null || echo refused-b; echo in > /mnt/c/new3 2>/dev/null || echo refused-c; echo in > /mnt/t/new4 && echo wrote-t'
assert_eq 0 "$RC" "binds: the container runs (stderr: $ERR)"
assert_eq "1000:1000 65534:65534 65534:65534 0:0 wrote-a refused-b refused-c wrote-t" "$(echo $OUT)" "binds: idmap maps host ids, noidmap shows nobody, ro stays ro"
assert_eq 0:0 "$(owner "$WORK/src/d/new")" "idmap bind: container root's file is the host root's"
assert_true "noidmap bind: nothing written" test ! -e "$WORK/src/d/new2"
assert_true "--bind-ro: nothing written" test ! -e "$WORK/src/d/new3"
assert_eq 0:0 "$(owner "$WORK/tmpfs/src/new4")" "idmap bind of a tmpfs source"

# --- Images (-i -U): every root file system the image tests build ------------------------------------
IT=$(img_tree "$WORK/imgtree")
mkdir -p "$WORK/probe-mnt"
for fs in ext4 xfs btrfs erofs squashfs; do
        img_fs "$fs" "$IT" "$WORK/root.$fs"
        # The probe sees the bare file system, mounted read-only by the test itself.
        mount -o loop,ro "$WORK/root.$fs" "$WORK/probe-mnt"
        p=$(probe_fs "$WORK/probe-mnt")
        umount "$WORK/probe-mnt"
        assert_eq yes "$p" "$fs: the kernel id-maps it (probe)"
        img_gpt "$WORK/${MP}$fs.raw" "root $WORK/root.$fs"
        rm -f "$WORK/root.$fs"
        case $fs in
        erofs|squashfs)
                run_image "$WORK/${MP}$fs.raw" -U -P sh -c 'id -u; stat -c %u:%g /etc/passwd; awk '\''$5 == "/" { print $6 }'\'' /proc/self/mountinfo'
                assert_eq 0 "$RC" "$fs image -U: runs (stderr: $ERR)"
                assert_eq "0 0:0" "$(sed -n 1,2p <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "$fs image -U: root inside, the image's files root's"
                assert_match '(^|,)idmapped(,|$)' "$(sed -n 3p <<<"$OUT")" "$fs image -U: the root is id-mapped" ;;
        *)
                run_image "$WORK/${MP}$fs.raw" -U -P sh -c "$PROBE"
                assert_mapped_run "$fs image -U"
                # Stored unshifted: seen without a user namespace, the new file is root's.
                run_image "$WORK/${MP}$fs.raw" -P stat -c %u:%g /root/made
                assert_eq 0:0 "$OUT" "$fs image -U: the file made inside is stored unshifted (stderr: $ERR)" ;;
        esac
        assert_img_clean "$fs image -U"
done
assert_eq 0 "$(locks_left)" "images: no range lock left"

test_end
