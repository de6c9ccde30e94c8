# SPDX-License-Identifier: LGPL-2.1-or-later
# Disk images for the tests of `nspawn -i` (bash). Source test/lib.sh first, call test_begin, then
# source this file. Images are built at test time, in $WORK, without mounting anything: sparse files,
# partition tables written by sfdisk, filesystems made from a directory by their mkfs tools and
# copied into place with dd.
#
#   img_tree DIR                  a busybox tree (busybox_tree of lib.sh) with an os-release and a
#                                 marker file /etc/image-marker holding DIR's basename; prints DIR
#   img_fs TYPE DIR OUT [MIB]     a filesystem image file OUT of TYPE made from the contents of DIR
#                                 (DIR may be "" for an empty filesystem): ext4, xfs, btrfs, erofs,
#                                 squashfs, vfat (always empty: there are no mtools here), swap.
#                                 MIB is the size where the type has one (defaults: ext4 16,
#                                 btrfs 120 and xfs 300, their tools' minimums; vfat 4, swap 4)
#   img_gpt OUT PART...           a GPT disk image OUT; each PART is one word list:
#                                   "TYPE FSFILE [size=MIB] [attrs=ATTRS] [name=LABEL]"
#                                 TYPE: root usr home srv var tmp esp xbootldr linux swap, or a type
#                                 GUID; FSFILE: a file from img_fs (or "-" for an empty partition);
#                                 size: defaults to FSFILE's size rounded up to a MiB (1 MiB for "-");
#                                 ATTRS as sfdisk writes them, e.g. GUID:60 or GUID:60,GUID:63.
#                                 Partitions are numbered 1.. in the order given, 1 MiB aligned.
#   img_mbr OUT PART...           an MBR disk image OUT; PART is "TYPEHEX FSFILE [size=MIB] [bootable]"
#   img_bare OUT FSFILE           a bare filesystem (no partition table): FSFILE moved to OUT
#   img_part_offset IMG N         byte offset of partition N of IMG (either table type)
#   img_part_size IMG N           its size in bytes
#   img_simple OUT [FSTYPE]       the common case: a GPT with one root partition holding a busybox
#                                 tree (img_tree), ext4 unless FSTYPE says otherwise
#   img_loops                     loop devices backed by a file under $WORK (one `losetup -a` line
#                                 each), and partition nodes /dev/loopNpM of loop devices that are
#                                 not attached (what a detach that went wrong leaves)
#   img_leftovers                 true when img_loops prints nothing and no mount of a loop device of
#                                 ours and no new nspawn staging directory under /run or /tmp remains
#   assert_img_clean MSG          asserts img_leftovers (polling up to 5 s: autoclear detaches a loop
#                                 device once its last user is gone, a moment after a SIGKILL)
#   run_image IMG ARGS...         nspawn -q --register=no -i IMG ARGS... through run_nspawn ($OUT,
#                                 $ERR, $RC)
#   assert_img_refused IMG WHAT [NSPAWN ARGS...]
#                                 runs nspawn -i IMG /bin/true (or the args given) and asserts a
#                                 non-zero exit, exactly one line on stderr naming the image (its
#                                 basename), and nothing left behind
#
# GPT type GUIDs (Discoverable Partitions Specification, x86-64) are in IMG_TYPE below; images are
# named ${MP}NAME.raw so that the machine name nspawn derives from them carries the test's prefix.

declare -A IMG_TYPE=(
        [root]=4f68bce3-e8cd-4db1-96e7-fbcaf984b709
        [usr]=8484680c-9521-48c6-9c11-b0720656f69e
        [home]=933ac7e1-2eb4-4f13-b844-0e14e2aef915
        [srv]=3b8f8425-20e0-4f3b-907f-1a25a76f98e8
        [var]=4d21b016-b534-45c2-a9fb-5c16e091fd2d
        [tmp]=7ec6f557-3bc5-4aca-b293-16ef5df639d1
        [esp]=c12a7328-f81f-11d2-ba4b-00a0c93ec93b
        [xbootldr]=bc13c2ff-59e6-4262-a352-b275fd6f7172
        [linux]=0fc63daf-8483-4772-8e79-3d69d8477de4
        [swap]=0657fd6d-a4ab-43c4-84e5-0933c84b4f4f
)
MIB=1048576

# What of nspawn's lives in /run/nspawn and, named nspawn*, in /run and /tmp before the test ran: a
# staging directory that nspawn forgets shows up as a new entry. /run/nspawn and its image-root, the
# fixed staging mount point, may stay (made once, as systemd-nspawn's /run/systemd/nspawn); what
# appears inside them may not.
_img_staging() {
        { find /run/nspawn -mindepth 1 ! -path /run/nspawn/image-root 2>/dev/null
          find /run /tmp -maxdepth 1 -type d -name 'nspawn*' ! -path /run/nspawn \
                ! -path '/tmp/nspawn-test.*' ! -path '/tmp/nspawn-snap.*' ! -name 'nspawn-integration.lock' \
                ! -path '/tmp/nspawn-bench*' ! -path '/tmp/nspawn-demo*' 2>/dev/null; } | sort
}
IMG_STAGING_BEFORE=$(_img_staging)

img_tree() { # dir
        local d
        d=$(busybox_tree "$1") || return 1
        mkdir -p "$d/usr/lib" "$d/home" "$d/srv" "$d/var" "$d/efi" "$d/boot"
        printf 'ID=busybox\nNAME=busybox\n' > "$d/usr/lib/os-release"
        basename "$d" > "$d/etc/image-marker"
        echo "$d"
}

# An xfs protofile describing DIR (mkfs.xfs -p of xfsprogs 6.1 reads no directory): regular files,
# directories and symbolic links, owners and modes as they are.
_img_xfs_proto() { # dir
        python3 - "$1" <<'PY'
import os, stat, sys
top = sys.argv[1]
def mode(st):
    m = st.st_mode
    t = "d" if stat.S_ISDIR(m) else "l" if stat.S_ISLNK(m) else "-"
    return "%s%s%s%03o %d %d" % (t, "u" if m & stat.S_ISUID else "-", "g" if m & stat.S_ISGID else "-",
                                 m & 0o777, st.st_uid, st.st_gid)
def walk(d, depth):
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        st = os.lstat(p)
        ind = " " * depth
        if stat.S_ISDIR(st.st_mode):
            print(ind + name, mode(st))
            walk(p, depth + 1)
            print(ind + "$")
        elif stat.S_ISLNK(st.st_mode):
            print(ind + name, mode(st), os.readlink(p))
        elif stat.S_ISREG(st.st_mode):
            print(ind + name, mode(st), p)
print("/dev/null\n0 0")
print(mode(os.lstat(top)))
walk(top, 1)
print("$")
PY
}

img_fs() { # type dir out [mib]
        local type=$1 dir=$2 out=$3 mib=${4:-} empty
        rm -f "$out"
        if [ -z "$dir" ]; then
                empty=$(mktemp -d "$WORK/empty.XXXXXX") || return 1
                dir=$empty
        fi
        case "$type" in
        ext4)
                truncate -s "${mib:-16}M" "$out" &&
                        mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 -d "$dir" "$out" ;;
        xfs)
                _img_xfs_proto "$dir" > "$out.proto" &&
                        truncate -s "${mib:-300}M" "$out" &&
                        mkfs.xfs -q -f -K -p "$out.proto" "$out" && rm -f "$out.proto" ;;
        btrfs)
                truncate -s "${mib:-120}M" "$out" &&
                        mkfs.btrfs -q -f --rootdir "$dir" "$out" >/dev/null ;;
        erofs)
                mkfs.erofs "$out" "$dir" >/dev/null 2>&1 ;;
        squashfs)
                mksquashfs "$dir" "$out" -noappend -quiet -no-progress >/dev/null ;;
        vfat)
                mkfs.vfat -C "$out" $(( ${mib:-4} * 1024 )) >/dev/null ;;
        swap)
                truncate -s "${mib:-4}M" "$out" && mkswap "$out" >/dev/null ;;
        *)
                echo "img_fs: unknown filesystem type $type" >&2; return 1 ;;
        esac
        local rc=$?
        [ -z "${empty:-}" ] || rmdir "$empty"
        [ $rc = 0 ] || echo "img_fs: making $type in $out failed" >&2
        return $rc
}

# Sizes in whole MiB, rounded up.
_img_mib() { # file
        local s
        s=$(stat -c %s "$1") || return 1
        echo $(( (s + MIB - 1) / MIB ))
}

# The sfdisk line and the file of each PART, then the disk: partitions from 1 MiB on, 1 MiB aligned,
# and 1 MiB at the end for the backup GPT.
_img_table() { # label out part...
        local label=$1 out=$2; shift 2
        local script="label: $label" total=2 p w type file size attrs name boot line start=2048
        local -a files=()
        script+=$'\nunit: sectors'
        [ "$label" = gpt ] && script+=$'\nfirst-lba: 2048'
        for p in "$@"; do
                read -r -a w <<< "$p"
                type=${w[0]} file=${w[1]:--} size= attrs= name= boot=
                for x in "${w[@]:2}"; do
                        case "$x" in
                        size=*) size=${x#size=} ;;
                        attrs=*) attrs=${x#attrs=} ;;
                        name=*) name=${x#name=} ;;
                        bootable) boot=1 ;;
                        *) echo "img_table: unknown word '$x' in '$p'" >&2; return 1 ;;
                        esac
                done
                if [ -z "$size" ]; then
                        if [ "$file" = - ]; then size=1; else size=$(_img_mib "$file") || return 1; fi
                fi
                [ "$label" = gpt ] && [ -n "${IMG_TYPE[$type]:-}" ] && type=${IMG_TYPE[$type]}
                line="start=$start, size=$((size * 2048)), type=$type"
                start=$((start + size * 2048))
                [ -n "$attrs" ] && line+=", attrs=\"$attrs\""
                [ -n "$name" ] && line+=", name=\"$name\""
                [ -n "$boot" ] && line+=", bootable"
                script+=$'\n'"$line"
                files+=("$file")
                total=$((total + size))
        done
        rm -f "$out"
        truncate -s "${total}M" "$out" || return 1
        echo "$script" | sfdisk -q --no-reread --no-tell-kernel "$out" >/dev/null || {
                echo "img_table: sfdisk refused:"$'\n'"$script" >&2; return 1; }
        local i=1 off
        for file in "${files[@]}"; do
                if [ "$file" != - ]; then
                        off=$(img_part_offset "$out" $i) || return 1
                        dd if="$file" of="$out" bs=1M oflag=seek_bytes seek="$off" conv=notrunc,sparse \
                                status=none || return 1
                fi
                i=$((i + 1))
        done
}

img_gpt() { _img_table gpt "$@"; }
img_mbr() { _img_table dos "$@"; }

img_bare() { # out fsfile
        mv "$2" "$1"
}

# Start and size (in sectors) of partition N, as sfdisk reads the table.
_img_part() { # img n
        sfdisk -J "$1" 2>/dev/null | python3 -c '
import json, sys
n = int(sys.argv[1])
for p in json.load(sys.stdin)["partitiontable"]["partitions"]:
    if p["node"].endswith(str(n)) and p["node"][len(p["node"]) - len(str(n)) - 1].isalpha():
        print(p["start"], p["size"]); break
else:
    sys.exit(1)' "$2"
}
img_part_offset() { local s; s=$(_img_part "$1" "$2") || return 1; echo $(( ${s% *} * 512 )); }
img_part_size() { local s; s=$(_img_part "$1" "$2") || return 1; echo $(( ${s#* } * 512 )); }

img_simple() { # out [fstype]
        local out=$1 fs=${2:-ext4} base
        base=$(basename "$out" .raw)
        [ -d "$WORK/tree-$base" ] || img_tree "$WORK/tree-$base" >/dev/null || return 1
        img_fs "$fs" "$WORK/tree-$base" "$WORK/$base.$fs" || return 1
        img_gpt "$out" "root $WORK/$base.$fs" || return 1
        rm -f "$WORK/$base.$fs"
}

img_loops() {
        local l n
        losetup -a 2>/dev/null | grep -F "$WORK/"
        for l in /dev/loop*p*; do
                [ -b "$l" ] || continue
                n=${l%p*}
                # A partition of a loop device that has no backing file any more.
                losetup "$n" >/dev/null 2>&1 || echo "$l (of a detached $n)"
        done
}

img_leftovers() {
        local loops staging mounts dev
        loops=$(img_loops)
        staging=$(comm -13 <(echo "$IMG_STAGING_BEFORE") <(_img_staging))
        # Mounts in our namespace of a loop device backed by our files (lib.sh's check sees mounts
        # under $WORK only; nspawn stages elsewhere).
        mounts=
        for dev in $(losetup -a 2>/dev/null | grep -F "$WORK/" | cut -d: -f1); do
                mounts+=$(grep -E "^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ .* - [^ ]+ ${dev}(p[0-9]+)? " /proc/self/mountinfo)
        done
        if [ -n "$loops$staging$mounts" ]; then
                printf '%s\n' "$loops" "$staging" "$mounts" | grep . >&2
                return 1
        fi
}

assert_img_clean() { # message
        CHECKS=$((CHECKS + 1))
        if wait_until 5 img_leftovers 2>/dev/null; then
                pass "$1: nothing left behind"
        else
                fail "$1: left behind:"$'\n'"$(img_leftovers 2>&1)"
        fi
}

run_image() { # img args...
        local img=$1; shift
        run_nspawn -q --register=no -i "$img" "$@"
}

assert_img_refused() { # img what [args...]
        local img=$1 what=$2 base
        shift 2
        [ $# -gt 0 ] || set -- /bin/true
        base=$(basename "$img")
        run_image "$img" --pipe "$@"
        CHECKS=$((CHECKS + 1))
        if [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ]; then
                pass "$what: refused (exit $RC)"
        else
                fail "$what: expected a refusal (exit 1..127), got exit $RC; stderr: $ERR"
        fi
        assert_eq 1 "$(printf '%s\n' "$ERR" | grep -c .)" "$what: one line on stderr ($ERR)"
        assert_match "$(printf '%s' "$base" | sed 's/[][\.*^$+?(){}|]/\\&/g')" "$ERR" "$what: the message names the image"
        assert_img_clean "$what"
}

# The mounts inside the container, "MOUNTPOINT FSTYPE OPTIONS" a line.
MOUNTS='awk '\''{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5, $(i + 1), $6; break } }'\'' /proc/self/mountinfo'
# True when $OUT (the container's MOUNTS) has a mount on PATH of filesystem FSTYPE.
has_mount() { printf '%s\n' "$OUT" | grep -qE "^$1 $2 "; }
