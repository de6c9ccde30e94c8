# SPDX-License-Identifier: LGPL-2.1-or-later
# Network test helpers (bash). Source test/lib.sh first and call test_begin, then this file, then
# net_begin NAME: everything of the test happens inside a network namespace of its own, never on the
# host's links.
#   net_begin NAME      makes the namespace $NS (${MP}NAME, removed at the end) with lo up, sets IN
#                       (a command prefix that runs in it) and points $NSPAWN at a wrapper that runs
#                       nspawn in it (run_nspawn and refused use $NSPAWN); records the links as FIRST
#   links               the namespace's link names, sorted, on one line
#   links_are_first     true when they are FIRST again (for wait_until: evaluated on every try; a
#                       $(links) in wait_until's arguments would be taken once)
#   net_tree NAME       a busybox tree with an os-release (systemd-nspawn wants one); prints its path
net_begin() { # name
        NS=${MP}$1
        ip netns add "$NS"
        on_exit ip netns del "$NS"
        IN=(nsenter --net=/run/netns/"$NS")
        "${IN[@]}" ip link set lo up
        REAL_NSPAWN=$NSPAWN
        NSPAWN=$WORK/nspawn-in-ns
        printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$NS" "$REAL_NSPAWN" > "$NSPAWN"
        chmod +x "$NSPAWN"
}
links() { "${IN[@]}" ip -o link | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort | tr '\n' ' '; }
links_are_first() { [ "$(links)" = "$FIRST" ]; }
net_tree() { # name
        local t
        t=$(busybox_tree "$WORK/${MP}$1") || return 1
        mkdir -p "$t/usr/lib"
        printf 'ID=busybox\nNAME=busybox\n' > "$t/usr/lib/os-release"
        echo "$t"
}
