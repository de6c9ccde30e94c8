#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -p/--port: TCP and UDP forwards over IPv4 and IPv6 answer from the test's namespace (the "host"), from
# its loopback (127.0.0.1), from another container on the same zone and from another host (a namespace
# routed through the test's); a remote client keeps its own address; a guest cannot reach the host's
# 127.0.0.0/8 through its link (which route_localnet opens) — the rule that prevents it is shown to
# matter; a port another container forwards is refused naming it; bad ports are refused; after a
# SIGKILLed nspawn the next start sweeps its forwards and its empty zone bridge; `nft list ruleset`
# and the links are back to their first state after every part. All inside network namespaces the
# test makes.
. "$(dirname "$0")/../lib.sh"
test_begin

. "$SRCDIR/test/lib-net.sh"
net_begin ports
FIRST=$(links)
RULES0=$("${IN[@]}" nft list ruleset)
rules_are_first() { [ "$("${IN[@]}" nft list ruleset)" = "$RULES0" ]; }
back_to_first() { links_are_first && rules_are_first; }
STATE=/run/nspawn/ports/net-$(stat -L -c %i /run/netns/"$NS")
"${IN[@]}" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

PE=$WORK/port-echo
gcc -static -O1 -Wall -o "$PE" "$SRCDIR/test/helpers/port-echo.c" || fail "cannot build test/helpers/port-echo.c"
T=$(net_tree tree)
cp "$PE" "$T/bin/port-echo"
ZONE=pz
ask() { "${IN[@]}" "$PE" "$@" 2>&1; }

# A container on the zone: its address, routes through the host, the echo server on port 80 (IPv6 DAD
# takes a moment: the route waits for it; nspawn's watch picks the address up when it is usable).
serve_payload() { # last-octet
        echo "ip link set host0 up && ip addr add 10.78.0.$1/24 dev host0 && ip -6 addr add fd78::$1/64 dev host0 || exit 1
ip route add default via 10.78.0.1
port-echo 80 &
for i in \$(seq 100); do ip -6 route add default via fd78::1 2>/dev/null && break; sleep 0.1; done
for i in \$(seq 100); do ip -6 addr show dev host0 | grep -q tentative || break; sleep 0.1; done
echo ready
while [ ! -e /go-\$(hostname) ]; do sleep 0.05; done"
}
A=${MP}a
rm -f "$T"/go-*
"$NSPAWN" -q --register=no -D "$T" -M "$A" --network-zone=$ZONE -p 8080:80 -p udp:5353:80 -p tcp:8443:80 -P \
        sh -c "$(serve_payload 2)" > "$WORK/a.out" 2>&1 </dev/null &
PA=$!
on_exit "kill -9 $PA 2>/dev/null"
assert_true "the zone bridge is there" wait_until 20 "${IN[@]}" ip link show vz-$ZONE
"${IN[@]}" ip addr add 10.78.0.1/24 dev vz-$ZONE
"${IN[@]}" ip -6 addr add fd78::1/64 dev vz-$ZONE nodad
assert_true "container a is up" wait_until 20 grep -q ready "$WORK/a.out"
assert_eq "tcp:8080:80 udp:5353:80 tcp:8443:80" "$(cat "$STATE/$A" 2>&1)" "the state file holds a's forwards"
has_v6() { "${IN[@]}" nft list map inet nspawn ports6 2>/dev/null | grep -q 'fd78::2 . 80'; }
assert_true "the IPv6 map points at a once its address is usable" wait_until 20 has_v6
assert_match 'tcp . 8080 : 10.78.0.2 . 80' "$("${IN[@]}" nft list map inet nspawn ports4)" "the IPv4 map points at a"

# From the host: its own addresses, both protocols, both families.
assert_eq "tcp 10.78.0.1" "$(ask tcp 10.78.0.1 8080)" "tcp over IPv4 from the host"
assert_eq "udp 10.78.0.1" "$(ask udp 10.78.0.1 5353)" "udp over IPv4 from the host"
assert_eq "tcp fd78::1" "$(ask tcp fd78::1 8080)" "tcp over IPv6 from the host"
assert_eq "udp fd78::1" "$(ask udp fd78::1 5353)" "udp over IPv6 from the host"
assert_eq "tcp 10.78.0.1" "$(ask tcp 10.78.0.1 8443)" "a third forward to the same container port"
# From the host's loopback (systemd-nspawn's forwards do not answer there).
assert_eq "tcp 10.78.0.1" "$(ask tcp 127.0.0.1 8080)" "tcp from 127.0.0.1"
assert_eq "udp 10.78.0.1" "$(ask udp 127.0.0.1 5353)" "udp from 127.0.0.1"
assert_false "a port not forwarded does not answer" "${IN[@]}" "$PE" tcp 127.0.0.1 8081

# From another host: a namespace routed through the test's, keeping its own address.
R=${MP}remote
ip netns add "$R"
on_exit ip netns del "$R"
"${IN[@]}" ip link add rem0 type veth peer name rem1 netns "$R"
"${IN[@]}" ip addr add 10.79.0.1/24 dev rem0
"${IN[@]}" ip -6 addr add fd79::1/64 dev rem0 nodad
"${IN[@]}" ip link set rem0 up
ip -n "$R" link set lo up
ip -n "$R" link set rem1 up
ip -n "$R" addr add 10.79.0.2/24 dev rem1
ip -n "$R" -6 addr add fd79::2/64 dev rem1 nodad
ip -n "$R" route add default via 10.79.0.1
ip -n "$R" -6 route add default via fd79::1
rask() { nsenter --net=/run/netns/"$R" "$PE" "$@" 2>&1; }
assert_eq "tcp 10.79.0.2" "$(rask tcp 10.79.0.1 8080)" "tcp over IPv4 from another host, its address kept"
assert_eq "udp 10.79.0.2" "$(rask udp 10.79.0.1 5353)" "udp over IPv4 from another host"
assert_eq "tcp fd79::2" "$(rask tcp fd79::1 8080)" "tcp over IPv6 from another host"
assert_eq "udp fd79::2" "$(rask udp fd79::1 5353)" "udp over IPv6 from another host"
"${IN[@]}" ip link del rem0

# From another container on the same zone, through the host's address (answers come back through the
# host: masqueraded).
B=${MP}b
"$NSPAWN" -q --register=no -D "$T" -M "$B" --network-zone=$ZONE -P sh -c "$(serve_payload 3)
for a in 'tcp 10.78.0.1 8080' 'udp 10.78.0.1 5353' 'tcp fd78::1 8080' 'udp fd78::1 5353'; do
        echo \"\$a -> \$(port-echo \$a 2>&1)\"
done" > "$WORK/b.out" 2>&1 </dev/null &
PB=$!
on_exit "kill -9 $PB 2>/dev/null"
assert_true "container b is up" wait_until 20 grep -q ready "$WORK/b.out"
touch "$T/go-$B"
wait $PB
assert_eq 0 "$?" "container b ran"
assert_match 'tcp 10.78.0.1 8080 -> tcp 10.78.0.1' "$(cat "$WORK/b.out")" "tcp over IPv4 from another container"
assert_match 'udp 10.78.0.1 5353 -> udp 10.78.0.1' "$(cat "$WORK/b.out")" "udp over IPv4 from another container"
assert_match 'tcp fd78::1 8080 -> tcp fd78::1' "$(cat "$WORK/b.out")" "tcp over IPv6 from another container"
assert_match 'udp fd78::1 5353 -> udp fd78::1' "$(cat "$WORK/b.out")" "udp over IPv6 from another container"

# A hostile guest: route_localnet on the host's end of its link (set for the loopback forwards) would let
# it reach services on the host's 127.0.0.0/8. The guest here is played by the test in a's network
# namespace (a guest with CAP_NET_RAW crafts the same packets): its own 127/8 routed to the host.
"${IN[@]}" "$PE" 7777 > "$WORK/local.out" 2>&1 &
PL=$!
on_exit "kill -9 $PL 2>/dev/null"
assert_true "a service of the host listens on 7777" wait_until 10 grep -q listening "$WORK/local.out"
CPID=$(cat /proc/$PA/task/$PA/children | cut -d' ' -f1)
GUEST=(nsenter --net=/proc/$CPID/ns/net)
assert_true "the test is in a's network namespace (pid $CPID: $(cat /proc/$CPID/comm))" "${GUEST[@]}" ip link show host0
"${GUEST[@]}" sysctl -qw net.ipv4.conf.host0.route_localnet=1
"${GUEST[@]}" ip route del local 127.0.0.0/8 dev lo table local
"${GUEST[@]}" ip route add 127.0.0.5/32 via 10.78.0.1 dev host0
assert_false "the guest cannot reach the host's 127.0.0.5" "${GUEST[@]}" "$PE" tcp 127.0.0.5 7777
# Without nspawn's rule it could: the test above can fail.
"${IN[@]}" nft flush chain inet nspawn localnet
guest_reaches() { "${GUEST[@]}" "$PE" tcp 127.0.0.5 7777 2>&1 | grep -q "tcp 10.78.0.2"; }
assert_true "without the localnet rule the guest gets through" wait_until 15 guest_reaches
"${IN[@]}" nft add rule inet nspawn localnet iifname '"vz-*"' ip daddr 127.0.0.0/8 drop
kill -9 $PL

# A port forwarded already: refused, naming the other machine; bad ports.
C=${MP}c
refused "a port forwarded by another container" "forwarded to machine $A" --register=no -D "$T" -M "$C" -n -p 8080 -P true
refused "port 0" "1-65535" --register=no -D "$T" -M "$C" -n -p 0 -P true
refused "port 65536" "1-65535" --register=no -D "$T" -M "$C" -n -p udp:53:65536 -P true
refused "a bad protocol" "HOSTPORT" --register=no -D "$T" -M "$C" -n -p sctp:80 -P true
refused "a port twice" "twice" --register=no -D "$T" -M "$C" -n -p 80 -p tcp:80:81 -P true
refused "a port without a veth" "veth" --register=no -D "$T" -M "$C" --private-network -p 80 -P true
assert_false "no state file of the refused starts" test -e "$STATE/$C"

# SIGKILL of a's nspawn: its forwards stay (nothing ran to remove them), and so does the zone bridge;
# the next start sweeps both up, and may forward the same port.
kill -9 $PA
wait $PA 2>/dev/null
remove_machine_cgroup "$(unit_escape "$A")"
assert_true "a's state file stayed" test -e "$STATE/$A"
# The kernel takes a's link with its namespace, a moment after the container died; the bridge stays.
a_link_gone() { ! "${IN[@]}" ip -o link | grep -q "master vz-$ZONE"; }
assert_true "a's link went with its namespace" wait_until 20 a_link_gone
assert_match " vz-$ZONE " " $(links)" "the empty zone bridge stayed"
run_nspawn -q --register=no -D "$T" -M "${MP}d" --network-zone=$ZONE -p 8080 -P true
assert_eq 0 "$RC" "the next start forwards a's port (stderr: $ERR)"
assert_false "a's state file is gone" test -e "$STATE/$A"
assert_true "ruleset and links are back to their first state" wait_until 20 back_to_first
assert_false "the namespace's state directory is gone" test -e "$STATE"

# The plain veth (ve-NAME): the loopback forward, route_localnet on the veth's host end.
E=${MP}e
"$NSPAWN" -q --register=no -D "$T" -M "$E" -n -p 9090:80 -P sh -c 'ip link set host0 up && ip addr add 10.80.0.2/24 dev host0 && ip route add default via 10.80.0.1 || exit 1
port-echo 80 &
echo ready
while [ ! -e /go-$(hostname) ]; do sleep 0.05; done' > "$WORK/e.out" 2>&1 </dev/null &
PE2=$!
on_exit "kill -9 $PE2 2>/dev/null"
assert_true "container e is up" wait_until 20 grep -q ready "$WORK/e.out"
HOSTIF=$("${IN[@]}" ip -o link | grep -o 've-[^:@]*' | head -1)
"${IN[@]}" ip addr add 10.80.0.1/24 dev "$HOSTIF"
assert_eq 1 "$("${IN[@]}" cat /proc/sys/net/ipv4/conf/"$HOSTIF"/route_localnet)" "route_localnet on $HOSTIF"
e_mapped() { "${IN[@]}" nft list map inet nspawn ports4 2>/dev/null | grep -q '10.80.0.2'; }
assert_true "the map points at e" wait_until 20 e_mapped
assert_eq "tcp 10.80.0.1" "$(ask tcp 127.0.0.1 9090)" "veth: tcp from 127.0.0.1"
touch "$T/go-$E"
wait $PE2
assert_eq 0 "$?" "container e ran"
assert_true "ruleset and links are back to their first state after e" wait_until 20 back_to_first

test_end
