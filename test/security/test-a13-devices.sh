#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A13: no raw access to the host's block and char devices. /tmp is nodev, so the nodes are also made on
# the tree itself (/root) and on /dev, where only the device policy (and, with a user namespace, the
# kernel's refusal of mknod) protects them. /dev holds only the API devices. Both modes.
. "$(dirname "$0")/lib-security.sh"
test_begin

disk=$(lsblk -dnro MAJ:MIN,TYPE 2>/dev/null | awk '$2 == "disk" { print $1; exit }' | tr : ' ')
disk=${disk:-8 0}
# The host's block devices, bound in by path: the device policy must refuse them too.
hostdisk=$(lsblk -dnro NAME,TYPE 2>/dev/null | awk '$2 == "disk" { print "/dev/" $1; exit }')
for mode in "${MODES[@]}"; do
        T=$(sec_tree "a13$mode")
        run_nspawn -q -D "$T" --pipe $(mode_args "$mode") ${hostdisk:+--bind-ro=$hostdisk:/hostdisk} sh -c "
                for d in /tmp /root /dev; do
                        rm -f \$d/sda \$d/disk \$d/mem
                        mknod \$d/sda b 8 0 2>/dev/null; mknod \$d/disk b $disk 2>/dev/null; mknod \$d/mem c 1 1 2>/dev/null
                        dd if=\$d/sda of=/dev/null bs=512 count=1 2>/dev/null && echo read:\$d/sda
                        dd if=\$d/disk of=/dev/null bs=512 count=1 2>/dev/null && echo read:\$d/disk
                        head -c1 \$d/mem >/dev/null 2>&1 && echo read:\$d/mem
                        rm -f \$d/sda \$d/disk \$d/mem
                done
                if [ -e /hostdisk ]; then dd if=/hostdisk of=/dev/null bs=512 count=1 2>/dev/null && echo read:/hostdisk; fi
                head -c1 /dev/null && echo null-ok
                head -c4 /dev/zero | wc -c
                ls /dev | tr '\n' ' '"
        assert_eq $'null-ok\n4\nfd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ' \
                "$OUT" "[$mode] A13: host devices cannot be read; /dev has only the API devices ($ERR)"
done

test_end
