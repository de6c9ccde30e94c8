#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --link-journal= as systemd-nspawn(1) defines it: guest (a symlink on the host to the tree's
# /var/log/journal/ID), host (the host's directory bound into the container), their try- forms and -j,
# auto (picks up what they made), no. A tree whose /var/log/journal path holds symlinks to host
# directories is refused (or skipped, for try-) with nothing made outside it; the host's own machine ID
# is never linked.
. "$(dirname "$0")/../lib.sh"
test_begin

J=/var/log/journal
assert_true "the host keeps a persistent journal directory ($J)" test -d "$J"
# A machine ID of this run only; what the modes leave on the host is removed at the end.
ID=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
on_exit "rm -rf '$J/$ID'"
HOST_ID=$(cat /etc/machine-id)

fresh() { # name [machine-id]
        local t="$WORK/$MP$1"
        rm -rf "$t"
        busybox_tree "$t" >/dev/null
        echo "${2:-$ID}" > "$t/etc/machine-id"
        echo "$t"
}
write_in() { # tree args...: writes "$1" into the container's journal directory, lists the mounts on it
        local t=$1; shift
        run_nspawn -q -D "$t" "$@" --pipe sh -c "echo from-guest > $J/$ID/probe && grep -c ' $J/$ID ' /proc/self/mountinfo"
}

for U in "" "-U"; do
        L="[${U:-root}]"
        for m in guest try-guest -j; do
                rm -rf "${J:?}/$ID"
                T=$(fresh guest)
                arg=--link-journal=$m
                [ "$m" = -j ] && arg=-j
                write_in "$T" $U $arg
                assert_eq "0" "$OUT" "$L $m: the guest writes its own directory, nothing is mounted on it ($ERR)"
                assert_eq "$T$J/$ID" "$(readlink "$J/$ID")" "$L $m: the host's $J/$ID is a symlink to the tree's"
                assert_eq "from-guest" "$(cat "$J/$ID/probe")" "$L $m: the host reads the guest's files through it"
                assert_true "$L $m: the tree's directory is a real directory" test -d "$T$J/$ID" -a ! -L "$T$J/$ID"
        done
        # auto (the default) picks up the symlink guest left.
        rm -f "$T$J/$ID/probe"
        write_in "$T" $U
        assert_eq "from-guest" "$(cat "$J/$ID/probe" 2>&1)" "$L auto after guest: still linked"

        for m in host try-host; do
                rm -rf "${J:?}/$ID"
                T=$(fresh host)
                # With a user namespace the host's directory belongs to the host's root, which the
                # container's root is not: the guest can read it but not write it (as with systemd-nspawn).
                run_nspawn -q -D "$T" $U --link-journal=$m --pipe sh -c "grep -c ' $J/$ID ' /proc/self/mountinfo"
                assert_eq "1" "$OUT" "$L $m: the host's directory is mounted on the tree's ($ERR)"
                assert_true "$L $m: $J/$ID on the host is a directory (it stays, as the mode says)" \
                        test -d "$J/$ID" -a ! -L "$J/$ID"
                if [ -z "$U" ]; then
                        write_in "$T" --link-journal=$m
                        assert_eq "from-guest" "$(cat "$J/$ID/probe" 2>&1)" "$L $m: the guest's files land on the host"
                        assert_false "$L $m: ... not in the tree" test -e "$T$J/$ID/probe"
                fi
        done
        # auto picks up the host's directory; no makes nothing of it.
        run_nspawn -q -D "$T" $U --pipe sh -c "grep -c ' $J/$ID ' /proc/self/mountinfo"
        assert_eq "1" "$OUT" "$L auto after host: bound"
        run_nspawn -q -D "$T" $U --link-journal=no --pipe sh -c "grep -c ' $J/$ID ' /proc/self/mountinfo"
        assert_eq "0" "$OUT" "$L no: not bound"
        rm -rf "${J:?}/$ID"

        # Ephemeral: the journal goes with the container, never linked (a guest symlink would point into
        # an overlay that is gone, a host directory would outlive a machine nobody can start again).
        for m in guest host; do
                T=$(fresh eph)
                run_nspawn -q -D "$T" $U -x --link-journal=$m --pipe sh -c "grep -c ' $J/$ID ' /proc/self/mountinfo"
                assert_eq "0" "$OUT" "$L -x $m: nothing is mounted on the journal directory ($ERR)"
                assert_false "$L -x $m: nothing is made on the host" test -e "$J/$ID" -o -L "$J/$ID"
        done

        # auto with nothing on the host: nothing is made, on the host or in the tree.
        T=$(fresh auto)
        run_nspawn -q -D "$T" $U --pipe true
        assert_false "$L auto: nothing made on the host" test -e "$J/$ID"
        assert_false "$L auto: nothing made in the tree" test -e "$T/var"
        run_nspawn -q -D "$T" $U --link-journal=no --pipe true
        assert_false "$L no: nothing made" test -e "$J/$ID"

        # The host's own machine ID: refused, one line; a warning only for try-.
        T=$(fresh same "$HOST_ID")
        refused "$L guest with the host's machine ID" "is the host's" -D "$T" $U --link-journal=guest /bin/true
        refused "$L host with the host's machine ID" "is the host's" -D "$T" $U --link-journal=host /bin/true
        run_nspawn -q -D "$T" $U --link-journal=try-host --pipe true
        assert_eq 0 "$RC" "$L try-host with the host's machine ID runs"
        assert_match "is the host's, not linking" "$ERR" "$L ... with a warning"
        assert_eq "$(cat /etc/machine-id)" "$HOST_ID" "$L the host's machine-id is untouched"
        assert_false "$L the host's journal directory was not linked away" test -L "$J/$HOST_ID"

        # Hostile trees: /var/log/journal, /var/log or the ID directory point at host directories.
        H="$WORK/host-dir"
        for link in var/log/journal var/log "var/log/journal/$ID"; do
                for m in guest host try-guest try-host auto; do
                        rm -rf "$H" "${J:?}/$ID"
                        mkdir -p "$H"
                        T=$(fresh evil)
                        mkdir -p "$T/$(dirname "$link")"
                        ln -s "$H" "$T/$link"
                        [ "$m" = auto ] && mkdir "$J/$ID"
                        run_nspawn -q -D "$T" $U --link-journal=$m --pipe true
                        case $m in
                        guest|host)
                                assert_true "$L $link -> host dir, $m: refused" test "$RC" -ne 0
                                assert_match "must be a directory, not a symlink" "$ERR" "$L $link -> host dir, $m: ... saying why" ;;
                        *)
                                assert_eq 0 "$RC" "$L $link -> host dir, $m: runs without linking ($ERR)" ;;
                        esac
                        assert_eq "" "$(ls -A "$H")" "$L $link -> host dir, $m: nothing made in the host directory"
                        assert_false "$L $link -> host dir, $m: no symlink on the host" test -L "$J/$ID"
                        assert_false "$L $link -> host dir, $m: nothing mounted there" grep -q " $H" /proc/self/mountinfo
                done
        done
        rm -rf "$H" "${J:?}/$ID"
done

# A start refused for another reason after the options are read makes nothing on the host.
T=$(fresh late)
run_nspawn -q -D "$T" --link-journal=host --network-interface=nonexistent0 /bin/true
assert_true "a missing network interface refuses the start" test "$RC" -ne 0
assert_false "... before $J/ID is made on the host" test -e "$J/$ID"
run_nspawn -q -D "$T" --link-journal=guest --network-interface=nonexistent0 /bin/true
assert_false "... or the guest symlink" test -L "$J/$ID"

# Bad values: one line, nothing made.
T=$(fresh bad)
refused "--link-journal=yes" "yes" -D "$T" --link-journal=yes /bin/true
refused "--link-journal=try-auto" "try-auto" -D "$T" --link-journal=try-auto /bin/true
assert_false "bad values make nothing in the tree" test -e "$T/var"
assert_false "bad values make nothing on the host" test -e "$J/$ID"

test_end
