#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# copy-to, copy-from and bind (issue 13) through machined.service's sandbox: in a booted guest (systemd
# as PID 1, machined started by D-Bus activation with the unit's capabilities and system call filter),
# a container of our nspawn; machinectl copy-to and copy-from keep owners and modes, a copy-from lands
# in the guest's real /tmp (the unit has no PrivateTmp), bind --read-only --mkdir mounts a guest
# directory into the container (open_tree, setns and move_mount pass the unit's filter).
. "$(dirname "$0")/../lib.sh"
test_begin
. "$SRCDIR/test/lib-systemd.sh"

sd_guest_boot mcopy
T=$(sd_guest_inner_tree cpy)
N=inner

listed() { sd_guest_run machinectl show $N -P State >/dev/null 2>&1; }
mctl() { # $OUT (stdout and stderr), $RC
        RC=0
        OUT=$(sd_guest_run machinectl "$@" 2>&1) || RC=$?
}

sd_guest_run systemd-run -q --unit=cpy-runner nspawn -q -D "$T" -M $N --pipe sleep 1000
assert_true "the container registers with machined" wait_until 20 listed
L=$(sd_guest_run machinectl show $N -P Leader)

sd_guest_run_sh 'echo payload > /tmp/src && chown 1234:4321 /tmp/src && chmod 0604 /tmp/src'
mctl copy-to $N /tmp/src /root/copied
assert_eq "0:" "$RC:$OUT" "copy-to succeeds under machined.service"
assert_eq "payload 604 1234:4321" "$(sd_guest_run_sh 'echo $(cat "$1") $(stat -c "%a %u:%g" "$1")' "$T/root/copied")" \
        "copy-to: contents, mode and owner"
assert_eq active "$(sd_guest_run systemctl show -P ActiveState machined.service)" "the registry is machined.service"
mctl copy-from $N /root/copied /tmp/back
assert_eq "0:" "$RC:$OUT" "copy-from succeeds under machined.service"
assert_eq "payload 604 1234:4321" "$(sd_guest_run_sh 'echo $(cat /tmp/back) $(stat -c "%a %u:%g" /tmp/back)')" \
        "copy-from lands in the guest's own /tmp, with mode and owner"
mctl copy-to $N /tmp/src /root/copied
assert_match "exists already in the machine" "$OUT" "an existing destination is refused ($RC)"

sd_guest_run_sh 'mkdir -p /tmp/share && echo shared > /tmp/share/s'
mctl bind --read-only --mkdir $N /tmp/share /mnt/share
assert_eq "0:" "$RC:$OUT" "bind --read-only --mkdir succeeds under machined.service"
assert_eq "shared" "$(sd_guest_run cat "/proc/$L/root/mnt/share/s")" "the directory appears in the container"
assert_match "Read-only file system" "$(sd_guest_run touch "/proc/$L/root/mnt/share/x" 2>&1)" "... read-only"

sd_guest_run machinectl terminate $N
gone() { ! listed; }
assert_true "the machine is gone" wait_until 20 gone
assert_false "and so is its bind" sd_guest_run_sh "grep -q /mnt/share /proc/self/mountinfo"
sd_guest_run systemctl stop cpy-runner.service 2>/dev/null

test_end
