#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A10 (CVE-2022-29162): the bounding set is the documented default (nspawn(1), CAPABILITIES: never
# SYS_MODULE, SYS_RAWIO, SYS_TIME, MAC_ADMIN, MAC_OVERRIDE, SYSLOG, BPF, PERFMON, WAKE_ALARM,
# BLOCK_SUSPEND), the inheritable and ambient sets are empty, for the payload and for the stub init of
# --as-pid2, and a binary with inheritable file capabilities gains nothing. Both modes: in the
# user-namespace mode these are capabilities of the container's user namespace.
. "$(dirname "$0")/lib-security.sh"
test_begin

# The documented default set, and what the default mode can give: no more than nspawn's caller has (a
# session started without CAP_SYS_RESOURCE in its bounding set cannot pass it on; a new user namespace
# starts with every capability).
DOC=$((0xfdecafff))
NET_ADMIN=$((1 << 12)) SYS_ADMIN=$((1 << 21)) SYS_TIME=$((1 << 25))
FORBIDDEN=(16 17 25 32 33 34 35 37 38 39) # SYS_MODULE RAWIO TIME MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND PERFMON BPF
CALLER=$((0x$(awk '/^CapBnd/ { print $2 }' /proc/self/status)))
expected() { # mode mask
        if [ "$1" = default ]; then printf 'CapInh:0000000000000000 CapBnd:%016x CapAmb:0000000000000000 ' $(($2 & CALLER))
        else printf 'CapInh:0000000000000000 CapBnd:%016x CapAmb:0000000000000000 ' "$2"; fi
}
caps() { grep -E '^Cap(Inh|Bnd|Amb)' <<<"$OUT" | tr -d '\t' | tr '\n' ' '; }

for mode in "${MODES[@]}"; do
        C=$(sec_tree "a10$mode")
        N=(-q -D "$C" --pipe $(mode_args "$mode"))
        run_nspawn "${N[@]}" grep Cap /proc/self/status
        assert_eq "$(expected "$mode" $DOC)" "$(caps)" "[$mode] A10: default bounding set, empty inheritable and ambient sets ($ERR)"
        bnd=$((0x$(grep '^CapBnd' <<<"$OUT" | awk '{ print $2 }')))
        bad=""
        for c in "${FORBIDDEN[@]}"; do (( bnd & (1 << c) )) && bad+=" $c"; done
        assert_eq "" "$bad" "[$mode] A10: none of the forbidden capabilities is in the bounding set"
        run_nspawn "${N[@]}" -a grep Cap /proc/1/status
        assert_eq "$(expected "$mode" $DOC)" "$(caps)" "[$mode] A10: the stub init of --as-pid2 has the same sets"
        run_nspawn "${N[@]}" --private-network grep Cap /proc/self/status
        assert_eq "$(expected "$mode" $((DOC | NET_ADMIN)))" "$(caps)" "[$mode] A10: --private-network adds CAP_NET_ADMIN"
        run_nspawn "${N[@]}" --drop-capability=CAP_SYS_ADMIN grep Cap /proc/self/status
        assert_eq "$(expected "$mode" $((DOC & ~SYS_ADMIN)))" "$(caps)" "[$mode] A10: --drop-capability=CAP_SYS_ADMIN removes bit 21"
        run_nspawn "${N[@]}" --capability=CAP_SYS_TIME grep Cap /proc/self/status
        assert_eq "$(expected "$mode" $((DOC | SYS_TIME)))" "$(caps)" "[$mode] A10: --capability=CAP_SYS_TIME adds bit 25"

        # A file with inheritable file capabilities gains nothing for a user (inheritable set empty),
        # nor for root beyond its bounding set.
        # The capabilities are set from the host, as the container's root would set them (its uid as the
        # root id of a v3 xattr): setcap inside fails on an overlayfs tree with a user namespace (the
        # kernel refuses security.capability there; EPERM).
        cp "$C/bin/grep" "$C/usr/local/bin/capgrep"
        rootid=$(stat -c %u "$C")
        chown "$rootid:$rootid" "$C/usr/local/bin/capgrep"
        if [ "$rootid" = 0 ]; then setcap cap_net_admin,cap_sys_module+ei "$C/usr/local/bin/capgrep" || fail "setcap"
        else setcap -n "$rootid" cap_net_admin,cap_sys_module+ei "$C/usr/local/bin/capgrep" || fail "setcap -n $rootid"; fi
        run_nspawn "${N[@]}" getcap /usr/local/bin/capgrep
        assert_match 'cap_net_admin,cap_sys_module[=+]ei' "$OUT" "[$mode] A10: the container sees the file capabilities ($ERR)"
        run_nspawn "${N[@]}" -u nobody /usr/local/bin/capgrep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status
        assert_eq $'CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000' \
                "$OUT" "[$mode] A10: a binary with cap_net_admin+ei gains nothing for a user"
        run_nspawn "${N[@]}" /usr/local/bin/capgrep -E '^CapEff' /proc/self/status
        eff=$((0x$(awk '{ print $2 }' <<<"$OUT")))
        assert_eq "0 0" "$(( eff & NET_ADMIN ? 1 : 0 )) $(( eff & (1 << 16) ? 1 : 0 ))" \
                "[$mode] A10: ... nor NET_ADMIN or SYS_MODULE for root (outside the bounding set)"
done

test_end
