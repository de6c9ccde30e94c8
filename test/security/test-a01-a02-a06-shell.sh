#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The joining half of rows A1, A2 and A6: `machinectl shell` into a running machine (machined's helper
# joins it). A1: while 50 shells come and go, a probe inside tries to open for writing the executable of
# every process it sees that is not a file of the tree (machined's binary, should its helper ever be
# visible there): not one open succeeds and machined's binary is unchanged. A2: the command has fds 0-2
# only. A6: TIOCSTI from the command is refused (the leader's filter, copied) and nothing reaches the
# caller's terminal. Both modes.
. "$(dirname "$0")/lib-security.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MCTL=${MACHINECTL:-$BUILDDIR/machinectl}
test_begin

start_bus || { fail "no private bus"; test_end; }
start_machined || { fail "machined did not start"; test_end; }
PROBE=$(build_helper exe-probe)
STI=$(build_helper tiocsti-probe)
hash=$(sha256sum < "$MACHINED")
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }

for mode in "${MODES[@]}"; do
        B=$(busybox_tree "$WORK/${MP}bb$mode")
        name=${MP}$mode
        "$NSPAWN" -q -D "$B" -M "$name" $(mode_args "$mode") --bind-ro="$PROBE:/exe-probe" --bind-ro="$STI:/tiocsti" \
                --pipe sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
        on_exit "kill -9 $! 2>/dev/null"
        assert_true "[$mode] the machine runs" wait_until 10 listed "$name"

        # A1: the probe runs (through a shell of its own) while 50 more shells join.
        "$MCTL" shell "$name" /exe-probe 3000 </dev/null >"$WORK/probe-$mode" 2>&1 &
        PROBE_CLIENT=$!
        for i in $(seq 50); do "$MCTL" shell "$name" /bin/true </dev/null || fail "[$mode] shell $i failed"; done
        wait $PROBE_CLIENT
        OUT=$(cat "$WORK/probe-$mode")
        echo "$OUT" | sed "s/^/  [$mode] /" | head -5
        assert_match "rounds 3000 writable 0$" "$OUT" "[$mode] A1: 3000 rounds during 50 joins, not one writable open"
        assert_eq "" "$(grep -E '^pid .* OPENED$' <<<"$OUT")" "[$mode] A1: no outside executable opens for writing"
        assert_eq "$hash" "$(sha256sum < "$MACHINED")" "[$mode] A1: machined's binary is unchanged"

        # A2: exec'd in the shell's place, ls lists its own fds: 0-2, and 3 its directory.
        RC=0; OUT=$("$MCTL" shell "$name" /bin/sh -c 'exec ls /proc/self/fd' </dev/null 2>&1) || RC=$?
        assert_eq "0:0 1 2 3" "$RC:$(echo $OUT)" "[$mode] A2: the command has fds 0-2 only"

        # A6: script gives machinectl a terminal; a shell reading it after machinectl ends would run
        # what got through.
        rm -f "$WORK/PWNED"
        OUT=$(timeout 60 script -qec "'$MCTL' shell '$name' /tiocsti; read -t 1 l && [ \"\$l\" = 'echo PWNED-by-tiocsti' ] && touch '$WORK/PWNED'" /dev/null </dev/null 2>&1 | tr -d '\r')
        assert_match 'tty=1' "$OUT" "[$mode] A6: the command's stdin is a terminal (its own pty)"
        assert_match 'TIOCSTI: EPERM' "$OUT" "[$mode] A6: TIOCSTI is refused (the machine's seccomp filter, copied)"
        assert_false "[$mode] A6: nothing reached the caller's terminal" test -e "$WORK/PWNED"
        "$MCTL" terminate "$name"
        assert_true "[$mode] the machine is gone" wait_until 10 sh -c "! '$MCTL' list --no-legend | grep -q '^$name '"
done

test_end
