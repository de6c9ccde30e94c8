#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The console: a pty pair on a terminal (raw mode, window size, terminal restored, ^]^]^] kills),
# read-only, passive and pipe modes.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree con)
PTY="python3 $SRCDIR/test/pty-run.py"

OUT=$($PTY 33 111 'wait:# ' 'send:stty size; tty; echo $TERM\n' 'wait:/dev/' 'send:exit 4\n' -- \
      "$NSPAWN" -D "$T" --setenv=PS1='# ')
assert_match '33 111' "$OUT" "the window size reaches the container"
assert_match '/dev/console' "$OUT" "the shell runs on /dev/console"
assert_match '@@EXIT=4' "$OUT" "the exit status passes through in interactive mode"
assert_match '@@RESTORED=yes' "$OUT" "the terminal mode is restored"
assert_match 'Press Ctrl-\] three times' "$OUT" "the escape hint is shown"

# ^] three times within a second kills the container.
OUT=$($PTY 24 80 'wait:# ' 'send:\x1d\x1d\x1d' -- "$NSPAWN" -D "$T" --setenv=PS1='# ' sh -c 'echo "# "; sleep 1003')
assert_match '@@EXIT=137' "$OUT" "^]^]^] kills the container"
assert_match '@@RESTORED=yes' "$OUT" "the terminal mode is restored after ^]^]^]"
assert_eq "" "$(machine_pids "${MP}con")" "nothing survives ^]^]^]"

# Slow presses do not kill it.
OUT=$($PTY 24 80 'wait:# ' 'send:\x1d' 'sleep:0.7' 'send:\x1d' 'sleep:0.7' 'send:\x1d' 'sleep:0.5' 'send:\nexit 6\n' -- \
      "$NSPAWN" -D "$T" --setenv=PS1='# ')
assert_match '@@EXIT=6' "$OUT" "three ^] over more than a second do not kill"

# Read-only: output shown, input not forwarded.
OUT=$($PTY 24 80 'wait:reading' 'send:typed-input\n' -- "$NSPAWN" -q -D "$T" --console=read-only \
      sh -c 'echo reading; read -t 2 x; echo "got:${x:-nothing}"; tty')
assert_match 'got:nothing' "$OUT" "read-only mode does not forward input"
assert_match '/dev/console' "$OUT" "read-only mode still gives a console"

# Passive: a console, but nothing connected.
OUT=$($PTY 24 80 -- "$NSPAWN" -q -D "$T" --console=passive sh -c 'echo invisible; tty >/dev/null && exit 9')
assert_no_match 'invisible' "$OUT" "passive mode shows nothing"
assert_match '@@EXIT=9' "$OUT" "passive mode gives the payload a terminal"

# Pipe mode on a terminal: the payload gets the caller's fds, in a new session.
OUT=$($PTY 24 80 -- "$NSPAWN" -q -D "$T" --pipe sh -c 'tty; ps -o sid= -p $$ 2>/dev/null || cat /proc/self/stat')
assert_no_match '/dev/console' "$OUT" "pipe mode passes the caller's terminal"

# autopipe: pipe without a terminal.
OUT=$(echo piped | "$NSPAWN" -q -D "$T" --console=autopipe cat)
assert_eq piped "$OUT" "autopipe without a terminal is pipe"
OUT=$($PTY 24 80 -- "$NSPAWN" -q -D "$T" --console=autopipe tty)
assert_match '/dev/console' "$OUT" "autopipe on a terminal is interactive"

# Interactive without a terminal is refused.
run_nspawn -q -D "$T" --console=interactive /bin/true
assert_true "interactive without a terminal fails" test "$RC" -ne 0
assert_match 'terminal' "$ERR" "and says why"

test_end
