#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# In pipe mode the payload gets the host's terminal on its standard input and output. It must not be
# able to make it its controlling terminal by force (TIOCSCTTY with a non-zero argument steals it
# from the host's session with CAP_SYS_ADMIN) nor hang it up (vhangup(), TIOCVHANGUP): the
# operator's shell would lose its terminal.
. "$(dirname "$0")/../lib.sh"
test_begin

gcc -static -O1 -o "$WORK/hijack" "$SRCDIR/test/helpers/tty-hijack.c" || fail "cannot build the helper"
B=$(busybox_tree "$WORK/${MP}bb")
mkdir "$WORK/out"

# The shell owns the pty as its controlling terminal, as an operator's login shell does; after the
# container it checks that its terminal still works and is still its controlling terminal. With -a
# the payload is PID 2 and the stub init PID 1: neither keeps the operator's session.
for mode in "" "-a"; do
        what="${mode:-without -a}"
        rm -f "$WORK/out/result"
        OUT=$(python3 "$SRCDIR/test/pty-run.py" 24 80 -- bash -c '
                "$0" -q -D "$1" --bind-ro="$2/hijack:/hijack" --bind="$2/out:/out" --pipe $3 /hijack /out/result
                echo "nspawn-exit=$?"
                stty -g >/dev/null && echo "terminal-works"
                echo "ctty=$(awk "{print \$7}" /proc/$$/stat)"' "$NSPAWN" "$B" "$WORK" "$mode")
        RES=$(cat "$WORK/out/result" 2>/dev/null)
        assert_match 'isatty 1' "$RES" "$what: the payload got the terminal"
        assert_match 'TIOCSCTTY-steal EPERM' "$RES" "$what: TIOCSCTTY with force fails with EPERM"
        assert_match 'vhangup EPERM' "$RES" "$what: vhangup() fails with EPERM"
        assert_match 'TIOCVHANGUP EPERM' "$RES" "$what: TIOCVHANGUP fails with EPERM"
        assert_match 'nspawn-exit=0' "$OUT" "$what: the payload ran to its end"
        assert_match 'terminal-works' "$OUT" "$what: the host shell's terminal is not hung up"
        assert_match 'ctty=[1-9]' "$OUT" "$what: the host shell keeps its controlling terminal"
        assert_match '@@EXIT=0' "$OUT" "$what: the host shell exits normally"
done

# Session ids as the container sees them: 0 is a session outside it (the operator's).
run_nspawn -q -D "$B" --pipe -a sh -c 'echo "stub=$(cut -d" " -f6 /proc/1/stat) payload=$(cut -d" " -f6 /proc/$$/stat)"'
assert_eq "stub=1 payload=2" "$OUT" "-a: the stub and the payload each lead a session of their own"
run_nspawn -q -D "$B" --pipe sh -c 'echo "payload=$(cut -d" " -f6 /proc/$$/stat)"'
assert_eq "payload=1" "$OUT" "without -a: the payload leads a session of its own"

test_end
