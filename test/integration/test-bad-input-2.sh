#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# More bad input (issue 7, items 11 and 12): guest text in messages is escaped, -E refuses control
# characters, API file systems and the host's root are refused as -D up front (nothing is written to
# /dev), and mounts onto the container's root directory are refused.
. "$(dirname "$0")/../lib.sh"
test_begin

BB=$(busybox_tree "$WORK/${MP}bb")

# Item 11: a passwd shell field with an escape sequence. The tree has no /bin/sh to fall back on, so
# the login shell is reported as not found, quoted from the guest's passwd.
T=$(busybox_tree "$WORK/${MP}esc")
rm "$T/bin/sh"
printf 'root:x:0:0:root:/root:/bin/\033[2J\n' > "$T/etc/passwd"
refused "a passwd shell field with ESC [2J is quoted escaped" '/bin/\e[2J' -M "${MP}bad2-esc" -D "$T" --pipe
assert_eq 127 "$RC" "... and the missing shell exits 127"
printf 'root:x:0:0:root:/root:/bin/\302\233\342\200\256x\n' > "$T/etc/passwd"
refused "a passwd shell field with a C1 CSI and U+202E is quoted escaped" '/bin/\u009b\u202ex' \
        -M "${MP}bad2-esc" -D "$T" --pipe
# A command name is quoted the same way.
refused "a command name with an escape sequence" '/bin/\e]0;owned\x07' -M "${MP}bad2-esc" -D "$BB" --pipe $'/bin/\e]0;owned\a'
# Option names in errors: as written, escaped.
refused "a short option that is a control character" 'Unknown option -\e.' -D "$BB" -q$'\e' /bin/true
refused "a long option with an escape sequence" 'Unknown option --x\e[2J.' -D "$BB" --x$'\e[2J' /bin/true
refused "a long option given a value it does not take" "Unknown option --quiet=1." -D "$BB" --quiet=1 /bin/true
refused "an unknown letter inside a cluster" "Unknown option -Z." -D "$BB" --pipe -qZ /bin/true
# And a -D path with one.
touch "$WORK/$(printf 'file\033[2J')"
refused "a -D path with an escape sequence" 'file\e[2J' -D "$WORK/$(printf 'file\033[2J')" /bin/true

# Item 11: -E refuses control characters in VALUE (man page: "VALUE may not contain control
# characters"), naming the assignment escaped.
refused "-E with ESC in VALUE" 'A=\e[2J' -M "${MP}bad2" -D "$BB" -E $'A=\e[2J' /bin/true
refused "-E with a newline in VALUE" 'A=line1\nline2' -M "${MP}bad2" -D "$BB" -E $'A=line1\nline2' /bin/true
refused "-E with a tab in VALUE" 'A=a\tb' -M "${MP}bad2" -D "$BB" --setenv=$'A=a\tb' /bin/true
refused "-E with DEL in VALUE" 'A=\x7f' -M "${MP}bad2" -D "$BB" -E $'A=\x7f' /bin/true
run_nspawn -q -M "${MP}bad2" -D "$BB" --pipe -E 'A=Grüße "x" \n' sh -c 'printf %s "$A"'
assert_eq 'Grüße "x" \n' "$OUT" "-E with printable text and UTF-8 reaches the payload ($ERR)"

# Item 12: kernel API file systems, the host's root and non-directories as -D, refused before
# anything is done. The host's /dev must not gain a single directory.
dev_before=$(find /dev -xdev -type d | sort)
refused "-D /dev" "devtmpfs" -D /dev /bin/true
refused "-D /dev/ (trailing slash)" "devtmpfs" -D /dev/ /bin/true
refused "-D /dev with -M" "devtmpfs" -M "${MP}bad2-dev" -D /dev /bin/true
ln -s /dev "$WORK/devlink"
refused "-D a symlink to /dev" "devtmpfs" -M "${MP}bad2-dev" -D "$WORK/devlink" /bin/true
refused "-D /dev/pts" "devpts" -D /dev/pts /bin/true
refused "-D /dev/null" "not a directory" -M "${MP}bad2-dev" -D /dev/null /bin/true
refused "-D /proc" "proc" -D /proc /bin/true
refused "-D /proc/self" "proc" -M "${MP}bad2-proc" -D /proc/self /bin/true
refused "-D /sys" "sysfs" -D /sys /bin/true
refused "-D /sys/kernel" "sysfs" -M "${MP}bad2-sys" -D /sys/kernel /bin/true
while read -r mp type; do
        refused "-D $mp ($type)" "$type" -M "${MP}bad2-api" -D "$mp" /bin/true
done < <(awk '$9 ~ /^(cgroup|cgroup2|debugfs|tracefs|securityfs|bpf|pstore|mqueue|hugetlbfs|configfs|efivarfs)$/ {
        print $5, $9 }' /proc/self/mountinfo | sort -u -k2,2)
refused "-D /" "root directory" -M "${MP}bad2" -D / /bin/true
refused "-D //" "root directory" -M "${MP}bad2" -D // /bin/true
assert_eq "$dev_before" "$(find /dev -xdev -type d | sort)" "no directory appeared in /dev"

# A tmpfs is a directory tree like any other (/dev/shm is one, but not devtmpfs): not refused as
# an API file system.
mkdir "$WORK/tmpfs"
mount -t tmpfs tmpfs "$WORK/tmpfs"
on_exit "umount '$WORK/tmpfs'"
cp -a "$BB/." "$WORK/tmpfs/"
run_nspawn -q -M "${MP}bad2-tmpfs" -D "$WORK/tmpfs" --pipe echo ok
assert_eq "0|ok" "$RC|$OUT" "a tree on a tmpfs runs ($ERR)"
umount "$WORK/tmpfs"

# Item 12: a mount onto the container's root directory does nothing: refused in any spelling.
for spec in "$WORK:/" "$WORK://" "$WORK:/./" "$WORK:/." "$WORK:///:norbind"; do
        refused "--bind=$spec" "root directory" -M "${MP}bad2" -D "$BB" --bind="$spec" /bin/true
        refused "--bind-ro=$spec" "root directory" -M "${MP}bad2" -D "$BB" --bind-ro="$spec" /bin/true
done
refused "--bind-ro=/" "root directory" -M "${MP}bad2" -D "$BB" --bind-ro=/ /bin/true
for spec in / // /./ /.//:mode=0700; do
        refused "--tmpfs=$spec" "root directory" -M "${MP}bad2" -D "$BB" --tmpfs="$spec" /bin/true
done
run_nspawn -q -M "${MP}bad2" -D "$BB" --pipe --bind-ro=/:/host --tmpfs=//scratch/ sh -c 'test -d /host/proc && grep -q " /scratch " /proc/self/mountinfo && echo ok'
assert_eq "0|ok" "$RC|$OUT" "the host's root as a source and a tmpfs just below / still work ($ERR)"

test_end
