#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# /proc/sys is read-only in a container; with a network namespace of its own (--private-network, -n,
# --network-*) /proc/sys/net is writable again, as in systemd-nspawn: those sysctls are the
# namespace's (a networkd guest sets per-link ones). The host's values do not change, and the rest of
# /proc/sys stays read-only. With and without a user namespace.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
host_lo_rl=$(cat /proc/sys/net/ipv4/conf/lo/route_localnet)
new_fwd=$((1 - host_fwd))
SCRIPT="echo $new_fwd > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv4/conf/lo/route_localnet && cat /proc/sys/net/ipv4/ip_forward; (echo x > /proc/sys/kernel/hostname) 2>/dev/null && echo kernel-writable || echo kernel-read-only"

for users in "" "-U"; do
        what="private network${users:+ $users}"
        run_nspawn -q --register=no -D "$B" --private-network $users --pipe /bin/sh -c "$SCRIPT"
        assert_eq 0 "$RC" "$what: /proc/sys/net is writable: $ERR"
        assert_eq "$new_fwd"$'\n'"kernel-read-only" "$OUT" "$what: the write took, /proc/sys/kernel stays read-only"
        assert_eq "$host_fwd" "$(cat /proc/sys/net/ipv4/ip_forward)" "$what: the host's ip_forward is unchanged"
        assert_eq "$host_lo_rl" "$(cat /proc/sys/net/ipv4/conf/lo/route_localnet)" "$what: the host's lo is unchanged"

        what="host network${users:+ $users}"
        run_nspawn -q --register=no -D "$B" $users --pipe /bin/sh -c "echo $new_fwd > /proc/sys/net/ipv4/ip_forward"
        assert_true "$what: /proc/sys/net stays read-only (rc $RC)" test "$RC" -ne 0
        assert_match "Read-only file system" "$ERR" "$what: the write is refused as read-only"
        assert_eq "$host_fwd" "$(cat /proc/sys/net/ipv4/ip_forward)" "$what: the host's ip_forward is unchanged"
done

# The writable /proc/sys/net is a mount of its own, not a way back to a writable /proc/sys.
run_nspawn -q --register=no -D "$B" --private-network --pipe /bin/sh -c \
        'umount /proc/sys/net 2>/dev/null; (echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo writable || echo read-only'
assert_eq "read-only" "$OUT" "after unmounting /proc/sys/net, /proc/sys is still read-only"

test_end
