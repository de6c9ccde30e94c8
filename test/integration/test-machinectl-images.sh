#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The image pool: machined's image API and machinectl's image verbs, against a pool in a temporary
# directory bind-mounted over /var/lib/machines in a private mount namespace (never the host's pool),
# with machined and a private dbus-daemon running in that namespace. A directory tree, a raw image, a
# hidden image and files that are no images; list-images, image-status, show-image; clone, rename,
# read-only, remove as systemd's TEST-13 does; a running machine's image; clean; progress on a 1 GB
# tree; SIGKILL of machined during a clone; a full pool; bad input; the distribution's machinectl.
if [ -z "${IMAGES_TEST_NS:-}" ]; then
        IMAGES_TEST_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MACHINECTL=${MACHINECTL:-$BUILDDIR/machinectl}
PIMG=/org/freedesktop/machine1/image
IIF=org.freedesktop.machine1.Image

test_begin
. "$SRCDIR/test/lib-image.sh"

mctl() {
        capture 60 "$MACHINECTL" "$@"
}
# The refusal of a machinectl call: exit 1, one line on stderr matching the text.
refused_mctl() { # description regex args...
        local what=$1 re=$2
        shift 2
        mctl "$@"
        assert_eq 1 "$RC" "$what: refused"
        assert_match "$re" "$ERR" "$what: says why"
        assert_eq 1 "$(printf '%s\n' "$ERR" | wc -l)" "$what: one line"
}

P=/var/lib/machines
POOL=$WORK/pool
mkdir -p "$POOL"
chmod 0700 "$POOL"
mount --bind "$POOL" "$P"
on_exit "umount -l $P"
pool_state() { (cd "$P" && find . -printf '%p %y %m %U %G %s\n' | sort); }
loops_of_pool() { losetup -a 2>/dev/null | grep -F "$P/"; }
no_pool_loops() { [ -z "$(loops_of_pool)" ]; }

# --- the pool ---------------------------------------------------------------------------------------
T=${MP}tree
busybox_tree "$P/$T" >/dev/null
echo "${MP}host" > "$P/$T/etc/hostname"
echo 0123456789abcdef0123456789abcdef > "$P/$T/etc/machine-id"
printf 'PRETTY_HOSTNAME="Pretty"\nCHASSIS=container\n' > "$P/$T/etc/machine-info"
printf 'ID=imgtest\nPRETTY_NAME="Image Test OS"\n' > "$P/$T/etc/os-release"
# A guest symlink that points outside the tree: read inside the image, it is the image's own file.
mkdir -p "$P/$T/usr/lib"
ln -s /etc/os-release "$P/$T/usr/lib/os-release"
# Owners, modes, hard links, special nodes, xattrs, ACLs: what a copy must keep.
mkdir -p "$P/$T/data"
echo hello > "$P/$T/data/file"
chown 1234:4321 "$P/$T/data/file"
chmod 4751 "$P/$T/data/file"
ln "$P/$T/data/file" "$P/$T/data/hardlink"
mknod "$P/$T/data/null" c 1 3
mkfifo "$P/$T/data/fifo"
# An xattr and an access ACL (user 4242 r-x; the binary form of system.posix_acl_access: version 2,
# then tag, permissions, id per entry), without the attr and acl tools.
xattrs() { # path
        python3 -c 'import os,sys; print(sorted((n, os.getxattr(sys.argv[1], n, follow_symlinks=False).hex()) for n in os.listxattr(sys.argv[1], follow_symlinks=False)))' "$1"
}
python3 - "$P/$T" <<'EOP'
import os, struct, sys
os.setxattr(sys.argv[1] + "/data/file", "user.test", b"value")
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, p, i in
        [(1, 7, 0xffffffff), (2, 5, 4242), (4, 5, 0xffffffff), (0x10, 5, 0xffffffff), (0x20, 5, 0xffffffff)])
os.setxattr(sys.argv[1] + "/data", "system.posix_acl_access", acl)
EOP
touch -d '2020-01-02 03:04:05' "$P/$T/data/file"
R=${MP}raw
img_simple "$P/$R.raw" >/dev/null
H=.${MP}hidden
mkdir -p "$P/$H/etc"
J=${MP}junk
head -c 65536 /dev/urandom > "$P/$J.raw"
mkdir "$P/bad_name" "$P/.#clone-leftover"
: > "$P/notanimage.txt"
START=$(pool_state)

start_bus || { fail "no private bus"; test_end; }
start_machined || { fail "machined did not start"; test_end; }
assert_false "machined swept the work name a killed machined left" test -e "$P/.#clone-leftover"
START=$(pool_state)

# --- list-images, image-status, show-image ------------------------------------------------------------
mctl list-images
assert_eq 0 "$RC" "list-images succeeds"
assert_match "^NAME +TYPE +RO +USAGE +CREATED +MODIFIED" "$OUT" "list-images: the header"
assert_match "(^|"$'\n'")$T +directory +no +- +[A-Z][a-z]{2} [0-9-]+ " "$OUT" "list-images: the tree"
assert_match "(^|"$'\n'")$R +raw +no +[0-9.]+[BKMG] " "$OUT" "list-images: the raw image, with its usage"
assert_match "(^|"$'\n'")$J +raw " "$OUT" "list-images: a .raw file is listed as raw"
assert_no_match "hidden|bad_name|notanimage|clone-leftover" "$OUT" "list-images: no hidden image, nothing that is no image"
assert_match $'\n\n3 images listed.$' "$OUT" "list-images: the legend"
mctl list-images --no-legend
assert_no_match "NAME|listed" "$OUT" "list-images --no-legend: no header, no footer"
mctl list-images -a
assert_match "(^|"$'\n'")\\$H +directory " "$OUT" "list-images -a: the hidden image too"
mctl list-images -a -o json
assert_eq 0 "$RC" "list-images -o json succeeds"
J_OK=$(python3 -c 'import json,sys; l=json.loads(sys.argv[1]); d={i["name"]:i for i in l}; print(d[sys.argv[2]]["type"], d[sys.argv[2]]["ro"], d[sys.argv[3]]["type"], len(l))' "$OUT" "$T" "$R" 2>&1)
assert_eq "directory False raw 4" "$J_OK" "list-images -o json: valid JSON with the images"

mctl image-status "$T"
assert_eq 0 "$RC" "image-status of the tree"
assert_match "Path: $P/$T"$'\n' "$OUT" "image-status: Path"
assert_match "Type: directory" "$OUT" "image-status: Type"
assert_match "Hostname: ${MP}host" "$OUT" "image-status: the image's hostname"
assert_match "Machine ID: 0123456789abcdef0123456789abcdef" "$OUT" "image-status: the image's machine id"
assert_match "OS: Image Test OS" "$OUT" "image-status: the image's os-release"
assert_match "RO: writable" "$OUT" "image-status: writable"
mctl image-status "$R"
assert_match "Type: raw" "$OUT" "image-status of the raw image"
assert_match "RO: writable" "$OUT" "image-status of the raw image: writable"
assert_true "reading the raw image leaves no loop device" wait_until 5 no_pool_loops
mctl show-image "$T" -p Type --value
assert_eq directory "$OUT" "show-image -p Type --value"
mctl show-image "$R"
assert_match "(^|"$'\n'")Path=$P/$R.raw"$'\n' "$OUT" "show-image: Path"
assert_match $'\n'"Usage=[0-9]+"$'\n' "$OUT" "show-image: Usage of a raw image"

O=$(busctl call $DEST $OBJ $MGR GetImage s "$T")
assert_eq "o \"$PIMG/${MPO}tree\"" "$O" "GetImage: the escaped object path"
O=$(busctl get-property $DEST "$PIMG/${MPO}tree" $IIF Name Type ReadOnly 2>&1)
assert_eq "s \"$T\""$'\n'"s \"directory\""$'\n'"b false" "$O" "the Image object's properties"
O=$(busctl call $DEST "$PIMG/${MPO}tree" $IIF GetMachineInfo 2>&1)
assert_match "CHASSIS\" \"container\"" "$O" "GetMachineInfo reads /etc/machine-info"
O=$(busctl call $DEST $OBJ $MGR GetImageOSRelease s "$R" 2>&1)
assert_match "\"ID\" \"busybox\"" "$O" "GetImageOSRelease of a raw image: its root partition's os-release"
O=$(busctl call $DEST $OBJ $MGR GetImageOSRelease s "$J" 2>&1)
assert_match "is not a usable disk image" "$O" "a .raw file that is no disk image: a clear error ($O)"
assert_true "... and no loop device left" wait_until 5 no_pool_loops
O=$(busctl call $DEST $OBJ $MGR GetImage s "${MP}nope" 2>&1)
assert_match "No image '${MP}nope' known" "$O" "GetImage of an unknown image: NoSuchImage"
O=$(busctl call $DEST $OBJ $MGR GetImage s "a/b" 2>&1)
assert_match "Invalid image name" "$O" "GetImage of an invalid name"
O=$(busctl introspect $DEST $OBJ $MGR 2>&1)
assert_match "\.ListImages " "$O" "the Manager's introspection has the image methods"
assert_match "\.ListMachines " "$O" "... beside the machine methods"
assert_match "\.PoolPath +property" "$O" "... and the pool properties"
O=$(busctl get-property $DEST $OBJ $MGR PoolUsage PoolLimit)
assert_match "^t [0-9]+"$'\n'"t [0-9]+$" "$O" "PoolUsage and PoolLimit answer ($O)"
assert_no_match "18446744073709551615" "$O" "... with real numbers"
assert_eq "$START" "$(pool_state)" "reading leaves the pool as it was"

# A hostile image: its os-release and hostname try to take over the terminal.
E=${MP}evil
mkdir -p "$P/$E/etc"
printf 'PRETTY_NAME="\e]52;c;ZWNobyBwd24=\a\e[2JEvil OS"\n' > "$P/$E/etc/os-release"
printf 'evil\e[31mhost\n' > "$P/$E/etc/hostname"
mctl image-status "$E"
assert_eq 0 "$RC" "image-status of a hostile image"
assert_no_match $'\e' "$OUT" "... prints no raw escape character"
assert_match 'OS: \\e\]52' "$OUT" "... but the escaped os-release"
rm -r "${P:?}/$E"

# --- TEST-13: clone, rename, read-only, remove ----------------------------------------------------------
C=${MP}cloned
N=${MP}renamed
mctl clone "$T" "$C"
assert_eq 0 "$RC" "clone succeeds ($ERR)"
mctl list-images
assert_match "(^|"$'\n'")$C +directory +no " "$OUT" "the clone is listed"
assert_eq "$(cd "$P/$T" && find . -printf '%p %y %m %U %G %s %T@ %n\n' | sort)" \
        "$(cd "$P/$C" && find . -printf '%p %y %m %U %G %s %T@ %n\n' | sort)" \
        "the clone keeps names, types, modes, owners, sizes, times and link counts"
assert_eq "$(stat -c %i "$P/$C/data/file")" "$(stat -c %i "$P/$C/data/hardlink")" "the clone keeps hard links"
assert_eq "c 1 3" "$(stat -c '%F' "$P/$C/data/null" | sed 's/character special file/c/') $(stat -c '%t %T' "$P/$C/data/null")" "the clone keeps device nodes"
assert_match "user.test" "$(xattrs "$P/$C/data/file")" "the clone keeps xattrs"
assert_eq "$(xattrs "$P/$T/data/file")" "$(xattrs "$P/$C/data/file")" "... with their values"
assert_match "system.posix_acl_access" "$(xattrs "$P/$C/data")" "the clone keeps ACLs"
assert_eq "$(xattrs "$P/$T/data")" "$(xattrs "$P/$C/data")" "... as they were"
mctl image-status "$C"
assert_match "Hostname: ${MP}host" "$OUT" "image-status of the clone"
mctl rename "$C" "$N"
assert_eq 0 "$RC" "rename succeeds"
mctl list-images
assert_match "(^|"$'\n'")$N +directory" "$OUT" "the renamed image is listed"
assert_no_match "$C" "$OUT" "... under its new name only"
mctl read-only "$N"
assert_eq 0 "$RC" "read-only succeeds"
mctl image-status "$N"
assert_match "RO: read-only" "$OUT" "image-status: read-only"
assert_match "^----i" "$(lsattr -d "$P/$N")" "a read-only directory is immutable at its top (chattr +i)"
assert_false "... and cannot be written at its top" touch "$P/$N/x"
mctl read-only "$N" false
assert_eq 0 "$RC" "read-only false succeeds"
assert_match "RO: writable" "$($MACHINECTL image-status "$N")" "writable again"
mctl read-only "$N" yes
mctl remove "$N"
assert_eq 0 "$RC" "remove (of a read-only directory, as systemd) succeeds"
assert_false "the image is gone" test -e "$P/$N"
mctl clone "$R" "$C" --read-only
assert_eq 0 "$RC" "clone --read-only of the raw image"
assert_eq "-r--r--r--" "$(stat -c %A "$P/$C.raw")" "a read-only raw image has no write bits"
assert_match "(^|"$'\n'")$C +raw +yes " "$($MACHINECTL list-images)" "... and is listed read-only"
assert_eq "$(sha256sum < "$P/$R.raw")" "$(sha256sum < "$P/$C.raw")" "the raw clone has the same contents"
mctl read-only "$C" no
assert_eq "-rw-r--r--" "$(stat -c %A "$P/$C.raw")" "read-only no gives the write bit back"
mctl remove "$C"
assert_eq 0 "$RC" "remove of the raw clone"
assert_eq "$START" "$(pool_state)" "clone, rename, read-only, remove leave the pool as it was"

# An image that is a symlink to a tree elsewhere (as systemd allows): marked read-only through the
# symlink; removing it removes the symlink, not the tree.
mkdir -p "$WORK/elsewhere/etc"
on_exit "chattr -i $WORK/elsewhere 2>/dev/null"
ln -s "$WORK/elsewhere" "$P/${MP}linked"
mctl read-only "${MP}linked"
assert_eq 0 "$RC" "read-only of a symlinked tree ($ERR)"
assert_match "^----i" "$(lsattr -d "$WORK/elsewhere")" "... marks the tree"
assert_match "(^|"$'\n'")${MP}linked +directory +yes " "$($MACHINECTL list-images)" "... which is listed read-only"
mctl remove "${MP}linked"
assert_eq 0 "$RC" "remove of a symlinked image"
assert_false "... removes the symlink" test -L "$P/${MP}linked"
assert_true "... not the tree" test -d "$WORK/elsewhere/etc"
chattr -i "$WORK/elsewhere"
assert_eq "$START" "$(pool_state)" "a symlinked image leaves the pool as it was"

# --- bad input ------------------------------------------------------------------------------------------
refused_mctl "clone to an invalid name" "Invalid image name 'bad_name'" clone "$T" bad_name
refused_mctl "clone to an existing image" "An image '$R' exists already" clone "$T" "$R"
refused_mctl "rename to an existing image" "An image '$R' exists already" rename "$T" "$R"
refused_mctl "rename to an invalid name" "Invalid image name" rename "$T" ".."
refused_mctl "remove of an unknown image" "No image '${MP}nope' known" remove "${MP}nope"
refused_mctl "image-status of an unknown image" "No image '${MP}nope' known" image-status "${MP}nope"
refused_mctl "read-only with a bad boolean" "Failed to parse read-only boolean 'maybe'" read-only "$T" maybe
refused_mctl "clone of a name with a slash" "Invalid image name" clone "../etc" "${MP}x"
O=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MACHINECTL" remove "$T" 2>&1)
assert_match "Access denied" "$O" "remove by an unprivileged caller: access denied"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
for call in "RemoveImage s $T" "RenameImage ss $T ${MP}x" "CloneImage ssb $T ${MP}x false" \
            "MarkImageReadOnly sb $T true" "CleanPool s all" "SetPoolLimit t 1" "SetImageLimit st $T 1"; do
        # shellcheck disable=SC2086 # the call's words
        O=$($NOBODY busctl call $DEST $OBJ $MGR $call 2>&1)
        assert_match "Access denied" "$O" "${call%% *} by an unprivileged caller: access denied"
done
O=$($NOBODY busctl call $DEST "$PIMG/${MPO}tree" $IIF Remove 2>&1)
assert_match "Access denied" "$O" "Image.Remove by an unprivileged caller: access denied"
O=$($NOBODY busctl call $DEST $OBJ $MGR GetImageHostname s "$T" 2>&1)
assert_eq "s \"${MP}host\"" "$O" "GetImageHostname by an unprivileged caller works"
O=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MACHINECTL" list-images --no-legend 2>&1)
assert_match "$T +directory" "$O" "list-images by an unprivileged caller works"
assert_eq "$START" "$(pool_state)" "bad input leaves the pool as it was"

# --- progress on a 1 GB tree, and SIGKILL of machined during a clone ---------------------------------------
BIG=${MP}big
mkdir -p "$P/$BIG"
for i in 1 2 3 4; do dd if=/dev/zero of="$P/$BIG/f$i" bs=1M count=256 status=none; done
B=${MP}bigcopy
T0=$(date +%s%N)
mctl clone "$BIG" "$B"
MS=$((($(date +%s%N) - T0) / 1000000))
assert_eq 0 "$RC" "clone of a 1 GB tree (${MS} ms)"
NPROG=$(printf '%s\n' "$ERR" | grep -c "^Copying: ")
assert_true "progress lines while it copies ($NPROG: $(echo $ERR | tr '\n' ' '))" test "$NPROG" -ge 3
assert_match "Copying: 100% \(1.0G of 1.0G\)" "$ERR" "... up to 100%"
assert_eq "$(du -sb "$P/$BIG" | cut -f1)" "$(du -sb "$P/$B" | cut -f1)" "the copy is complete"
mctl remove "$B"

mctl remove "$BIG"
assert_eq "$START" "$(pool_state)" "the big tree leaves the pool as it was"

# Interrupted clones, of a tree of many files (the bookworm tree: its copy takes a while file by file,
# where 1 GB in a few files is copied in a moment from the page cache).
DEB=${MP}deb
cp -a "$(debian_tree)" "$P/$DEB"
# A client that goes away cancels its clone: the copy goes.
"$MACHINECTL" clone "$DEB" "$B" >/dev/null 2>&1 &
CLP=$!
work_exists() { compgen -G "$P/.#clone-$B-*" >/dev/null; }
assert_true "a clone runs" wait_until 10 work_exists
kill -KILL "$CLP"; wait "$CLP" 2>/dev/null
assert_true "the clone of a client that is gone is cancelled, its copy removed" wait_until 10 eval '! work_exists'
assert_false "... and nothing is under the final name" test -e "$P/$B"
O=$(busctl call $DEST $OBJ $MGR ListMachines 2>&1)
assert_match "^a\(ssso\) 0" "$O" "machined serves calls after the cancellation"

"$MACHINECTL" clone "$DEB" "$B" >/dev/null 2>&1 &
CLP=$!
assert_true "the clone works under a hidden name" wait_until 10 work_exists
T0=$(date +%s%N)
mctl list-images -a
MS=$((($(date +%s%N) - T0) / 1000000))
assert_no_match "$B|#" "$OUT" "... which no listing shows"
assert_true "machined answers while the clone runs (${MS} ms)" test "$MS" -lt 1000
assert_true "... and the clone still runs" work_exists
stop_machined KILL
wait "$CLP"
assert_true "the client of the clone fails when machined dies" test $? -ne 0
assert_false "no half copy under the final name" test -e "$P/$B"
start_machined || fail "machined did not start again"
assert_false "the next machined sweeps the half copy" work_exists
mctl remove "$DEB"
assert_eq "$START" "$(pool_state)" "interrupted clones leave the pool as it was"

# --- a full pool ----------------------------------------------------------------------------------------
umount "$P"
mount -t tmpfs -o size=4m,mode=0700 "${MP}full" "$P"
mkdir -p "$P/${MP}fat"
dd if=/dev/urandom of="$P/${MP}fat/blob" bs=1M count=3 status=none
USED=$(df --output=used "$P" | tail -1)
refused_mctl "clone into a full pool" "No space left on device" clone -q "${MP}fat" "${MP}fat2"
assert_eq "${MP}fat" "$(ls -A "$P")" "no half copy is left in the full pool"
assert_eq "$USED" "$(df --output=used "$P" | tail -1)" "... and the space is free again"
umount "$P"
mount --bind "$POOL" "$P"

# --- the distribution's machinectl ----------------------------------------------------------------------
assert_true "the distribution's machinectl is installed" test -x /usr/bin/machinectl
if [ -x /usr/bin/machinectl ]; then
        # It refuses to run unless /run/systemd/system exists: a private /run/systemd for it.
        DM() { unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl --no-pager "$@"' sh "$@" 2>&1; }
        O=$(DM list-images)
        assert_match "(^|"$'\n'")$T +directory +no " "$O" "the distribution's machinectl list-images ($O)"
        assert_match "(^|"$'\n'")$R +raw +no " "$O" "... with the raw image"
        O=$(DM image-status "$T")
        assert_match "Path: $P/$T" "$O" "the distribution's machinectl image-status ($O)"
        assert_match "Hostname: ${MP}host" "$O" "... the hostname"
        assert_match "OS: Image Test OS" "$O" "... the OS"
        O=$(DM show-image "$T")
        assert_match $'(^|\n)Type=directory\n' "$O" "the distribution's machinectl show-image"
fi

# --- a running machine's image, clean ---------------------------------------------------------------
# nspawn writes into the tree it runs: a copy of the tree of its own.
U=${MP}running
cp -a "$P/$T" "$P/$U"
"$NSPAWN" -q -D "$P/$U" -M "${MP}run" --register=yes /bin/sleep 300 </dev/null >"$WORK/nspawn.log" 2>&1 &
NSP=$!
on_exit "kill $NSP 2>/dev/null; wait $NSP 2>/dev/null"
running() { [ "$("$MACHINECTL" show "${MP}run" -p RootDirectory --value 2>/dev/null)" = "$P/$U" ]; }
assert_true "nspawn -D $P/$U runs, registered" wait_until 10 running
refused_mctl "remove of a running machine's image" "in use by running machine '${MP}run'" remove "$U"
refused_mctl "rename of a running machine's image" "in use by running machine '${MP}run'" rename "$U" "$N"
mctl clone "$U" "$C"
assert_eq 0 "$RC" "clone of a running machine's tree works ($ERR)"
assert_true "... and it is there" test -d "$P/$C/data"
mctl remove "$C"
assert_eq 0 "$RC" "... and goes again"

mkdir -p "$P/.${MP}h2"
mctl clean
assert_eq 0 "$RC" "clean succeeds"
assert_match "Removed image '\\$H'" "$OUT$ERR" "clean names what it removed ($OUT$ERR)"
assert_false "clean removed the hidden images" test -e "$P/$H"
assert_false "... all of them" test -e "$P/.${MP}h2"
assert_true "... and kept the others" test -d "$P/$T"
mkdir -p "$P/.${MP}h2"
mctl clean --all
assert_eq 0 "$RC" "clean --all succeeds"
assert_eq "bad_name notanimage.txt $U" "$(ls -A "$P" | tr '\n' ' ' | sed 's/ $//')" "clean --all removes every image but the running machine's (and what is no image)"
rm -r "$P/bad_name" "$P/notanimage.txt"
kill "$NSP"; wait "$NSP" 2>/dev/null
mctl remove "$U"
assert_eq 0 "$RC" "once the machine is gone, its image can be removed ($ERR)"
assert_eq "" "$(ls -A "$P")" "the pool is empty"

assert_true "no loop device of the pool is left" wait_until 5 no_pool_loops
test_end
