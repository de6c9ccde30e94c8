#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run mode basics: exit status, PID 1, hostname, environment, default command, signals.
. "$(dirname "$0")/../lib.sh"
test_begin

T=$(overlay_tree deb)

run_nspawn -q -D "$T" --pipe /bin/true
assert_eq 0 "$RC" "/bin/true exits 0"
assert_eq "" "$ERR" "-q prints nothing"

run_nspawn -q -D "$T" --pipe sh -c 'exit 42'
assert_eq 42 "$RC" "exit status passes through"

run_nspawn -q -D "$T" --pipe sh -c 'exit 255'
assert_eq 255 "$RC" "exit status 255 passes through"

# PID 1 cannot be killed from inside its own namespace: kill it from the host.
"$NSPAWN" -q -D "$T" --pipe sleep 1002 </dev/null & P=$!
assert_true "the payload starts" wait_payload $P 'sleep 1002'
kill -KILL "$PAYLOAD"
wait $P; RC=$?
assert_eq 137 "$RC" "a payload killed by SIGKILL gives 128+9"

run_nspawn -q -D "$T" --pipe sh -c 'echo $$; hostname; echo "$container"; echo "$container_uuid"'
mapfile -t L <<<"$OUT"
assert_eq 1 "${L[0]}" "the command is PID 1"
assert_eq "${MP}deb" "${L[1]}" "the hostname is the machine name"
assert_eq nspawn "${L[2]}" "container=nspawn"
assert_match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "${L[3]}" "container_uuid is a UUID"

run_nspawn -q -D "$T" -M "${MP}other" --hostname=box.example --uuid=0123456789abcdef0123456789abcdef --pipe \
        sh -c 'hostname; echo $container_uuid'
assert_eq $'box.example\n01234567-89ab-cdef-0123-456789abcdef' "$OUT" "--hostname and --uuid"

run_nspawn -q -D "$T" -E FOO=bar -E BAZ=1 --pipe sh -c 'echo $FOO$BAZ; echo $HOME; echo $PATH'
assert_eq $'bar1\n/root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$OUT" "environment"

run_nspawn -q -D "$T" --pipe sh -c 'env | grep -c NSPAWN_HOST_MARKER || true'
assert_eq 0 "$OUT" "the host's environment does not leak"

run_nspawn -q -D "$T" --chdir=/etc --pipe pwd
assert_eq /etc "$OUT" "--chdir"

# No command: root's shell from the container's passwd (bash here), reading stdin in pipe mode.
OUT=$(echo 'echo $0; exit 7' | timeout 30 "$NSPAWN" -q -D "$T" --pipe 2>&1); RC=$?
assert_eq "-bash" "$OUT" "no command runs root's login shell"
assert_eq 7 "$RC" "its exit status passes through"

# Pipe mode passes stdin through.
OUT=$(printf 'abc' | timeout 30 "$NSPAWN" -q -D "$T" --pipe cat); RC=$?
assert_eq abc "$OUT" "pipe mode passes stdin"

# Read-only console (the default without a terminal) shows the output through a pty.
run_nspawn -q -D "$T" sh -c 'tty; echo out'
assert_match '^/dev/console' "$OUT" "read-only mode runs the payload on /dev/console"
assert_match 'out' "$OUT" "read-only mode shows the output"

# SIGTERM to nspawn kills the container (default kill signal: SIGKILL in run mode).
export NSPAWN_HOST_MARKER=1
"$NSPAWN" -q -D "$T" --pipe sleep 1000 </dev/null & P=$!
assert_true "the payload starts" wait_payload $P 'sleep 1000'
kill -TERM $P
wait $P; RC=$?
assert_eq 137 "$RC" "SIGTERM to nspawn kills the payload"
assert_false "no payload survives" pid_runs "$PAYLOAD" 'sleep 1000'

# --kill-signal: a payload that handles SIGTERM exits cleanly.
"$NSPAWN" -q -D "$T" --kill-signal=SIGTERM --pipe sh -c 'trap "exit 3" TERM; echo ready; while :; do sleep 0.1; done' \
        </dev/null >"$WORK/trap.out" & P=$!
assert_true "the payload has its handler" wait_line "$WORK/trap.out" '^ready$'
kill -INT $P
wait $P; RC=$?
assert_eq 3 "$RC" "--kill-signal=SIGTERM reaches the payload"

# SIGKILL to nspawn: the container goes with it.
"$NSPAWN" -q -D "$T" --pipe sleep 1001 </dev/null & P=$!
assert_true "the payload starts" wait_payload $P 'sleep 1001'
kill -KILL $P
wait $P 2>/dev/null
# The kernel kills the container (PR_SET_PDEATHSIG and the PID namespace) a moment later.
assert_true "the container never outlives a SIGKILLed nspawn" wait_until 5 pid_gone "$PAYLOAD" 'sleep 1001'
# The cgroup of the killed launcher is left over; the next start with the same name reuses it.
run_nspawn -q -D "$T" --pipe /bin/true
assert_eq 0 "$RC" "a leftover empty cgroup does not block the next start"
remove_machine_cgroup "${MP}deb"

test_end
