#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# -n on a systemd host (inside a guest whose PID 1 is systemd, with a network namespace of its own):
# the links are made before CreateMachine, so machined (through systemd's scope) records the host's
# end as the machine's interface, and machinectl shows it and the container's address.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot net
T=$(sd_guest_inner_tree inner)
[ -n "$T" ] || { fail "no inner tree"; test_end; }
machine_is() { [ "$(sd_guest_run machinectl show "$1" -P State 2>/dev/null)" = "$2" ]; }

sd_guest_run nspawn -q -D "$T" -M inner -n sh -c 'ip addr add 10.234.0.2/24 dev host0; ip link set host0 up; exec sleep 1000' \
        </dev/null >"$WORK/inner.log" 2>&1 &
P=$!
assert_true "inner registers and runs (log: $(cat "$WORK/inner.log" 2>/dev/null))" wait_until 30 machine_is inner running
IDX=$(sd_guest_run cat /sys/class/net/ve-inner/ifindex 2>/dev/null)
assert_match '^[0-9]+$' "$IDX" "the host's end ve-inner exists in the guest"
assert_eq "$IDX" "$(sd_guest_run machinectl show inner -P NetworkInterfaces)" "machined has it as the machine's interface"
assert_eq machine-inner.scope "$(sd_guest_run machinectl show inner -P Unit)" "registered through systemd's scope"
ST=$(sd_guest_run machinectl status inner --no-pager 2>&1)
assert_match "Iface: +ve-inner" "$ST" "machinectl status names it"
assert_match "Address: +10\\.234\\.0\\.2" "$(sd_guest_run machinectl status inner --no-pager 2>&1)" "machinectl status shows the container's address"
sd_guest_run machinectl terminate inner
wait $P 2>/dev/null
gone() { ! sd_guest_run machinectl show inner -P Name >/dev/null 2>&1; }
assert_true "inner is gone" wait_until 20 gone

test_end
