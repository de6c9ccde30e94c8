#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn --property= and --slice= on a host whose PID 1 is not systemd (issue 9): the limits go to the
# scope nspawn makes (cgroup2 files where the controller is enabled, else the v1 controllers of hybrid
# hosts) before the payload runs, and they bite: a memory hog over MemoryMax= is OOM-killed inside
# while the container and nspawn go on, a fork bomb stops at TasksMax=, CPUQuota=50% halves what a busy
# loop gets, AllowedCPUs=0 pins it, DeviceAllow= opens one more device. Bad values, unknown properties
# and properties this host cannot apply are one line each, a non-zero exit, and nothing left behind.
# Every check has its control: the same run without the property shows the opposite.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree lim)
M=${MP}lim
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified)
U=${U:-/sys/fs/cgroup}
SCOPE="machine.slice/machine-$M.scope"

# The directory that holds controller C's files for the scope: cgroup2 if enabled there, else v1.
ctl_dir() { # controller [scope]
        local s=${2:-$SCOPE} v1=$1
        [ "$1" = io ] && v1=blkio
        if grep -qw "$1" "$U/$s/cgroup.controllers" 2>/dev/null; then echo "$U/$s"
        else
                local mp
                mp=$(awk -v c="$v1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $5 }' /proc/self/mountinfo | head -n1)
                [ -n "$mp" ] && echo "$mp/$s"
        fi
}

# Runs the container in the background with the given options and payload; $P is nspawn's pid. The
# payload signals readiness by creating /ready.
start() { # nspawn options... -- payload script
        local opts=()
        while [ "$1" != -- ]; do opts+=("$1"); shift; done
        shift
        rm -f "$T/ready" "$T/stop"
        "$NSPAWN" -q -D "$T" -M "$M" --register=no --pipe "${opts[@]}" sh -c "$1" </dev/null >"$WORK/out" 2>&1 & P=$!
        on_exit "kill $P 2>/dev/null"
        wait_until 30 test -e "$T/ready"
}
finish() { # stops the payload, waits for nspawn; $RC, $OUT
        touch "$T/stop"
        RC=0
        wait "$P" || RC=$?
        OUT=$(cat "$WORK/out")
}

# --- MemoryMax=64M: a hog that wants 256 MB is OOM-killed inside; PID 1 and nspawn are untouched.
# tail buffers all of a line, and /dev/zero has no newline.
HOG='head -c 256M /dev/zero | tail >/dev/null; echo "hog status $?"; touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'
start --property=MemoryMax=64M -- "$HOG"
D=$(ctl_dir memory)
if [ -e "$D/memory.max" ]; then LIM=$(cat "$D/memory.max"); else LIM=$(cat "$D/memory.limit_in_bytes" 2>&1); fi
assert_eq 67108864 "$LIM" "MemoryMax=64M is on the scope's memory controller"
# cgroup2 counts the kills below a cgroup in its memory.events; v1 in the victim's own cgroup (payload).
if [ -e "$D/memory.events" ]; then KILLS=$(awk '$1 == "oom_kill" { print $2 }' "$D/memory.events")
else KILLS=$(cat "$D/memory.oom_control" "$D/payload/memory.oom_control" | awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }'); fi
assert_true "the scope's OOM killer fired" test "${KILLS:-0}" -ge 1
finish
assert_eq 0 "$RC" "nspawn and the container's PID 1 survive the hog ($OUT)"
assert_match "hog status 137$" "$OUT" "the hog was SIGKILLed inside"
start -- "$HOG"
finish
assert_match "^hog status 0$" "$OUT" "control: without MemoryMax= the same hog runs to its end"

# --- TasksMax=20: a bounded fork bomb (100 sleepers) stops at the limit. perl, because a shell gives
# up at the first fork that fails; sh and perl are two of the 20 tasks.
BOMB='perl -e '"'"'my ($f, @k) = (0); for (1 .. 100) { my $p = fork; if (!defined $p) { $f++; next } if (!$p) { sleep 1000; exit 0 } push @k, $p } print "forked ", scalar(@k), " failed $f\n"; kill 9, @k; waitpid($_, 0) for @k; '"'"'
touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'
start --property=TasksMax=20 -- "$BOMB"
assert_eq 20 "$(cat "$(ctl_dir pids)/pids.max")" "TasksMax=20 is on the scope's pids controller"
finish
assert_eq "forked 18 failed 82" "$(grep '^forked' <<<"$OUT")" "the fork bomb stopped at TasksMax=20"
assert_eq 0 "$RC" "nspawn survives the fork bomb ($OUT)"
start -- "$BOMB"
finish
assert_eq "forked 100 failed 0" "$(grep '^forked' <<<"$OUT")" "control: without TasksMax= all 100 sleepers start"

# --- CPUQuota=50%: two busy loops get half a CPU between them: CPU time over wall time, measured on
# the scope's cgroup2 cpu.stat (there on every cgroup2 directory) over 3 s once both loops run.
BUSY='(while :; do :; done) & (while :; do :; done) & touch /ready; while [ ! -e /stop ]; do sleep 0.05; done; kill $(jobs -p)'
usage_ratio() { # prints CPU seconds per wall second of the scope, over 3 s
        local u0 t0 u1 t1
        u0=$(awk '$1 == "usage_usec" { print $2 }' "$U/$SCOPE/cpu.stat"); t0=$(date +%s%N)
        sleep 3
        u1=$(awk '$1 == "usage_usec" { print $2 }' "$U/$SCOPE/cpu.stat"); t1=$(date +%s%N)
        awk -v u="$((u1 - u0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.3f", u * 1000 / t }'
}
start --property=CPUQuota=50% -- "$BUSY"
D=$(ctl_dir cpu)
if [ -e "$D/cpu.max" ]; then Q=$(cat "$D/cpu.max"); else Q="$(cat "$D/cpu.cfs_quota_us") $(cat "$D/cpu.cfs_period_us")"; fi
assert_eq "50000 100000" "$Q" "CPUQuota=50% is 50 ms per 100 ms period on the scope"
R=$(usage_ratio)
finish
echo "CPUQuota=50%: the busy loops got $R CPU"
assert_true "CPUQuota=50%: the busy loops got $R CPU (0.45..0.55)" awk -v r="$R" 'BEGIN { exit !(r >= 0.45 && r <= 0.55) }'
start -- "$BUSY"
R0=$(usage_ratio)
finish
echo "no quota: the busy loops got $R0 CPU"
assert_true "control: without CPUQuota= the busy loops get more than a CPU ($R0)" awk -v r="$R0" 'BEGIN { exit !(r > 1.0) }'

# --- AllowedCPUs=0: the payload runs on CPU 0 only (the cpuset of the scope and, on v1, its payload).
PIN='grep Cpus_allowed_list /proc/self/status; touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'
start --property=AllowedCPUs=0 -- "$PIN"
assert_eq 0 "$(cat "$(ctl_dir cpuset)/cpuset.cpus")" "AllowedCPUs=0 is on the scope's cpuset"
finish
assert_match $'Cpus_allowed_list:\t0$' "$OUT" "AllowedCPUs=0 pins the payload to CPU 0"
start -- "$PIN"
finish
ALL=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
assert_true "control: the host has more than CPU 0 ($ALL)" test "$ALL" != 0
assert_match $'Cpus_allowed_list:\t'"$ALL"'$' "$OUT" "control: without AllowedCPUs= the payload may use every CPU ($ALL)"

# --- IOReadBandwidthMax= of a path: on the disk its file system is on (the whole disk of a partition).
DEV=$(mountpoint -d /)
[ -e "/sys/dev/block/$DEV/partition" ] && DEV=$(cat "/sys/dev/block/$DEV/../dev")
start --property="IOReadBandwidthMax=/ 1M" --property=IOWeight=100 -- 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'
D=$(ctl_dir io)
if [ -e "$D/io.max" ]; then assert_match "^$DEV rbps=1048576 " "$(cat "$D/io.max")" "IOReadBandwidthMax=/ 1M is in io.max for $DEV"
else assert_eq "$DEV 1048576" "$(cat "$D/blkio.throttle.read_bps_device")" "IOReadBandwidthMax=/ 1M is in blkio.throttle.read_bps_device for $DEV"; fi
finish
assert_eq 0 "$RC" "the container with I/O limits ran ($OUT)"

# --- DeviceAllow=/dev/fuse r: one more device, read only (bound in; the device policy decides).
FUSE='(exec 3</dev/fuse) 2>/dev/null && echo read-ok || echo read-denied
(exec 3>/dev/fuse) 2>/dev/null && echo write-ok || echo write-denied'
run_nspawn -q -D "$T" -M "$M" --register=no --pipe --bind=/dev/fuse --property="DeviceAllow=/dev/fuse r" sh -c "$FUSE"
assert_eq $'read-ok\nwrite-denied' "$OUT" "DeviceAllow=/dev/fuse r: reading allowed, writing not ($ERR)"
run_nspawn -q -D "$T" -M "$M" --register=no --pipe --bind=/dev/fuse --property="DeviceAllow=char-misc rw" sh -c "$FUSE"
assert_eq $'read-ok\nwrite-ok' "$OUT" "DeviceAllow=char-misc rw: every misc device, read and write ($ERR)"
run_nspawn -q -D "$T" -M "$M" --register=no --pipe --bind=/dev/fuse sh -c "$FUSE"
assert_eq $'read-denied\nwrite-denied' "$OUT" "control: without DeviceAllow= the device policy denies /dev/fuse"

# --- Slice=: the scope goes below the slice, nested as systemd nests them; the slices go again.
rm -f "$T/ready" "$T/stop"
start --slice="${MP%.}-a.slice" --property=TasksMax=33 -- 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'
S="${MP%.}.slice/${MP%.}-a.slice/machine-$M.scope"
assert_true "--slice=${MP%.}-a.slice: the scope is ${S}" test -d "$U/$S"
assert_eq 33 "$(cat "$(ctl_dir pids "$S")/pids.max")" "... with its limits"
finish
assert_eq 0 "$RC" "the container in the slice ran ($OUT)"
assert_eq "" "$(find /sys/fs/cgroup -name "${MP%.}*.slice")" "the slices nspawn made are gone again"
assert_true "machine.slice stays" test -d "$U/machine.slice"

# --- --keep-unit: nspawn registers (or not) the caller's unit and applies the limits itself, to the
# caller's cgroup (a service's with Delegate=yes), above the payload. (The container's set-up, nspawn's
# child before it execs the payload, counts against MemoryMax= too: 32M is too little for it.)
SVC=${MP}svc.service
mkdir "$U/$SVC"
cleanup_svc() {
        local d
        for d in /sys/fs/cgroup/*/"$SVC" "$U/$SVC"; do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        true
}
on_exit cleanup_svc
rm -f "$T/ready" "$T/stop"
sh -c "echo \$\$ > '$U/$SVC/cgroup.procs'; exec '$NSPAWN' -q -D '$T' -M '$M' --keep-unit --register=no --pipe \
        --property=TasksMax=44 --property=MemoryMax=64M sh -c 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done'" \
        </dev/null >"$WORK/out" 2>&1 & P=$!
assert_true "--keep-unit: the container runs" wait_until 30 test -e "$T/ready"
assert_eq 44 "$(cat "$(ctl_dir pids "$SVC")/pids.max")" "--keep-unit: TasksMax= is on the caller's cgroup"
D=$(ctl_dir memory "$SVC")
if [ -e "$D/memory.max" ]; then LIM=$(cat "$D/memory.max"); else LIM=$(cat "$D/memory.limit_in_bytes" 2>&1); fi
assert_eq 67108864 "$LIM" "--keep-unit: MemoryMax= is on the caller's cgroup"
finish
assert_eq 0 "$RC" "the --keep-unit container ran ($OUT)"

# --- Refused before anything starts: one line naming the assignment, exit 1, no cgroup made.
refused_line() { # message nspawn-args...
        local m=$1; shift
        run_nspawn -q -D "$T" -M "$M" --register=no --pipe "$@" sh -c 'echo payload-ran'
        assert_eq 1 "$RC" "$m: exit status 1"
        assert_eq 1 "$(grep -c . <<<"$ERR")" "$m: one line ($ERR)"
        assert_no_match payload-ran "$OUT" "$m: the payload did not run"
}
refused_line "an unknown property" --property=Frobnicate=1
assert_match 'Frobnicate=1' "$ERR" "... the line names the assignment"
refused_line "a bad value" --property=MemoryMax=lots
assert_match 'MemoryMax=lots' "$ERR" "... the line names the assignment"
refused_line "CPUQuota without %" --property=CPUQuota=50
refused_line "a bad slice" --slice=a--b.slice
assert_match 'a--b.slice' "$ERR" "... the line names the slice"
refused_line "an empty device" --property="DeviceAllow=/dev/nonexistent-$M r"
assert_match 'DeviceAllow=/dev/nonexistent' "$ERR" "... the line names the device"

# --- What this host cannot apply: one line naming the property and why, exit 1, nothing left. On
# hybrid hosts the memory controller is v1's, which has no memory.high, and limits memory and swap
# only together.
if [ ! -e "$U/machine.slice/cgroup.controllers" ] || ! grep -qw memory "$U/machine.slice/cgroup.controllers"; then
        refused_line "MemoryHigh= on cgroup v1" --property=MemoryHigh=64M
        assert_match 'MemoryHigh=.*(v1|cgroup2)' "$ERR" "... the line names MemoryHigh= and why"
        refused_line "MemorySwapMax= without MemoryMax= on v1" --property=MemorySwapMax=64M
        assert_match 'MemorySwapMax=' "$ERR" "... the line names MemorySwapMax="
fi
IOD=$(ctl_dir io machine.slice)
if [ -z "$IOD" ] || ! [ -e "$IOD/io.weight" -o -e "$IOD/blkio.weight" -o -e "$IOD/blkio.bfq.weight" ]; then
        refused_line "IOWeight= without a weight file" --property=IOWeight=100
        assert_match 'IOWeight=' "$ERR" "... the line names IOWeight="
fi

test_end
