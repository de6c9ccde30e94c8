#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A test shell that is SIGKILLed runs no cleanup: its overlay stays mounted under /tmp, its work and
# snapshot directories stay (a left-over mount was seen after a killed test). The next test's
# test_begin unmounts and removes what a dead test left (sweep_dead_tests), and leaves a live test's
# alone.
. "$(dirname "$0")/../lib.sh"
test_begin

# The inner tests run under this test's lock (NSPAWN_TEST_LOCK_HELD_BY: this shell must be their
# parent, so inner replaces the background subshell it is called in: call it with &).
inner() { # name script-after-test_begin
        cat > "$WORK/$1.sh" <<EOI
#!/bin/bash
TEST_NAME=test-$1
. "$SRCDIR/test/lib.sh"
test_begin
$2
EOI
        chmod +x "$WORK/$1.sh"
        NSPAWN_TEST_LOCK_HELD_BY=$$ exec "$WORK/$1.sh"
}

rm -f "$WORK/killed-tree"
inner killed 'T=$(overlay_tree killed); echo "$WORK" > '"$WORK"'/killed-work; echo "$SNAP" > '"$WORK"'/killed-snap; echo "$T" > '"$WORK"'/killed-tree; sleep 60 & echo $! > '"$WORK"'/killed-sleep; wait' & P=$!
on_exit "kill -KILL $P 2>/dev/null"
started() { [ -s "$WORK/killed-sleep" ] && [ -s "$WORK/killed-tree" ] && grep -q " $(cat "$WORK/killed-tree") " /proc/self/mountinfo; }
assert_true "the inner test mounted its overlay" wait_until 20 started
IW=$(cat "$WORK/killed-work")
IS=$(cat "$WORK/killed-snap")
IT=$(cat "$WORK/killed-tree")
on_exit "umount '$IT' 2>/dev/null; rm -rf '$IW' '$IS'"
# The test shell is killed ($P is it: inner exec()s), and its sleep with it.
kill -KILL $P
kill -KILL "$(cat "$WORK/killed-sleep")"
wait $P 2>/dev/null
assert_true "SIGKILL left the overlay mounted" grep -q " $IT " /proc/self/mountinfo

# A live test's directory is not touched.
inner live 'T=$(overlay_tree live); echo "$T" > '"$WORK"'/live-tree; sleep 60 & echo $! > '"$WORK"'/live-sleep; wait' & L=$!
on_exit "kill -TERM $L 2>/dev/null; pkill -P $L sleep 2>/dev/null"
live() { [ -s "$WORK/live-sleep" ] && [ -s "$WORK/live-tree" ] && grep -q " $(cat "$WORK/live-tree") " /proc/self/mountinfo; }
assert_true "a second inner test is running" wait_until 20 live

inner next 'test_end' >/dev/null 2>&1 &
wait $!
assert_false "the next test unmounted the dead test's overlay" grep -q " $IT " /proc/self/mountinfo
assert_false "and removed its work directory" test -e "$IW"
assert_false "and its snapshot directory" test -e "$IS"
assert_true "the live test's overlay is untouched" grep -q " $(cat "$WORK/live-tree") " /proc/self/mountinfo

kill -TERM $L "$(cat "$WORK/live-sleep")"
wait $L 2>/dev/null
LT=$(cat "$WORK/live-tree")
gone() { ! grep -q " $LT " /proc/self/mountinfo; }
assert_true "the live test cleans up after itself when it ends" wait_until 10 gone

test_end
