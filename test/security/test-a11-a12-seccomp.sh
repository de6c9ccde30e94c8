#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A11: the system call filter is in place (Seccomp: 2) in the payload and the stub init of --as-pid2,
# and refuses module loading, kexec, swap, port I/O, the keyring, open_by_handle_at, acct and vhangup
# with EPERM on every ABI: x86-64, x32, i386 through int $0x80 from a 64-bit program, and a real i386
# program. A12 ("shocker"): open_by_handle_at cannot open the host's root directory through a file the
# host bound in. Both modes; with the call taken off the filter (--system-call-filter=open_by_handle_at)
# the user namespace still holds, and the default mode is the documented limitation.
. "$(dirname "$0")/lib-security.sh"
test_begin

PROBE=$(build_helper syscall-probe)
SHOCKER=$(build_helper shocker-probe)
# A real i386 program, without the 32-bit C library (gcc-multilib is not needed).
gcc -m32 -static -nostdlib -ffreestanding -fno-pic -fno-stack-protector -O1 -Wall -o "$WORK/probe32" \
        "$SRCDIR/test/helpers/syscall-probe-i386.c" || fail "cannot build test/helpers/syscall-probe-i386.c"
assert_match 'ELF 32-bit.*Intel (80386|i386)' "$(file -b "$WORK/probe32")" "A11: the i386 probe is a 32-bit program"
lsmod_before=$(cat /proc/modules 2>/dev/null)
mkdir -p "$WORK/src"
HOSTNAME_FILE=$(cat /etc/hostname)
# The host's view, for contrast: the shocker reaches the host's root here.
assert_eq "hostname $HOSTNAME_FILE" "$("$SHOCKER" "$SHOCKER" | grep '^hostname')" "A12: on the host, the probe reads the host's /etc/hostname"

for mode in "${MODES[@]}"; do
        B=$(busybox_tree "$WORK/${MP}bb$mode")
        N=(-q -D "$B" --pipe $(mode_args "$mode") --bind-ro="$PROBE:/probe" --bind-ro="$WORK/probe32:/probe32" --bind-ro="$SHOCKER:/shocker")
        run_nspawn "${N[@]}" sh -c 'grep Seccomp: /proc/self/status; /probe; /probe32'
        assert_eq 0 "$RC" "[$mode] A11: the probes ran ($ERR)"
        assert_match $'^Seccomp:\t2\n' "$OUT" "[$mode] A11: the payload runs under a seccomp filter"
        calls=$(grep -vE '^(Seccomp|TIOC)' <<<"$OUT")
        assert_eq 56 "$(wc -l <<<"$calls")" "[$mode] A11: 14 calls on x86-64, x32, i386 (int \$0x80) and i386 (ELF)"
        assert_eq "" "$(grep -v ' EPERM$' <<<"$calls")" "[$mode] A11: every one of them fails with EPERM"
        assert_eq 14 "$(grep -c ' i386-elf EPERM$' <<<"$calls")" "[$mode] A11: the real i386 program is filtered too"
        run_nspawn "${N[@]}" -a sh -c 'grep Seccomp: /proc/1/status'
        assert_eq $'Seccomp:\t2' "$OUT" "[$mode] A11: the stub init of --as-pid2 runs under the filter"

        run_nspawn "${N[@]}" /shocker /shocker
        assert_eq $'name_to_handle_at OK type=1\nopen_by_handle_at EPERM' "$OUT" "[$mode] A12: open_by_handle_at is refused ($ERR)"
        run_nspawn "${N[@]}" --system-call-filter=open_by_handle_at /shocker /shocker
        if [ "$mode" = userns ]; then
                # Without CAP_DAC_READ_SEARCH of the host, this kernel (6.10 and later) decodes a handle
                # only below the root of the mount it is given (ESTALE otherwise; EPERM before).
                assert_match $'^name_to_handle_at OK type=1\nopen_by_handle_at (EPERM|ESTALE)$' "$OUT" \
                        "[$mode] A12: taken off the filter, open_by_handle_at still cannot open the host's root"
                run_nspawn "${N[@]}" --bind-ro="$WORK/src:/hostdir" --system-call-filter=open_by_handle_at /shocker /hostdir
                assert_match $'^name_to_handle_at OK type=1\nopen_by_handle_at (EPERM|ESTALE)$' "$OUT" \
                        "[$mode] A12: ... nor through a bound host directory ($ERR)"
        else
                limitation A12 "--system-call-filter=open_by_handle_at" "hostname $HOSTNAME_FILE" "$(grep '^hostname' <<<"$OUT")" \
                        "with open_by_handle_at taken off the filter, container root opens the host's root directory"
        fi
done
assert_eq "$lsmod_before" "$(cat /proc/modules 2>/dev/null)" "A11: the host's modules are unchanged"

test_end
