# SPDX-License-Identifier: LGPL-2.1-or-later
# Disk images for tests, built at test time (bash; source it after lib.sh). Images are sparse files:
# put them under $WORK. Nothing here needs a loop device, except mkfs_partition for xfs with a DIR.
#
# make_gpt_image FILE SIZE_MB PART...
#       A new sparse FILE of SIZE_MB MiB with a GPT. Each PART is one sfdisk partition line whose
#       type may be a name: root, usr (this machine's architecture), home, srv, var, tmp, esp,
#       xbootldr, linux (the generic Linux data type), swap; or a UUID. Examples:
#         "size=20M,type=root"   "size=8M,type=home,attrs=GUID:60"   "type=srv" (the rest)
#       Attribute bits: 59 growfs, 60 read-only, 63 no-auto ("attrs=GUID:60,63").
# make_mbr_image FILE SIZE_MB PART...
#       The same with an MBR (DOS) table; types are sfdisk's codes: "size=20M,type=83,bootable".
# partition_offset FILE PARTNO, partition_size FILE PARTNO
#       Print the place of partition PARTNO in bytes (read by partx, in userspace).
# mkfs_partition FILE PARTNO FSTYPE [DIR]
#       Makes a FSTYPE filesystem in partition PARTNO of FILE (PARTNO 0: the whole file, a bare
#       filesystem), with the contents of DIR if given. FSTYPE: ext4 (mkfs.ext4 -d), btrfs
#       (--rootdir), erofs, squashfs (these two need no DIR: an empty one is used), xfs (DIR is
#       copied in through a loop mount: root only), vfat (no DIR). The filesystem is made in a file
#       of the partition's size beside FILE and copied into place, sparse.
# gpt_edit FILE [--primary|--backup|--both] OP ARGS...
#       Corrupts one field of the GPT (test/helpers/gpt-edit.py; its header lists the operations:
#       header-crc, entries-crc, set-count N, set-entry-size N, set-entry I FIRST LAST [TYPE],
#       set-attrs I BITS, zap).
# loops_of FILE
#       Prints the loop devices whose backing file is FILE (empty when none): for leak checks.

gpt_type_uuid() { # name
        case "$1" in
        root)
                case "$(uname -m)" in
                x86_64) echo 4f68bce3-e8cd-4db1-96e7-fbcaf984b709 ;;
                aarch64) echo b921b045-1df0-41c3-af44-4c6f280d3fae ;;
                *) echo "lib-dissect: no root type for $(uname -m)" >&2; return 1 ;;
                esac ;;
        usr)
                case "$(uname -m)" in
                x86_64) echo 8484680c-9521-48c6-9c11-b0720656f69e ;;
                aarch64) echo b0e01050-ee5f-4390-949a-9101b17104e9 ;;
                *) echo "lib-dissect: no usr type for $(uname -m)" >&2; return 1 ;;
                esac ;;
        home) echo 933ac7e1-2eb4-4f13-b844-0e14e2aef915 ;;
        srv) echo 3b8f8425-20e0-4f3b-907f-1a25a76f98e8 ;;
        var) echo 4d21b016-b534-45c2-a9fb-5c16e091fd2d ;;
        tmp) echo 7ec6f557-3bc5-4aca-b293-16ef5df639d1 ;;
        esp) echo c12a7328-f81f-11d2-ba4b-00a0c93ec93b ;;
        xbootldr) echo bc13c2ff-59e6-4262-a352-b275fd6f7172 ;;
        linux) echo 0fc63daf-8483-4772-8e79-3d69d8477de4 ;;
        swap) echo 0657fd6d-a4ab-43c4-84e5-0933c84b4f4f ;;
        *) echo "$1" ;;
        esac
}

_make_image() { # label file size_mb part...
        local label=$1 file=$2 size=$3 part script t
        shift 3
        rm -f "$file"
        truncate -s "${size}M" "$file" || return 1
        script="label: $label"$'\n'
        for part in "$@"; do
                if [ "$label" = gpt ] && [[ "$part" =~ (^|,)\ *type=([^,]*) ]]; then
                        t=$(gpt_type_uuid "${BASH_REMATCH[2]}") || return 1
                        part=${part/type=${BASH_REMATCH[2]}/type=$t}
                fi
                script+="$part"$'\n'
        done
        echo -n "$script" | sfdisk -q --no-reread --no-tell-kernel "$file" >/dev/null
}

make_gpt_image() { _make_image gpt "$@"; }
make_mbr_image() { _make_image dos "$@"; }

partition_offset() { # file partno
        echo $(( $(partx -g -o START -n "$2" "$1" | tr -d ' ') * 512 ))
}
partition_size() { # file partno
        echo $(( $(partx -g -o SECTORS -n "$2" "$1" | tr -d ' ') * 512 ))
}

mkfs_partition() { # file partno fstype [dir]
        local file=$1 partno=$2 fstype=$3 dir=${4:-} offset size fs empty mnt rc=0
        if [ "$partno" = 0 ]; then
                offset=0 size=$(stat -c %s "$file")
        else
                offset=$(partition_offset "$file" "$partno") size=$(partition_size "$file" "$partno") || return 1
        fi
        fs="$file.fs$partno"
        rm -f "$fs"
        empty=$(mktemp -d "$file.empty.XXXXXX")
        case "$fstype" in
        ext4) truncate -s "$size" "$fs" && mkfs.ext4 -q -F ${dir:+-d "$dir"} "$fs" ;;
        btrfs) truncate -s "$size" "$fs" && mkfs.btrfs -q -f ${dir:+--rootdir "$dir"} "$fs" >/dev/null ;;
        erofs) mkfs.erofs --quiet "$fs" "${dir:-$empty}" >/dev/null ;;
        squashfs) mksquashfs "${dir:-$empty}" "$fs" -noappend -quiet -no-progress >/dev/null ;;
        vfat) [ -z "$dir" ] && truncate -s "$size" "$fs" && mkfs.vfat "$fs" >/dev/null ;;
        xfs)
                truncate -s "$size" "$fs" && mkfs.xfs -q -f "$fs" || rc=1
                if [ $rc = 0 ] && [ -n "$dir" ]; then
                        mnt=$(mktemp -d "$file.mnt.XXXXXX")
                        mount -o loop "$fs" "$mnt" && { cp -a "$dir/." "$mnt/"; umount "$mnt"; } || rc=1
                        rmdir "$mnt"
                fi
                [ $rc = 0 ] ;;
        *) echo "lib-dissect: unknown filesystem '$fstype'" >&2; false ;;
        esac || rc=1
        rmdir "$empty"
        if [ $rc = 0 ] && [ "$(stat -c %s "$fs")" -gt "$size" ]; then
                echo "lib-dissect: the $fstype filesystem does not fit in partition $partno" >&2
                rc=1
        fi
        [ $rc = 0 ] && dd if="$fs" of="$file" bs=1M seek="$offset" oflag=seek_bytes conv=notrunc,sparse status=none || rc=1
        rm -f "$fs"
        return $rc
}

gpt_edit() {
        python3 "$SRCDIR/test/helpers/gpt-edit.py" "$@"
}

loops_of() { # file
        losetup -j "$1" -n -O NAME 2>/dev/null
}
