#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -x/--ephemeral: the container runs on an overlay of the tree with a tmpfs upper layer, made as a
# detached mount tree that is never attached on the host. A container that writes everywhere leaves
# the tree as it was (a find + stat list of it, checksummed), with and without -U; two ephemeral
# containers of one tree run at once, each with its own view and its own random machine name; no
# overlay mount and no temporary directory remains after the run, nor after a SIGKILL of nspawn;
# with an image (-i) the image stays unwritten as well.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$(dirname "$0")/../lib-image.sh"

T=$(busybox_tree "$WORK/${MP}t")
mkdir -p "$T/var/lib" "$T/data"
echo original > "$T/etc/file"
echo keep > "$T/data/keep"
chmod 0640 "$T/data/keep"
mkdir -p "$WORK/sync"

tree_sum() { # dir
        find "$1" -printf '%p %m %U %G %s %T@ %y %l\n' | sort | sha256sum
}
# What a container could leave on the host: overlay mounts anywhere (not only under $WORK), and
# directories of a launcher's in the host's temporary and runtime directories and beside the tree
# (other programs' files in /tmp, a compiler's say, are not ours and may come and go).
host_state() {
        grep -c ' - overlay ' /proc/self/mountinfo
        find /tmp /var/tmp /run "$WORK" -maxdepth 1 \( -name '*nspawn*' -o -name '.#*' -o -name "$MP*" \) \
                ! -name 'nspawn-test.*' ! -name 'nspawn-snap.*' ! -name nspawn-integration.lock 2>/dev/null | sort
        # Lock files (the -U ranges' and others) are kept there on purpose.
        find /run/nspawn /run/systemd/nspawn -maxdepth 1 ! -name '*.lock' 2>/dev/null | sort
}
BEFORE=$(tree_sum "$T")
HOST_BEFORE=$(host_state)

WRITE_EVERYWHERE='set -e
echo changed > /etc/file
echo new > /etc/new
rm /bin/ls
mkdir -p /var/lib/new /root/dir /usr/share/x
chmod 0777 /data/keep
chown 1:1 /data/keep
mv /data/keep /data/moved
ln /etc/new /etc/hardlink
ln -sf /nowhere /bin/dangling
touch -d @0 /etc/passwd
for d in / /etc /bin /data /root /var/lib; do echo x > "$d/written"; done
cat /etc/file /etc/new
test ! -e /bin/ls && test -e /data/moved && echo done'

run_nspawn -q --register=no -D "$T" -x -P sh -c "$WRITE_EVERYWHERE"
assert_eq $'changed\nnew\ndone' "$OUT" "an ephemeral container writes everywhere in its view (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "the tree's find+stat list is unchanged after it"
assert_eq original "$(cat "$T/etc/file")" "the tree's file has its old contents"
assert_true "what the container removed is still in the tree" test -e "$T/bin/ls"

run_nspawn -q --register=no -D "$T" -x -U -P sh -c "$WRITE_EVERYWHERE; stat -c %u:%g / /etc/file /etc/new"
assert_eq $'changed\nnew\ndone\n0:0\n0:0\n0:0' "$OUT" "with -U: the tree's layer is id-mapped, the container's root owns and writes its view (stderr: $ERR)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "with -U: the tree is unchanged"

run_nspawn -q --register=no -D "$T" -x -P sh -c "$MOUNTS"
assert_true "the container's root is an overlay (stderr: $ERR)" has_mount / overlay
assert_eq "$BEFORE" "$(tree_sum "$T")" "the tree is unchanged"

# --private-users-ownership=chown would write the tree: refused. So is a tree owned by another range
# (only a shift on disk could give it the container's ids).
refused "ephemeral with ownership chown" "--private-users-ownership=chown" --register=no -D "$T" -x -U --private-users-ownership=chown /bin/true

# Two at once, no -M: each gets the tree's name and a random suffix, and its own view. Each writes
# /who, says so through a bound directory, and reads /who back once the other has written its own.
rm -f "$WORK"/sync/*
"$NSPAWN" -q --register=no -D "$T" -x -P --bind="$WORK/sync:/sync" sh -c \
        'echo A > /who; hostname > /sync/a-name; touch /sync/a-ready
         for i in $(seq 200); do [ -e /sync/b-ready ] && break; sleep 0.05; done
         cat /who > /sync/a-result' </dev/null >/dev/null 2>"$WORK/a.err" &
A=$!
"$NSPAWN" -q --register=no -D "$T" -x -P --bind="$WORK/sync:/sync" sh -c \
        'echo B > /who; hostname > /sync/b-name; touch /sync/b-ready
         for i in $(seq 200); do [ -e /sync/a-ready ] && break; sleep 0.05; done
         cat /who > /sync/b-result' </dev/null >/dev/null 2>"$WORK/b.err" &
B=$!
wait $A; RA=$?
wait $B; RB=$?
assert_eq "0 0" "$RA $RB" "two ephemeral containers of one tree ran at once ($(cat "$WORK/a.err" "$WORK/b.err"))"
assert_eq "A B" "$(cat "$WORK/sync/a-result") $(cat "$WORK/sync/b-result")" "each saw its own /who while the other ran"
assert_match "^${MP//./\\.}t-[0-9a-f]{16}$" "$(cat "$WORK/sync/a-name")" "the machine name is the tree's with a random suffix"
assert_false "the two names differ" test "$(cat "$WORK/sync/a-name")" = "$(cat "$WORK/sync/b-name")"
assert_eq "$BEFORE" "$(tree_sum "$T")" "after both: the tree is unchanged"
assert_eq "$HOST_BEFORE" "$(host_state)" "no overlay mount and no temporary directory on the host after the runs"

# While a container runs, its overlay is nowhere in the host's mount table either; a SIGKILL of
# nspawn leaves nothing.
rm -f "$WORK"/sync/*
"$NSPAWN" -q --register=no -D "$T" -x -M "${MP}k" -P --bind="$WORK/sync:/sync" sh -c \
        'echo x > /etc/during; touch /sync/ready; exec sleep 1000' </dev/null >/dev/null 2>&1 &
K=$!
assert_true "the container to be killed runs" wait_until 10 test -e "$WORK/sync/ready"
assert_eq "$HOST_BEFORE" "$(host_state)" "while it runs, the host sees no overlay mount and no temporary directory"
kill -KILL $K
wait $K 2>/dev/null
assert_true "its processes are gone after the SIGKILL" wait_until 10 no_machine_pids "${MP}k"
remove_machine_cgroup "${MP}k"
assert_true "no overlay mount and no temporary directory after the SIGKILL" wait_until 5 test "$HOST_BEFORE" = "$(host_state)"
assert_eq "$BEFORE" "$(tree_sum "$T")" "the tree is unchanged after the SIGKILL"

# An image: opened read-only under the overlay; two at once share it; it is never written.
img_simple "$WORK/${MP}img.raw"
IMG_SUM=$(sha256sum < "$WORK/${MP}img.raw")
run_nspawn -q --register=no -i "$WORK/${MP}img.raw" -x -P sh -c 'echo y > /etc/image-marker; rm /bin/ls; cat /etc/image-marker'
assert_eq y "$OUT" "an ephemeral container of an image writes its view (stderr: $ERR)"
assert_eq "$IMG_SUM" "$(sha256sum < "$WORK/${MP}img.raw")" "the image's bytes are unchanged"
assert_img_clean "ephemeral image"

test_end
