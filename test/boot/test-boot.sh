#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -b: debootstrapped trees (systemd 252, 257, 262) boot to multi-user.target with no failed
# units and power off; SIGTERM powers off; a guest reboot gives 133; --notify-ready; a non-systemd
# init (busybox); trees that are no OS are refused.
. "$(dirname "$0")/../lib.sh"
test_begin

# A unit that waits for the boot to finish, records the result on the host and powers off.
add_record_unit() { # tree
        local t=$1
        cat > "$t/etc/systemd/system/record.service" <<'UNIT'
[Unit]
Description=Record the boot result and power off
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait > /host-out/state 2>&1; systemctl --failed --no-legend --plain > /host-out/failed 2>&1; cat /etc/machine-id > /host-out/machine-id; cat /run/systemd/container > /host-out/container; systemctl poweroff'
[Install]
WantedBy=multi-user.target
UNIT
        mkdir -p "$t/etc/systemd/system/multi-user.target.wants"
        ln -sf ../record.service "$t/etc/systemd/system/multi-user.target.wants/record.service"
}

for suite in ${BOOT_SUITES:-bookworm trixie sid}; do
        T=$(overlay_tree "boot-$suite" "$suite")
        O="$WORK/out-$suite"; mkdir -p "$O"
        add_record_unit "$T"
        start=$(date +%s%N)
        timeout 120 "$NSPAWN" -q -b -D "$T" --bind="$O:/host-out" --console=passive \
                --uuid=0123456789abcdef0123456789abcdef; RC=$?
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        echo "$suite: boot and power-off took $ms ms"
        assert_eq 0 "$RC" "$suite: a guest power-off ends nspawn with 0"
        assert_eq running "$(cat "$O/state" 2>/dev/null)" "$suite: the system reaches 'running'"
        assert_eq "" "$(cat "$O/failed" 2>/dev/null)" "$suite: no failed units"
        # Like systemd-nspawn: the guest's systemd fills the empty /etc/machine-id at boot (from the
        # tree's D-Bus machine id here, else from container_uuid).
        assert_match '^[0-9a-f]{32}$' "$(cat "$O/machine-id" 2>/dev/null)" "$suite: the guest has a machine id"
        assert_eq nspawn "$(cat "$O/container" 2>/dev/null)" "$suite: /run/systemd/container names the manager"
        assert_eq "" "$(cat "$(debian_tree "$suite")/etc/machine-id")" "$suite: the cached tree's machine-id stays empty"
done

T=$(overlay_tree boot-ctl)
rm -f "$T/etc/systemd/system/multi-user.target.wants/record.service"

# The state of the guest that nspawn PID runs (its PID 1 is nspawn's child), as systemd says it.
guest_state() { # nspawn pid
        local l
        l=$(pgrep -P "$1" -x systemd | head -1) && [ -n "$l" ] &&
                timeout 5 nsenter -t "$l" -m -p systemctl is-system-running 2>/dev/null
}
guest_is() { [ "$(guest_state "$1")" = "$2" ]; }

# SIGTERM to nspawn: a clean power-off with exit 0, within a few seconds.
"$NSPAWN" -q -b -D "$T" --console=passive </dev/null & P=$!
assert_true "the guest boots" wait_until 60 guest_is $P running
start=$(date +%s%N)
kill -TERM $P
wait $P; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 0 "$RC" "SIGTERM powers the guest off with exit 0"
assert_true "the power-off took ${ms} ms (< 5000)" test "$ms" -lt 5000

# A second SIGTERM does not wait for the shutdown: it kills at once. A unit whose stop takes 60 s
# keeps the guest shutting down, so that the second signal meets a guest that is stopping.
cat > "$T/etc/systemd/system/slow-stop.service" <<'UNIT'
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/bin/sleep 60
TimeoutStopSec=90
UNIT
ln -sf ../slow-stop.service "$T/etc/systemd/system/multi-user.target.wants/slow-stop.service"
"$NSPAWN" -q -b -D "$T" --console=passive </dev/null & P=$!
assert_true "the guest boots" wait_until 60 guest_is $P running
kill -TERM $P
assert_true "the first SIGTERM starts the shutdown" wait_until 10 guest_is $P stopping
start=$(date +%s%N)
kill -TERM $P
wait $P; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 137 "$RC" "a second SIGTERM kills the guest (SIGKILL: 128+9)"
assert_true "... at once (${ms} ms < 2000)" test "$ms" -lt 2000
rm -f "$T/etc/systemd/system/multi-user.target.wants/slow-stop.service"

# A reboot inside the guest: exit 133.
mkdir -p "$T/etc/systemd/system/multi-user.target.wants"
cat > "$T/etc/systemd/system/reboot-now.service" <<'UNIT'
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait; systemctl reboot'
UNIT
ln -sf ../reboot-now.service "$T/etc/systemd/system/multi-user.target.wants/reboot-now.service"
timeout 60 "$NSPAWN" -q -b -D "$T" --console=passive </dev/null; RC=$?
assert_eq 133 "$RC" "a guest reboot gives exit 133"
rm -f "$T/etc/systemd/system/multi-user.target.wants/reboot-now.service"

# --notify-ready: nspawn's own READY=1 waits for the guest's; without it, it comes at once.
assert_true "the notify listener is up" notify_listener "$WORK/notify" "$WORK/notify.log"
for ready in yes no; do
        : > "$WORK/notify.log"
        NOTIFY_SOCKET="$WORK/notify" "$NSPAWN" -q -b -D "$T" --console=passive --notify-ready=$ready </dev/null & P=$!
        wait_until 10 test -s "$WORK/notify.log"
        if [ $ready = yes ]; then
                assert_match 'READY=1.*guest ready' "$(cat "$WORK/notify.log")" "--notify-ready=yes: READY=1 after the guest's"
        else
                assert_match '^READY=1 STATUS=Container running\.$' "$(cat "$WORK/notify.log")" "--notify-ready=no: READY=1 when the container runs"
        fi
        kill -TERM $P; wait $P
done

# Interactive console: the guest's getty on /dev/console, a root login, then ^]^]p powers off.
T=$(overlay_tree boot-login)
"$NSPAWN" -q -D "$T" --pipe sh -c 'echo root:nspawn-test | chpasswd' </dev/null
PTY="python3 $SRCDIR/test/pty-run.py"
OUT=$($PTY 30 100 'wait:login: ' 'send:root\n' 'wait:Password: ' 'send:nspawn-test\n' 'wait:# ' \
        'send:echo LOGGED-IN-$((6*7))\n' 'wait:LOGGED-IN-42' 'send:\x1d\x1d' 'send:p' -- \
        "$NSPAWN" -b -D "$T")
assert_match 'login: ' "$OUT" "the guest's getty prompts on the console"
assert_match 'LOGGED-IN-42' "$OUT" "root logs in on the console and gets a shell"
assert_match '@@EXIT=0' "$OUT" "^]^]p powers the guest off (exit 0)"
assert_match '@@RESTORED=yes' "$OUT" "the terminal is restored after the guest powers off"

# ^]^]r reboots it: exit 133.
OUT=$($PTY 30 100 'wait:login: ' 'send:\x1d\x1d' 'send:r' -- "$NSPAWN" -b -D "$T")
assert_match '@@EXIT=133' "$OUT" "^]^]r reboots the guest (exit 133)"

# Nested: nspawn inside a booted guest, where systemd is PID 1 and /sys/fs/cgroup is pure cgroup2
# (the production case this host cannot offer directly).
T=$(overlay_tree boot-nested)
O="$WORK/out-nested"; mkdir -p "$O"
busybox_tree "$T/srv/bb" >/dev/null
cp "$NSPAWN" "$T/usr/local/bin/nspawn"
mkdir -p "$T/etc/systemd/system/multi-user.target.wants"
cat > "$T/etc/systemd/system/nested.service" <<'UNIT'
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait > /host-out/state; nspawn -q -D /srv/bb -M inner --pipe sh -c "echo inner-ok; mknod /tmp/x b 8 0 2>/dev/null || echo mknod-denied; exit 7" > /host-out/nested 2>&1; echo rc=$? >> /host-out/nested; find /sys/fs/cgroup -name "machine-*" >> /host-out/nested; systemctl poweroff'
UNIT
ln -sf ../nested.service "$T/etc/systemd/system/multi-user.target.wants/nested.service"
timeout 120 "$NSPAWN" -q -b -D "$T" --bind="$O:/host-out" --console=passive </dev/null; RC=$?
assert_eq 0 "$RC" "the outer guest boots and powers off"
assert_eq running "$(cat "$O/state" 2>/dev/null)" "the outer guest is running"
assert_eq $'inner-ok\nmknod-denied\nrc=7' "$(cat "$O/nested" 2>/dev/null)" \
        "nspawn runs in a systemd guest on pure cgroup2: device policy on, status passed, its cgroup removed"

# A non-systemd init: busybox init runs its inittab, and its power-off ends nspawn with 0.
B=$(busybox_tree "$WORK/${MP}bb")
mkdir -p "$B/usr/lib" "$B/host-out"
echo 'ID=busybox' > "$B/usr/lib/os-release"
ln -s ../bin/busybox "$B/sbin/init"
cat > "$B/etc/inittab" <<'TAB'
::sysinit:/bin/sh -c 'echo "pid=$$ init=$(cat /proc/1/comm)" > /host-out/bb'
::once:/bin/poweroff
TAB
mkdir -p "$WORK/out-bb"
timeout 30 "$NSPAWN" -q -b -D "$B" --bind="$WORK/out-bb:/host-out" --console=passive </dev/null; RC=$?
assert_eq 0 "$RC" "busybox init boots and powers off with exit 0"
assert_match 'init=init' "$(cat "$WORK/out-bb/bb" 2>/dev/null)" "busybox init ran as PID 1 and ran its inittab"

# An init that ignores the shutdown signal is killed after the 15 s timeout (BOOT_STOP_TIMEOUT_SEC):
# not before, and not much after.
cat > "$B/etc/inittab" <<'TAB'
::sysinit:/bin/sh -c 'echo up > /host-out/up'
TAB
rm -f "$WORK/out-bb/up"
"$NSPAWN" -q -b -D "$B" --bind="$WORK/out-bb:/host-out" --console=passive </dev/null & P=$!
assert_true "busybox init is up" wait_until 10 test -s "$WORK/out-bb/up"
start=$(date +%s%N)
kill -TERM $P
wait $P; RC=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_true "a guest that ignores SIGRTMIN+3 is killed after about 15 s (${ms} ms, 14000..20000)" \
        test "$ms" -ge 14000 -a "$ms" -le 20000
assert_eq 137 "$RC" "... by SIGKILL (128+9)"

# Trees that are no OS are refused, with nothing left behind.
mkdir -p "$WORK/${MP}empty"
run_nspawn -b -D "$WORK/${MP}empty"
assert_true "a tree without os-release is refused" test "$RC" -ne 0
assert_match 'does not look like an OS tree' "$ERR" "and the message says why"

# /sbin/init pointing outside the tree never runs a host binary.
mkdir -p "$WORK/${MP}evil/usr/lib" "$WORK/${MP}evil/sbin" "$WORK/${MP}evil/etc"
echo 'ID=evil' > "$WORK/${MP}evil/usr/lib/os-release"
printf '#!/bin/sh\ntouch %s/host-ran\n' "$WORK" > "$WORK/host-init"; chmod +x "$WORK/host-init"
ln -s "$WORK/host-init" "$WORK/${MP}evil/sbin/init"
run_nspawn -b -D "$WORK/${MP}evil"
assert_true "an init symlink to a host path is not found" test "$RC" -ne 0
assert_false "the host binary never ran" test -e "$WORK/host-ran"

test_end
