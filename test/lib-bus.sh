# SPDX-License-Identifier: LGPL-2.1-or-later
# D-Bus helpers for the integration tests (bash). Source test/lib.sh first, call test_begin, then
# start_bus (a private system bus in $WORK that includes our policy file) and start_machined. Both are
# stopped by the test's cleanup.

: "${BUILDDIR:?BUILDDIR must point at the build directory}"
MACHINED=${MACHINED:-$BUILDDIR/machined}
DEST=org.freedesktop.machine1
OBJ=/org/freedesktop/machine1
MGR=org.freedesktop.machine1.Manager
MI=org.freedesktop.machine1.Machine
STATE=/run/systemd/machines
# The cgroup2 hierarchy machined's cgroupfs back end uses: /sys/fs/cgroup/unified on hybrid hosts.
CGROOT=/sys/fs/cgroup/unified
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && CGROOT=/sys/fs/cgroup
BUS_PID=
MACHINED_PID=

start_bus() {
        local conf=$WORK/bus.conf i
        # Non-root callers (the authorization checks) must reach the socket.
        chmod 0755 "$WORK"
        cat > "$conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow receive_sender="*"/>
    <deny own="*"/>
  </policy>
  <include>$SRCDIR/units/org.freedesktop.machine1.conf</include>
</busconfig>
EOC
        dbus-daemon --config-file="$conf" --nofork --print-address >"$WORK/bus.address" 2>"$WORK/bus.log" &
        BUS_PID=$!
        on_exit "stop_bus"
        for i in $(seq 100); do
                [ -S "$WORK/bus" ] && break
                sleep 0.05
        done
        export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus
        [ -S "$WORK/bus" ]
}

stop_bus() {
        [ -n "$BUS_PID" ] || return 0
        kill "$BUS_PID" 2>/dev/null
        wait "$BUS_PID" 2>/dev/null
        BUS_PID=
}

# True once machined answers a Peer.Ping.
machined_answers() {
        busctl --system --timeout=1 call org.freedesktop.machine1 /org/freedesktop/machine1 \
                org.freedesktop.DBus.Peer Ping >/dev/null 2>&1
}

# machined's log goes to $WORK/machined.log; it is shown when the test failed.
show_machined_log() {
        [ "$FAILURES" -eq 0 ] || [ ! -s "$WORK/machined.log" ] && return 0
        echo "--- machined's log:" >&2
        cat "$WORK/machined.log" >&2
}

start_machined() {
        local i
        [ -e "$WORK/machined.log" ] || on_exit "show_machined_log"
        touch "$WORK/machined.log"
        "$MACHINED" 2>>"$WORK/machined.log" &
        MACHINED_PID=$!
        on_exit "stop_machined"
        for i in $(seq 100); do
                machined_answers && return 0
                kill -0 "$MACHINED_PID" 2>/dev/null || break
                sleep 0.05
        done
        echo "machined did not come up:" >&2
        cat "$WORK/machined.log" >&2
        return 1
}

stop_machined() { # [signal]
        [ -n "$MACHINED_PID" ] || return 0
        kill -"${1:-TERM}" "$MACHINED_PID" 2>/dev/null
        wait "$MACHINED_PID" 2>/dev/null
        MACHINED_PID=
}
