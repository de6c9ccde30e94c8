#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The user-namespace mode (--private-users=, -U) in the run mode on directory trees: root inside is a
# shifted uid outside, the tree is shifted once, two containers get disjoint ranges, the container's
# root has no power over host files, and bad input is refused with nothing left behind.
. "$(dirname "$0")/../lib.sh"
test_begin

PTY="python3 $SRCDIR/test/pty-run.py"
LOCKS=/run/nspawn/userns

mk() { busybox_tree "$WORK/${MP}$1" >/dev/null; echo "$WORK/${MP}$1"; }
owner() { stat -c %u:%g "$1"; }

# 1. -U with chown ownership: root inside, the shifted range in uid_map, the tree and new files owned by
# the range (map, the default of -U where the file system can, is test-userns-map's).
A=$(mk a)
chmod u+s "$A/bin/busybox"
run_nspawn -q --register=no -D "$A" -U --private-users-ownership=chown -P sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; touch /root/made; mknod /dev/foo c 1 3 2>/dev/null || echo mknod-refused; mkdir /sys/fs/cgroup/sub && echo cgroup-writable; ls /proc/1/status >/dev/null && echo proc; ls /dev/null /dev/pts/ptmx >/dev/null && echo dev; touch /tmp/t /run/r && echo tmp-run; echo x >/dev/null && echo null'
assert_eq 0 "$RC" "-U runs (stderr: $ERR)"
read -r U G M1 M2 <<<"$(printf '%s\n' "$OUT" | head -4 | tr '\n' ' ')"
assert_eq "0 0" "$U $G" "root inside (uid gid)"
SHIFT=$(printf '%s\n' "$OUT" | sed -n 3p | awk '{print $2}')
assert_match '^ *0 +[0-9]+ +65536$' "$(printf '%s\n' "$OUT" | sed -n 3p)" "uid_map: 0 SHIFT 65536"
assert_match '^ *0 +[0-9]+ +65536$' "$(printf '%s\n' "$OUT" | sed -n 4p)" "gid_map: 0 SHIFT 65536"
assert_true "the range is in pick's window, aligned" test "$SHIFT" -ge $((0x80000)) -a "$SHIFT" -lt $((0x6fff0000)) -a $((SHIFT % 65536)) -eq 0
assert_eq "$SHIFT:$SHIFT" "$(owner "$A/root/made")" "a file made inside is owned by the shifted root on the host"
assert_eq "$SHIFT:$SHIFT" "$(owner "$A")" "the tree's root directory records the shift"
assert_eq "$SHIFT:$SHIFT" "$(owner "$A/bin/busybox")" "the tree was shifted"
assert_match '^-rws' "$(stat -c %A "$A/bin/busybox")" "the shift keeps set-uid bits"
for w in mknod-refused cgroup-writable proc dev tmp-run null; do
        assert_true "inside: $w" grep -qx "$w" <<<"$OUT"
done
assert_true "the range's lock is gone after the run" test ! -e "$LOCKS/$(printf %08x "$SHIFT").lock"

# The same machine again: the same range, nothing shifted again (the mtime-independent proof: a file
# given an odd owner inside the range keeps it).
chown $((SHIFT + 7)):$((SHIFT + 8)) "$A/etc/group"
run_nspawn -q --register=no -D "$A" -U --private-users-ownership=chown -P sh -c 'stat -c %u:%g /etc/group'
assert_eq "7:8" "$OUT" "second run: the same range, the tree not shifted again (stderr: $ERR)"

# The console (a pty) works in the user namespace too.
OUT=$($PTY 24 80 -- "$NSPAWN" -q --register=no -D "$A" -U --console=read-only sh -c 'tty; id -u' | tr -d '\r')
assert_match $'/dev/console\n0' "$OUT" "console: the payload has /dev/console as its terminal"

# 2. Container root against host files: a root-owned host file bound read-write cannot be written,
# a root-only one cannot be read.
# (Bind sources are opened by nspawn with the host's credentials: $WORK stays 0700.)
echo secret > "$WORK/host-file"; chmod 0644 "$WORK/host-file"
echo secret > "$WORK/host-0600"; chmod 0600 "$WORK/host-0600"
run_nspawn -q --register=no -D "$A" -U -P --bind="$WORK/host-file:/mnt/f" --bind="$WORK/host-0600:/mnt/s" \
        sh -c 'echo pwned >> /mnt/f 2>/dev/null && echo wrote; cat /mnt/s 2>/dev/null && echo read; chmod 0666 /mnt/f 2>/dev/null && echo chmod; echo done'
assert_eq "done" "$OUT" "container root cannot write, read or chmod root's host files (stderr: $ERR)"
assert_eq "secret" "$(cat "$WORK/host-file")" "the host file is unchanged"
assert_eq "644" "$(stat -c %a "$WORK/host-file")" "the host file's mode is unchanged"

# 3. Two -U containers at once: disjoint ranges. The first waits for a file the test makes.
B=$(mk b); C=$(mk c)
"$NSPAWN" -q --register=no -D "$B" -U -P sh -c 'cat /proc/self/uid_map; while [ ! -e /go ]; do sleep 0.05; done' \
        >"$WORK/b.out" 2>&1 </dev/null &
BPID=$!
on_exit "kill -9 $BPID 2>/dev/null"
assert_true "the first container runs" wait_until 20 grep -q 65536 "$WORK/b.out"
run_nspawn -q --register=no -D "$C" -U -P cat /proc/self/uid_map
SB=$(awk '{print $2}' "$WORK/b.out"); SC=$(awk '{print $2}' <<<"$OUT")
assert_true "two running -U containers get disjoint ranges ($SB, $SC)" \
        test -n "$SB" -a -n "$SC" -a \( $((SB + 65536)) -le "${SC:-0}" -o $((SC + 65536)) -le "${SB:-0}" \)
assert_true "the running container holds its range's lock" test -e "$LOCKS/$(printf %08x "$SB").lock"

# A fixed range held by a running container is refused, the tree untouched, the holder's lock kept.
D=$(mk d)
refused "a range in use by another container" "in use" --register=no -D "$D" --private-users="$SB" \
        --private-users-ownership=chown -P true
assert_eq "0:0" "$(owner "$D")" "refused: the tree is not shifted"
assert_eq "0:0" "$(owner "$D/bin/busybox")" "refused: no file of the tree is shifted"
assert_true "refused: the holder keeps its lock" test -e "$LOCKS/$(printf %08x "$SB").lock"
touch "$B/go"
wait "$BPID"
assert_eq 0 "$?" "the first container exits 0"
assert_true "its lock is gone" test ! -e "$LOCKS/$(printf %08x "$SB").lock"

# 4. A fixed range and yes (the tree's owner), ownership off: the tree keeps its owners.
run_nspawn -q --register=no -D "$D" --private-users=$((0x7ff00000)) -P sh -c 'cat /proc/self/uid_map; stat -c %u /bin/busybox'
assert_match "^ *0 +$((0x7ff00000)) +65536"$'\n'"65534$" "$OUT" "UID: that range, the host-owned tree shows as nobody (stderr: $ERR)"
assert_eq "0:0" "$(owner "$D")" "ownership off: the tree is not shifted"
refused "yes on a tree owned by host root" "owner of the tree" --register=no -D "$D" --private-users=yes -P true
run_nspawn -q --register=no -D "$A" --private-users=yes -P sh -c 'cat /proc/self/uid_map'
assert_match "^ *0 +$SHIFT +65536$" "$OUT" "yes: the range of the tree's owner (stderr: $ERR)"

# A SIGKILLed launcher leaves no held range: the same range can be taken again at once.
FIX=$((0x7fe00000)); E=$(mk e)
"$NSPAWN" -q --register=no -M "${MP}kill" -D "$E" --private-users=$FIX -P sh -c 'echo up; while :; do sleep 1; done' \
        >"$WORK/e.out" 2>&1 </dev/null &
EPID=$!
on_exit "kill -9 $EPID 2>/dev/null"
assert_true "the container to be killed runs" wait_until 20 grep -q up "$WORK/e.out"
kill -9 "$EPID"; wait "$EPID" 2>/dev/null
remove_machine_cgroup "$(unit_escape "${MP}kill")"
run_nspawn -q --register=no -M "${MP}kill" -D "$E" --private-users=$FIX -P cat /proc/self/uid_map
assert_match "^ *0 +$FIX +65536$" "$OUT" "after a SIGKILL the range is free again (stderr: $ERR)"
assert_true "and its lock file is gone after that run" test ! -e "$LOCKS/$(printf %08x $FIX).lock"

# 5. Bad input: one line, non-zero, nothing left.
refused "a range over the host's users" "65536" --register=no -D "$D" --private-users=1000 -P true
refused "COUNT other than 65536" "65536" --register=no -D "$D" --private-users=131072:1000 -P true
refused "an unaligned UID" "65536" --register=no -D "$D" --private-users=131073 -P true
refused "an unknown value" "--private-users" --register=no -D "$D" --private-users=maybe -P true
refused "an unknown ownership" "--private-users-ownership" --register=no -D "$D" -U --private-users-ownership=bogus -P true
refused "-U -b on a tree that is no OS" "does not look like an OS tree" --register=no -D "$D" -U -b
assert_eq "0:0" "$(owner "$D/bin/busybox")" "bad input: nothing shifted"
assert_eq "" "$(ls "$LOCKS" 2>/dev/null | grep -E "^($(printf %08x "$SHIFT")|$(printf %08x "$SB")|$(printf %08x "$SC")|7ff00000)\.lock$")" "no lock of ours is left"

# 6. One Debian tree, on an overlay (which this kernel cannot id-map: -U falls back to chown): shifted
# once, root works as usual inside.
T=$(overlay_tree userns)
run_nspawn -q --register=no -D "$T" -M "${MP}deb" -U -P sh -c 'id -u; stat -c %u:%g /etc/shadow /usr/bin/passwd; stat -c %A /usr/bin/passwd; cat /etc/shadow >/dev/null && echo shadow-readable'
S=$(stat -c %u "$T")
assert_eq 0 "$RC" "bookworm with -U runs (stderr: $ERR)"
assert_eq $'0\n0:42\n0:0\n-rwsr-xr-x\nshadow-readable' "$OUT" "bookworm: root inside owns the shifted tree, set-uid kept"
assert_eq "$S:$((S + 42))" "$(stat -c %u:%g "$T/etc/shadow")" "bookworm: /etc/shadow on the host is in the range"

# The shift of a big tree says how far it got: a progress line once it has taken a second, and a
# summary (not with -q, which the runs above use). Timed, not assumed: over 2.5 s the lines must be
# there, under 1 s they must not.
T2=$(overlay_tree userns2)
start=$(date +%s%N)
run_nspawn --register=no -D "$T2" -M "${MP}deb2" -U --private-users-ownership=chown -P true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 0 "$RC" "a chown without -q runs (stderr: $ERR)"
if [ "$ms" -gt 2500 ]; then
        assert_match 'Shifting the ownership of the tree to [0-9]+: [0-9]+ files so far' "$ERR" "a progress line ($ms ms)"
        assert_match 'Shifted the ownership of [0-9]+ files in [0-9.]+ s' "$ERR" "a summary line ($ms ms)"
elif [ "$ms" -lt 1000 ]; then
        assert_no_match 'Shift' "$ERR" "no progress line for a shift under a second ($ms ms)"
fi

test_end
