#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A15: with -U, container root is an unprivileged host uid: uid_map shows one range of 65536 above the
# host's users, the leader process runs as the range's base, and files made inside belong to it on the
# host (ownership chown; with map, the default where the file system can be id-mapped, the tree on
# disk keeps the container's own ids); two running containers get disjoint ranges. In the default mode
# container root is host root (the documented limitation).
. "$(dirname "$0")/lib-security.sh"
test_begin

# What the payloads report goes to a directory the shifted root may write to.
mkdir -m 1777 "$WORK/w"

# Starts a container that reports its uid_map, makes /made and sleeps; sets LEADER to the payload's pid
# on the host.
start() { # name mode [nspawn options...]
        local d
        d=$(busybox_tree "$WORK/${MP}$1")
        "$NSPAWN" -q -D "$d" --pipe $(mode_args "$2") "${@:3}" --bind="$WORK/w:/w" \
                sh -c "cat /proc/self/uid_map > /w/map-$1; touch /made; exec sleep 600" >/dev/null 2>"$WORK/err-$1" </dev/null &
        eval "NS_$1=$!"
        on_exit "kill $! 2>/dev/null"
        wait_payload $! "sleep 600" || fail "$1: the container did not come up ($(cat "$WORK/err-$1"))"
        LEADER=$PAYLOAD
}
stop() { # name
        local p
        p=$(eval echo "\$NS_$1")
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
}

start a userns --private-users-ownership=chown
read -r _ base count < "$WORK/w/map-a"
assert_eq 65536 "$count" "A15: one range of 65536 ids"
assert_true "A15: the range lies above the host's 0-65535 (base $base)" test "$base" -ge 65536
assert_eq "$base" "$(stat -c %u "$WORK/${MP}a/made")" "A15: a file made inside belongs to the range's base on the host (chown)"
assert_eq "$base" "$(ps -o uid= -p "$LEADER" | tr -d ' ')" "A15: the leader runs as the range's base on the host"
start b userns --private-users-ownership=map
read -r _ base_b count_b < "$WORK/w/map-b"
assert_eq "0" "$(stat -c %u "$WORK/${MP}b/made")" "A15: with map, the file keeps the container's own uid on disk"
assert_true "A15: a second running container's range [$base_b, +$count_b) is disjoint from [$base, +$count)" \
        test $((base_b + count_b)) -le "$base" -o $((base + count)) -le "$base_b"
assert_eq "$base_b" "$(ps -o uid= -p "$LEADER" | tr -d ' ')" "A15: the second leader runs as its own base"
stop a
stop b

start c default
limitation A15 "container root is host root" "0 0 4294967295|0|0" \
        "$(awk '{ print $1, $2, $3 }' "$WORK/w/map-c")|$(stat -c %u "$WORK/${MP}c/made")|$(ps -o uid= -p "$LEADER" | tr -d ' ')" \
        "without -U, uid 0 inside is uid 0 on the host (its files, its processes)"
stop c

test_end
