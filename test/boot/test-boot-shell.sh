#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl shell and login into a booted bookworm guest (systemd 252 as its PID 1) registered with
# our machined on a private bus: the shell's command and exit status; login through the guest's own
# getty (container-getty@N.service, started over the guest's /run/systemd/private) up to a root
# shell; and the distribution's machinectl (systemd-container 252) shell and login against our
# machined.
. "$(dirname "$0")/../lib.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MCTL=${MACHINECTL:-$BUILDDIR/machinectl}
PTY="python3 $SRCDIR/test/pty-run.py"

test_begin
start_bus || { fail "no private bus"; test_end; }
start_machined || { fail "machined did not start"; test_end; }

T=$(overlay_tree shell)
N=${MP}bw
"$NSPAWN" -q -D "$T" --pipe sh -c 'echo root:nspawn-test | chpasswd' </dev/null
"$NSPAWN" -q -b -D "$T" -M "$N" --console=passive </dev/null >/dev/null 2>&1 &
P=$!
on_exit "kill -TERM $P 2>/dev/null; wait $P 2>/dev/null"
booted() {
        local l
        l=$("$MCTL" show "$N" -P Leader 2>/dev/null) && [ -n "$l" ] &&
                [ "$(timeout 5 nsenter -t "$l" -m -p systemctl is-system-running 2>/dev/null)" = running ]
}
assert_true "the bookworm guest boots, registered" wait_until 90 booted
L=$("$MCTL" show "$N" -P Leader)
H=$(nsenter -t "$L" -u hostname)

# --- our machinectl ----------------------------------------------------------------------------------
RC=0; OUT=$(timeout 30 "$MCTL" shell "$N" /bin/sh -c 'id -u; hostname; cat /proc/1/comm' </dev/null 2>&1) || RC=$?
assert_eq "0:0"$'\n'"$H"$'\n'"systemd" "$RC:$OUT" "shell into the booted guest: root, its hostname, its systemd"
RC=0; timeout 30 "$MCTL" shell "$N" /bin/sh -c 'exit 7' </dev/null || RC=$?
assert_eq 7 "$RC" "the exit status comes through"
RC=0; OUT=$(timeout 30 "$MCTL" shell "$N" /bin/sh -c 'grep -E "^(CapBnd|Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status' </dev/null) || RC=$?
assert_eq "$(grep -E "^(CapBnd|Seccomp|Seccomp_filters|NoNewPrivs):" /proc/$L/status)" "$OUT" "the booted guest's bounding set and seccomp filter"
OUT=$($PTY 30 100 'wait:login: ' 'send:root\n' 'wait:Password: ' 'send:nspawn-test\n' 'wait:# ' \
        'send:echo LOGGED-IN-$((6*7)) $(tty)\n' 'wait:LOGGED-IN-42' 'send:\x1d\x1d\x1d' -- "$MCTL" login "$N")
assert_match "login: " "$OUT" "login: the guest's getty prompts"
assert_match "LOGGED-IN-42 /dev/pts/[0-9]+" "$OUT" "login: root logs in on the pty"
assert_match "@@EXIT=0" "$OUT" "login: ^]^]^] leaves"
assert_match "@@RESTORED=yes" "$OUT" "login: the terminal is restored"
getty_log() { timeout 5 nsenter -t "$L" -m -p journalctl -b -q --no-pager -u 'container-getty@*' 2>/dev/null; }
assert_match "Started container-getty@[0-9]+\.service" "$(getty_log)" "login went through the guest's container-getty@.service"

# --- the distribution's machinectl ------------------------------------------------------------------
# It refuses to run unless /run/systemd/system exists: a private /run/systemd gives it one.
DM() { unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl "$@"' sh "$@"; }
assert_true "the distribution's machinectl is installed (tools/deps: systemd-container)" test -x /usr/bin/machinectl
RC=0; OUT=$(DM shell "$N" /bin/sh -c 'echo DISTRO-SHELL $(hostname); exit 3' </dev/null 2>&1) || RC=$?
assert_match "DISTRO-SHELL $H" "$OUT" "the distribution's machinectl shell runs the command (OpenMachineShell)"
assert_eq 0 "$RC" "... and exits 0 whatever the command's status (systemd's issue #4215; ours passes it on)"
OUT=$($PTY 30 100 'wait:login: ' 'send:root\n' 'wait:Password: ' 'send:nspawn-test\n' 'wait:# ' \
        'send:echo DISTRO-LOGIN-$((6*7))\n' 'wait:DISTRO-LOGIN-42' 'send:\x1d\x1d\x1d' -- \
        unshare -m sh -c 'mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && exec /usr/bin/machinectl login "$0"' "$N")
assert_match "DISTRO-LOGIN-42" "$OUT" "the distribution's machinectl login logs in (OpenMachineLogin)"

kill -TERM $P
assert_true "the guest powers off" wait_until 60 sh -c "! kill -0 $P 2>/dev/null"
test_end
