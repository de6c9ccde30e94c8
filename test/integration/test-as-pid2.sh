#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -a/--as-pid2: a stub init is PID 1, the payload is PID 2; the stub reaps orphans (row B7 of
# ../shared/reference/reliability-checks.md), passes the exit status on and forwards signals.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree pid2)
N=(-q -D "$T" --pipe)

run_nspawn "${N[@]}" -a sh -c 'echo $$; cat /proc/1/comm; ps -o pid= -p 1 >/dev/null && echo has-1'
mapfile -t L <<<"$OUT"
assert_eq 0 "$RC" "--as-pid2 runs ($ERR)"
assert_eq 2 "${L[0]:-}" "-a: the payload is PID 2"
assert_no_match '^(sh|dash|bash)$' "${L[1]:-sh}" "-a: PID 1 is not the payload"
assert_match 'stub|init' "${L[1]:-}" "-a: PID 1 is the stub init"
run_nspawn "${N[@]}" --as-pid2 sh -c 'echo $$'
assert_eq 2 "$OUT" "--as-pid2 (long form): the payload is PID 2"
run_nspawn "${N[@]}" sh -c 'echo $$'
assert_eq 1 "$OUT" "without -a the payload is PID 1"

# The stub is an init for the payload: PPID of the payload is 1, and the payload's environment and
# working directory are as without -a.
run_nspawn "${N[@]}" -a --chdir=/etc -E FOO=bar sh -c 'echo $PPID; pwd; echo $FOO $container'
assert_eq $'1\n/etc\nbar nspawn' "$OUT" "-a: parent PID 1, --chdir and the environment apply to the payload"

# B7: orphans are reaped, and their SIGCHLD is not taken for the payload's exit.
# The shell waits (up to 5 s) until the orphans are gone before it looks for zombies.
GONE='for i in $(seq 100); do ps -eo comm= | grep -qxE "sleep|true" || break; sleep 0.05; done'
run_nspawn "${N[@]}" -a sh -c "( sleep 1 & ) ; ( true & ) & $GONE; ps -eo stat=,comm=; exit 7"
assert_eq 7 "$RC" "B7: the exit status is the shell's, not a spurious signal exit ($ERR)"
assert_no_match '(^|'$'\n'')Z' "$OUT" "B7: no zombies after orphans exited"
assert_match 'ps' "$OUT" "B7: ps ran ($OUT)"
run_nspawn "${N[@]}" -a sh -c "for i in \$(seq 500); do (true &); done; $GONE; ps -eo stat= | grep -c '^Z' || true"
assert_eq "0|0" "$RC|$OUT" "B7: 500 orphans, no zombies left"
# Control: without -a and with a PID 1 that never reaps (sleep), an orphan stays a zombie, so the
# zombie checks above can see one.
# The check polls for the zombie for up to 1.5 s, while PID 1 sleeps 2 s without reaping.
run_nspawn "${N[@]}" sh -c '( sleep 0.2 & ) ; ( for i in $(seq 30); do ps -eo stat= | grep -q "^Z" && break; sleep 0.05; done
        ps -eo stat= | grep -c "^Z" ) & exec sleep 2'
assert_eq "1" "$OUT" "control: without a reaping PID 1 the orphan stays a zombie"

# Exit statuses pass through the stub.
for s in 0 1 42 255; do
        run_nspawn "${N[@]}" -a sh -c "exit $s"
        assert_eq "$s" "$RC" "-a: exit status $s passes through"
done
run_nspawn "${N[@]}" -a sh -c 'kill -KILL $$'
assert_eq 137 "$RC" "-a: a payload killed by SIGKILL gives 128+9, as without -a"
run_nspawn "${N[@]}" sh -c 'sleep 0.1' # sanity: the same tree without -a
assert_eq 0 "$RC" "without -a: exit 0"

# The payload's exit ends the container, even with children still running.
start=$(date +%s)
run_nspawn "${N[@]}" -a sh -c 'sleep 1003 & exit 5'
assert_eq 5 "$RC" "-a: the payload's exit ends the container while a child still runs"
assert_true "... promptly" test $(($(date +%s) - start)) -lt 10
assert_eq "" "$(machine_pids "${MP}pid2")" "... and the child is gone"

# Signals: --kill-signal=SIGTERM and SIGTERM to nspawn reach the payload through the stub.
"$NSPAWN" "${N[@]}" -a --kill-signal=SIGTERM sh -c 'trap "exit 3" TERM; echo ready; while :; do sleep 0.1; done' \
        </dev/null >"$WORK/trap.out" & P=$!
assert_true "the payload has its handler" wait_line "$WORK/trap.out" '^ready$'
kill -TERM $P
wait $P; RC=$?
assert_eq 3 "$RC" "-a --kill-signal=SIGTERM: SIGTERM to nspawn reaches the payload, its exit status passes through"

"$NSPAWN" "${N[@]}" -a --kill-signal=SIGUSR1 sh -c 'trap "exit 4" USR1; echo ready; while :; do sleep 0.1; done' \
        </dev/null >"$WORK/trap2.out" & P=$!
assert_true "the payload has its handler" wait_line "$WORK/trap2.out" '^ready$'
kill -INT $P
wait $P; RC=$?
assert_eq 4 "$RC" "-a --kill-signal=SIGUSR1: SIGINT to nspawn sends SIGUSR1 through the stub"

# The default kill signal takes the whole container down, stub included.
"$NSPAWN" "${N[@]}" -a sh -c 'sleep 1004 & sleep 1005' </dev/null & P=$!
assert_true "the payload runs" wait_payload $P 'sleep 1005'
kill -TERM $P
wait $P; RC=$?
assert_match '^(137|143)$' "$RC" "-a: SIGTERM to nspawn with the default kill signal stops the container"
assert_eq "" "$(machine_pids "${MP}pid2")" "-a: no process of the container survives"

# SIGKILL to nspawn: the stub and the payload go with it.
"$NSPAWN" "${N[@]}" -a sleep 1006 </dev/null & P=$!
assert_true "the payload runs" wait_payload $P 'sleep 1006'
STUB=$(ps -o ppid= -p "$PAYLOAD" | tr -d ' ')
kill -KILL $P
wait $P 2>/dev/null
# The kernel kills the container a moment later (PR_SET_PDEATHSIG, then the PID namespace).
assert_true "-a: the container never outlives a SIGKILLed nspawn" wait_until 5 no_machine_pids "${MP}pid2"
# The dead stub is reparented to the host's PID 1 as a zombie until that reaps it: only a live one counts.
assert_eq "" "$(ps -o stat= -p "$STUB" | grep -v '^Z')" "-a: no live stub survives"
# The cgroup of the killed launcher is left behind (see test-run-basic); remove it.
remove_machine_cgroup "${MP}pid2"

test_end
