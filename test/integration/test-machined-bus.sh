#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machined's bus surface in detail (issue 7, items 20, 22, 23, 27): reserved names and object paths
# that decode to something else, bounded echoes of bad arguments (and no memory kept for them), the
# interface-index limit across a restart, and the property annotations of the Machine interface.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-bus.sh"
test_begin

PREFIX=$OBJ/machine
NETIF_MAX=4096
# RegisterMachine takes the leader's unit as the machine's: run the leaders from the root cgroup.
grep -q '^0::/$' /proc/self/cgroup || echo $$ > "$CGROOT/cgroup.procs" || true

mcall() { busctl --system --timeout=5 call $DEST $OBJ $MGR "$@"; }
new_leader() {
        sleep 1000 &
        LEADER=$!
        on_exit "kill -9 $LEADER 2>/dev/null; wait $LEADER 2>/dev/null"
}
register() { # name leader
        mcall RegisterMachine sayssus "$1" 0 test container "$2" /
}
# Calls a Manager method through libsystemd (ctypes): busctl and gdbus take their arguments from argv,
# where no single string may exceed 128 KiB. Prints the error name and message, or "OK".
big_call() { # method signature-of-the-one-string-arg bytes
        python3 - "$@" <<'EOP'
import ctypes, sys
method, nbytes = sys.argv[1], int(sys.argv[2])
lib = ctypes.CDLL("libsystemd.so.0")
class Error(ctypes.Structure):
        _fields_ = [("name", ctypes.c_char_p), ("message", ctypes.c_char_p), ("need_free", ctypes.c_int)]
bus = ctypes.c_void_p()
assert lib.sd_bus_open_system(ctypes.byref(bus)) >= 0
err = Error()
reply = ctypes.c_void_p()
arg = b"x" * nbytes
lib.sd_bus_set_method_call_timeout(bus, ctypes.c_uint64(10 * 1000000))
r = lib.sd_bus_call_method(bus, b"org.freedesktop.machine1", b"/org/freedesktop/machine1",
                           b"org.freedesktop.machine1.Manager", method.encode(), ctypes.byref(err),
                           ctypes.byref(reply), b"s", ctypes.c_char_p(arg))
if r >= 0:
        print("OK")
else:
        print((err.name or b"?").decode(), (err.message or b"").decode())
EOP
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$MACHINED_PID/status"; }

start_bus
start_machined
assert_true "machined answers" machined_answers
on_exit "rm -f $STATE/${MP}mb-* $STATE/self '$STATE/unit:machine-${MP}mb'*"

# --- item 20: "self" and paths that decode to another name -----------------------------------------
new_leader; L1=$LEADER
OUT=$(register self "$L1" 2>&1); RC=$?
assert_eq 1 "$RC" "registering 'self' fails"
assert_match "reserved" "$OUT" "... with a clear message: $OUT"
assert_false "... no state file" test -e "$STATE/self"
OUT=$(mcall CreateMachine sayssusa\(sv\) self 0 "" "" "$L1" "" 0 2>&1); RC=$?
assert_eq 1 "$RC" "CreateMachine of 'self' fails too"
OUT=$(register .host "$L1" 2>&1); RC=$?
assert_eq 1 "$RC" "registering '.host' fails"
assert_match "Invalid machine name '\.host'" "$OUT" "... with a clear message: $OUT"

new_leader; L1=$LEADER # (a fresh one: on a machined that let "self" in, L1 would lead it)
assert_eq "o \"$PREFIX/${MPO}mb_2da\"" "$(register ${MP}mb-a "$L1" 2>&1)" "${MP}mb-a registered"
prop() { busctl --system --timeout=5 get-property $DEST "$1" $MI Name 2>&1; }
assert_eq "s \"${MP}mb-a\"" "$(prop "$PREFIX/${MPO}mb_2da")" "the canonical path finds ${MP}mb-a"
for p in ${MPO}mb_2da_00anything ${MPO}mb_2da_00 _00${MPO}mb_2da ${MPO}mb_2d_61 ${MPO}_6db_2da ${MPO}mb_2dA_00; do
        OUT=$(prop "$PREFIX/$p"); RC=$?
        assert_true "$p finds nothing (a NUL or a second spelling): $OUT" test "$RC" -ne 0
        assert_match "Unknown object|UnknownObject|No such|not found" "$OUT" "... $p: unknown object"
done
OUT=$(prop "$PREFIX/self"); RC=$?
assert_true "self from a process outside any machine finds nothing" test "$RC" -ne 0
mcall UnregisterMachine s ${MP}mb-a >/dev/null

# --- item 22: bad arguments come back short, and machined keeps no copy ----------------------------
OUT=$(mcall GetMachine s "$(head -c 100000 /dev/zero | tr '\0' y)" 2>&1)
assert_match "Invalid machine name 'y{64}…'" "$OUT" "a 100 kB name is echoed cut to 64 bytes with an ellipsis"
assert_true "... the whole message is short (${#OUT} bytes)" test "${#OUT}" -lt 200
OUT=$(mcall GetMachine s "$(printf 'a\033[2Jb')" 2>&1)
assert_match "Invalid machine name 'a\\\\x1b\[2Jb'" "$OUT" "control characters in an echoed name are escaped"
OUT=$(mcall KillMachine ssi ${MP}mb-nope "$(head -c 1000 /dev/zero | tr '\0' w)" 15 2>&1)
assert_true "KillMachine: an unknown machine is reported first" test -n "$OUT"
RSS0=$(rss_kb)
for i in 1 2 3; do
        OUT=$(big_call GetMachine $((8 * 1024 * 1024)))
done
assert_match "^org.freedesktop.DBus.Error.InvalidArgs Invalid machine name 'x{64}…'$" "$OUT" \
        "an 8 MiB name: InvalidArgs, echoed cut"
assert_true "... the message is short (${#OUT} bytes)" test "${#OUT}" -lt 200
OUT=$(big_call RegisterMachine 1048576 2>&1)
RSS1=$(rss_kb)
assert_true "machined's RSS stays small after 8 MiB names (${RSS0} kB -> ${RSS1} kB)" test "$RSS1" -lt $((RSS0 + 4096))
assert_true "machined still answers" machined_answers

# --- item 23: the interface-index limit holds across a restart -------------------------------------
new_leader; L2=$LEADER
new_leader; L3=$LEADER
IFS_MAX=$(seq 1 $NETIF_MAX | paste -sd ' ')
OUT=$(mcall RegisterMachineWithNetwork sayssusai ${MP}mb-net 0 test container "$L2" / $NETIF_MAX $IFS_MAX 2>&1)
assert_eq "o \"$PREFIX/${MPO}mb_2dnet\"" "$OUT" "$NETIF_MAX interface indices are accepted"
OUT=$(mcall RegisterMachineWithNetwork sayssusai ${MP}mb-net2 0 test container "$L3" / $((NETIF_MAX + 1)) $IFS_MAX 1 2>&1); RC=$?
assert_eq 1 "$RC" "$((NETIF_MAX + 1)) interface indices are refused"
assert_match "Too many network interfaces \($((NETIF_MAX + 1))\): at most $NETIF_MAX" "$OUT" "... clearly: $OUT"
assert_false "... and leave no state file" test -e "$STATE/${MP}mb-net2"
new_leader; L5=$LEADER
register ${MP}mb-self "$L5" >/dev/null
stop_machined
# A state file named "self" (left by an older machined, or planted) is not adopted either.
sed "s/^NAME=${MP}mb-self\$/NAME=self/" "$STATE/${MP}mb-self" > "$STATE/self" && rm -f "$STATE/${MP}mb-self"
start_machined
assert_true "after a restart the machine with $NETIF_MAX interfaces is still there" test -e "$STATE/${MP}mb-net"
OUT=$(mcall GetMachine s self 2>&1)
assert_no_match "^o " "$OUT" "a state file named 'self' is not adopted: $OUT"
assert_false "... and is removed" test -e "$STATE/self"
OUT=$(busctl --system --timeout=5 get-property $DEST "$PREFIX/${MPO}mb_2dnet" $MI NetworkInterfaces 2>&1)
if [ "$OUT" = "ai $NETIF_MAX $IFS_MAX" ]; then
        pass "... with all its interface indices"
else
        fail "... with all its interface indices: got '$(printf '%s' "$OUT" | head -c 80)...'"
fi
assert_no_match "Removing unreadable" "$(cat "$WORK/machined.log")" "... its state file was read"
mcall UnregisterMachine s ${MP}mb-net >/dev/null

# --- item 27: property annotations of the Machine interface (reference/features.md §3.3) ----------
new_leader; L4=$LEADER
register ${MP}mb-intro "$L4" >/dev/null
INTRO=$(busctl --system --timeout=5 introspect --xml-interface $DEST "$PREFIX/${MPO}mb_2dintro" 2>&1)
annotation() { # property -> the EmitsChangedSignal value, "none" without one
        printf '%s\n' "$INTRO" | awk -v p="$1" '
                /<property / { inside = index($0, "name=\"" p "\"") > 0; if (inside && /\/>/) { print "none"; exit } next }
                inside && /EmitsChangedSignal/ { match($0, /value="[a-z]*"/); print substr($0, RSTART + 7, RLENGTH - 8); exit }
                inside && /<\/property>/ { print "none"; exit }'
}
assert_eq false "$(annotation State)" "State: EmitsChangedSignal false (as systemd: it is never signalled)"
for p in Name Id Timestamp TimestampMonotonic Service Unit Leader Class RootDirectory NetworkInterfaces; do
        assert_eq const "$(annotation $p)" "$p: EmitsChangedSignal const"
done
INTRO=$(busctl --system --timeout=5 introspect --xml-interface $DEST $OBJ 2>&1)
for p in PoolPath PoolUsage PoolLimit; do
        assert_eq false "$(annotation $p)" "Manager $p: EmitsChangedSignal false (not change-signalled)"
done
mcall UnregisterMachine s ${MP}mb-intro >/dev/null

test_end
