#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A9 (CVE-2022-0492) on this hybrid host: the container cannot reach a writable cgroup v1
# release_agent: a v1 hierarchy it mounts (directly, or from a user namespace of its own made with
# unshare -UrmC) shows its own cgroup, which has none, and its /sys/fs/cgroup shows its own subtree
# only (no process and no cgroup of the host), also once it has unmounted that. Both modes.
. "$(dirname "$0")/lib-security.sh"
test_begin

# The host's v1 hierarchies, as the mount options that name them, and rdma (not mounted on this host).
mapfile -t V1 < <(awk '$0 ~ / - cgroup cgroup / { n = split($NF, o, ","); s = "";
        for (i = 1; i <= n; i++) if (o[i] != "rw" && o[i] != "ro" && o[i] !~ /^(clone_children|noprefix|xattr|release_agent=|cpuset_v2_mode|favordynmods|nsdelegate)/) s = s (s ? "," : "") o[i];
        print s }' /proc/self/mountinfo | sort -u)
echo "  v1 hierarchies: ${V1[*]:-none}"
agents() { find /sys/fs/cgroup -maxdepth 2 -name release_agent -exec sh -c 'for f; do echo "$f=$(cat "$f")"; done' sh {} +; }
before=$(agents)

# The payload: report writable release_agent files, what each v1 mount attempt gives, and the pids it
# can see in cgroup.procs files that are not its own (a process outside its pid namespace reads as 0)
# and the host's slices and scopes it can see; then it unmounts its /sys/fs/cgroup (with -U that mount
# is not locked: test-a08-locked.sh) and looks again. With -U and no private network /sys is the host's,
# bound without the host's mounts below it: with them, the roots of the host's v1 hierarchies showed.
PROBE='
found() { find /sys/fs/cgroup -name release_agent -writable 2>/dev/null | sed "s/^/writable:/"; }
foreign() { n=$(find /sys/fs/cgroup -name cgroup.procs -exec cat {} + 2>/dev/null | grep -c "^0$"); echo "foreign-pids:$n"
        echo "foreign-cgroups:$(find /sys/fs/cgroup -type d \( -name "*.slice" -o -name "*.scope" \) 2>/dev/null | wc -l)"; }
found; foreign
mkdir -p /mnt/cg
for o in "$@" rdma; do
        if mount -t cgroup -o "$o" cgroup /mnt/cg 2>/dev/null; then
                (echo /x > /mnt/cg/release_agent) 2>/dev/null && echo "release-agent-written:$o"
                [ -e /mnt/cg/release_agent ] && echo "mounted-with-release-agent:$o"
                umount /mnt/cg
        fi
        unshare -UrmC sh -c "mount -t cgroup -o $o cgroup /mnt/cg && { echo /x > /mnt/cg/release_agent && echo unshare-release-agent-written:$o; [ -e /mnt/cg/release_agent ] && echo unshare-mounted-with-release-agent:$o; umount /mnt/cg; }" 2>/dev/null
done
umount -l /sys/fs/cgroup 2>/dev/null && echo unmounted-cgroup2
found; foreign
echo done'

for mode in "${MODES[@]}"; do
        T=$(sec_tree "a9$mode")
        run_nspawn -q -D "$T" --pipe $(mode_args "$mode") sh -c "$PROBE" sh "${V1[@]}"
        echo "$OUT" | sed "s/^/  [$mode] /"
        assert_eq "" "$(grep -E '^(writable|release-agent-written|unshare-release-agent-written):' <<<"$OUT")" \
                "[$mode] A9: no release_agent is writable, none gets written"
        # A v1 hierarchy may be mounted (inside the cgroup namespace): it then shows the container's own
        # cgroup, which has no release_agent (only a hierarchy's root has one).
        assert_eq "" "$(grep -E '^(unshare-)?mounted-with-release-agent:' <<<"$OUT")" \
                "[$mode] A9: a cgroup v1 hierarchy mounted inside (directly or from a new user namespace) has no release_agent"
        assert_eq "foreign-pids:0" "$(grep '^foreign-pids:' <<<"$OUT" | sort -u)" \
                "[$mode] A9: /sys/fs/cgroup shows no process outside the container"
        assert_eq "foreign-cgroups:0" "$(grep '^foreign-cgroups:' <<<"$OUT" | sort -u)" \
                "[$mode] A9: /sys/fs/cgroup shows no cgroup of the host (its slices and scopes)"
        assert_match 'done$' "$OUT" "[$mode] A9: the probe ran ($ERR)"
        run_nspawn -q -D "$T" --pipe $(mode_args "$mode") cat /proc/self/cgroup
        assert_eq "" "$(grep -v ':/$' <<<"$OUT")" "[$mode] A9: every hierarchy is rooted at the container's cgroup"
        assert_eq "$before" "$(agents)" "[$mode] A9: the host's release_agent files are unchanged"
done

test_end
