/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <strings.h>

#include "cap-list.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"
#include "string-util.h"

static const char *const cap_names[] = {
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
        "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
        "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
        "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
        "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
        "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

int capability_last(void) {
        static int cached = -1;
        _cleanup_free_ char *s = NULL;
        uint32_t v;

        if (cached >= 0)
                return cached;
        if (read_small_file_at(-EBADF, "/proc/sys/kernel/cap_last_cap", 32, &s) >= 0 &&
            safe_atou32(strstrip(s), &v) >= 0 && v < 64)
                cached = (int) v;
        else
                cached = (int) ELEMENTSOF(cap_names) - 1;
        return cached;
}

int capability_from_name(const char *name) {
        const char *n = name;
        uint32_t v;

        if (safe_atou32(name, &v) >= 0)
                return v < 64 ? (int) v : -EINVAL;
        if (strncasecmp(n, "cap_", 4) == 0)
                n += 4;
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (strcasecmp(n, cap_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *capability_to_name(int cap) {
        return cap >= 0 && (size_t) cap < ELEMENTSOF(cap_names) ? cap_names[cap] : NULL;
}

int capability_mask_from_string(const char *s, uint64_t *ret, char **ret_bad) {
        _cleanup_free_ char *copy = strdup(s);
        uint64_t mask = 0;
        char *state = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, ", ", &state); w; w = strtok_r(NULL, ", ", &state))
                /* As in systemd-nspawn: "help" anywhere in the list asks for the list of names. */
                if (streq(w, "help"))
                        return CAPABILITY_LIST_HELP;

        strcpy(copy, s);
        state = NULL;
        for (char *w = strtok_r(copy, ", ", &state); w; w = strtok_r(NULL, ", ", &state)) {
                if (strcasecmp(w, "all") == 0) {
                        mask = UINT64_MAX;
                        continue;
                }
                int c = capability_from_name(w);
                if (c < 0) {
                        if (ret_bad)
                                *ret_bad = strdup(w);
                        return c;
                }
                mask |= UINT64_C(1) << c;
        }
        *ret = mask;
        return 0;
}

uint64_t capability_default_mask(void) {
        static const int keep[] = {
                CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                CAP_FOWNER, CAP_FSETID, CAP_IPC_OWNER, CAP_KILL, CAP_LEASE, CAP_LINUX_IMMUTABLE,
                CAP_MKNOD, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW, CAP_SETFCAP,
                CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_CHROOT,
                CAP_SYS_NICE, CAP_SYS_PTRACE, CAP_SYS_RESOURCE, CAP_SYS_TTY_CONFIG,
        };
        uint64_t m = 0;

        for (size_t i = 0; i < ELEMENTSOF(keep); i++)
                m |= UINT64_C(1) << keep[i];
        return m;
}
