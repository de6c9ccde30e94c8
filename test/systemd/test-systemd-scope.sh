#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machined's systemd back end and nspawn on a systemd host, inside a guest whose PID 1 is systemd:
# CreateMachine starts machine-NAME.scope (Slice, Delegate, TasksMax, Description as systemd-machined
# has them) with the container's processes and only them, the payload's cgroup namespace is rooted
# below the scope; a machine whose unit stops leaves the registry (even while its leader lives);
# `machinectl terminate` removes scope and machine; a restarted machined re-adopts; RegisterMachine
# (--keep-unit in a service) records the service; nspawn --register=no runs in a transient scope
# of systemd's; --property= reaches the scope through CreateMachine.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot scope
T=$(sd_guest_inner_tree inner)
[ -n "$T" ] || { fail "no inner tree"; test_end; }

# Runs nspawn in the guest in the background; its pid (on the host) in $P.
guest_nspawn() { # log nspawn-args...
        local log=$1
        shift
        sd_guest_run nspawn -q -D "$T" "$@" </dev/null >"$WORK/$log" 2>&1 &
        P=$!
}
machine_state() { sd_guest_run machinectl show "$1" -P State 2>/dev/null; }
machine_is() { [ "$(machine_state "$1")" = "$2" ]; }
machine_gone() { ! sd_guest_run machinectl show "$1" -P Name >/dev/null 2>&1; }
unit_state() { sd_guest_run systemctl is-active "$1" 2>/dev/null; }
unit_inactive() { case "$(unit_state "$1")" in inactive|failed|unknown) return 0 ;; esac; return 1; }
host_gone() { ! kill -0 "$1" 2>/dev/null; }
# Collects the exit of an nspawn that is gone; one that still runs (a failed check) goes with the guest.
reap() { if host_gone "$1"; then wait "$1" 2>/dev/null; fi; }
# The cgroup of a process inside the guest, as the guest sees it.
guest_cgroup() { sd_guest_run_sh 'sed -n "s/^0:://p" /proc/$1/cgroup' "$1"; }

# --- CreateMachine through systemd ---------------------------------------------------------------
guest_nspawn inner.log -M inner --property=MemoryMax=64M --property=TasksMax=50 sleep 1000
assert_true "inner registers and runs" wait_until 30 machine_is inner running
assert_eq "active inactive" "$(sd_guest_run systemctl is-active machined.service systemd-machined.service | xargs)" \
        "our machined was activated, not systemd-machined"
assert_eq active "$(unit_state machine-inner.scope)" "CreateMachine started machine-inner.scope"
SHOW=$(sd_guest_run systemctl show machine-inner.scope -p Slice -p Delegate -p TasksMax -p MemoryMax -p Description -p ControlGroup)
assert_match "Slice=machine.slice" "$SHOW" "... in machine.slice"
assert_match "Delegate=yes" "$SHOW" "... with Delegate=yes"
assert_match "MemoryMax=67108864" "$SHOW" "... with --property=MemoryMax=64M"
assert_match "TasksMax=50" "$SHOW" "... with --property=TasksMax=50 (over the containers' default)"
assert_match "Description=Container inner" "$SHOW" "... described as systemd-machined describes it"
assert_match "ControlGroup=/machine.slice/machine-inner.scope" "$SHOW" "... in its own cgroup"
assert_eq machine-inner.scope "$(sd_guest_run machinectl show inner -P Unit)" "the machine's unit is the scope"
LEADER=$(sd_guest_run machinectl show inner -P Leader)
assert_eq /machine.slice/machine-inner.scope/payload "$(guest_cgroup "$LEADER")" \
        "the payload runs in the scope's payload child"
assert_eq "0::/" "$(sd_guest_run nsenter -t "$LEADER" -C cat "/proc/$LEADER/cgroup" | grep '^0::')" \
        "the payload's cgroup namespace is rooted there (the scope's limits are out of its reach)"
PROCS=$(sd_guest_run_sh 'cat $(find /sys/fs/cgroup/machine.slice/machine-inner.scope -name cgroup.procs) | sort -n | xargs')
assert_eq "$LEADER" "$PROCS" "the scope holds the container's processes and nothing else (not nspawn)"
assert_match "Unit: machine-inner.scope" "$(sd_guest_run machinectl status inner --no-pager)" \
        "machinectl status shows the unit"

# --- machined restart: re-adopted from its state file and the unit -------------------------------
sd_guest_run systemctl restart machined.service
assert_eq running "$(machine_state inner)" "a restarted machined re-adopts inner"
assert_eq machine-inner.scope "$(sd_guest_run machinectl show inner -P Unit)" "... with its unit"
assert_match "Re-adopted machine inner" "$(sd_guest_run journalctl -u machined.service --no-pager -o cat)" \
        "... from its state file"

# --- TerminateMachine stops the unit ------------------------------------------------------------
assert_true "machinectl terminate inner succeeds" sd_guest_run machinectl terminate inner
assert_true "... the scope goes" wait_until 15 unit_inactive machine-inner.scope
assert_true "... the machine goes" wait_until 15 machine_gone inner
assert_true "... nspawn exits" wait_until 15 host_gone "$P"
reap "$P"

# --- the unit stops while the leader lives: the machine leaves the registry -----------------------
guest_nspawn track.log -M track sleep 1000
assert_true "track registers" wait_until 30 machine_is track running
LEADER=$(sd_guest_run machinectl show track -P Leader)
# The leader moves out of the scope (root in the guest may do that): the scope is empty and stops.
sd_guest_run_sh 'mkdir -p /sys/fs/cgroup/elsewhere && echo "$1" > /sys/fs/cgroup/elsewhere/cgroup.procs' "$LEADER"
assert_true "the empty scope stops" wait_until 15 unit_inactive machine-track.scope
assert_true "... and its machine leaves the registry (the unit is tracked, not only the leader)" \
        wait_until 15 machine_gone track
assert_true "... while its leader still runs" sd_guest_run kill -0 "$LEADER"
sd_guest_run kill -KILL "$LEADER"
assert_true "nspawn of track exits" wait_until 15 host_gone "$P"
reap "$P"
sd_guest_run rmdir /sys/fs/cgroup/elsewhere

# --- systemctl stop of the scope ----------------------------------------------------------------
guest_nspawn stop.log -M stopme /bin/sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
assert_true "stopme registers" wait_until 30 machine_is stopme running
assert_true "systemctl stop machine-stopme.scope" sd_guest_run systemctl stop machine-stopme.scope
assert_true "... the machine leaves the registry" wait_until 15 machine_gone stopme
assert_true "... nspawn exits" wait_until 15 host_gone "$P"
reap "$P"

# --- KillMachine through the unit --------------------------------------------------------------
guest_nspawn kill.log -M killme sleep 1000
assert_true "killme registers" wait_until 30 machine_is killme running
assert_true "machinectl kill --signal=KILL killme succeeds" sd_guest_run machinectl kill --signal=KILL killme
assert_true "... the machine goes" wait_until 15 machine_gone killme
assert_true "... and its scope" wait_until 15 unit_inactive machine-killme.scope
reap "$P"

# --- RegisterMachine: --keep-unit in a service records the service ------------------------------
sd_guest_run systemd-run -q --unit=keepu -p Delegate=yes nspawn -q --keep-unit -M keepu -D "$T" sleep 1000
assert_true "keepu registers" wait_until 30 machine_is keepu running
assert_eq keepu.service "$(sd_guest_run machinectl show keepu -P Unit)" "RegisterMachine records the leader's service"
assert_eq inactive "$(unit_state machine-keepu.scope)" "... and starts no scope"
assert_true "systemctl stop keepu.service" sd_guest_run systemctl stop keepu.service
assert_true "... the machine goes with its unit" wait_until 15 machine_gone keepu

# --- nspawn --register=no: systemd's transient scope, no machine --------------------------------
guest_nspawn unreg.log --register=no -M unreg sleep 1000
unreg_active() { [ "$(unit_state machine-unreg.scope)" = active ]; }
assert_true "nspawn --register=no runs in systemd's transient scope machine-unreg.scope" wait_until 30 unreg_active
SHOW=$(sd_guest_run systemctl show machine-unreg.scope -p Delegate -p TasksMax -p Slice)
assert_match "Delegate=yes" "$SHOW" "... delegated"
assert_match "TasksMax=16384" "$SHOW" "... with the containers' tasks limit"
assert_match "Slice=machine.slice" "$SHOW" "... in machine.slice"
PID=$(sd_guest_run_sh 'cat /sys/fs/cgroup/machine.slice/machine-unreg.scope/payload/cgroup.procs')
assert_match '^[0-9]+$' "$PID" "... with the payload in its payload child"
assert_true "... not registered" machine_gone unreg
# SIGTERM to nspawn itself, inside the guest ($P is the nsenter that waits for it).
NS=$(sd_guest_run pgrep -xf -- "nspawn -q -D $T --register=no -M unreg sleep 1000")
assert_match '^[0-9]+$' "$NS" "nspawn --register=no found in the guest"
sd_guest_run kill -TERM "$NS"
assert_true "nspawn --register=no exits on SIGTERM" wait_until 15 host_gone "$P"
reap "$P"
assert_true "... and the scope goes" wait_until 15 unit_inactive machine-unreg.scope

assert_eq "" "$(sd_guest_run machinectl list --no-legend)" "no machine is left"
test_end
