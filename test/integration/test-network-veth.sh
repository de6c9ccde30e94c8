#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -n/--network-veth: a veth pair, ve-NAME on the host (shortened with a hash over 15 bytes) and host0
# in the container, with the names and MAC addresses systemd-nspawn gives them (checked against it in
# the same namespace); a static address pings across both ways; the pair is gone when the container
# ends, also after a SIGKILL of nspawn; a name in use is one clear error, the link left alone; with a
# user namespace too. Everything runs inside a network namespace the test makes: the host's own
# links are never touched.
. "$(dirname "$0")/../lib.sh"
test_begin

. "$SRCDIR/test/lib-net.sh"
net_begin veth
FIRST=$(links)
T=$(net_tree tree)

# The payload: configures host0, tells the test, pings the host's end until it answers, then waits
# for the test's go (after it pinged back).
PAYLOAD='ip addr add 10.231.0.2/24 dev host0 && ip link set host0 up || exit 1
cat /sys/class/net/host0/address
echo ready
for i in $(seq 100); do ping -c1 -W1 10.231.0.1 >/dev/null 2>&1 && { echo pinged; break; }; sleep 0.1; done
while [ ! -e /go ]; do sleep 0.05; done'

M=${MP}v1
rm -f "$T/go"
"$NSPAWN" -q --register=no -D "$T" -M "$M" -n -P sh -c "$PAYLOAD" > "$WORK/v1.out" 2>&1 </dev/null &
P=$!
on_exit "kill -9 $P 2>/dev/null"
assert_true "the container is up" wait_until 20 grep -q ready "$WORK/v1.out"
# ve-NAME, shortened: the test's machine names are longer than 12 bytes.
HOSTIF=$("${IN[@]}" ip -o link | grep -o 've-[^:@]*' | head -1)
assert_match '^ve-' "$HOSTIF" "the host's end exists ($(links))"
assert_match "UP" "$("${IN[@]}" ip -o link show "$HOSTIF" 2>&1)" "the host's end is up"
"${IN[@]}" ip addr add 10.231.0.1/24 dev "$HOSTIF"
assert_true "the container pings the host's end" wait_until 15 grep -q pinged "$WORK/v1.out"
assert_true "the host pings the container" "${IN[@]}" busybox ping -c1 -W2 10.231.0.2
CMAC=$(sed -n 1p "$WORK/v1.out")
HMAC=$("${IN[@]}" cat /sys/class/net/"$HOSTIF"/address 2>/dev/null || "${IN[@]}" ip -o link show "$HOSTIF" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
touch "$T/go"
wait $P
assert_eq 0 "$?" "the container exits 0"
# The kernel takes the pair along with the container's network namespace, shortly after the exit.
assert_true "the pair is gone with the container" wait_until 20 links_are_first

# The same names and addresses as systemd-nspawn's, for a short and a long machine name.
# systemd-nspawn --keep-unit makes payload/ and supervisor/ in its caller's cgroup, in the cgroup2 tree
# and in the named systemd hierarchy, and nothing removes them where PID 1 is not systemd: it runs in
# cgroups of the test's own, removed at the end.
SN_CGS=()
for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
        case $(stat -fc %T "$h" 2>/dev/null) in cgroup2fs|cgroupfs) ;; *) continue ;; esac
        [ "$h" = /sys/fs/cgroup ] && [ ${#SN_CGS[@]} -gt 0 ] && continue
        mkdir "$h/${MP}sn.service" || continue
        SN_CGS+=("$h/${MP}sn.service")
        on_exit "find '$h/${MP}sn.service' -depth -type d -exec rmdir {} \\; 2>/dev/null"
done
sn_run() { ( for cg in "${SN_CGS[@]}"; do echo "$BASHPID" > "$cg/cgroup.procs"; done; exec "$@" ); }
for m in "$M" "${MP}averyveryverylongname"; do
        sn_run "${IN[@]}" systemd-nspawn -q --register=no --keep-unit -D "$T" -M "$m" --network-veth --pipe \
                sh -c 'cat /sys/class/net/host0/address; while [ ! -e /go ]; do sleep 0.05; done' > "$WORK/sd.out" 2>/dev/null </dev/null &
        SP=$!
        rm -f "$T/go"
        assert_true "$m: systemd-nspawn is up" wait_until 20 test -s "$WORK/sd.out"
        sd=$("${IN[@]}" ip -o link | grep -o 've-[^:@]*' | head -1)
        sdmac=$("${IN[@]}" ip -o link show "$sd" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
        sdc=$(cat "$WORK/sd.out")
        touch "$T/go"; wait $SP
        rm -rf "/run/systemd/nspawn/propagate/$m"
        assert_true "$m: systemd-nspawn's pair is gone" wait_until 20 links_are_first
        rm -f "$T/go"
        "$NSPAWN" -q --register=no -D "$T" -M "$m" -n -P \
                sh -c 'cat /sys/class/net/host0/address; while [ ! -e /go ]; do sleep 0.05; done' > "$WORK/our.out" 2>&1 </dev/null &
        OP=$!
        assert_true "$m: nspawn is up" wait_until 20 test -s "$WORK/our.out"
        our=$("${IN[@]}" ip -o link | grep -o 've-[^:@]*' | head -1)
        ourmac=$("${IN[@]}" ip -o link show "$our" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
        touch "$T/go"; wait $OP
        assert_eq "$sd" "$our" "$m: the host's end has systemd-nspawn's name"
        assert_eq "$sdmac" "$ourmac" "$m: and its MAC address"
        assert_eq "$sdc" "$(cat "$WORK/our.out")" "$m: host0 has systemd-nspawn's MAC address"
        assert_true "$m: the name fits" test "${#our}" -le 15
        [ "$m" = "$M" ] && assert_eq "$CMAC" "$(cat "$WORK/our.out")" "$m: host0's address is the same as on the first run"
        assert_true "$m: nothing left" wait_until 20 links_are_first
done
assert_match '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' "$CMAC" "host0 has a MAC address ($CMAC)"
assert_match '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' "$HMAC" "ve- has a MAC address ($HMAC)"

# SIGKILL of nspawn: the container dies with it, the pair with the container's namespace.
rm -f "$T/go"
"$NSPAWN" -q --register=no -D "$T" -M "$M" -n -P sh -c 'echo up; while :; do sleep 1; done' \
        > "$WORK/k.out" 2>&1 </dev/null &
KP=$!
assert_true "the container to be killed is up" wait_until 20 grep -q up "$WORK/k.out"
assert_match "$HOSTIF" "$(links)" "its pair exists"
kill -9 $KP; wait $KP 2>/dev/null
assert_true "after SIGKILL of nspawn the pair is gone" wait_until 20 links_are_first
remove_machine_cgroup "$(unit_escape "$M")"

# A host name in use: one line naming it, the link untouched, nothing else left.
"${IN[@]}" ip link add "$HOSTIF" type veth peer name vpeer-test
IDX=$("${IN[@]}" ip -o link show "$HOSTIF" | cut -d: -f1)
refused "a veth name in use" "$HOSTIF" --register=no -D "$T" -M "$M" -n -P true
assert_eq "$IDX" "$("${IN[@]}" ip -o link show "$HOSTIF" | cut -d: -f1)" "the existing link is left alone"
"${IN[@]}" ip link del "$HOSTIF"
assert_eq "$FIRST" "$(links)" "nothing else is left"

# Registered: machined records the host's end (CreateMachineWithNetwork, NetworkInterfaces).
. "$SRCDIR/test/lib-bus.sh"
MCTL=$BUILDDIR/machinectl
start_bus
start_machined || fail "machined did not start"
rm -f "$T/go"
"$NSPAWN" -q -D "$T" -M "$M" -n -P sh -c 'ip addr add 10.231.0.2/24 dev host0; ip link set host0 up; echo up; while [ ! -e /go ]; do sleep 0.05; done' > "$WORK/r.out" 2>&1 </dev/null &
RP=$!
assert_true "the registered container is up" wait_until 20 grep -q up "$WORK/r.out"
IDX=$("${IN[@]}" ip -o link show "$HOSTIF" | cut -d: -f1)
assert_eq "$IDX" "$("$MCTL" show "$M" -P NetworkInterfaces 2>&1)" "machined has the host's end as the machine's interface"
# machinectl in the test's namespace (where the host's end is): the address from inside the
# container (machined enters its namespace), the interface by name.
assert_match "^$M +container +nspawn .*10\.231\.0\.2" "$("${IN[@]}" "$MCTL" list --no-legend 2>&1 | grep "^$M ")" "machinectl list shows the container's address"
ST=$("${IN[@]}" "$MCTL" status "$M" 2>&1)
assert_match "Iface: +$HOSTIF" "$ST" "machinectl status names the host's end"
assert_match "Address: +10\.231\.0\.2" "$ST" "machinectl status shows the address"
touch "$T/go"
wait $RP
assert_eq 0 "$?" "the registered container exits 0"

# With a user namespace: the container's own sysfs shows host0.
run_nspawn -q --register=no -D "$T" -M "$M" -n -U -P sh -c 'ls /sys/class/net | sort | tr "\n" " "; id -u'
assert_eq 0 "$RC" "-n -U runs (stderr: $ERR)"
assert_match 'host0 lo' "$OUT" "-n -U: host0 and lo in the container's sysfs"
assert_true "-n -U: nothing left" wait_until 20 links_are_first

test_end
