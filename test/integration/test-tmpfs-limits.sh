#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every tmpfs nspawn mounts is bounded in size and inodes (systemd-nspawn's limits): /run 20% and
# 800k inodes, /dev 4 MiB and 64k, /tmp and /dev/shm 10% and 400k each, and a --tmpfs 10% and 400k
# unless its own options say otherwise.
. "$(dirname "$0")/../lib.sh"
test_begin

B=$(busybox_tree "$WORK/${MP}bb")
run_nspawn -q -D "$B" --pipe --tmpfs=/scratch --tmpfs=/small:size=1m,nr_inodes=100 \
        sh -c 'cat /proc/self/mountinfo; echo @@DF; df -i /tmp'
assert_eq 0 "$RC" "the container ran"
opts() { echo "$OUT" | awk -v m="$1" '$5 == m && $0 ~ / - tmpfs / {print $NF}'; }
k=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
pct() { echo $(((k / 4 * $1 + 99) / 100 * 4)); }  # whole pages, rounded up, as the kernel computes it
assert_match "nr_inodes=819200" "$(opts /run)" "/run: 800k inodes"
assert_match "nr_inodes=65536" "$(opts /dev)" "/dev: 64k inodes"
assert_match "size=4096k" "$(opts /dev)" "/dev: 4 MiB"
for m in /tmp /dev/shm /scratch; do
        assert_match "nr_inodes=409600" "$(opts $m)" "$m: 400k inodes"
        assert_match "size=$(pct 10)k" "$(opts $m)" "$m: 10% of memory"
done
assert_match "size=$(pct 20)k" "$(opts /run)" "/run: 20% of memory"
assert_match "size=1024k,nr_inodes=100" "$(opts /small)" "a --tmpfs with its own limits keeps them"
assert_match "409600" "$(echo "$OUT" | sed -n '/@@DF/,$p')" "df -i shows the inode limit of /tmp"

test_end
