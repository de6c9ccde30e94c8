#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A booted bookworm guest with systemd-networkd enabled and a static .network file for host0 gets its
# host0 configured over nspawn's veth (-n), reaches 'running' with no failed units, and answers a
# ping from the host's end. Inside a network namespace the test makes: the host's links are never
# touched.
. "$(dirname "$0")/../lib.sh"
test_begin

. "$SRCDIR/test/lib-net.sh"
net_begin bootnet

T=$(overlay_tree bootnet bookworm)
O=$WORK/out; mkdir -p "$O"
mkdir -p "$T/etc/systemd/network" "$T/etc/systemd/system/multi-user.target.wants" \
        "$T/etc/systemd/system/sockets.target.wants" "$T/etc/systemd/system/network-online.target.wants"
cat > "$T/etc/systemd/network/50-host0.network" <<'EOF'
[Match]
Name=host0

[Network]
Address=10.233.0.2/24
LinkLocalAddressing=no
EOF
ln -sf /lib/systemd/system/systemd-networkd.service "$T/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
ln -sf /lib/systemd/system/systemd-networkd.socket "$T/etc/systemd/system/sockets.target.wants/systemd-networkd.socket"
# Records, once the boot is done and host0 has its address, the state, the failed units and the
# address, then waits for the test to ping and powers off.
cat > "$T/etc/systemd/system/record.service" <<'UNIT'
[Unit]
Description=Record the network of the guest
After=systemd-networkd.service
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait > /host-out/state 2>&1; for i in $(seq 100); do ip -4 -o addr show dev host0 | grep -q 10.233.0.2 && break; sleep 0.1; done; ip -4 -o addr show dev host0 > /host-out/addr; systemctl --failed --no-legend --plain > /host-out/failed 2>&1; touch /host-out/ready; while [ ! -e /host-out/go ]; do sleep 0.1; done; systemctl poweroff'
[Install]
WantedBy=multi-user.target
UNIT
ln -sf ../record.service "$T/etc/systemd/system/multi-user.target.wants/record.service"

timeout 180 "$NSPAWN" -q -b -D "$T" -M "${MP}bn" -n --register=no --bind="$O:/host-out" \
        --console=passive </dev/null & P=$!
on_exit "kill -9 $P 2>/dev/null"
assert_true "the guest is booted and has recorded its network" wait_until 120 test -e "$O/ready"
HOSTIF=$("${IN[@]}" ip -o link | grep -o 've-[^:@]*' | head -1)
assert_match '^ve-' "$HOSTIF" "the host's end exists"
"${IN[@]}" ip addr add 10.233.0.1/24 dev "$HOSTIF"
assert_eq running "$(cat "$O/state")" "the guest reaches 'running'"
assert_eq "" "$(cat "$O/failed")" "no failed units (networkd included)"
assert_match 'host0 +inet 10\.233\.0\.2/24' "$(cat "$O/addr")" "systemd-networkd configured host0 from the .network file"
assert_true "the host pings the guest" wait_until 10 "${IN[@]}" busybox ping -c1 -W1 10.233.0.2
touch "$O/go"
wait $P
assert_eq 0 "$?" "the guest powers off with exit 0"

test_end
