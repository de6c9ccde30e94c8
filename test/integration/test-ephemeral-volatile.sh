#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --volatile=yes|state|overlay, --overlay=, --overlay-ro=, --inaccessible=, --template=, asserted from
# inside the container, with the tree unchanged after each (a find + stat list, checksummed); bad input
# is one line naming the wrong thing, a non-zero exit, and nothing left behind.
. "$(dirname "$0")/../lib.sh"
test_begin

# A merged-/usr tree (as Debian's): /bin, /sbin and /lib are links into /usr, which --volatile=yes
# needs to run anything.
T=$WORK/${MP}t
mkdir -p "$T"/{usr/bin,usr/lib,etc,var/lib,proc,sys,dev,run,tmp,root}
cp /bin/busybox "$T/usr/bin/busybox"
for b in $("$T/usr/bin/busybox" --list); do [ -e "$T/usr/bin/$b" ] || ln -s busybox "$T/usr/bin/$b"; done
ln -s usr/bin "$T/bin"
ln -s usr/bin "$T/sbin"
ln -s usr/lib "$T/lib"
echo 'root:x:0:0:root:/root:/bin/sh' > "$T/etc/passwd"
echo 'ID=test' > "$T/usr/lib/os-release"
echo tree > "$T/etc/marker"
echo var > "$T/var/lib/marker"

tree_sum() { find "$1" -printf '%p %m %U %G %s %T@ %y %l\n' | sort | sha256sum; }
BEFORE=$(tree_sum "$T")
FSTYPE='fstype() { awk -v p="$1" '\''$5 == p { for (i = 7; i <= NF; i++) if ($i == "-") { print $(i + 1); exit } }'\'' /proc/self/mountinfo; }'
try() { "$@" 2>/dev/null && echo yes || echo no; }
TRY="try() { \"\$@\" 2>/dev/null && echo yes || echo no; }"

run_nspawn -q --register=no -D "$T" --volatile=yes -P sh -c "$FSTYPE; $TRY"'
        fstype /; fstype /usr; cat /usr/lib/os-release; test -e /etc/marker && echo etc || echo no-etc
        try touch /new; try touch /usr/new'
assert_eq $'tmpfs\next4\nID=test\nno-etc\nyes\nno' "$(printf '%s\n' "$OUT" | sed "2s/^$(stat -f -c %T "$T" | sed 's/ext2\/ext3/ext4/')\$/ext4/")" \
        "--volatile=yes: a tmpfs root, the tree's /usr read-only, nothing else of the tree (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "--volatile=yes: the tree is unchanged"

run_nspawn -q --register=no -D "$T" --volatile=state -P sh -c "$FSTYPE; $TRY"'
        fstype /var; cat /etc/marker; test -e /var/lib/marker && echo var || echo empty-var
        try touch /new; try touch /etc/new; try touch /var/new'
assert_eq $'tmpfs\ntree\nempty-var\nno\nno\nyes' "$OUT" "--volatile=state: the tree read-only, a tmpfs /var (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "--volatile=state: the tree is unchanged"

run_nspawn -q --register=no -D "$T" --volatile=overlay -P sh -c "$FSTYPE; $TRY"'
        fstype /; try touch /new; try sh -c "echo x > /etc/marker"; try rm /var/lib/marker; cat /etc/marker'
assert_eq $'overlay\nyes\nyes\nyes\nx' "$OUT" "--volatile=overlay: a writable overlay over the tree (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "--volatile=overlay: the tree is unchanged"

run_nspawn -q --register=no -D "$T" -U --volatile=state -P sh -c "$TRY"'; stat -c %u:%g / /var /etc/marker; try touch /var/new'
assert_eq $'0:0\n0:0\n0:0\nyes' "$OUT" "--volatile=state with -U: the tree id-mapped, /var the container root's (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "--volatile=state with -U: the tree is unchanged"

# Without layers nspawn writes the tree's /etc/resolv.conf and /etc/localtime.
run_nspawn -q --register=no -D "$T" -P true
BEFORE=$(tree_sum "$T")

# Overlays: host layers (the leftmost lowest), a "+" layer from the tree, a host upper layer, an
# empty upper layer (a tmpfs), read-only.
mkdir -p "$WORK/lo1" "$WORK/lo2" "$WORK/up"
echo lo1 > "$WORK/lo1/a"; echo lo1 > "$WORK/lo1/b"; echo lo2 > "$WORK/lo2/a"
run_nspawn -q --register=no -D "$T" -P --overlay="$WORK/lo1:$WORK/lo2:$WORK/up:/mnt" sh -c \
        'cat /mnt/a /mnt/b; echo new > /mnt/c; rm /mnt/b'
assert_eq $'lo2\nlo1' "$OUT" "--overlay=: the layers stacked in order (stderr: $ERR)"
assert_eq "new" "$(cat "$WORK/up/c")" "--overlay=: writes land in the upper directory"
assert_eq "lo1" "$(cat "$WORK/lo1/b")" "--overlay=: the lower layers are untouched"
assert_eq "" "$(ls -A "$WORK" | grep nspawn-work)" "--overlay=: its work directory is removed after the run"
BEFORE=$(tree_sum "$T")
run_nspawn -q --register=no -D "$T" -P --overlay="+/etc::/etc" sh -c 'echo y > /etc/marker; cat /etc/marker'
assert_eq y "$OUT" "--overlay=+/etc::/etc: a tmpfs upper layer over the tree's /etc (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "--overlay=+/etc::/etc: the tree is unchanged"
run_nspawn -q --register=no -D "$T" -P --overlay-ro="$WORK/lo1:+/etc:/mnt" sh -c "$TRY"'; cat /mnt/marker /mnt/b; try touch /mnt/x'
assert_eq $'tree\nlo1\nno' "$OUT" "--overlay-ro=: the layers combined, read-only (stderr: $ERR)"

# Inaccessible as in systemd-nspawn: an empty node of mode 0000 bound read-only over the path (root
# with CAP_DAC_OVERRIDE may open it, and finds nothing).
run_nspawn -q --register=no -D "$T" -P --inaccessible=/etc/marker --inaccessible=/var/lib sh -c "$TRY"'
        stat -c %a /etc/marker /var/lib; cat /etc/marker; ls /var/lib; try touch /var/lib/x; cat /etc/passwd'
assert_eq $'0\n0\nno\nroot:x:0:0:root:/root:/bin/sh' "$OUT" "--inaccessible=: the paths are empty, mode 0000, not writable; the rest is there (stderr: $ERR)"

# --template=: the tree is copied when it does not exist (owners, modes, links kept), used as it is
# when it does.
chown 12:34 "$T/var/lib/marker"
BEFORE=$(tree_sum "$T")
run_nspawn -q --register=no -D "$WORK/${MP}new" --template="$T" -P sh -c 'echo made > /etc/made; cat /etc/marker'
assert_eq tree "$OUT" "--template=: the new tree is the template's (stderr: $ERR)"
assert_eq "12:34 usr/bin" "$(stat -c %u:%g "$WORK/${MP}new/var/lib/marker") $(readlink "$WORK/${MP}new/bin")" "--template=: owners and links are kept"
assert_eq "$BEFORE" "$(tree_sum "$T")" "--template=: the template is unchanged"
run_nspawn -q --register=no -D "$WORK/${MP}new" --template="$T" -P cat /etc/made
assert_eq made "$OUT" "--template=: an existing tree is used as it is"
assert_eq "" "$(ls -A "$WORK" | grep nspawn-template)" "--template=: no temporary copy is left"

# A btrfs subvolume as the template: the tree is a snapshot of it (a subvolume itself, inode 256).
truncate -s 128M "$WORK/btrfs.img"
mkfs.btrfs -q "$WORK/btrfs.img" >/dev/null
mkdir -p "$WORK/btrfs"
mount -o loop "$WORK/btrfs.img" "$WORK/btrfs"
on_exit "umount '$WORK/btrfs'"
btrfs -q subvolume create "$WORK/btrfs/template" >/dev/null
cp -a "$T/." "$WORK/btrfs/template/"
run_nspawn -q --register=no -D "$WORK/btrfs/${MP}snap" --template="$WORK/btrfs/template" -P cat /etc/marker
assert_eq tree "$OUT" "--template= on btrfs: the new tree runs (stderr: $ERR)"
assert_eq 256 "$(stat -c %i "$WORK/btrfs/${MP}snap")" "--template= on btrfs: the new tree is a subvolume (a snapshot)"
umount "$WORK/btrfs"

# The same from a settings file next to the tree (untrusted): Volatile= and Inaccessible= apply;
# Ephemeral= (as systemd since v260: an image must not make the changes to it vanish) and Overlay=
# (host paths) are ignored with a warning; in a trusted file (--settings=trusted) Ephemeral= applies.
printf '[Exec]\nEphemeral=yes\n[Files]\nInaccessible=/etc/marker\nOverlay=%s:/mnt\n' "$WORK/lo1:$WORK/up" > "$WORK/${MP}t.nspawn"
run_nspawn -q --register=no -D "$T" -P sh -c "$FSTYPE"'; fstype /; cat /etc/marker; ls /mnt'
assert_eq 0 "$RC" "a tree with an untrusted settings file runs (stderr: $ERR)"
assert_no_match "overlay" "$OUT" "an untrusted settings file's Ephemeral= is ignored: the root is the tree itself"
assert_no_match "tree" "$OUT" "an untrusted settings file's Inaccessible= applies (the marker is masked)"
assert_match "Ephemeral= is ignored" "$ERR" "an untrusted settings file's Ephemeral= is ignored with a warning"
assert_match "Overlay= is ignored" "$ERR" "an untrusted settings file's Overlay= is ignored with a warning"
run_nspawn -q --register=no -D "$T" --settings=trusted -P sh -c "$FSTYPE"'; fstype /; touch /new && echo wrote'
assert_eq $'overlay\nwrote' "$OUT" "a trusted settings file's Ephemeral= applies (stderr: $ERR)"
printf '[Files]\nVolatile=state\n' > "$WORK/${MP}t.nspawn"
run_nspawn -q --register=no -D "$T" -P sh -c "$FSTYPE"'; fstype /var'
assert_eq tmpfs "$OUT" "a settings file's Volatile= applies (stderr: $ERR)"
refused "Ephemeral= with --volatile" "--volatile" --register=no -D "$T" -x /bin/true
printf '[Exec]\nEphemeral=yes\n' > "$WORK/${MP}t.nspawn"
refused "Ephemeral= with --template" "--template" --register=no -D "$T" --settings=trusted --template="$T" /bin/true
rm "$WORK/${MP}t.nspawn"
assert_eq "$BEFORE" "$(tree_sum "$T")" "the tree is unchanged after the settings files"

# Bad input.
refused "--volatile=bogus" "bogus" --register=no -D "$T" --volatile=bogus /bin/true
refused "--ephemeral with --template" "--template" --register=no -D "$T" -x --template="$T" /bin/true
refused "--ephemeral with --volatile" "--volatile" --register=no -D "$T" -x --volatile=state /bin/true
refused "a relative --template" "relative" --register=no -D "$T" --template=relative /bin/true
refused "a relative --inaccessible" "relative" --register=no -D "$T" --inaccessible=relative /bin/true
refused "--inaccessible=/" "--inaccessible" --register=no -D "$T" --inaccessible=/ /bin/true
refused "a relative --overlay layer" "relative" --register=no -D "$T" --overlay=relative:/mnt /bin/true
refused "--overlay with one path" "/mnt" --register=no -D "$T" --overlay=/mnt /bin/true
refused "--overlay with a missing lower layer" "$WORK/missing" --register=no -D "$T" --overlay="$WORK/missing:$WORK/up:/mnt" /bin/true
refused "--overlay with an upper layer inside the tree" "+/etc" --register=no -D "$T" --overlay="$WORK/lo1:+/etc:/mnt" /bin/true
refused "--template missing" "$WORK/nothing" --register=no -D "$WORK/${MP}new2" --template="$WORK/nothing" /bin/true
refused "--inaccessible of a missing path" "/nonexistent" --register=no -D "$T" --inaccessible=/nonexistent /bin/true
refused "--volatile=state without /var" "/var" --register=no -D "$WORK/lo1" -M "${MP}novar" --volatile=state /bin/true
assert_eq "" "$(ls -A "$WORK" | grep -e nspawn-work -e "${MP}new2")" "nothing left after the refusals"
assert_eq "$BEFORE" "$(tree_sum "$T")" "the tree is unchanged after the refusals"

test_end
