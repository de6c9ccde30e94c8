#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# machined.service, the D-Bus policy and the activation file as installed by meson install: in a fresh
# guest nothing owns org.freedesktop.machine1 until a call to it, which D-Bus activation answers by
# starting machined.service (our machined, not the distribution's systemd-machined); the bus applies
# our policy (what a user may send), and machined runs inside the unit's sandbox.
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot act

unit_state() { sd_guest_run systemctl show -P ActiveState "$1"; }
assert_eq inactive "$(unit_state machined.service)" "machined.service is not running after boot"
assert_eq "" "$(sd_guest_run busctl --system --list --no-legend | awk '$1 == "org.freedesktop.machine1" && $2 != "-"')" \
        "... and nobody owns org.freedesktop.machine1"

OUT=$(sd_guest_run busctl --system call org.freedesktop.machine1 /org/freedesktop/machine1 \
        org.freedesktop.machine1.Manager ListMachines 2>&1)
assert_eq "a(ssso) 0" "$OUT" "a call to org.freedesktop.machine1 is answered (no machines)"
assert_eq active "$(unit_state machined.service)" "... by machined.service, started by D-Bus activation"
assert_eq inactive "$(unit_state systemd-machined.service)" "... not by the distribution's systemd-machined"
OWNER=$(sd_guest_run busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        GetConnectionUnixProcessID s org.freedesktop.machine1 | awk '{print $2}')
assert_eq "$(sd_guest_run systemctl show -P MainPID machined.service)" "$OWNER" "the name's owner is machined.service's main process"
assert_eq "$SD_GUEST_LIBEXECDIR/machined" "$(sd_guest_run readlink "/proc/$OWNER/exe")" "... our machined binary"

# Our policy, not systemd-container's: a user's CreateMachine reaches machined (which answers it
# itself), a user's OpenMachineShell (only systemd's machined has it) is rejected by the bus.
as_nobody() { sd_guest_run setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
user_call() { # method args...
        local m=$1
        shift
        as_nobody dbus-send --system --print-reply --dest=org.freedesktop.machine1 /org/freedesktop/machine1 \
                "org.freedesktop.machine1.Manager.$m" "$@" 2>&1
}
assert_match "array \[" "$(user_call ListMachines)" "the policy lets a user list machines"
OUT=$(user_call CreateMachine string:x array:byte: string:nspawn string:container uint32:1 string:/ array:string:)
assert_no_match "Rejected send message" "$OUT" "the policy lets a user's CreateMachine reach machined"
assert_match "^Error " "$OUT" "... which answers it itself ($OUT)"
OUT=$(user_call OpenMachineShell string:x string:root string:/bin/sh array:string: array:string:)
assert_no_match "Rejected send message" "$OUT" "the policy lets a user's OpenMachineShell reach machined"
assert_match "^Error " "$OUT" "... which answers it itself (no such machine; root only for one that exists: test-machinectl-shell) ($OUT)"

# The unit's sandbox holds where it does not reach the shells machined starts (they would inherit a
# filter, a bounding set or no_new_privs of machined's; see the unit): no sandbox of its own on the
# process: no no_new_privs, the bounding set and the seccomp filters of the guest's PID 1 (the
# container's, which every process here has), nothing more. (No read-only /usr either: copies write
# where root names.)
STATUS=$(sd_guest_run cat "/proc/$OWNER/status")
INIT=$(sd_guest_run cat /proc/1/status)
assert_match $'NoNewPrivs:\t0' "$STATUS" "machined runs without no_new_privs"
assert_eq "$(grep -E '^(CapBnd|Seccomp|Seccomp_filters):' <<<"$INIT")" "$(grep -E '^(CapBnd|Seccomp|Seccomp_filters):' <<<"$STATUS")" \
        "... with PID 1's bounding set and seccomp filters, none of its own"

# The image pool through the unit: /var/lib/machines is writable for it, a clone keeps owners,
# set-id bits and device nodes, the read-only flag is set, the images go again.
sd_guest_run_sh 'mkdir -p /var/lib/machines/actimg/etc && echo x > /var/lib/machines/actimg/etc/f &&
        chown 4242:4242 /var/lib/machines/actimg/etc/f && chmod 4755 /var/lib/machines/actimg/etc/f &&
        mknod /var/lib/machines/actimg/null c 1 3'
OUT=$(sd_guest_run machinectl clone actimg actimg2 2>&1)
assert_eq 0 "$?" "machinectl clone through machined.service ($OUT)"
assert_eq "4242:4242 4755" "$(sd_guest_run stat -c '%u:%g %a' /var/lib/machines/actimg2/etc/f 2>&1)" "... owner and set-id bit kept"
assert_true "... device node kept" sd_guest_run test -c /var/lib/machines/actimg2/null
OUT=$(sd_guest_run machinectl read-only actimg2 2>&1)
assert_eq 0 "$?" "machinectl read-only through machined.service ($OUT)"
assert_match "(^|"$'\n'")actimg2 +directory +yes " "$(sd_guest_run machinectl list-images --no-legend 2>&1)" "... the clone is read-only"
OUT=$(sd_guest_run machinectl remove actimg actimg2 2>&1)
assert_eq 0 "$?" "machinectl remove through machined.service ($OUT)"
assert_eq "" "$(sd_guest_run machinectl list-images --no-legend 2>&1)" "... the pool is empty again"

test_end
