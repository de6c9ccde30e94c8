#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A14: the PID, IPC, UTS, mount and (with --private-network) network namespaces are the container's
# own; host processes cannot be signalled. Both modes.
. "$(dirname "$0")/lib-security.sh"
test_begin

sleep 1000 & HOSTPID=$!
on_exit "kill $HOSTPID 2>/dev/null"
shm=$(ipcmk -M 4096 | grep -oE '[0-9]+$')
on_exit "ipcrm -m $shm 2>/dev/null"
assert_match '^[0-9]+$' "$shm" "A14: host shared memory segment created"
host_hostname=$(hostname)

for mode in "${MODES[@]}"; do
        T=$(sec_tree "a14$mode")
        N=(-q -D "$T" --pipe $(mode_args "$mode"))
        host_mounts=$(wc -l < /proc/self/mountinfo)
        run_nspawn "${N[@]}" ls /proc
        assert_eq "1" "$(grep -E '^[0-9]+$' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "[$mode] A14: /proc lists only the container's processes ($ERR)"

        run_nspawn "${N[@]}" sh -c "kill -0 $HOSTPID 2>/dev/null && echo reachable; kill -9 $HOSTPID 2>/dev/null && echo killed; kill -9 -1; echo done"
        assert_eq "done" "$OUT" "[$mode] A14: a host process cannot be signalled"
        assert_true "[$mode] A14: the host process is still alive" kill -0 $HOSTPID

        run_nspawn "${N[@]}" sh -c 'hostname evil && hostname'
        assert_eq "evil" "$OUT" "[$mode] A14: the container can set its own hostname"
        assert_eq "$host_hostname" "$(hostname)" "[$mode] A14: the host's hostname is unchanged"

        run_nspawn "${N[@]}" sh -c 'ipcs -m | grep -cE "^0x" || true'
        assert_eq "0" "$OUT" "[$mode] A14: ipcs in the container does not list the host's segment"

        run_nspawn "${N[@]}" sh -c 'mount -t tmpfs x /mnt 2>/dev/null; mount --bind /etc /mnt 2>/dev/null; echo done'
        assert_eq "$host_mounts" "$(wc -l < /proc/self/mountinfo)" "[$mode] A14: mounts inside do not reach the host's table"

        run_nspawn "${N[@]}" --private-network ip -o link
        assert_eq "lo" "$(awk -F': ' '{ print $2 }' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" "[$mode] A14: --private-network: only lo ($ERR)"
        assert_match '^1: lo: <[A-Z_,]*\bUP\b' "$OUT" "[$mode] A14: --private-network: lo is UP"
        run_nspawn "${N[@]}" ip -o link
        assert_eq "$(ip -o link | awk -F': ' '{ print $2 }' | sort)" "$(awk -F': ' '{ print $2 }' <<<"$OUT" | sort)" \
                "[$mode] A14: without --private-network the host's links are shared"
done
kill $HOSTPID; wait $HOSTPID 2>/dev/null
ipcrm -m "$shm"

test_end
