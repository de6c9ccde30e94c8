#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn -i: the image lock (a second writable user is refused with one line, read-only users share,
# the lock goes with its holder, also when the holder is SIGKILLed); -M NAME without -D or -i finds
# /var/lib/machines/NAME (a directory) or NAME.raw, then /usr/local/lib/machines and /usr/lib/machines;
# four images started at once each get a loop device;
# registration: machinectl list and status show a container that runs from an image.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-image.sh"
. "$SRCDIR/test/lib-bus.sh"

I="$WORK/${MP}lock.raw"
img_simple "$I"

# A container that holds the image: its nspawn pid in $P once the payload runs.
hold() { # sleep-seconds nspawn-args...
        local s=$1; shift
        "$NSPAWN" -q --register=no "$@" -i "$I" --pipe sleep "$s" </dev/null 2>"$WORK/hold.err" & P=$!
        wait_payload $P "sleep $s"
}
one_line() { [ "$(printf '%s\n' "$1" | grep -c .)" = 1 ]; }

# --- Writable, then writable: refused ------------------------------------------------------------
assert_true "a writable container holds the image" hold 1001 -M "${MP}w1"
run_image "$I" -M "${MP}w2" --pipe sh -c 'touch /second-ran'
assert_true "a second writable use is refused (exit $RC)" test "$RC" -ne 0 -a "$RC" -lt 128
assert_true "... with one line ($ERR)" one_line "$ERR"
assert_match "${MP//./\\.}lock\.raw" "$ERR" "... naming the image"
assert_match '[Ll]ock|[Ii]n use|[Bb]usy|[Uu]sed' "$ERR" "... saying that it is in use"
# A read-only use while a writer holds it: refused (the writer's filesystem changes under a reader)
# or given a read-only view; either way cleanly.
run_image "$I" -M "${MP}r0" --read-only --pipe true
assert_true "a read-only use beside a writer: no crash (exit $RC)" test "$RC" -lt 128
[ "$RC" = 0 ] || assert_true "... refused with one line ($ERR)" one_line "$ERR"
kill -TERM $P; wait $P
run_image "$I" -M "${MP}w3" --pipe cat /second-ran
assert_true "the refused second user never ran" test "$RC" -ne 0
run_image "$I" -M "${MP}w3" --pipe true
assert_eq 0 "$RC" "once the holder ended, a writable use works again ($ERR)"
assert_img_clean "writable + writable"

# --- Read-only, then read-only: both run; read-only then writable: refused -----------------------
assert_true "a read-only container holds the image" hold 1002 -M "${MP}r1" --read-only
P1=$P
run_image "$I" -M "${MP}r2" --read-only --pipe cat /etc/image-marker
assert_eq "0:tree-${MP}lock" "$RC:$OUT" "a second read-only use runs beside the first ($ERR)"
assert_true "two read-only containers at once: the second holds it too" hold 1003 -M "${MP}r3" --read-only
P2=$P
assert_true "... both run" kill -0 $P1
run_image "$I" -M "${MP}w4" --pipe true
assert_true "a writable use while read-only users hold it is refused (exit $RC)" test "$RC" -ne 0 -a "$RC" -lt 128
assert_true "... with one line ($ERR)" one_line "$ERR"
kill -TERM $P1 $P2; wait $P1; wait $P2
assert_img_clean "read-only + read-only"

# --- The lock goes with a SIGKILLed holder -------------------------------------------------------
assert_true "a writable container holds the image" hold 1004 -M "${MP}k1"
kill -KILL $P; wait $P 2>/dev/null
assert_true "the SIGKILLed holder's container ends" wait_until 10 pid_gone "$PAYLOAD" "sleep 1004"
assert_img_clean "SIGKILLed holder"
remove_machine_cgroup "${MP}k1"
run_image "$I" -M "${MP}k2" --pipe true
assert_eq 0 "$RC" "after the holder was SIGKILLed, a writable use works ($ERR)"
assert_img_clean "after the SIGKILLed holder"

# --- Several images at once: each gets a loop device of its own ------------------------------------
# Four starts race for the free loop devices (LOOP_CTL_GET_FREE hands the same one to all of them).
pids=()
for n in 1 2 3 4; do
        cp --sparse=always "$I" "$WORK/${MP}par$n.raw"
        "$NSPAWN" -q --register=no -i "$WORK/${MP}par$n.raw" -M "${MP}par$n" --pipe sh -c "sleep 0.5; echo par$n" \
                </dev/null >"$WORK/par$n.out" 2>"$WORK/par$n.err" & pids+=($!)
done
for n in 1 2 3 4; do
        wait "${pids[$((n - 1))]}"; RC=$?
        assert_eq "0:par$n" "$RC:$(cat "$WORK/par$n.out")" "parallel start $n of 4 runs ($(cat "$WORK/par$n.err"))"
done
assert_img_clean "four images at once"

# --- -M NAME searches the machine directories ----------------------------------------------------
# Each directory is replaced, for this test only, by a bind mount of one of ours.
search_dir() { # path: a directory of ours mounted over it
        local d=$1 w="$WORK/search${1//\//-}"
        mkdir -p "$w"
        if [ ! -d "$d" ]; then
                mkdir -p "$d"
                on_exit "rmdir '$d'"
        fi
        track_path "$d"
        mount --bind "$w" "$d"
        on_exit "umount '$d'"
        echo "$w"
}
V=$(search_dir /var/lib/machines)
L=$(search_dir /usr/local/lib/machines)
U=$(search_dir /usr/lib/machines)
cp --sparse=always "$I" "$V/${MP}img.raw"
img_tree "$V/${MP}dir" >/dev/null
img_tree "$WORK/tree-usr" >/dev/null
img_fs ext4 "$WORK/tree-usr" "$WORK/usr.ext4"
img_gpt "$U/${MP}usrimg.raw" "root $WORK/usr.ext4"
img_gpt "$L/${MP}localimg.raw" "root $WORK/usr.ext4"
img_gpt "$U/${MP}img.raw" "root $WORK/usr.ext4"
run_nspawn -q --register=no -M "${MP}img" --pipe sh -c 'cat /etc/image-marker; hostname'
assert_eq $'0:tree-'"${MP}lock"$'\n'"${MP}img" "$RC:$OUT" "-M finds NAME.raw in /var/lib/machines, before /usr/lib/machines ($ERR)"
assert_img_clean "-M NAME.raw"
run_nspawn -q --register=no -M "${MP}dir" --pipe cat /etc/image-marker
assert_eq "0:${MP}dir" "$RC:$OUT" "-M finds the directory NAME in /var/lib/machines ($ERR)"
run_nspawn -q --register=no -M "${MP}localimg" --pipe cat /etc/image-marker
assert_eq "0:tree-usr" "$RC:$OUT" "-M finds NAME.raw in /usr/local/lib/machines ($ERR)"
run_nspawn -q --register=no -M "${MP}usrimg" --pipe cat /etc/image-marker
assert_eq "0:tree-usr" "$RC:$OUT" "-M finds NAME.raw in /usr/lib/machines ($ERR)"
run_nspawn -q --register=no -M "${MP}nowhere" --pipe true
assert_true "-M with a name found nowhere is refused (exit $RC)" test "$RC" -ne 0 -a "$RC" -lt 128
assert_true "... with one line ($ERR)" one_line "$ERR"
assert_match "${MP//./\\.}nowhere" "$ERR" "... naming the machine"
assert_img_clean "-M search"

# --- Registration --------------------------------------------------------------------------------
start_bus
start_machined
MCTL="$BUILDDIR/machinectl"
"$NSPAWN" -q -i "$I" -M "${MP}reg" --pipe sleep 1005 </dev/null 2>"$WORK/reg.err" & P=$!
listed() { "$MCTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
assert_true "the container's payload runs" wait_payload $P 'sleep 1005'
assert_true "machinectl list shows the container that runs from an image" wait_until 5 listed "${MP}reg"
STATUS=$("$MCTL" status "${MP}reg" 2>&1)
assert_match "${I//./\\.}" "$STATUS" "machinectl status shows the image's path"
assert_match 'sleep 1005' "$STATUS" "... and its processes"
kill -TERM $P; wait $P
assert_false "the machine is unregistered at the end" listed "${MP}reg"
assert_eq "" "$(cat "$WORK/reg.err")" "nothing on stderr"
assert_img_clean "registered image"

test_end
