#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -U on a systemd host (inside a guest whose PID 1 is systemd): registered through machined's
# CreateMachine, the container runs in machine-NAME.scope, its payload child is the range's root's
# (so a booted guest's systemd manages its own subtree there), a -U guest boots to 'running' with no
# failed units, machinectl poweroff ends it with 0 and the scope goes.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot usns
T=$(sd_guest_inner_tree inner)
[ -n "$T" ] || { fail "no inner tree"; test_end; }

machine_state() { sd_guest_run machinectl show "$1" -P State 2>/dev/null; }
machine_is() { [ "$(machine_state "$1")" = "$2" ]; }
machine_gone() { ! sd_guest_run machinectl show "$1" -P Name >/dev/null 2>&1; }
unit_inactive() { case "$(sd_guest_run systemctl is-active "$1" 2>/dev/null)" in inactive|failed|unknown) return 0 ;; esac; return 1; }
host_gone() { ! kill -0 "$1" 2>/dev/null; }
# The inner guest's state, as its own systemd says it (entered through its user namespace).
inner_state() {
        local l
        l=$(sd_guest_run machinectl show "$1" -P Leader 2>/dev/null) && [ -n "$l" ] || return 1
        INNER_STATE=$(sd_guest_run nsenter -t "$l" -U -m -p systemctl is-system-running 2>/dev/null)
        case "$INNER_STATE" in running|degraded|maintenance) return 0 ;; esac
        return 1
}

# A process in a user namespace may mount a proc only where a proc is fully visible already (the
# kernel's mount_too_revealing(): no locked mount over any of its files). A systemd host's /proc is;
# the guest's own /proc is not (our nspawn masks /proc/kcore and friends, and those mounts are locked
# in a namespace made for a user namespace), so the guest gets a plain proc beside it, as a host has.
sd_guest_run_sh 'mkdir -p /run/visible-proc && mount -t proc proc /run/visible-proc'

# The inner tree is an overlay on a tmpfs of the guest: the first -U start shifts (copies up) all of it.
sd_guest_run nspawn -q -b -U -D "$T" -M inneru </dev/null >"$WORK/inneru.log" 2>&1 &
P=$!
on_exit "kill -9 $P 2>/dev/null"
INNER_STATE=
wait_until 120 inner_state inneru
assert_eq running "$INNER_STATE" "the -U guest boots to 'running' on a systemd host ($(tail -n 5 "$WORK/inneru.log"))"
FAILED=$(sd_guest_run_sh 'l=$(machinectl show inneru -P Leader); nsenter -t "$l" -U -m -p systemctl --failed --no-legend --plain')
assert_eq "" "$FAILED" "... with no failed units"
[ -z "$FAILED" ] || sd_guest_run_sh 'l=$(machinectl show inneru -P Leader); nsenter -t "$l" -U -m -p journalctl -b --no-pager -n 15 -u "$1"' \
        "$(echo "$FAILED" | awk '{print $1}' | head -1)" >&2
assert_eq machine-inneru.scope "$(sd_guest_run machinectl show inneru -P Unit)" "CreateMachine gave it machine-inneru.scope"
LEADER=$(sd_guest_run machinectl show inneru -P Leader)
SHIFT=$(sd_guest_run_sh 'awk "{print \$2}" /proc/$1/uid_map' "$LEADER")
assert_true "the leader runs in a shifted range ($SHIFT)" test "${SHIFT:-0}" -ge $((0x80000))
PAYLOAD=/sys/fs/cgroup/machine.slice/machine-inneru.scope/payload
assert_eq "$SHIFT $SHIFT $SHIFT $SHIFT" \
        "$(sd_guest_run stat -c %u "$PAYLOAD" "$PAYLOAD/cgroup.procs" "$PAYLOAD/cgroup.subtree_control" "$PAYLOAD/cgroup.threads" | xargs)" \
        "the payload cgroup and the files that manage it are the range's root's"
assert_eq 0 "$(sd_guest_run stat -c %u /sys/fs/cgroup/machine.slice/machine-inneru.scope)" "the scope above stays root's"
assert_match "^$SHIFT\$" "$(sd_guest_run stat -c %u "$PAYLOAD/init.scope")" "the inner systemd made its own cgroups there"

sd_guest_run machinectl poweroff inneru
assert_true "machinectl poweroff ends it" wait_until 30 host_gone "$P"
if host_gone "$P"; then wait "$P"; RC=$?; else RC=timeout; fi
assert_eq 0 "$RC" "... with exit 0"
assert_true "the machine goes" wait_until 15 machine_gone inneru
assert_true "the scope goes" wait_until 15 unit_inactive machine-inneru.scope

test_end
