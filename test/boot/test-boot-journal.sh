#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --link-journal= with a booted bookworm guest: its journald writes to /var/log/journal/ID, and the
# host reads it with journalctl -D /var/log/journal/ID, through the symlink (try-guest, as
# nspawn@.service uses) or in the host's own directory (host).
. "$(dirname "$0")/../lib.sh"
test_begin

J=/var/log/journal
assert_true "the host keeps a persistent journal directory ($J)" test -d "$J"
ID=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
on_exit "rm -rf '$J/$ID'"

for mode in try-guest host; do
        rm -rf "${J:?}/$ID"
        T=$(overlay_tree "bj-$mode")
        echo "$ID" > "$T/etc/machine-id"
        mkdir -p "$T/etc/systemd/system/multi-user.target.wants"
        cat > "$T/etc/systemd/system/mark.service" <<UNIT
[Service]
Type=simple
ExecStart=/bin/sh -c 'systemctl is-system-running --wait; echo journal-mark-$mode | systemd-cat -t nspawn-test; journalctl --sync; systemctl poweroff'
UNIT
        ln -sf ../mark.service "$T/etc/systemd/system/multi-user.target.wants/mark.service"
        timeout 120 "$NSPAWN" -q -b -D "$T" --console=passive --link-journal=$mode </dev/null; RC=$?
        assert_eq 0 "$RC" "$mode: the guest boots and powers off"
        case $mode in
        try-guest) assert_eq "$T$J/$ID" "$(readlink "$J/$ID")" "$mode: $J/$ID on the host links to the tree's" ;;
        host) assert_true "$mode: $J/$ID on the host is a directory" test -d "$J/$ID" -a ! -L "$J/$ID" ;;
        esac
        assert_match "journal-mark-$mode" "$(journalctl -D "$J/$ID" -t nspawn-test -o cat 2>/dev/null)" \
                "$mode: journalctl -D $J/$ID on the host reads the guest's journal"
        rm -rf "${J:?}/$ID"
done

test_end
