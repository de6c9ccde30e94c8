#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A7 (systemd#40501, CVE-2025-31133): /proc/kcore, keys, kallsyms, timer_list and /proc/acpi are masked,
# each by a mount of nspawn's own. A8: /proc/sys, /proc/sysrq-trigger, core_pattern and /sys are
# read-only. Both modes; and after the container tries to unmount the masks and the read-only mounts
# (umount -l), nothing of the host is readable or writable through them in the user-namespace mode; in
# the default mode they are, the documented limitation. Whether those mounts can be unmounted at all is
# test-a08-locked.sh.
. "$(dirname "$0")/lib-security.sh"
test_begin

core=$(cat /proc/sys/kernel/core_pattern)
printk=$(cat /proc/sys/kernel/printk)
sysrq_lines() { dmesg 2>/dev/null | grep -c -i sysrq; }

MASKS="kcore keys kallsyms timer_list acpi sched_debug"
# kallsyms counts the symbols shown with an address (every user may see the names, with zeros).
READS='for f in kcore keys timer_list; do echo "$f:$(head -c 4096 /proc/$f 2>/dev/null | wc -c)"; done
        echo "kallsyms:$(cat /proc/kallsyms 2>/dev/null | grep -cv "^0* ")"
        echo "acpi:$(ls -A /proc/acpi 2>/dev/null | wc -l)"'
# Each write puts back the value that is there already: should it get through, the host is unchanged.
WRITES='w() { v=$(cat "$1" 2>/dev/null) && (printf "%s\n" "$v" > "$1") 2>/dev/null && echo "written:$1"; }
        w /proc/sys/kernel/core_pattern
        w /proc/sys/kernel/printk
        # "h" only prints the help text to the kernel log, should it get through.
        [ -e /proc/sysrq-trigger ] && (echo h > /proc/sysrq-trigger) 2>/dev/null && echo written:sysrq-trigger
        touch /sys/kernel/x 2>/dev/null && echo written:/sys/kernel/x
        echo done'
UNMOUNT="for f in $MASKS sysrq-trigger sys; do umount -l /proc/\$f 2>/dev/null; done
        umount -l /sys/fs/cgroup 2>/dev/null; umount -l /sys 2>/dev/null"

for mode in "${MODES[@]}"; do
        B=$(busybox_tree "$WORK/${MP}bb$mode")
        N=(-q -D "$B" --pipe $(mode_args "$mode"))
        sysrq=$(sysrq_lines)

        run_nspawn "${N[@]}" sh -c "$READS; cat /proc/self/mountinfo >&2"
        assert_eq $'kcore:0\nkeys:0\ntimer_list:0\nkallsyms:0\nacpi:0' "$OUT" "[$mode] A7: masked /proc files read as empty"
        masked=""
        for f in $MASKS; do
                [ -e /proc/$f ] || continue
                grep -qE "^[0-9]+ [0-9]+ [^ ]+ [^ ]+ /proc/$f " <<<"$ERR" || masked+=" $f"
        done
        assert_eq "" "$masked" "[$mode] A7: each of these that exists on this kernel has a masking mount"

        run_nspawn "${N[@]}" sh -c "$WRITES"
        assert_eq "done" "$OUT" "[$mode] A8: /proc/sys, /proc/sysrq-trigger and /sys refuse writes"

        # The container removes what it can of the masks and read-only mounts, then tries again.
        run_nspawn "${N[@]}" sh -c "$UNMOUNT; $READS; $WRITES"
        if [ "$mode" = userns ]; then
                assert_eq $'kcore:0\nkeys:0\ntimer_list:0\nkallsyms:0\nacpi:0\ndone' "$OUT" \
                        "[$mode] A7/A8: after umount -l of the masks and read-only mounts, the kernel refuses the rest"
        else
                limitation A8 "unmount the read-only /proc/sys" \
                        "written:/proc/sys/kernel/core_pattern written:/proc/sys/kernel/printk" \
                        "$(grep '^written:' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" \
                        "container root unmounts /proc/sys and writes the host's sysctls"
                limitation A7 "unmount the masks" "keys timer_list" \
                        "$(grep -E '^(keys|timer_list):[1-9]' <<<"$OUT" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')" \
                        "container root unmounts the masks of /proc/keys and /proc/timer_list and reads them"
        fi

        assert_eq "$core" "$(cat /proc/sys/kernel/core_pattern)" "[$mode] A8: host core_pattern unchanged"
        assert_eq "$printk" "$(cat /proc/sys/kernel/printk)" "[$mode] A8: host printk unchanged"
        assert_eq "$sysrq" "$(sysrq_lines)" "[$mode] A8: no new SysRq line in the host's kernel log"
done

test_end
