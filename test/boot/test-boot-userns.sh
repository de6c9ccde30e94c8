#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -b with a user namespace (-U): bookworm, trixie and sid boot to 'running' with no failed
# units, root inside is the shifted range outside (uid_map, owners of new files), the guest's systemd
# manages its cgroup subtree, the journal works; SIGTERM powers off (0), a guest reboot gives 133,
# --notify-ready passes the guest's READY=1, machined registers the machine, and two booted -U guests
# get disjoint ranges.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-bus.sh"

owner() { stat -c %u:%g "$1"; }

# A unit that waits for the boot to finish, records what the guest sees on the host and powers off.
add_record_unit() { # tree
        local t=$1
        mkdir -p "$t/etc/systemd/system/multi-user.target.wants"
        cat > "$t/etc/systemd/system/record.service" <<'UNIT'
[Unit]
Description=Record the boot result and power off
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait > /host-out/state 2>&1; systemctl --failed --no-legend --plain > /host-out/failed 2>&1; cat /proc/self/uid_map > /host-out/uid_map; cat /proc/self/gid_map > /host-out/gid_map; touch /made-inside; id -u > /host-out/uid; sed -n "s/^0:://p" /proc/self/cgroup > /host-out/cgroup; stat -c %%u /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/system.slice > /host-out/cgroup-owners; journalctl -b -q --no-pager -t systemd-tmpfiles -p warning > /host-out/tmpfiles 2>&1; journalctl -b -q --no-pager -u record.service > /dev/null && journalctl -b -q --no-pager | grep -c . > /host-out/journal; systemctl poweroff'
[Install]
WantedBy=multi-user.target
UNIT
        ln -sf ../record.service "$t/etc/systemd/system/multi-user.target.wants/record.service"
}

for suite in ${BOOT_SUITES:-bookworm trixie sid}; do
        T=$(overlay_tree "us-$suite" "$suite")
        O="$WORK/out-$suite"; mkdir -p "$O"
        # The guest's root is an unprivileged uid here: the output directory must let it in.
        chmod 0777 "$O"; chmod 0711 "$WORK"
        add_record_unit "$T"
        start=$(date +%s%N)
        timeout 180 "$NSPAWN" -q -b -U -D "$T" --register=no --bind="$O:/host-out" --console=passive \
                </dev/null >"$WORK/console-$suite" 2>&1; RC=$?
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        echo "$suite: -U boot (with the first chown of the overlay) and power-off took $ms ms"
        assert_eq 0 "$RC" "$suite: a guest power-off ends nspawn -U with 0 ($(tail -n 3 "$WORK/console-$suite"))"
        assert_eq running "$(cat "$O/state" 2>/dev/null)" "$suite: the system reaches 'running'"
        assert_eq "" "$(cat "$O/failed" 2>/dev/null)" "$suite: no failed units"
        SHIFT=$(awk '{print $2}' "$O/uid_map" 2>/dev/null)
        assert_match '^ *0 +[0-9]+ +65536$' "$(cat "$O/uid_map" 2>/dev/null)" "$suite: uid_map inside is 0 SHIFT 65536"
        assert_eq "$(cat "$O/uid_map" 2>/dev/null)" "$(cat "$O/gid_map" 2>/dev/null)" "$suite: gid_map is the same range"
        assert_true "$suite: the range ($SHIFT) is a 65536-aligned one above the host's users" \
                test "${SHIFT:-0}" -ge $((0x80000)) -a $((${SHIFT:-1} % 65536)) -eq 0
        assert_eq 0 "$(cat "$O/uid" 2>/dev/null)" "$suite: the guest's services run as its root"
        assert_eq "$SHIFT:$SHIFT" "$(owner "$T/made-inside" 2>/dev/null)" "$suite: a file root made inside is the shifted root's on the host"
        assert_eq "$SHIFT:$SHIFT" "$(owner "$O/state" 2>/dev/null)" "$suite: ... also on a bound host directory"
        assert_eq "$SHIFT:$SHIFT" "$(owner "$T")" "$suite: the tree was shifted into the range"
        # The guest's systemd runs its services in cgroups of its own subtree, which is its root's.
        assert_eq "/system.slice/record.service" "$(cat "$O/cgroup" 2>/dev/null)" "$suite: the guest's systemd placed its service in its own cgroup"
        assert_eq $'0\n0\n0' "$(cat "$O/cgroup-owners" 2>/dev/null)" "$suite: the guest's cgroup root, its cgroup.procs and its slices are its root's"
        assert_true "$suite: the journal has the boot" test "$(cat "$O/journal" 2>/dev/null || echo 0)" -gt 10
        assert_eq "" "$(cat "$O/tmpfiles" 2>/dev/null)" "$suite: systemd-tmpfiles has no warning (the tree's ACLs were shifted too)"
        assert_eq "0:0" "$(owner "$(debian_tree "$suite")")" "$suite: the cached tree is not shifted"
done

# The bookworm tree again (shifted already: no chown on this path), with machined.
# One machine name for every start on this tree: pick gives a name the same range, so the tree is
# shifted once.
T=$(overlay_tree us-ctl)
start=$(date +%s%N)
timeout 120 "$NSPAWN" -q -U -D "$T" -M ${MP}a --register=no -P true; RC=$?
echo "shifting the overlay of bookworm took $(( ($(date +%s%N) - start) / 1000000 )) ms"
assert_eq 0 "$RC" "the tree is shifted once"

start_bus
start_machined
MCTL="$BUILDDIR/machinectl"
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
guest_state() { # nspawn pid
        local l
        l=$(pgrep -P "$1" -x systemd | head -1) && [ -n "$l" ] &&
                timeout 5 nsenter -t "$l" -U -m -p systemctl is-system-running 2>/dev/null
}
guest_is() { [ "$(guest_state "$1")" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# Waits (bounded) for nspawn PID to end and sets RC to its exit status; kills it if it does not end.
end_of() { # pid
        wait_until 30 gone "$1" || { fail "nspawn $1 did not end within 30 s"; kill -9 "$1"; }
        wait "$1"; RC=$?
}

# Registered, booted, then SIGTERM: a clean power-off with exit 0.
"$NSPAWN" -q -b -U -D "$T" -M ${MP}a --console=passive </dev/null >"$WORK/a.log" 2>&1 & P=$!
on_exit "kill -9 $P 2>/dev/null"
assert_true "the guest boots" wait_until 60 guest_is $P running
assert_true "machined lists the -U guest" listed "${MP}a"
L=$(pgrep -P $P -x systemd | head -1)
assert_eq "${L:-none}" "$("$MCTL" show ${MP}a -P Leader)" "its leader is the guest's PID 1 (as the host sees it)"
SA=$(awk '{print $2}' "/proc/$L/uid_map")
assert_eq "$SA" "$(stat -c %u "/proc/$L")" "the guest's PID 1 runs as the shifted root"

# A second -U guest at the same time: its own range, disjoint from the first.
T2=$(overlay_tree us-two)
"$NSPAWN" -q -b -U -D "$T2" -M ${MP}b --console=passive </dev/null >"$WORK/b.log" 2>&1 & P2=$!
on_exit "kill -9 $P2 2>/dev/null"
assert_true "a second -U guest boots beside it" wait_until 60 guest_is $P2 running
L2=$(pgrep -P $P2 -x systemd | head -1)
SB=$(awk '{print $2}' "/proc/$L2/uid_map" 2>/dev/null)
assert_true "two booted -U guests get disjoint ranges ($SA, $SB)" \
        test -n "$SA" -a -n "$SB" -a \( $((SA + 65536)) -le "${SB:-0}" -o $((SB + 65536)) -le "${SA:-0}" \)
"$MCTL" poweroff ${MP}b
end_of $P2
assert_eq 0 "$RC" "machinectl poweroff powers the second guest off (exit 0)"

start=$(date +%s%N)
kill -TERM $P
end_of $P
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 0 "$RC" "SIGTERM powers the -U guest off with exit 0 ($(tail -n 3 "$WORK/a.log"))"
assert_true "the power-off took ${ms} ms (< 5000)" test "$ms" -lt 5000
assert_eq "" "$("$MCTL" list --no-legend)" "nothing stays registered"

# A reboot inside the guest: exit 133.
cat > "$T/etc/systemd/system/reboot-now.service" <<'UNIT'
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait; systemctl reboot'
UNIT
ln -sf ../reboot-now.service "$T/etc/systemd/system/multi-user.target.wants/reboot-now.service"
timeout 60 "$NSPAWN" -q -b -U -D "$T" -M ${MP}a --register=no --console=passive </dev/null; RC=$?
assert_eq 133 "$RC" "a reboot of the -U guest gives exit 133"
rm -f "$T/etc/systemd/system/multi-user.target.wants/reboot-now.service"

# --notify-ready=yes: the guest's READY=1 crosses the user namespace (its credentials are the
# shifted root's) and nspawn passes it on.
assert_true "the notify listener is up" notify_listener "$WORK/notify" "$WORK/notify.log"
NOTIFY_SOCKET="$WORK/notify" "$NSPAWN" -q -b -U -D "$T" -M ${MP}a --register=no --console=passive --notify-ready=yes </dev/null & P=$!
assert_true "nspawn -U --notify-ready=yes says READY=1 once the guest is ready" \
        wait_until 60 grep -q 'READY=1.*guest ready' "$WORK/notify.log"
kill -TERM $P; end_of $P
assert_eq 0 "$RC" "... and powers off on SIGTERM"

# A bad image with -U: one line naming it, nothing left behind (images in a user namespace are
# test-userns-map's).
run_nspawn -U -b -i "$WORK/none.raw"
assert_true "-U -b with a missing image is refused" test "$RC" -ne 0
assert_match 'none\.raw' "$ERR" "with a line naming the image"

# The console: the guest's getty prompts on /dev/console (a pty of the container's devpts, in the
# user namespace), and ^]^]p powers the guest off.
OUT=$(python3 "$SRCDIR/test/pty-run.py" 60 100 'wait:login: ' 'send:\x1d\x1d' 'send:p' -- \
        "$NSPAWN" -b -U -D "$T" -M ${MP}a --register=no)
assert_match 'login: ' "$OUT" "the -U guest's getty prompts on the console"
assert_match '@@EXIT=0' "$OUT" "^]^]p powers the -U guest off (exit 0)"

test_end
