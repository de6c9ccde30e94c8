#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A4 (CVE-2026-41579 class): /dev, /proc, /run, /etc replaced by absolute symlinks to host directories
# make nspawn create, delete or mount nothing on the host. A5: the files nspawn writes into the tree
# (resolv.conf, localtime, machine-id) never follow a symlink out of it. Both modes; in the
# user-namespace mode the shift of the tree's ownership (chown) must not follow the links either.
. "$(dirname "$0")/lib-security.sh"
test_begin

host_owner() { stat -c %u:%g "$@" 2>/dev/null | tr '\n' ' '; }
hash_host() { sha256sum /etc/shadow /etc/passwd /etc/hostname /etc/resolv.conf 2>/dev/null; }
HOST_FILES=(/etc/shadow /etc/passwd /etc/hostname /etc/resolv.conf /etc /tmp)

for mode in "${MODES[@]}"; do
        M=$(mode_args "$mode")
        owners=$(host_owner "${HOST_FILES[@]}")
        for name in dev proc run etc; do
                for variant in dangling intree; do
                        H=/tmp/host-$name-$$
                        mkdir -p "$H"
                        on_exit "rm -rf '$H'"
                        A=$(sec_tree "a4$name$variant$mode")
                        rm -rf "${A:?}/$name"
                        ln -s "$H" "$A/$name"
                        # "intree": the link's target also exists inside the tree, so a correct
                        # launcher starts the container with the API file system there.
                        [ "$variant" = intree ] && mkdir -p "$A$H"
                        run_nspawn -q -D "$A" --pipe $M /bin/true
                        echo "  ($mode: $name/$variant: exit $RC${ERR:+, $ERR})"
                        assert_eq "" "$(ls -A "$H")" "[$mode] A4: /$name -> $H ($variant): the host directory stays empty"
                        assert_eq "0:0" "$(stat -c %u:%g "$H")" "[$mode] A4: /$name -> $H ($variant): its owner is unchanged"
                        assert_false "[$mode] A4: /$name -> $H ($variant): nothing is mounted on the host directory" \
                                grep -q " $H" /proc/self/mountinfo
                        assert_true "[$mode] A4: /$name -> $H ($variant): host /dev/ptmx still exists" test -c /dev/ptmx
                        rm -rf "$H"
                done
        done

        B=$(sec_tree "a5$mode")
        ln -sf /etc/shadow "$B/etc/resolv.conf"
        ln -sf /etc/passwd "$B/etc/localtime"
        ln -sf /etc/hostname "$B/etc/machine-id"
        before=$(hash_host)
        run_nspawn -q -D "$B" --pipe $M /bin/true
        assert_eq 0 "$RC" "[$mode] A5: a tree with resolv.conf/localtime/machine-id linked to host files starts ($ERR)"
        run_nspawn -q -D "$B" --read-only --pipe $M /bin/true
        run_nspawn -q -D "$B" --private-network --pipe $M /bin/true
        assert_eq "$before" "$(hash_host)" "[$mode] A5: host /etc/shadow, passwd, hostname, resolv.conf unchanged"
        ln -sf ../../../../../../etc/shadow "$B/etc/resolv.conf"
        run_nspawn -q -D "$B" --pipe $M /bin/true
        assert_eq "$before" "$(hash_host)" "[$mode] A5: a relative escaping resolv.conf link changes nothing on the host"
        assert_eq "$owners" "$(host_owner "${HOST_FILES[@]}")" "[$mode] A4/A5: the owners of the host's files are unchanged"

        # resolv.conf: copied from the host into a writable tree, bound over it in a read-only one, left
        # alone with a private network.
        B=$(sec_tree "a5b$mode")
        host_resolv=$(cat /etc/resolv.conf)
        echo "nameserver 192.0.2.99" > "$B/etc/resolv.conf"
        run_nspawn -q -D "$B" --private-network --pipe $M cat /etc/resolv.conf
        assert_eq "nameserver 192.0.2.99" "$OUT" "[$mode] A5: with --private-network the tree's resolv.conf is left alone"
        run_nspawn -q -D "$B" --read-only --pipe $M cat /etc/resolv.conf
        assert_eq "$host_resolv" "$OUT" "[$mode] A5: with --read-only the container sees the host's resolv.conf"
        assert_eq "nameserver 192.0.2.99" "$(cat "$B/etc/resolv.conf")" "[$mode] A5: --read-only does not write into the tree"
        run_nspawn -q -D "$B" --read-only --pipe $M sh -c 'touch /x 2>/dev/null && echo root-writable
                touch /tmp/x && echo tmp-ok; touch /run/x && echo run-ok'
        assert_eq $'tmp-ok\nrun-ok' "$OUT" "[$mode] --read-only: / is read-only, /tmp and /run are writable"
        assert_false "[$mode] --read-only: nothing was created in the tree" test -e "$B/x"
        run_nspawn -q -D "$B" --pipe $M cat /etc/resolv.conf
        assert_eq "$host_resolv" "$OUT" "[$mode] A5: a writable tree gets the host's resolv.conf"
        assert_eq "$host_resolv" "$(cat "$B/etc/resolv.conf")" "[$mode] A5: ... copied into the tree"
done

test_end
