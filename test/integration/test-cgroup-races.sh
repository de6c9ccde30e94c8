#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Same-name starts and failures while the machine's cgroup is made (issue 7, item 13): a start that
# meets the cgroup of a container that is just ending either waits for a fresh one or says "already
# running", never "No such file or directory"; a start that fails after making the cgroup removes it
# again, in every hierarchy.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
M="${MP}race"
SCOPE="machine-${MP}race.scope"
left() { find /sys/fs/cgroup -name "machine-${MP}race.scope" 2>/dev/null; }

# Starts the owner of the name, a container that runs until $B/stop appears.
start_owner() {
        rm -f "$B/ready" "$B/stop"
        "$NSPAWN" -q -D "$B" -M $M --register=no --pipe sh -c 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done' \
                </dev/null >/dev/null 2>&1 & OWNER=$!
        for _ in $(seq 200); do [ -e "$B/ready" ] && break; sleep 0.05; done
}

# The second starter sees the scope (mkdir: EEXIST), then stalls for 2 s (strace delays the return
# of that mkdirat, its second one) while the owner ends and removes the scope; then it opens the
# scope, which is gone.
start_owner
strace -o "$WORK/st1" -e trace=mkdirat -e inject=mkdirat:delay_exit=2000000:when=2 \
        "$NSPAWN" -q -D "$B" -M $M --register=no --pipe true </dev/null >/dev/null 2>"$WORK/err1" & S=$!
for _ in $(seq 200); do grep -q 'machine.slice' "$WORK/st1" 2>/dev/null && break; sleep 0.01; done
touch "$B/stop"; wait $OWNER
wait $S; RC=$?
assert_match "mkdirat\(.*\"$(sed 's/\\/\\\\\\\\/g' <<<"$SCOPE")\", 0755\) += -1 EEXIST" "$(cat "$WORK/st1")" \
        "(the delayed mkdirat met the owner's scope)"
assert_eq "0 " "$RC $(cat "$WORK/err1")" "a start that meets a scope removed under it makes a fresh one"
assert_eq "" "$(left)" "and nothing is left"

# The owner ends, but stalls for 1 s in its teardown (strace delays its first unlinkat, of the empty
# payload cgroup) with the scope still there, empty and locked. The second starter opens that scope
# and stalls for 3 s before it locks it (strace delays flock); meanwhile the owner removes the scope
# and releases the lock: the second starter holds the lock of a dead cgroup.
U=$(find /sys/fs/cgroup -maxdepth 1 -type d -name unified); U=${U:-/sys/fs/cgroup}
rm -f "$B/ready" "$B/stop"
strace -o /dev/null -e trace=unlinkat -e inject=unlinkat:delay_enter=1000000:when=1 \
        "$NSPAWN" -q -D "$B" -M $M --register=no --pipe sh -c 'touch /ready; while [ ! -e /stop ]; do sleep 0.05; done' \
        </dev/null >/dev/null 2>&1 & OWNER=$!
for _ in $(seq 200); do [ -e "$B/ready" ] && break; sleep 0.05; done
touch "$B/stop"
for _ in $(seq 200); do grep -qx 'populated 0' "$U/machine.slice/$SCOPE/cgroup.events" 2>/dev/null && break; sleep 0.01; done
strace -o /dev/null -e trace=flock -e inject=flock:delay_enter=3000000:when=1 \
        "$NSPAWN" -q -D "$B" -M $M --register=no --pipe true </dev/null >/dev/null 2>"$WORK/err2" & S=$!
wait $OWNER
wait $S; RC=$?
assert_eq "0 " "$RC $(cat "$WORK/err2")" "a start that locked a scope removed under it starts again on a fresh one"
assert_eq "" "$(left)" "and nothing is left"

# Many same-name starts at once, in waves: each one runs or says that the machine is running.
bad=""
for wave in 1 2 3; do
        for w in $(seq 6); do
                ( for i in $(seq 10); do
                        e=$("$NSPAWN" -q -D "$B" -M $M --register=no --pipe true </dev/null 2>&1 >/dev/null) ||
                                [[ "$e" == *"is already running"* ]] || echo "$e"
                done ) >>"$WORK/wave" &
        done
        wait
done
assert_eq "" "$(sort "$WORK/wave" | uniq -c)" "180 concurrent same-name starts: every one runs or is 'already running'"
assert_eq "" "$(left)" "and nothing is left"

# Failures injected while the cgroups are made and removed: whatever the outcome, no machine cgroup
# stays behind in any hierarchy. strace follows nspawn only (no -f), not the container.
faults=("flock:error=EIO:when=1" "rmdir:error=EIO:when=1" "rmdir:error=EIO:when=4" "unlinkat:error=EIO:when=1")
for k in $(seq 1 3 48); do faults+=("mkdirat:error=EIO:when=$k"); done
for k in $(seq 1 3 140); do faults+=("openat:error=EIO:when=$k"); done
for k in $(seq 1 1 16); do faults+=("write:error=EIO:when=$k"); done
leaks=""
for f in "${faults[@]}"; do
        RC=0
        timeout 30 strace -o /dev/null -e trace="${f%%:*}" -e inject="$f" \
                "$NSPAWN" -q -D "$B" -M $M --register=no --pipe true </dev/null >/dev/null 2>"$WORK/ferr" || RC=$?
        l=$(left)
        if [ -n "$l" ]; then
                leaks+=" [$f: rc $RC, $(head -n1 "$WORK/ferr")]"
                remove_machine_cgroup 'cgroup\\x2drace'
        fi
done
assert_eq "" "$leaks" "${#faults[@]} injected faults leave no machine cgroup behind"

test_end
