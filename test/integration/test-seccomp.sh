#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The system call filter (A11, A12): module loading, kexec, swap, port I/O, the keyring,
# open_by_handle_at, acct and vhangup fail with EPERM on every ABI (x86-64, i386 through int $0x80,
# x32), and so do the terminal ioctls that steal or hang up a terminal in pipe mode.
. "$(dirname "$0")/../lib.sh"
test_begin

gcc -static -O1 -o "$WORK/probe" "$SRCDIR/test/helpers/syscall-probe.c" || fail "cannot build the probe"
B=$(busybox_tree "$WORK/${MP}bb")
run_nspawn -q -D "$B" --bind-ro="$WORK/probe:/probe" --pipe /probe
assert_eq 0 "$RC" "the probe ran"
lines=$(echo "$OUT" | wc -l)
assert_eq 49 "$lines" "14 calls on 3 ABIs and 3 terminal ioctls were tried"
bad=$(echo "$OUT" | grep -v ' EPERM$' || true)
assert_eq "" "$bad" "every one of them fails with EPERM"
assert_match 'vhangup i386 EPERM' "$OUT" "vhangup is refused (i386 too)"
assert_match 'TIOCSCTTY-force x32 EPERM' "$OUT" "TIOCSCTTY with force is refused in pipe mode (x32 too)"
assert_match 'TIOCSCTTY-force-high x86-64 EPERM' "$OUT" "high bits do not hide TIOCSCTTY's argument"
assert_match 'TIOCVHANGUP i386 EPERM' "$OUT" "TIOCVHANGUP is refused (i386 too)"
# With a console, fd 0 is the container's own pty, already its controlling terminal: the forced
# TIOCSCTTY (login(1) uses it for the user's session) is not filtered there; TIOCVHANGUP still is.
run_nspawn -q -D "$B" --bind-ro="$WORK/probe:/probe" --console=read-only /probe
assert_match 'TIOCSCTTY-force x86-64 OK' "$OUT" "with a console, TIOCSCTTY with force works on it"
assert_match 'TIOCVHANGUP x86-64 EPERM' "$OUT" "with a console, TIOCVHANGUP is still refused"
assert_match 'keyctl x86-64 EPERM' "$OUT" "with a console, the rest of the filter is the same"
run_nspawn -q -D "$B" --pipe sh -c 'grep Seccomp: /proc/self/status'
assert_match 'Seccomp:[[:space:]]+2' "$OUT" "the filter is in place"
# The host is unaffected: the same probe outside a container is not filtered.
HOST=$("$WORK/probe" | grep 'keyctl x86-64')
assert_no_match 'EPERM' "$HOST" "the probe itself can tell (keyctl works on the host)"

test_end
