#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A16: resource limits hold on this hybrid host (pids and memory are v1 controllers here): a fork bomb
# stops at --property=TasksMax=, a memory hog over --property=MemoryMax= is OOM-killed inside the
# container's cgroup (the host's kernel log names it) while the container's PID 1 and nspawn go on and
# report. Each with its control (the same payload without the limit). Both modes. The bomb is bounded
# (100 sleepers): should the limit not hold, the host is not taken down with the test.
. "$(dirname "$0")/lib-security.sh"
test_begin

# perl, because a shell gives up at the first fork that fails; sh and perl are two of the 20 tasks.
BOMB='perl -e '"'"'my ($f, @k) = (0); for (1 .. 100) { my $p = fork; if (!defined $p) { $f++; next } if (!$p) { sleep 1000; exit 0 } push @k, $p } print "forked ", scalar(@k), " failed $f\n"; kill 9, @k; waitpid($_, 0) for @k; '"'"
# tail buffers all of a line, and /dev/zero has no newline.
HOG='head -c 256M /dev/zero | tail >/dev/null; echo "hog status $?"'
oom_lines() { dmesg 2>/dev/null | grep -F "oom-kill:" | grep -cF "machine-$1.scope"; }

for mode in "${MODES[@]}"; do
        T=$(sec_tree "a16$mode")
        M=${MP}a16$mode
        N=(-q -D "$T" -M "$M" --register=no --pipe $(mode_args "$mode"))
        run_nspawn "${N[@]}" --property=TasksMax=20 sh -c "$BOMB"
        assert_eq "forked 18 failed 82" "$(grep '^forked' <<<"$OUT")" "[$mode] A16: the fork bomb stops at TasksMax=20 ($ERR)"
        assert_eq 0 "$RC" "[$mode] A16: nspawn and the container survive the fork bomb"
        run_nspawn "${N[@]}" sh -c "$BOMB"
        assert_eq "forked 100 failed 0" "$(grep '^forked' <<<"$OUT")" "[$mode] A16: control: without TasksMax= all 100 sleepers start"

        ooms=$(oom_lines "$M")
        run_nspawn "${N[@]}" --property=MemoryMax=64M sh -c "$HOG"
        assert_eq "hog status 137" "$OUT" "[$mode] A16: the hog over MemoryMax=64M is SIGKILLed inside ($ERR)"
        assert_eq 0 "$RC" "[$mode] A16: the container's PID 1 and nspawn survive and report"
        assert_true "[$mode] A16: the host's kernel log shows the OOM kill in the container's cgroup" \
                test "$(oom_lines "$M")" -gt "$ooms"
        run_nspawn "${N[@]}" sh -c "$HOG"
        assert_eq "hog status 0" "$OUT" "[$mode] A16: control: without MemoryMax= the same hog runs to its end"
done

test_end
