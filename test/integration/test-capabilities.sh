#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The capability options (--capability=, --drop-capability=, --ambient-capability=,
# --no-new-privileges) in both modes, without a user namespace and with -U (where they are
# capabilities of the container's user namespace): the five sets of the payload as
# /proc/self/status shows them, row A10 of the reliability checks (inheritable and ambient empty unless
# --ambient-capability= fills them; a program with file capabilities +ei gains nothing), "help", and
# bad input refused with one line naming the wrong thing and nothing left behind.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
# Host-side copies of busybox for file capabilities; a link named after the applet runs it.
mkdir -p "$B/caps"
for f in ei ep; do
        cp "$B/bin/busybox" "$B/caps/box-$f"
        mkdir -p "$B/caps/$f"
        ln -s "../box-$f" "$B/caps/$f/grep"
done

DEFAULT=$((0xfdecafff))          # systemd-nspawn's default set
NET_RAW=$((1 << 13)) KILL=$((1 << 5)) SYS_TIME=$((1 << 25)) SYS_ADMIN=$((1 << 21))
NET_ADMIN=$((1 << 12)) SYS_RESOURCE=$((1 << 24))
LAST=$(cat /proc/sys/kernel/cap_last_cap)
ALL=$(( (1 << (LAST + 1)) - 1 ))
HOST_BND=$((0x$(awk '/^CapBnd/ {print $2}' /proc/self/status)))
hex() { printf '%016x' "$1"; }

# The sets of the process that reads them, as "Inh Prm Eff Bnd Amb NoNewPrivs".
SETS='grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):" /proc/self/status | awk "{printf \"%s \", \$2}"'
sets() { # mode-args... -- nspawn-args...
        run_nspawn -q --register=no -D "$B" -P "$@" sh -c "$SETS"
        OUT=${OUT% }
}
expect() { # inh prm eff bnd amb nnp message
        assert_eq "$(hex "$1") $(hex "$2") $(hex "$3") $(hex "$4") $(hex "$5") $6" "$OUT" "$7 (stderr: $ERR)"
}

for MODE in plain userns; do
        if [ "$MODE" = userns ]; then
                # Ownership chown, so that the tree's owner and the file capabilities' root id below
                # are the range's, whichever ownership -U picks by default.
                U=(-U --private-users-ownership=chown)
                # A new user namespace starts with a full bounding set; the host's does not matter.
                D=$DEFAULT A=$ALL
        else
                U=()
                # Without one, the container's sets are a part of nspawn's own (this VM's root lacks
                # CAP_SYS_RESOURCE in its bounding set).
                D=$((DEFAULT & HOST_BND)) A=$((ALL & HOST_BND))
        fi

        sets "${U[@]}"
        expect 0 "$D" "$D" "$D" 0 0 "$MODE: root keeps the default set; inheritable and ambient are empty"
        sets "${U[@]}" -u nobody
        expect 0 0 0 "$D" 0 0 "$MODE: a user other than root has no capabilities"
        sets "${U[@]}" --capability=sys_time,CAP_KILL
        expect 0 $((D | SYS_TIME)) $((D | SYS_TIME)) $((D | SYS_TIME)) 0 0 "$MODE: --capability= adds to the set"
        sets "${U[@]}" --drop-capability=sys_admin --drop-capability=kill
        X=$((D & ~SYS_ADMIN & ~KILL))
        expect 0 "$X" "$X" "$X" 0 0 "$MODE: --drop-capability= (twice) removes from it"
        sets "${U[@]}" --drop-capability=all
        expect 0 0 0 0 0 0 "$MODE: --drop-capability=all removes everything"
        sets "${U[@]}" --capability=all --drop-capability=sys_admin
        X=$((A & ~SYS_ADMIN))
        expect 0 "$X" "$X" "$X" 0 0 "$MODE: --capability=all, less a dropped one"
        sets "${U[@]}" --private-network
        X=$((D | NET_ADMIN))
        expect 0 "$X" "$X" "$X" 0 0 "$MODE: --private-network adds CAP_NET_ADMIN"
        sets "${U[@]}" --no-new-privileges
        expect 0 "$D" "$D" "$D" 0 1 "$MODE: --no-new-privileges sets the flag"
        sets "${U[@]}" --no-new-privileges=yes --no-new-privileges=no
        expect 0 "$D" "$D" "$D" 0 0 "$MODE: --no-new-privileges=no clears it again"

        # --ambient-capability=: root keeps its set and gets these as inheritable and ambient; another
        # user gets exactly these, also across a further execve().
        sets "${U[@]}" --ambient-capability=net_raw,kill
        expect $((NET_RAW | KILL)) "$D" "$D" "$D" $((NET_RAW | KILL)) 0 "$MODE: ambient as root"
        sets "${U[@]}" -u nobody --ambient-capability=net_raw --ambient-capability=CAP_KILL
        X=$((NET_RAW | KILL))
        expect "$X" "$X" "$X" "$D" "$X" 0 "$MODE: ambient as nobody: inheritable, permitted, effective, ambient"
        run_nspawn -q --register=no -D "$B" -P "${U[@]}" -u nobody --ambient-capability=net_raw \
                sh -c 'exec /bin/sh -c "grep CapEff /proc/self/status"'
        assert_match "CapEff:[[:space:]]+$(hex "$NET_RAW")" "$OUT" "$MODE: the ambient capability survives a further execve() ($ERR)"
        sets "${U[@]}" -u nobody --capability=sys_time --ambient-capability=sys_time --no-new-privileges
        X=$SYS_TIME
        expect "$X" "$X" "$X" $((D | SYS_TIME)) "$X" 1 "$MODE: ambient with --capability= and --no-new-privileges"
        sets "${U[@]}" -u nobody --private-network --ambient-capability=net_admin
        expect "$NET_ADMIN" "$NET_ADMIN" "$NET_ADMIN" $((D | NET_ADMIN)) "$NET_ADMIN" 0 "$MODE: ambient CAP_NET_ADMIN with a private network"
        # --as-pid2: the payload gets them, the stub init (PID 1) does not.
        run_nspawn -q --register=no -D "$B" -P "${U[@]}" -a -u nobody --ambient-capability=kill \
                sh -c 'grep CapAmb /proc/self/status /proc/1/status'
        assert_match "self/status:CapAmb:[[:space:]]+$(hex "$KILL")" "$OUT" "$MODE: --as-pid2: the payload has the ambient set ($ERR)"
        assert_match "1/status:CapAmb:[[:space:]]+$(hex 0)" "$OUT" "$MODE: --as-pid2: the stub init has none"

        # A10: a program with file capabilities +ei gains nothing for a user (its inheritable set is
        # empty); +ep does gain, which shows that the file capabilities are honoured at all. In the
        # user namespace, file capabilities count when their root id is the range's root: version 3
        # with the shift (setcap -n), as setcap inside the container writes them.
        if [ "$MODE" = userns ]; then
                run_nspawn -q --register=no -D "$B" -P "${U[@]}" cat /proc/self/uid_map
                SHIFT=$(awk '{print $2}' <<<"$OUT")
                assert_eq "$SHIFT" "$(stat -c %u "$B")" "$MODE: the tree is shifted to the range ($SHIFT)"
                ROOTID=(-n "$SHIFT")
        else
                ROOTID=()
        fi
        setcap "${ROOTID[@]}" cap_net_raw+ei "$B/caps/box-ei" && setcap "${ROOTID[@]}" cap_net_raw+ep "$B/caps/box-ep" ||
                fail "$MODE: setcap on the host"
        run_nspawn -q --register=no -D "$B" -P "${U[@]}" -u nobody /caps/ei/grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status
        assert_eq "$(printf 'CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapAmb:\t%s' "$(hex 0)" "$(hex 0)" "$(hex 0)" "$(hex 0)")" \
                "$OUT" "$MODE: A10: a program with cap_net_raw+ei gains nothing ($ERR)"
        run_nspawn -q --register=no -D "$B" -P "${U[@]}" -u nobody /caps/ep/grep CapEff /proc/self/status
        assert_match "CapEff:[[:space:]]+$(hex "$NET_RAW")" "$OUT" "$MODE: control: one with cap_net_raw+ep gains it ($ERR)"
        run_nspawn -q --register=no -D "$B" -P "${U[@]}" -u nobody --no-new-privileges /caps/ep/grep CapEff /proc/self/status
        assert_match "CapEff:[[:space:]]+$(hex 0)" "$OUT" "$MODE: with --no-new-privileges it gains nothing ($ERR)"
        # With the ambient set, the +ei program keeps what was passed on on purpose, and no more.
        run_nspawn -q --register=no -D "$B" -P "${U[@]}" -u nobody --ambient-capability=net_raw /caps/ei/grep CapEff /proc/self/status
        assert_match "CapEff:[[:space:]]+$(hex "$NET_RAW")" "$OUT" "$MODE: with ambient net_raw the +ei program has net_raw only ($ERR)"
        setcap -r "$B/caps/box-ei"; setcap -r "$B/caps/box-ep"
done

# The same sets with the tree id-mapped instead of shifted (ownership map; /tmp is ext4 here).
M=$(busybox_tree "$WORK/${MP}map")
run_nspawn -q --register=no -D "$M" -P -U --private-users-ownership=map sh -c "$SETS"
assert_eq "$(hex 0) $(hex "$DEFAULT") $(hex "$DEFAULT") $(hex "$DEFAULT") $(hex 0) 0" "${OUT% }" \
        "map: root keeps the default set; inheritable and ambient are empty (stderr: $ERR)"
run_nspawn -q --register=no -D "$M" -P -U --private-users-ownership=map -u nobody --ambient-capability=net_raw sh -c "$SETS"
assert_eq "$(hex "$NET_RAW") $(hex "$NET_RAW") $(hex "$NET_RAW") $(hex "$DEFAULT") $(hex "$NET_RAW") 0" "${OUT% }" \
        "map: ambient as nobody (stderr: $ERR)"
assert_eq "0:0" "$(stat -c %u:%g "$M/bin/busybox")" "map: the tree is not shifted"

# Without a user namespace an ambient capability must be in nspawn's own bounding set.
if [ $((HOST_BND & SYS_RESOURCE)) = 0 ]; then
        refused "ambient capability missing from nspawn's bounding set" "sys_resource" \
                --register=no -D "$B" -P --ambient-capability=sys_resource true
else
        sets --ambient-capability=sys_resource
        assert_match "$(hex "$SYS_RESOURCE")$" "$OUT" "the host holds CAP_SYS_RESOURCE: it is passed on"
fi
sets -U --private-users-ownership=chown --ambient-capability=sys_resource -u nobody
expect "$SYS_RESOURCE" "$SYS_RESOURCE" "$SYS_RESOURCE" "$DEFAULT" "$SYS_RESOURCE" 0 \
        "userns: CAP_SYS_RESOURCE is the user namespace's to pass on"

# "help" lists the names and exits 0, in each of the options, also inside a list.
for o in capability drop-capability ambient-capability; do
        run_nspawn "--$o=kill,help"
        assert_eq 0 "$RC" "--$o=help exits 0"
        assert_eq "$((LAST + 1))" "$(wc -l <<<"$OUT")" "--$o=help prints every capability"
        assert_match '^cap_chown' "$OUT" "--$o=help starts with cap_chown"
done
run_nspawn --help
assert_match '--ambient-capability=CAP' "$OUT" "--help describes --ambient-capability="

# Bad input: one line naming the wrong thing, a non-zero exit, and nothing left behind. The -U cases
# must not shift a fresh tree nor leave a range lock.
F=$(busybox_tree "$WORK/${MP}fresh")
LOCKS_BEFORE=$(ls /run/nspawn/userns 2>/dev/null || true)
for m in "" -U; do
        refused "unknown capability ($m)" "bogus" --register=no -D "$F" $m -P --capability=bogus true
        refused "unknown capability in a list ($m)" "nope" --register=no -D "$F" $m -P --drop-capability=kill,nope true
        refused "unknown ambient capability ($m)" "cap_bogus" --register=no -D "$F" $m -P --ambient-capability=cap_bogus true
        refused "a number beyond 63 ($m)" "64" --register=no -D "$F" $m -P --capability=64 true
        refused "ambient all ($m)" "all" --register=no -D "$F" $m -P --ambient-capability=all true
        refused "ambient not kept ($m)" "sys_time" --register=no -D "$F" $m -P --ambient-capability=sys_time true
        refused "ambient dropped ($m)" "net_raw" --register=no -D "$F" $m -P --ambient-capability=net_raw --drop-capability=net_raw true
        refused "ambient with --boot ($m)" "--boot" --register=no -D "$F" $m --ambient-capability=net_raw -b
        refused "kept and dropped ($m)" "kill" --register=no -D "$F" $m -P --capability=kill --drop-capability=kill true
        refused "ambient unknown to the kernel ($m)" "63" --register=no -D "$F" $m -P --capability=63 --ambient-capability=63 true
        refused "--no-new-privileges=maybe ($m)" "maybe" --register=no -D "$F" $m -P --no-new-privileges=maybe true
done
assert_eq "0:0" "$(stat -c %u:%g "$F" "$F/bin/busybox" | sort -u)" "refused -U runs left the tree unshifted"
assert_eq "$LOCKS_BEFORE" "$(ls /run/nspawn/userns 2>/dev/null || true)" "refused -U runs left no range lock"

test_end
