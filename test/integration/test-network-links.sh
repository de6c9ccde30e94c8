#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The other links a container can get, all inside a network namespace the test makes: --network-bridge
# (vb-NAME joins a test bridge), --network-zone (two containers on one zone ping each other; the
# bridge vz-ZONE is made by the first and goes with the last), --network-veth-extra, --network-interface
# (a link moved in and back out), --network-macvlan (mv-IF with a stable address), --network-ipvlan
# (this kernel has none: one clear line), --network-namespace-path, and bad input: one line, a
# non-zero exit, the namespace's links as they were.
. "$(dirname "$0")/../lib.sh"
test_begin

. "$SRCDIR/test/lib-net.sh"
net_begin links
"${IN[@]}" ip link add "${MP::6}br" type bridge
BR=${MP::6}br
"${IN[@]}" ip link add spare0 type veth peer name spare1
"${IN[@]}" ip link add par0 type veth peer name par1
"${IN[@]}" ip link set par0 up
master_of() { "${IN[@]}" ip -o link show "$1" 2>/dev/null | grep -o 'master [^ ]*' | cut -d' ' -f2; }
FIRST=$(links)
T=$(net_tree tree)
back_to_first() { wait_until 20 links_are_first; }

# --- --network-bridge, --network-veth-extra, --network-interface, --network-macvlan at once ----------
rm -f "$T/go"
"$NSPAWN" -q --register=no -D "$T" -M "${MP}b" --network-bridge="$BR" --network-veth-extra=xh:xc \
        --network-interface=spare0 --network-macvlan=par0 -P \
        sh -c 'ls /sys/class/net | sort | tr "\n" " "; echo; cat /sys/class/net/mv-par0/address; while [ ! -e /go ]; do sleep 0.05; done' \
        > "$WORK/b.out" 2>&1 </dev/null &
P=$!
on_exit "kill -9 $P 2>/dev/null"
assert_true "the container is up" wait_until 20 grep -q ':' "$WORK/b.out"
assert_eq "host0 lo mv-par0 spare0 xc " "$(sed -n 1p "$WORK/b.out")" "inside: host0, the extra veth's end, the moved link, the macvlan"
VB=$("${IN[@]}" ip -o link | grep -o 'vb-[^:@]*' | head -1)
assert_match '^vb-' "$VB" "the host's end is vb-NAME ($(links))"
assert_eq "$BR" "$(master_of "$VB")" "and joined the bridge"
assert_match ' xh ' " $(links)" "the extra veth's host end is there"
assert_no_match ' spare0 ' " $(links)" "spare0 left the host's namespace"
MAC1=$(sed -n 2p "$WORK/b.out")
touch "$T/go"
wait $P
assert_eq 0 "$?" "the container exits 0"
assert_true "spare0 is back, everything else gone" back_to_first
# The macvlan's address is stable (derived from the machine name, as systemd does).
run_nspawn -q --register=no -D "$T" -M "${MP}b" --network-macvlan=par0 -P cat /sys/class/net/mv-par0/address
assert_eq "$MAC1" "$OUT" "the macvlan has the same address on the next run (stderr: $ERR)"
assert_true "nothing left" back_to_first

# --- --network-zone: two containers, one bridge ------------------------------------------------------
ZONE=${MP::5}z
ZPAYLOAD='ip addr add 10.232.0.$1/24 dev host0 && ip link set host0 up || exit 1
echo ready
for i in $(seq 100); do ping -c1 -W1 10.232.0.$2 >/dev/null 2>&1 && { echo pinged; break; }; sleep 0.1; done
while [ ! -e /go ]; do sleep 0.05; done'
rm -f "$T/go"
"$NSPAWN" -q --register=no -D "$T" -M "${MP}z1" --network-zone="$ZONE" -P sh -c "$ZPAYLOAD" - 1 2 > "$WORK/z1.out" 2>&1 </dev/null &
Z1=$!
on_exit "kill -9 $Z1 2>/dev/null"
assert_true "zone: the first container is up" wait_until 20 grep -q ready "$WORK/z1.out"
assert_match " vz-$ZONE " " $(links)" "zone: the first container made the bridge vz-$ZONE"
"$NSPAWN" -q --register=no -D "$T" -M "${MP}z2" --network-zone="$ZONE" -P sh -c "$ZPAYLOAD" - 2 1 > "$WORK/z2.out" 2>&1 </dev/null &
Z2=$!
on_exit "kill -9 $Z2 2>/dev/null"
assert_true "zone: the second container is up" wait_until 20 grep -q ready "$WORK/z2.out"
assert_true "zone: the first pings the second" wait_until 15 grep -q pinged "$WORK/z1.out"
assert_true "zone: the second pings the first" wait_until 15 grep -q pinged "$WORK/z2.out"
for p in $(links); do
        case $p in vb-*) assert_eq "vz-$ZONE" "$(master_of "$p")" "zone: $p is a port of vz-$ZONE" ;; esac
done
# The first leaves: the bridge stays for the second; the second leaves: the bridge goes.
kill -TERM $Z1; wait $Z1
assert_match " vz-$ZONE " " $(links)" "zone: the bridge stays while a member runs"
touch "$T/go"
wait $Z2
assert_true "zone: the bridge goes with its last member" back_to_first

# --- --network-ipvlan: whether the kernel has ipvlan is probed (this VM's has none: a clear error) ---
if "${IN[@]}" ip link add link par0 name "${MP::6}iv" type ipvlan mode l2 2>/dev/null; then
        "${IN[@]}" ip link del "${MP::6}iv"
        run_nspawn -q --register=no -D "$T" -M "${MP}i" --network-ipvlan=par0 -P sh -c 'ls /sys/class/net | sort | tr "\n" " "'
        assert_eq 0 "$RC" "ipvlan: the container runs (stderr: $ERR)"
        assert_match 'iv-par0' "$OUT" "ipvlan: iv-par0 inside"
else
        refused "ipvlan on a kernel without it" "iv-par0" --register=no -D "$T" -M "${MP}i" --network-ipvlan=par0 -P true
fi
assert_true "ipvlan: nothing left" back_to_first

# --- The move back goes by index: a guest that renames the moved link and makes another of its name
# gets its own link deleted with its namespace, and the host gets its spare0 back, peer and all. ---
IDX0=$("${IN[@]}" ip -o link show spare0 | cut -d: -f1)
run_nspawn -q --register=no -D "$T" -M "${MP}r" --network-interface=spare0 -P \
        sh -c 'ip link set spare0 name evil0 && ip link add spare0 type veth peer name decoy && echo renamed'
assert_eq renamed "$OUT" "the guest renamed spare0 and made another spare0 (stderr: $ERR)"
assert_true "spare0 is back" back_to_first
assert_eq "$IDX0" "$("${IN[@]}" ip -o link show spare0 | cut -d: -f1)" "the host's spare0 is the one that went in (same index)"
assert_match 'spare0@spare1' "$("${IN[@]}" ip -o link show spare0)" "with its peer"

# IF:NAME: the link has that name in the container, and its own again when back.
run_nspawn -q --register=no -D "$T" -M "${MP}r" --network-interface=spare0:inner0 --network-macvlan=par0:mvx -P \
        sh -c 'ls /sys/class/net | sort | tr "\n" " "'
assert_eq "inner0 lo mvx " "$OUT" "IF:NAME renames the moved link and the macvlan in the container (stderr: $ERR)"
assert_true "spare0 is back under its own name" back_to_first
assert_eq "$IDX0" "$("${IN[@]}" ip -o link show spare0 | cut -d: -f1)" "the same spare0 (IF:NAME)"

# A start that fails after the move (a macvlan on the loopback device) moves it back too.
run_nspawn -q --register=no -D "$T" -M "${MP}r" --network-interface=spare0 --network-macvlan=lo -P true
assert_true "a start failing after the move is refused" test "$RC" -ne 0
assert_true "spare0 is back after the failed start" back_to_first
assert_eq "$IDX0" "$("${IN[@]}" ip -o link show spare0 | cut -d: -f1)" "the same spare0"

# --- --network-namespace-path ----------------------------------------------------------------------
NS2=${MP}other
ip netns add "$NS2"
on_exit ip netns del "$NS2"
ip netns exec "$NS2" ip link add only-here type veth peer name only-peer
run_nspawn -q --register=no -D "$T" -M "${MP}p" --network-namespace-path=/run/netns/"$NS2" -P sh -c 'ls /sys/class/net | sort | tr "\n" " "'
assert_eq 0 "$RC" "--network-namespace-path runs (stderr: $ERR)"
assert_match 'only-here' "$OUT" "the container is in that namespace (its sysfs shows its links)"
# With a user namespace too (nspawn enters the namespace for the clone: the child in its new user
# namespace could not join it): its links are there, and the container's root cannot change them.
run_nspawn -q --register=no -D "$T" -M "${MP}p" -U --network-namespace-path=/run/netns/"$NS2" -P \
        sh -c 'cat /proc/net/dev | grep -o "only-[a-z]*" | sort | tr "\n" " "; ip link set only-here up 2>/dev/null && echo changed; id -u'
assert_eq 0 "$RC" "-U with --network-namespace-path runs (stderr: $ERR)"
assert_eq "only-here only-peer 0" "$(echo $OUT)" "-U: the namespace's links are seen, not changed"
refused "a path that is no network namespace" "not a network namespace" --register=no -D "$T" -M "${MP}p" \
        --network-namespace-path=/proc/self/ns/mnt -P true
refused "a path that does not exist" "/run/netns/${MP}nope" --register=no -D "$T" -M "${MP}p" \
        --network-namespace-path=/run/netns/"${MP}nope" -P true

# --- Bad input ---------------------------------------------------------------------------------------
refused "a bridge that does not exist" "nobridge" --register=no -D "$T" -M "${MP}x" --network-bridge=nobridge -P true
refused "an interface that does not exist" "noif" --register=no -D "$T" -M "${MP}x" --network-interface=noif -P true
refused "a macvlan parent that does not exist" "noparent" --register=no -D "$T" -M "${MP}x" --network-macvlan=noparent -P true
refused "a zone name over the length limit" "vz-ZONE" --register=no -D "$T" -M "${MP}x" --network-zone=thirteenchars -P true
refused "bridge and zone at once" "cannot be combined" --register=no -D "$T" -M "${MP}x" --network-bridge="$BR" --network-zone=z -P true
refused "an extra veth whose name is in use" "par0" --register=no -D "$T" -M "${MP}x" --network-veth-extra=par0 -P true
assert_true "bad input: the namespace's links as they were" back_to_first

test_end
