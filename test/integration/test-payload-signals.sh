#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The payload starts with every signal at its default disposition and none blocked, as after a login:
# nspawn itself ignores SIGPIPE and blocks signals for its signalfd, and an ignored signal survives
# execve() (with SIGPIPE ignored, `yes | head -1` prints "Broken pipe" inside). Also with --as-pid2,
# whose stub init blocks every signal for itself.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
for mode in "" "-a"; do
        what="${mode:-without -a}"
        run_nspawn -q -D "$B" --pipe $mode cat /proc/self/status
        assert_eq 0 "$RC" "$what: the payload ran"
        assert_match 'SigIgn:[[:space:]]+0000000000000000' "$OUT" "$what: the payload ignores no signal"
        assert_match 'SigBlk:[[:space:]]+0000000000000000' "$OUT" "$what: the payload blocks no signal"
        run_nspawn -q -D "$B" --console=read-only $mode cat /proc/self/status
        assert_match 'SigIgn:[[:space:]]+0000000000000000' "$OUT" "$what, with a console: no signal ignored"
        assert_match 'SigBlk:[[:space:]]+0000000000000000' "$OUT" "$what, with a console: no signal blocked"

        run_nspawn -q -D "$B" --pipe $mode sh -c 'yes | head -n 1; echo "status=${PIPESTATUS:-}"'
        assert_eq 0 "$RC" "$what: yes | head ran"
        assert_eq "y" "$(echo "$OUT" | head -n 1)" "$what: yes | head -1 prints y"
        assert_no_match 'Broken pipe|write error' "$OUT$ERR" "$what: yes dies of SIGPIPE quietly"
done

# The stub of --as-pid2 does not lose a payload that exits before the stub is ready for SIGCHLD.
for i in 1 2 3 4 5 6 7 8; do
        run_nspawn -q -D "$B" --pipe -a true
        [ "$RC" = 0 ] || break
done
assert_eq 0 "$RC" "-a: a payload that exits at once ends the container (8 runs)"

test_end
