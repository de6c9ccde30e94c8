#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test/lib.sh's wait_until keeps its whole timeout: mawk's printf %d clamped it to 2^31-1 ns, so
# every wait longer than 2.1 s (a boot, a power-off) gave up after 2.1 s.
. "$(dirname "$0")/../lib.sh"
test_begin

start=$(date +%s%N)
wait_until 3 false; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 1 "$RC" "wait_until gives up on a condition that never holds"
assert_true "... after its timeout of 3 s (${ms} ms, 2950..4000)" test "$ms" -ge 2950 -a "$ms" -le 4000

# A condition that becomes true after 2.5 s is met within a 5 s timeout.
t0=$(date +%s%N)
after() { [ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 2500 ]; }
assert_true "wait_until waits past 2.1 s for a condition that comes true" wait_until 5 after

start=$(date +%s%N)
wait_until 0.3 false
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_true "fractions of a second still work (${ms} ms, 250..1000)" test "$ms" -ge 250 -a "$ms" -le 1000

test_end
