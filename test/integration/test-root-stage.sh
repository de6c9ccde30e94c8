#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The root is resolved and opened once, before the clone (issue 8): a -D path that is swapped for another
# tree after that (the directory renamed and another put in its place, or a component of the path
# replaced by a symbolic link) does not change which tree the container gets. nspawn is stopped at its
# last set-up call before clone3 (signalfd4: strace injects SIGSTOP there) while the path is swapped.
. "$(dirname "$0")/../lib.sh"
test_begin
command -v strace >/dev/null || { fail "strace is not installed (tools/deps installs it)"; test_end; }

# Starts nspawn on $1 stopped before its clone, runs $2 (the swap), continues it; output in $OUT.
run_swapped() { # directory swap-command
        local spid npid
        rm -f "$WORK/trace"
        timeout 60 strace -qq -o "$WORK/trace" -e trace=signalfd4 -e inject=signalfd4:signal=SIGSTOP:when=1 \
                "$NSPAWN" -q -D "$1" --pipe cat /etc/which-tree >"$WORK/out" 2>"$WORK/err" </dev/null &
        spid=$!
        if ! wait_until 20 grep -qs "stopped by SIGSTOP" "$WORK/trace"; then
                fail "nspawn did not stop before its clone"
                kill "$spid" 2>/dev/null
                wait "$spid"
                RC=1 OUT= ERR=
                return
        fi
        npid=$(pgrep -P "$spid" -x strace)
        npid=$(pgrep -P "$npid")
        "$2"
        kill -CONT "$npid"
        RC=0
        wait "$spid" || RC=$?
        OUT=$(cat "$WORK/out") ERR=$(cat "$WORK/err")
}

# 1. The tree renamed, another tree at its path.
A=$(busybox_tree "$WORK/${MP}root")
echo original > "$A/etc/which-tree"
O=$(busybox_tree "$WORK/other")
echo replacement > "$O/etc/which-tree"
swap_rename() { mv "$A" "$WORK/moved" && mv "$O" "$A"; }
run_swapped "$A" swap_rename
assert_eq 0 "$RC" "renamed tree: the container ran ($ERR)"
assert_eq original "$OUT" "renamed tree: the container got the tree that was opened, not the one now at the path"

# 2. A directory on the path replaced by a symbolic link to a place with another tree of that name.
mkdir -p "$WORK/d" "$WORK/elsewhere"
B=$(busybox_tree "$WORK/d/${MP}root2")
echo original > "$B/etc/which-tree"
C=$(busybox_tree "$WORK/elsewhere/${MP}root2")
echo replacement > "$C/etc/which-tree"
swap_link() { mv "$WORK/d" "$WORK/d.orig" && ln -s "$WORK/elsewhere" "$WORK/d"; }
run_swapped "$B" swap_link
assert_eq 0 "$RC" "path through a symbolic link: the container ran ($ERR)"
assert_eq original "$OUT" "path through a symbolic link: the container got the tree that was opened"

test_end
