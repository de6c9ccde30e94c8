#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# /run/host/notify (item 7 of issue 7): only the container's PID 1 speaks for the guest. READY=1 from
# another guest process, a datagram too long to take whole, or one without credentials is ignored;
# fds passed along are closed; READY=1 from PID 1 is reported to nspawn's own service manager.
. "$(dirname "$0")/../lib.sh"
test_begin

gcc -static -O1 -o "$WORK/notify-send" "$SRCDIR/test/helpers/notify-send.c" || fail "cannot build the helper"
B=$(busybox_tree "$WORK/${MP}bb")
mkdir -p "$B/usr/lib" "$B/host-out"
echo 'ID=busybox' > "$B/usr/lib/os-release"
cp "$WORK/notify-send" "$B/notify-send"
touch "$B/notify-fd-marker"
# PID 1: a child of it sends READY=1 first; once the test says go, PID 1 itself (the helper, exec'd)
# sends an oversized READY=1, then READY=1 with fds attached, and waits for the shutdown signal.
cat > "$B/sbin/init" <<'INIT'
#!/bin/sh
/notify-send /run/host/notify READY=1 'STATUS=from a child' && echo sent > /host-out/child
while [ ! -e /host-out/go ]; do sleep 0.05; done
exec /notify-send --wait /run/host/notify '+big:READY=1' '+fds:READY=1'
INIT
chmod +x "$B/sbin/init"
O="$WORK/out"; mkdir -p "$O"

# nspawn's own service manager: a socket that logs every datagram on one line.
notify_listener "$WORK/notify" "$WORK/notify.log"
assert_true "the test's notify socket is bound" test -S "$WORK/notify"

# Waits (up to 20 s) until our child PID has exited (bash may have reaped it already); kills it otherwise.
wait_exit() { # pid
        local i
        for i in $(seq 200); do
                kill -0 $1 2>/dev/null || return 0
                [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = Z ] && return 0
                sleep 0.1
        done
        kill -9 $1
        return 1
}

# Waits (up to 20 s) until FILE matches REGEX.
wait_for() { # file regex
        local i
        for i in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
        return 1
}

NOTIFY_SOCKET="$WORK/notify" NSPAWN_LOG_LEVEL=debug "$NSPAWN" -b -D "$B" -M "${MP}notify" \
        --bind="$O:/host-out" --console=passive --notify-ready=yes </dev/null 2>"$WORK/err" & P=$!
on_exit "kill -9 $P 2>/dev/null; remove_machine_cgroup ${MP}notify"

# The child's READY=1 has been handled once nspawn logged what it did with it.
assert_true "a child of PID 1 sent READY=1" wait_for "$O/child" sent
wait_for "$WORK/err" "Ignoring a notification from PID|reports READY=1"
assert_match "Ignoring a notification from PID [0-9]+: not the container's PID 1" "$(cat "$WORK/err")" \
        "READY=1 from a process that is not PID 1 is ignored"
assert_no_match "reports READY=1" "$(cat "$WORK/err")" "nspawn does not take it as the guest's"
assert_eq "" "$(cat "$WORK/notify.log")" "nspawn's manager hears nothing yet"

touch "$O/go"
assert_true "PID 1's READY=1 is reported to nspawn's manager" wait_for "$WORK/notify.log" 'READY=1.*guest ready'
leader=$(pgrep -P $P)
assert_match "Ignoring a notification from PID $leader: too long" "$(cat "$WORK/err")" \
        "an oversized datagram from PID 1 is refused whole"
assert_no_match "Guest status: from a child" "$(cat "$WORK/err")" "the child's STATUS= is ignored too"
# The fds PID 1 passed were closed, not kept by the supervisor.
kept=$(ls -l /proc/$P/fd 2>/dev/null | grep -c -- "notify-fd-marker" || true)
assert_eq 0 "$kept" "fds passed with a notification are closed"

kill -TERM $P
assert_true "nspawn exits on SIGTERM" wait_exit $P
wait $P; RC=$?
assert_eq 0 "$RC" "PID 1 stops on the shutdown signal and nspawn exits 0"

test_end
