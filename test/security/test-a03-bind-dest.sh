#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A3 (CVE-2021-30465): a bind destination is resolved inside the tree and mounted through an fd. Static
# case: /mnt/x -> /etc (absolute) and a relative link climbing out land on the tree's /etc. Race case:
# /mnt/x flips between a directory and a symbolic link to / (renameat2 RENAME_EXCHANGE, in a tight loop
# on the host: the tree is shared, as with a second container) while containers start: the mount
# always lands inside the tree or the start fails; the host gets no mount and no file. Both modes.
. "$(dirname "$0")/lib-security.sh"
test_begin

RUNS=${A3_RUNS:-200}
gcc -O1 -Wall -o "$WORK/flip" "$SRCDIR/test/helpers/rename-exchange.c" || fail "cannot build the flipper"
mkdir -p "$WORK/src"
echo a3 > "$WORK/src/a3-marker"
# Mounts on the host where a misdirected bind would land: its /, /etc and /mnt.
host_mounts() { awk '$5 == "/" || $5 ~ "^/(etc|mnt)(/|$)" { print $5 }' /proc/self/mountinfo | sort; }
before=$(host_mounts)

for mode in "${MODES[@]}"; do
        B=$(busybox_tree "$WORK/${MP}bb$mode")
        N=(-q -D "$B" --pipe $(mode_args "$mode"))
        mkdir -p "$B/mnt"
        ln -s /etc "$B/mnt/x"
        run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/x" sh -c 'cat /etc/a3-marker; grep -c "^[0-9]* [0-9]* [^ ]* [^ ]* /etc " /proc/self/mountinfo'
        assert_eq $'a3\n1' "$OUT" "[$mode] A3: the bind through /mnt/x -> /etc lands on the tree's /etc ($ERR)"
        assert_true "[$mode] A3: the symlink in the tree is left as it was" test -L "$B/mnt/x"
        ln -s ../../../../../../etc "$B/mnt/y"
        run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/y" cat /etc/a3-marker
        assert_eq "a3" "$OUT" "[$mode] A3: a relative link climbing out of the tree is clamped to the tree's /etc"
        assert_false "[$mode] A3: the host's /etc is not touched" test -e /etc/a3-marker

        # The race: mnt/r is a directory or a link to /, swapped all the time.
        mkdir "$B/mnt/r"
        ln -s / "$B/mnt/s"
        rm -f "$WORK/stop"
        "$WORK/flip" "$B/mnt/r" "$B/mnt/s" "$WORK/stop" > "$WORK/flips" & FLIP=$!
        on_exit "touch '$WORK/stop'; kill $FLIP 2>/dev/null"
        where="" failed=0
        for i in $(seq "$RUNS"); do
                run_nspawn "${N[@]}" --bind="$WORK/src:/mnt/r" sh -c 'awk "\$4 ~ /\/src$/ { print \$5 }" /proc/self/mountinfo'
                if [ "$RC" -ne 0 ]; then failed=$((failed + 1)); continue; fi
                where+="$OUT"$'\n'
        done
        touch "$WORK/stop"
        wait $FLIP
        echo "  [$mode] $RUNS starts, $failed refused, $(cat "$WORK/flips") swaps; mount points: $(sort <<<"$where" | uniq -c | tr '\n' ' ')"
        assert_true "[$mode] A3: the flipper swapped" test "$(cat "$WORK/flips")" -gt 0
        # The mount sits on the directory, which the flipper keeps renaming: it shows as /mnt/r or
        # /mnt/s. A link to / resolved inside the tree would put it on the tree's root.
        assert_eq "" "$(grep -vxE '/mnt/[rs]|/' <<<"$where" | grep . )" "[$mode] A3: every bind landed on the tree's /mnt/r (or /mnt/s, or its /: inside)"
        assert_eq "$before" "$(host_mounts)" "[$mode] A3: the host's mount table is unchanged"
        assert_false "[$mode] A3: the host's / gets no file" test -e /a3-marker
done

test_end
