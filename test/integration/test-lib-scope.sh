#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The leak check of test/lib.sh looks only at what is the test's own: a container that someone else
# runs on the same host (another machine name, a tree outside $WORK, not started by the test) is not
# blamed, while a real leftover of ours (a cgroup, a mount, a process, an escaped container process)
# still fails the check.
. "$(dirname "$0")/../lib.sh"
test_begin

# The foreign container: its own tree outside $WORK, its own name, started by a shell that exits at
# once (so it is no descendant of ours), running until we stop it. It also holds a host mount of
# its own.
FOREIGN_DIR=$(mktemp -d /tmp/nspawn-foreign.XXXXXX)
FOREIGN=foreign$$x
on_exit "stop_foreign"
stop_foreign() {
        local p
        p=$(cat "$FOREIGN_DIR/pid" 2>/dev/null)
        [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
        wait_until 10 eval "! kill -0 $p 2>/dev/null"
        umount "$FOREIGN_DIR/mnt" 2>/dev/null
        rm -rf "$FOREIGN_DIR"
}
busybox_tree "$FOREIGN_DIR/tree" >/dev/null
mkdir "$FOREIGN_DIR/mnt"
mount -t tmpfs foreign "$FOREIGN_DIR/mnt"
setsid sh -c "'$NSPAWN' -q -D '$FOREIGN_DIR/tree' -M $FOREIGN --pipe sleep 3001 </dev/null >/dev/null 2>&1 &
              echo \$! > '$FOREIGN_DIR/pid'" </dev/null
foreign_up() {
        local p
        p=$(pgrep -fx 'sleep 3001') && [ -n "$(find /sys/fs/cgroup -name "machine-$FOREIGN.scope")" ]
}
assert_true "the foreign container runs" wait_until 10 foreign_up
FPID=$(cat "$FOREIGN_DIR/pid")
assert_false "... and is no descendant of the test" is_descendant "$FPID" $$

# A test-like sequence of our own, with the foreign container running beside it.
B=$(busybox_tree "$WORK/${MP}bb")
run_nspawn -q -D "$B" --pipe sh -c 'echo hello'
assert_eq hello "$OUT" "our container runs"
"$NSPAWN" -q -D "$B" -M "${MP}bg" --pipe sleep 3002 </dev/null & P=$!
assert_true "our background container starts" wait_payload $P 'sleep 3002'
kill -TERM $P; wait $P
assert_true "the leak check passes with a foreign container running" leak_check
assert_true "... which still runs (the check had something to ignore)" foreign_up

# Real leftovers of ours are caught, one kind at a time, and the check passes again once each is gone.
caught() { # what
        local err
        err=$(leak_check 2>&1) && { fail "a leftover $1 is not caught"; return; }
        CHECKS=$((CHECKS + 1))
        pass "a leftover $1 is caught: $(echo "$err" | grep '^>' | head -1)"
}

# A cgroup: what a SIGKILLed launcher leaves.
"$NSPAWN" -q -D "$B" -M "${MP}killed" --pipe sleep 3003 </dev/null & P=$!
assert_true "the container to be killed starts" wait_payload $P 'sleep 3003'
kill -KILL $P; wait $P 2>/dev/null
assert_true "... its payload dies with it" wait_until 5 pid_gone "$PAYLOAD" 'sleep 3003'
caught "machine cgroup"
remove_machine_cgroup "${MP}killed"
assert_true "the check passes once the cgroup is removed" leak_check

# A mount under $WORK.
mkdir "$WORK/m"
mount -t tmpfs leak "$WORK/m"
caught "mount under \$WORK"
umount "$WORK/m"
assert_true "the check passes once it is unmounted" leak_check

# A process of ours (a descendant of the test).
sleep 3004 & S=$!
caught "child process"
kill $S; wait $S 2>/dev/null
assert_true "the check passes once it is gone" leak_check

# A process that escaped: not our descendant any more, but running in our tree.
setsid sh -c "chroot '$B' /bin/sleep 3005 </dev/null >/dev/null 2>&1 & echo \$! > '$WORK/escaped'" </dev/null
assert_true "the escaped process runs" wait_until 5 eval "pgrep -fx '/bin/sleep 3005' >/dev/null"
caught "escaped process in our tree"
kill "$(cat "$WORK/escaped")"
assert_true "the check passes once it is gone" wait_until 5 leak_check

stop_foreign
test_end
