#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl -H/--host: the registry of another host, reached through ssh (sd-bus runs
# "ssh -xT ... systemd-stdio-bridge" and speaks D-Bus over it). The "other host" is a test sshd on
# 127.0.0.1 with key authentication set up here, whose sessions see our private system bus; the client
# side runs in a private mount namespace whose /root is a test directory (ssh reads ~/.ssh of the
# passwd entry, not $HOME), so the host's own ssh configuration is neither used nor touched.
. "$(dirname "$0")/../lib.sh"
BUILDDIR=${BUILDDIR:-$SRCDIR/build}
. "$SRCDIR/test/lib-bus.sh"
MACHINECTL=${MACHINECTL:-$BUILDDIR/machinectl}

test_begin

SSHDIR=$WORK/sshd
HOMEDIR=$WORK/home
mkdir -p "$SSHDIR" "$HOMEDIR/.ssh"
chmod 700 "$HOMEDIR/.ssh"
ssh-keygen -q -t ed25519 -N '' -C nspawn-test-host -f "$SSHDIR/host_key"
ssh-keygen -q -t ed25519 -N '' -C nspawn-test-user -f "$HOMEDIR/.ssh/id_ed25519"
cp "$HOMEDIR/.ssh/id_ed25519.pub" "$SSHDIR/authorized_keys"

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
DEAD_PORT=$(free_port)

start_bus || { fail "no private bus"; test_end; }
start_machined || { fail "machined did not start"; test_end; }

# sshd wants its privilege separation directory; it is removed again if this test made it.
if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
        on_exit "rmdir /run/sshd"
fi
cat > "$SSHDIR/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $SSHDIR/host_key
AuthorizedKeysFile $SSHDIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $SSHDIR/sshd.pid
EOF
# The remote end (systemd-stdio-bridge, and machinectl for shell) uses the standard system bus path:
# sshd runs in a mount namespace of its own where /run/dbus holds our private bus's socket.
if [ ! -d /run/dbus ]; then
        mkdir -m 0755 /run/dbus
        on_exit "rmdir /run/dbus"
fi
mkdir "$WORK/run-dbus"
ln -s "$WORK/bus" "$WORK/run-dbus/system_bus_socket"
# And the "remote host" has our machinectl installed as its machinectl (shell and login run there).
unshare -m --propagation private sh -c 'mount --bind "$0" /run/dbus && mount --bind "$1" /usr/bin/machinectl &&
        shift && exec "$@"' "$WORK/run-dbus" "$MACHINECTL" \
        /usr/sbin/sshd -D -f "$SSHDIR/sshd_config" -E "$SSHDIR/sshd.log" &
SSHD=$!
on_exit "kill $SSHD 2>/dev/null; wait $SSHD 2>/dev/null"
sshd_listens() { ss -Hltn "sport = :$PORT" | grep -q LISTEN; }
wait_until 10 sshd_listens || { fail "sshd did not start: $(cat "$SSHDIR/sshd.log")"; test_end; }

cat > "$HOMEDIR/.ssh/config" <<EOF
Host 127.0.0.1
        IdentityFile ~/.ssh/id_ed25519
        UserKnownHostsFile ~/.ssh/known_hosts
        StrictHostKeyChecking yes
        BatchMode yes
EOF
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$SSHDIR/host_key.pub")" > "$HOMEDIR/.ssh/known_hosts"

# Runs the client (machinectl) without the private bus in its environment: only ssh leads to it.
# stdout in $OUT, stderr in $ERR, exit status in $RC.
remote() {
        local o e
        o=$(mktemp) e=$(mktemp)
        RC=0
        env -u DBUS_SYSTEM_BUS_ADDRESS DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus-here \
                timeout 60 unshare -m --propagation private sh -c 'mount --bind "$0" /root && exec "$@"' \
                "$HOMEDIR" "$MACHINECTL" "$@" >"$o" 2>"$e" </dev/null || RC=$?
        OUT=$(cat "$o") ERR=$(cat "$e")
        rm -f "$o" "$e"
}

# A machine on the "remote" host: a registered leader.
TREE=$WORK/tree
busybox_tree "$TREE"
chroot "$TREE" /bin/sleep 300 &
LEADER=$!
on_exit "kill -9 $LEADER 2>/dev/null; wait $LEADER 2>/dev/null"
leader_in_tree() { [ "$(readlink /proc/$LEADER/root)" = "$TREE" ]; }
wait_until 5 leader_in_tree || fail "leader did not start"
on_exit "busctl call $DEST $OBJ $MGR TerminateMachine s ${MP}r >/dev/null 2>&1"
busctl call $DEST $OBJ $MGR RegisterMachine 'sayssus' "${MP}r" 0 remotetest container "$LEADER" "$TREE" >/dev/null ||
        fail "RegisterMachine"

# The client really has no local registry: without -H it fails.
remote list
assert_eq 1 "$RC" "without -H the client reaches no registry"

remote -H "root@127.0.0.1:$PORT" list
assert_eq 0 "$RC" "list -H: $ERR"
assert_match "(^|"$'\n'")${MP}r +container +remotetest" "$OUT" "list -H shows the remote machine"
assert_match "1 machine listed" "$OUT" "list -H: legend"

remote --host="root@127.0.0.1:$PORT" status "${MP}r"
assert_eq 0 "$RC" "status --host: $ERR"
assert_match "Leader: $LEADER" "$OUT" "status --host: the remote leader"
assert_match "Root: $TREE" "$OUT" "status --host: the remote root"

remote -H "root@127.0.0.1:$PORT" show "${MP}r" -p Leader --value
assert_eq "$LEADER" "$OUT" "show -H -p Leader --value"

remote -H "root@127.0.0.1:$PORT" list -o json
assert_match "\"machine\" *: *\"${MP}r\"" "$OUT" "list -H -o json"

# Errors: one line of ours naming the host, non-zero, quick.
remote -H "root@127.0.0.1:$PORT" status "${MP}nosuch"
assert_eq 1 "$RC" "status -H of an unknown machine fails"
assert_eq "No machine '${MP}nosuch' known" "$ERR" "status -H of an unknown machine: message"

remote -H "root@127.0.0.1:$DEAD_PORT" list
assert_eq 1 "$RC" "-H to a port nobody listens on fails"
assert_match "Could not reach the machine registry \(machined\) on host root@127.0.0.1:$DEAD_PORT" "$ERR" \
        "-H to a dead port: our line names the host"

for bad in "-oProxyCommand=touch $WORK/pwned" "root@-oProxyCommand=x" "a b" "@host" "root@" "host/container"; do
        remote -H "$bad" list
        assert_eq 1 "$RC" "-H '$bad' is refused"
        assert_match "^Invalid host '" "$ERR" "-H '$bad': message"
done
assert_false "no ssh option was smuggled in" test -e "$WORK/pwned"

# shell and login hand fds around, which the bus over ssh cannot carry: they run on the remote host
# (ssh, with a terminal only when there is one here), and the command's exit status comes back.
listed() { "$MACHINECTL" list --no-legend 2>/dev/null | grep -q "^$1 "; }
"$NSPAWN" -q -D "$TREE" -M "${MP}s" --pipe sh -c 'while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
on_exit "kill -9 $! 2>/dev/null"
assert_true "a busybox container runs on the remote host" wait_until 10 listed "${MP}s"
remote -H "root@127.0.0.1:$PORT" shell "${MP}s" /bin/sh -c 'hostname; cat /proc/1/comm; exit 7'
assert_eq 7 "$RC" "shell -H: the command's exit status comes back ($ERR)"
assert_eq "${MP}s"$'\n'"sh" "$OUT" "shell -H: the command ran in the container"
FROM_HERE="a 'quoted' \$value" remote -H "root@127.0.0.1:$PORT" -E "X=1 2" -E FROM_HERE shell "${MP}s" \
        /bin/sh -c 'echo "$X|$FROM_HERE"; echo "$0"' "arg with 'quotes'"
assert_eq 0 "$RC" "shell -H with -E ($ERR)"
assert_eq "1 2|a 'quoted' \$value"$'\n'"arg with 'quotes'" "$OUT" "shell -H: arguments and -E values arrive as they were"
remote -H "root@127.0.0.1:$PORT" shell "${MP}nosuch" /bin/true
assert_eq 1 "$RC" "shell -H of an unknown machine fails"
assert_eq "No machine '${MP}nosuch' known" "$ERR" "shell -H of an unknown machine: the remote machinectl's line"
remote -H "root@127.0.0.1:$DEAD_PORT" shell "${MP}s" /bin/true
assert_eq 255 "$RC" "shell -H to a dead port: ssh's failure"
# At a terminal: ssh -t gives the remote machinectl one, with our window size; raw mode and the
# command's exit status come through, and our terminal is restored.
OUT=$(env DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus-here python3 "$SRCDIR/test/pty-run.py" 30 100 \
        'wait:# ' 'send:stty size; tty\n' 'wait:30 100' 'wait:/dev/pts/' 'send:exit 5\n' -- \
        unshare -m --propagation private sh -c 'mount --bind "$0" /root && exec "$@"' "$HOMEDIR" \
        "$MACHINECTL" -H "root@127.0.0.1:$PORT" shell "${MP}s")
assert_match "30 100" "$OUT" "shell -H at a terminal: the window size arrives"
assert_match "/dev/pts/[0-9]+" "$OUT" "shell -H at a terminal: the command runs on a pty in the container"
assert_match "@@EXIT=5" "$OUT" "shell -H at a terminal: the exit status comes back"
assert_match "@@RESTORED=yes" "$OUT" "shell -H at a terminal: our terminal is restored"
remote -H "root@127.0.0.1:$PORT" terminate "${MP}s"
assert_true "the container is gone" wait_until 10 sh -c "! '$MACHINECTL' list --no-legend | grep -q '^${MP}s '"

# terminate through the remote bus: the machine goes.
remote -H "root@127.0.0.1:$PORT" terminate "${MP}r"
assert_eq 0 "$RC" "terminate -H: $ERR"
leader_gone() { ! kill -0 "$LEADER" 2>/dev/null || [ "$(awk '/^State:/{print $2}' /proc/$LEADER/status 2>/dev/null)" = Z ]; }
assert_true "terminate -H killed the remote leader" wait_until 5 leader_gone

test_end
