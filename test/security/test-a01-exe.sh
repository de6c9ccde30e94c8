#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A1 (CVE-2019-5736): nspawn's binary on the host cannot be overwritten through /proc/PID/exe from
# inside. The only processes of a container that run nspawn's code are the child before it executes the
# payload (nothing else runs in the container then) and the stub init of --as-pid2, which runs for the
# container's lifetime: the probe goes after it, over and over, directly and through an O_PATH fd
# reopened for writing. The joining half of the row (machined's helper for `machinectl shell`, which is
# non-dumpable before setns() and never visible in the guest) is test-a01-a02-a06-shell's. Both modes.
. "$(dirname "$0")/lib-security.sh"
test_begin

P=$(build_helper exe-probe)
hash=$(sha256sum < "$NSPAWN")
for mode in "${MODES[@]}"; do
        B=$(busybox_tree "$WORK/${MP}bb$mode")
        N=(-q -D "$B" --pipe $(mode_args "$mode") --bind-ro="$P:/exe-probe")
        run_nspawn "${N[@]}" -a /exe-probe 500
        echo "$OUT" | sed "s/^/  [$mode] /"
        assert_match '^pid 1 outside direct ' "$OUT" "[$mode] A1: the stub init (pid 1) runs a binary from outside the tree ($ERR)"
        assert_eq "" "$(grep -E '^pid .* OPENED$' <<<"$OUT")" "[$mode] A1: no outside executable opens for writing"
        assert_match '^rounds 500 writable 0$' "$(tail -n1 <<<"$OUT")" "[$mode] A1: 500 rounds, not one writable open"
        run_nspawn "${N[@]}" /exe-probe 100
        assert_eq "rounds 100 writable 0" "$OUT" "[$mode] A1: without --as-pid2 every process runs a file of the tree"
        assert_eq "$hash" "$(sha256sum < "$NSPAWN")" "[$mode] A1: nspawn's binary is unchanged"
done

test_end
