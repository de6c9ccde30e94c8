#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A6 (CVE-2017-5226): a payload cannot push keystrokes into the terminal nspawn was started from. In
# pipe mode its stdin is the caller's terminal: TIOCSTI must fail with EPERM (root and a user, both
# modes). With a console the bytes land in the container's own pty, never in the caller's.
. "$(dirname "$0")/lib-security.sh"
test_begin

P=$(build_helper tiocsti-probe)
B=$(busybox_tree "$WORK/${MP}bb")
for mode in "${MODES[@]}"; do
        M=$(mode_args "$mode")
        for how in "--pipe" "--pipe -u nobody"; do
                # script gives nspawn a pty as stdin; the payload tries to inject into it. A shell
                # reading that pty after nspawn ends would run what got through.
                rm -f "$WORK/PWNED"
                OUT=$(timeout 60 script -qec "'$NSPAWN' -q -D '$B' $M $how --bind-ro='$P:/tiocsti' /tiocsti; read -t 1 l && [ \"\$l\" = 'echo PWNED-by-tiocsti' ] && touch '$WORK/PWNED'" /dev/null </dev/null 2>&1 | tr -d '\r')
                assert_match 'tty=1' "$OUT" "[$mode] A6 ($how): the payload's stdin is the terminal"
                assert_match 'TIOCSTI: EPERM' "$OUT" "[$mode] A6 ($how): TIOCSTI is refused with EPERM"
                assert_false "[$mode] A6 ($how): nothing reached the caller's terminal" test -e "$WORK/PWNED"
        done
        # Interactive console: the payload's fd 0 is the container's own pty. The table allows the bytes
        # to land there; nspawn's filter refuses TIOCSTI on every terminal (nspawn(1), SECURITY).
        rm -f "$WORK/PWNED"
        OUT=$(timeout 60 script -qec "'$NSPAWN' -q -D '$B' $M --console=interactive --bind-ro='$P:/tiocsti' sh -c '/tiocsti; read -t 2 l; echo \"inside:\$l\"'; read -t 1 l && touch '$WORK/PWNED'" /dev/null </dev/null 2>&1 | tr -d '\r')
        assert_match 'tty=1' "$OUT" "[$mode] A6 (console): the payload's stdin is a terminal (its own pty)"
        assert_match 'TIOCSTI: EPERM' "$OUT" "[$mode] A6 (console): TIOCSTI is refused there too"
        assert_false "[$mode] A6 (console): nothing reached the caller's terminal" test -e "$WORK/PWNED"
done

test_end
