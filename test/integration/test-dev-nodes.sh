#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# /dev where the container cannot make device nodes, as in a user namespace (mknod needs CAP_MKNOD in
# the initial one): the host's nodes are bound onto empty files instead. strace makes every mknodat()
# fail with EPERM, as the kernel does there; the nodes inside must work and be the host's own (the
# same file system and inode, not only the same device numbers). Without the fault, nodes are made on
# the container's /dev tmpfs as before.
. "$(dirname "$0")/../lib.sh"
test_begin

command -v strace >/dev/null || { fail "strace is not installed (tools/deps installs it)"; test_end; }

B=$(busybox_tree "$WORK/${MP}bb")
BB="$B/bin/busybox"
PTY="python3 $SRCDIR/test/pty-run.py"
NODES="null zero full random urandom tty"

# What each node is: "NAME MAJOR:MINOR FS-DEVICE:INODE", by the same stat on both sides.
HOST=$(for n in $NODES; do "$BB" stat -L -c "$n %t:%T %d:%i" "/dev/$n"; done)
HOST_NUMBERS=$(printf '%s\n' "$HOST" | cut -d' ' -f1,2)

# In the container: the same list, how many of the nodes are mount points, and whether they work.
# /dev/tty needs a controlling terminal: the read-only console mode gives the payload one (and
# shows its output).
SCRIPT='for n in '"$NODES"'; do stat -c "$n %t:%T %d:%i" /dev/$n; done
echo "mounts=$(grep -cE " /dev/(null|zero|full|random|urandom|tty) " /proc/self/mountinfo)"
echo x >/dev/null && echo null-works
echo "zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
echo "urandom=$(head -c 16 /dev/urandom | wc -c)"
echo "random=$(head -c 16 /dev/random | wc -c)"
echo x 2>/dev/null >/dev/full || echo full-is-full
echo tty-works >/dev/tty'

# The lines of the container's output about the nodes (the pty adds carriage returns).
nodes_of() { printf '%s\n' "$1" | tr -d '\r' | grep -E "^($(echo "$NODES" | tr ' ' '|')) "; }

check_nodes_work() { # output what
        local out
        out=$(printf '%s\n' "$1" | tr -d '\r')
        assert_match $'\nnull-works\n' "$out" "$2: /dev/null takes writes"
        assert_match $'\nzero=00000000\n' "$out" "$2: /dev/zero reads zeros"
        assert_match $'\nurandom=16\n' "$out" "$2: /dev/urandom reads"
        assert_match $'\nrandom=16\n' "$out" "$2: /dev/random reads"
        assert_match $'\nfull-is-full\n' "$out" "$2: /dev/full refuses writes"
        assert_match $'\ntty-works' "$out" "$2: /dev/tty opens the controlling terminal"
        assert_match '@@EXIT=0' "$out" "$2: the container exits 0"
}

# Made by mknod, as before: the device numbers of the host, on the container's own tmpfs.
OUT=$($PTY 24 80 -- "$NSPAWN" -q --register=no -M "${MP}dev" -D "$B" --console=read-only sh -c "$SCRIPT")
check_nodes_work "$OUT" "made nodes"
assert_eq "$HOST_NUMBERS" "$(nodes_of "$OUT" | cut -d' ' -f1,2)" "made nodes have the host's device numbers"
assert_match $'\nmounts=0' "$(printf '%s\n' "$OUT" | tr -d '\r')" "made nodes are not mount points"
assert_true "made nodes are not the host's inodes" test "$(nodes_of "$OUT")" != "$HOST"

# mknodat fails with EPERM: the host's nodes, bound.
OUT=$($PTY 24 80 -- strace -f -qq -o "$WORK/trace" -e trace=mknodat -e inject=mknodat:error=EPERM \
        "$NSPAWN" -q --register=no -M "${MP}dev" -D "$B" --console=read-only sh -c "$SCRIPT")
assert_true "the fault was injected" grep -q 'mknodat(.*EPERM.*(INJECTED)' "$WORK/trace"
check_nodes_work "$OUT" "bound nodes"
assert_eq "$HOST" "$(nodes_of "$OUT")" "bound nodes are the host's own (device numbers, file system and inode)"
assert_match $'\nmounts=6' "$(printf '%s\n' "$OUT" | tr -d '\r')" "each bound node is a mount point"

# Another mknodat error than EPERM is not worked around: one line naming /dev, exit 1.
RC=0
strace -f -qq -o /dev/null -e inject=mknodat:error=EIO "$NSPAWN" -q --register=no -M "${MP}dev" -D "$B" \
        --pipe /bin/true </dev/null >/dev/null 2>"$WORK/err" || RC=$?
assert_eq "1|Failed to set up '/dev' in the container: Input/output error" "$RC|$(cat "$WORK/err")" \
        "mknodat failing with EIO is an error"

test_end
