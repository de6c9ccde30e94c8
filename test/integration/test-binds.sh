#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --bind, --bind-ro and --tmpfs; row A3 (static case) of ../shared/reference/reliability-checks.md:
# a bind destination that is a symlink in the tree is resolved inside the tree.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree binds)
N=(-q -D "$T" --pipe)

mkdir -p "$WORK/src"
echo hello > "$WORK/src/file"

# --bind: both directions.
run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/src" sh -c 'cat /mnt/src/file && echo from-container > /mnt/src/new'
assert_eq "0|hello" "$RC|$OUT" "--bind: the container reads the host directory ($ERR)"
assert_eq "from-container" "$(cat "$WORK/src/new" 2>/dev/null)" "--bind: writes reach the host"
rm -f "$WORK/src/new"

# SRC only: the same path inside.
run_nspawn "${N[@]}" --bind="$WORK/src" cat "$WORK/src/file"
assert_eq "hello" "$OUT" "--bind=SRC binds to the same path in the container"

# --bind-ro: reads work, writes fail (also on submounts of the source).
mkdir -p "$WORK/src/sub"
mount -t tmpfs -o size=1m tmpfs "$WORK/src/sub"
on_exit "mountpoint -q '$WORK/src/sub' && umount '$WORK/src/sub'"
echo sub > "$WORK/src/sub/marker"
run_nspawn "${N[@]}" --bind-ro="$WORK/src:/mnt/ro" sh -c '
        cat /mnt/ro/file
        touch /mnt/ro/x 2>/dev/null && echo wrote-top
        touch /mnt/ro/sub/x 2>/dev/null && echo wrote-sub
        cat /mnt/ro/sub/marker'
assert_eq $'hello\nsub' "$OUT" "--bind-ro: readable, writes fail, also in a submount (recursive read-only)"
assert_false "--bind-ro: nothing was written on the host" test -e "$WORK/src/x" -o -e "$WORK/src/sub/x"
run_nspawn "${N[@]}" --bind-ro="$WORK/src:/mnt/ro" grep -E ' /mnt/ro(/sub)? ' /proc/self/mountinfo
assert_eq "2" "$(grep -c ' ro[, ]' <<<"$OUT")" "--bind-ro: both mounts are read-only in mountinfo"

# rbind (default) carries submounts, norbind does not.
run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/r" sh -c 'cat /mnt/r/sub/marker 2>/dev/null || echo none'
assert_eq "sub" "$OUT" "--bind (rbind by default) includes submounts"
run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/r:rbind" sh -c 'cat /mnt/r/sub/marker 2>/dev/null || echo none'
assert_eq "sub" "$OUT" "--bind=...:rbind includes submounts"
run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/n:norbind" sh -c 'cat /mnt/n/file; cat /mnt/n/sub/marker 2>/dev/null || echo none'
assert_eq $'hello\nnone' "$OUT" "--bind=...:norbind leaves submounts out"
umount "$WORK/src/sub"

# A single file, onto a missing and onto an existing destination.
echo "single" > "$WORK/single"
run_nspawn "${N[@]}" --bind="$WORK/single:/etc/bound-file" sh -c 'cat /etc/bound-file; test -f /etc/bound-file && echo is-file'
assert_eq $'single\nis-file' "$OUT" "--bind of a single file onto a missing destination ($ERR)"
run_nspawn "${N[@]}" --bind-ro="$WORK/single:/etc/hostname" sh -c 'cat /etc/hostname; (echo x > /etc/hostname) 2>/dev/null && echo wrote'
assert_eq "single" "$OUT" "--bind-ro of a single file over an existing file"
assert_eq "single" "$(cat "$WORK/single")" "... the host file is unchanged"

# Missing destinations are created, also several levels deep.
run_nspawn "${N[@]}" --bind="$WORK/src:/new/deep/dir" sh -c 'cat /new/deep/dir/file'
assert_eq "hello" "$OUT" "--bind creates a missing destination directory"
assert_true "... inside the tree" test -d "$T/new/deep/dir"

# A source with an escaped colon.
mkdir "$WORK/a:b"
echo colon > "$WORK/a:b/file"
run_nspawn "${N[@]}" --bind="${WORK}/a\\:b:/mnt/colon" cat /mnt/colon/file
assert_eq "colon" "$OUT" "--bind with an escaped colon in the source ($ERR)"
run_nspawn "${N[@]}" --bind-ro="${WORK}/a\\:b" cat "$WORK/a:b/file"
assert_eq "colon" "$OUT" "--bind-ro with an escaped colon and no destination ($ERR)"

# Several binds, applied in order: a later one may go on top of an earlier one.
mkdir -p "$WORK/outer" "$WORK/inner"
echo inner > "$WORK/inner/i"
run_nspawn "${N[@]}" --bind="$WORK/outer:/mnt/o" --bind-ro="$WORK/inner:/mnt/o/in" cat /mnt/o/in/i
assert_eq "inner" "$OUT" "nested binds are applied in order ($ERR)"

# --tmpfs with and without options.
run_nspawn "${N[@]}" --tmpfs=/scratch:mode=0700,size=1m sh -c '
        stat -c %a /scratch; echo data > /scratch/f && cat /scratch/f
        grep " /scratch " /proc/self/mountinfo'
assert_eq $'700\ndata' "$(head -n2 <<<"$OUT")" "--tmpfs=PATH:mode=0700,size=1m: mode and writes"
assert_match ' /scratch .* - tmpfs tmpfs .*size=1024k' "$OUT" "--tmpfs: a tmpfs with the size option"
run_nspawn "${N[@]}" --tmpfs=/var/tmp stat -c %a /var/tmp
assert_eq "755" "$OUT" "--tmpfs=PATH: default mode 0755"
run_nspawn "${N[@]}" --tmpfs=/usr/share sh -c 'ls -A /usr/share | wc -l'
assert_eq "0|0" "$RC|$OUT" "--tmpfs over /usr/share hides the tree's directory"
assert_true "... and leaves the tree alone" test -d "$T/usr/share/doc"

# A3, static case: a bind destination that is an absolute symlink to /etc in the tree lands on the
# tree's /etc, never on the host's.
mkdir -p "$WORK/a3"
echo a3 > "$WORK/a3/a3-marker"
# The bind hides the tree's /etc: give it the user database, so that the payload still runs as root.
cp "$T/etc/passwd" "$T/etc/group" "$WORK/a3/"
mkdir -p "$T/mnt"
ln -s /etc "$T/mnt/x"
host_etc_mounts=$(awk '$5 ~ "^/etc" { print $5 }' /proc/self/mountinfo)
"$NSPAWN" "${N[@]}" --bind="$WORK/a3:/mnt/x" sh -c 'cat /etc/a3-marker; grep -c "^[0-9]* [0-9]* [^ ]* [^ ]* /etc " /proc/self/mountinfo
        while [ ! -e /go ]; do sleep 0.05; done' >"$WORK/a3.out" 2>&1 </dev/null & P=$!
# The container runs until the host creates /go in its tree.
assert_true "A3: the container is up" wait_line "$WORK/a3.out" '^[0-9]+$'
during=$(awk '$5 ~ "^/etc" { print $5 }' /proc/self/mountinfo)
touch "$T/go"
wait $P; RC=$?
assert_eq $'0|a3\n1' "$RC|$(cat "$WORK/a3.out")" "A3: the bind through /mnt/x -> /etc shows up on the tree's /etc"
assert_eq "$host_etc_mounts" "$during" "A3: the host's /etc gets no new mount while the container runs"
assert_false "A3: the host's /etc is not touched" test -e /etc/a3-marker
assert_true "A3: the symlink in the tree is left as it was" test -L "$T/mnt/x"
rm -f "$T/go"
# The same with a relative link climbing out of the tree.
ln -s ../../../../../../etc "$T/mnt/y"
run_nspawn "${N[@]}" --bind="$WORK/a3:/mnt/y" cat /etc/a3-marker
assert_eq "a3" "$OUT" "A3: a relative link climbing out of the tree is clamped to the tree's /etc"
assert_false "A3: the host's /etc is not touched" test -e /etc/a3-marker

test_end
