#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --private-time and --time-offset=: the container's monotonic and boot clocks start near zero (its
# uptime is its age) or run at the offsets asked for, in a time namespace of its own, while nspawn
# itself and the host keep theirs; without the option the container shares the host's clocks. Bad
# offsets are one line and a non-zero exit.
. "$(dirname "$0")/../lib.sh"
test_begin

cat > "$WORK/clocks.c" <<'C'
#include <stdio.h>
#include <time.h>
int main(void) {
        struct timespec m, b;
        clock_gettime(CLOCK_MONOTONIC, &m);
        clock_gettime(CLOCK_BOOTTIME, &b);
        printf("%lld %lld\n", (long long) m.tv_sec, (long long) b.tv_sec);
        return 0;
}
C
gcc -static -O1 -o "$WORK/clocks" "$WORK/clocks.c" || fail "cannot build the clock probe"
B=$(busybox_tree "$WORK/${MP}bb")
probe() { run_nspawn -q --register=no -D "$B" --bind-ro="$WORK/clocks:/clocks" --pipe "$@"; }
# The check below needs a host that has been up for a while: a container's clocks near zero must
# differ from the host's.
read -r HOST_MONO HOST_BOOT < <("$WORK/clocks")
[ "$HOST_BOOT" -ge 120 ] || fail "the host has been up only $HOST_BOOT s: wait two minutes"

probe --private-time /clocks
assert_eq 0 "$RC" "the probe ran with --private-time"
read -r mono boot <<< "$OUT"
assert_true "monotonic starts near zero ($mono s)" test "${mono:-99}" -le 2
assert_true "boottime starts near zero ($boot s)" test "${boot:-99}" -le 2
probe --private-time cat /proc/uptime
assert_match '^[0-2]\.[0-9]+ ' "$OUT" "/proc/uptime inside is the container's age"

probe --time-offset=monotonic:86400 /clocks
assert_eq 0 "$RC" "the probe ran with --time-offset"
read -r mono boot <<< "$OUT"
read -r host_mono host_boot < <("$WORK/clocks")
d=$((mono - host_mono - 86400))
assert_true "monotonic runs a day ahead of the host's (off by $d s)" test "${d#-}" -le 2
assert_true "boottime without an offset starts near zero ($boot s)" test "${boot:-99}" -le 2
probe --time-offset=boottime:-60 --time-offset=boottime:3600 /clocks
read -r mono boot <<< "$OUT"
read -r host_mono host_boot < <("$WORK/clocks")
d=$((boot - host_boot - 3600))
assert_true "the last --time-offset of a clock wins (off by $d s)" test "${d#-}" -le 2

# The container has a time namespace of its own; nspawn, which supervises it, keeps the host's for
# its own later children.
host_ns=$(readlink /proc/self/ns/time)
probe --private-time readlink /proc/self/ns/time
assert_eq 0 "$RC" "readlink ran"
assert_true "the container's time namespace is not the host's ($OUT)" test -n "$OUT" -a "$OUT" != "$host_ns"
"$NSPAWN" -q --register=no -D "$B" --pipe --private-time sleep 61 </dev/null >/dev/null 2>&1 &
NPID=$!
if wait_payload "$NPID" "sleep 61"; then
        assert_eq "$host_ns" "$(readlink "/proc/$NPID/ns/time_for_children")" "nspawn's later children stay in the host's time"
        assert_eq "$host_ns" "$(readlink "/proc/$NPID/ns/time")" "nspawn itself stays in the host's time"
        assert_eq "$(readlink "/proc/$PAYLOAD/ns/time")" "$(readlink "/proc/$PAYLOAD/ns/time_for_children")" \
                "the payload's children are in its time namespace"
else
        fail "the --private-time container did not start"
fi
kill -TERM "$NPID" 2>/dev/null
wait "$NPID" 2>/dev/null

# Without the option: the host's namespace and the host's clocks.
probe readlink /proc/self/ns/time
assert_eq "$host_ns" "$OUT" "without --private-time the container shares the host's time namespace"
probe /clocks
read -r mono boot <<< "$OUT"
read -r host_mono host_boot < <("$WORK/clocks")
d=$((host_boot - boot))
assert_true "without --private-time the boot clock is the host's (off by $d s)" test "${d#-}" -le 2

refused "an unknown clock" "wall:5" -D "$B" --pipe --time-offset=wall:5 true
refused "a clock without seconds" "monotonic" -D "$B" --pipe --time-offset=monotonic true
refused "seconds that are not a number" "monotonic:1x" -D "$B" --pipe --time-offset=monotonic:1x true
refused "an empty number" "boottime:" -D "$B" --pipe --time-offset=boottime: true
refused "seconds out of range" "out of range" -D "$B" --pipe --time-offset=boottime:99999999999999999999 true
# The kernel refuses an offset that would take a clock below zero.
refused "an offset the kernel refuses" "monotonic:-1000000000" -D "$B" --pipe --register=no \
        --time-offset=monotonic:-1000000000 true

# A kernel without time namespaces has no /proc/self/ns/time: nspawn, exec'd from a shell whose
# /proc/PID/ns is hidden under an empty tmpfs (its pid stays the same), sees one.
e=$(mktemp)
RC=0
timeout 60 unshare -m --propagation private bash -c \
        'mount -t tmpfs none "/proc/$$/ns" && exec "$0" --register=no -D "$1" --pipe --private-time true' \
        "$NSPAWN" "$B" </dev/null >/dev/null 2>"$e" || RC=$?
assert_true "no time namespaces: a non-zero exit" test "$RC" -ne 0
assert_eq 1 "$(wc -l < "$e")" "no time namespaces: one line ($(cat -v "$e"))"
assert_match 'needs time namespaces' "$(cat "$e")" "no time namespaces: the message says so"
rm -f "$e"

test_end
