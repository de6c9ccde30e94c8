#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The system call filter (A11, A12): module loading, kexec, swap, port I/O, the keyring,
# open_by_handle_at and acct fail with EPERM on every ABI (x86-64, i386 through int $0x80, x32).
. "$(dirname "$0")/../lib.sh"
test_begin

gcc -static -O1 -o "$WORK/probe" "$SRCDIR/test/helpers/syscall-probe.c" || fail "cannot build the probe"
B=$(busybox_tree "$WORK/${MP}bb")
run_nspawn -q -D "$B" --bind-ro="$WORK/probe:/probe" --pipe /probe
assert_eq 0 "$RC" "the probe ran"
lines=$(echo "$OUT" | wc -l)
assert_eq 39 "$lines" "13 calls on 3 ABIs were tried"
bad=$(echo "$OUT" | grep -v ' EPERM$' || true)
assert_eq "" "$bad" "every one of them fails with EPERM"
run_nspawn -q -D "$B" --pipe sh -c 'grep Seccomp: /proc/self/status'
assert_match 'Seccomp:[[:space:]]+2' "$OUT" "the filter is in place"
# The host is unaffected: the same probe outside a container is not filtered.
HOST=$("$WORK/probe" | grep 'keyctl x86-64')
assert_no_match 'EPERM' "$HOST" "the probe itself can tell (keyctl works on the host)"

test_end
