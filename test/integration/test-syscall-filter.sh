#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --system-call-filter=: a '~' entry (a name or an @group) is refused with EPERM on every ABI
# (x86-64, i386 through int $0x80, x32), on top of the default filter; an allow entry takes a call
# off the default deny list; unknown names and groups are refused with one line, nothing left behind.
# The probe's calls fail with something other than EPERM when they reach the kernel.
. "$(dirname "$0")/../lib.sh"
test_begin

gcc -static -O1 -o "$WORK/probe" "$SRCDIR/test/helpers/sysfilter-probe.c" || fail "cannot build the probe"
B=$(busybox_tree "$WORK/${MP}bb")
probe() { # call nspawn-args...
        local call=$1
        shift
        run_nspawn -q -D "$B" --bind-ro="$WORK/probe:/probe" "$@" --pipe /probe "$call" /tmp/d
        assert_eq 0 "$RC" "the probe ran ($*: $ERR)"
}

# Without the option: the calls get through (the probe can tell).
probe adjtimex
assert_eq "" "$(echo "$OUT" | grep EPERM)" "adjtimex passes the default filter"
probe mkdir
assert_match 'mkdir x86-64 OK' "$OUT" "mkdir passes the default filter"
assert_match 'mkdir i386 OK' "$OUT" "mkdir passes the default filter (i386)"

# ~@clock: adjtimex and clock_settime fail with EPERM, on all three ABIs.
for call in adjtimex clock_settime; do
        probe "$call" --system-call-filter='~@clock'
        assert_eq 3 "$(echo "$OUT" | grep -c " EPERM$")" "~@clock refuses $call on x86-64, i386, x32 ($OUT)"
done

# ~mkdir (repeatable; mkdirat too, which busybox uses): mkdir fails, the rest of the run works.
probe mkdir --system-call-filter='~mkdir' --system-call-filter='~mkdirat'
assert_eq 3 "$(echo "$OUT" | grep -c "^mkdir .* EPERM$")" "~mkdir refuses mkdir on every ABI ($OUT)"
run_nspawn -q -D "$B" --system-call-filter='~mkdir mkdirat' --pipe sh -c 'echo hello; mkdir /tmp/x; echo "rc=$?"'
assert_match 'hello' "$OUT" "the payload runs under ~mkdir"
assert_match 'rc=1' "$OUT" "mkdir(1) fails under ~mkdir"
assert_match 'Operation not permitted' "$ERR" "with EPERM"

# keyctl is on the default deny list: an allow entry lets it through (the kernel answers EOPNOTSUPP),
# and a denial wins over an allow entry.
probe keyctl
assert_eq 3 "$(echo "$OUT" | grep -c " EPERM$")" "keyctl is denied by default ($OUT)"
probe keyctl --system-call-filter=keyctl
assert_match 'keyctl x86-64 EOPNOTSUPP' "$OUT" "an allow entry lets keyctl through"
assert_match 'keyctl i386 EOPNOTSUPP' "$OUT" "an allow entry lets keyctl through (i386)"
probe keyctl --system-call-filter=@keyring --system-call-filter='~keyctl'
assert_eq 3 "$(echo "$OUT" | grep -c " EPERM$")" "a denial wins over an allow entry ($OUT)"
# The default filter still holds next to an allow entry.
run_nspawn -q -D "$B" --system-call-filter=keyctl --pipe sh -c 'grep Seccomp: /proc/self/status'
assert_match 'Seccomp:[[:space:]]+2' "$OUT" "the filter is in place"

# Bad input: one line naming the entry, non-zero exit, nothing left behind (test_end).
refused "an unknown system call" "frobnicate" -D "$B" --system-call-filter='~mkdir frobnicate' /bin/true
refused "an unknown group" "@frobnicate" -D "$B" --system-call-filter=@frobnicate /bin/true
refused "an empty list" "empty list in --system-call-filter" -D "$B" --system-call-filter='~' /bin/true
refused "a list of blanks" "empty list in --system-call-filter" -D "$B" --system-call-filter=' ' /bin/true

test_end
