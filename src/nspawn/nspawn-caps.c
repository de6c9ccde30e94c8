/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cap-list.h"
#include "macro.h"
#include "nspawn-caps.h"

int capability_bounding_set_limit(uint64_t keep) {
        int last = capability_last();

        for (int c = 0; c <= last; c++) {
                if (keep & (UINT64_C(1) << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        }
        return 0;
}

int capability_set_process(uint64_t keep, uint64_t ambient) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};
        int last = capability_last();

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        /* Effective from permitted, not from effective: after a change to a non-root user with
         * PR_SET_KEEPCAPS the kernel kept permitted but cleared effective. The inheritable set is only
         * what is passed on on purpose (runc's CVE-2022-29162 left it full, so that a program with
         * file-inheritable capabilities gained them). */
        for (int i = 0; i < 2; i++) {
                uint32_t k = (uint32_t) (keep >> (32 * i));
                d[i].permitted &= k;
                d[i].effective = d[i].permitted;
                d[i].inheritable = (uint32_t) (ambient >> (32 * i)) & d[i].permitted;
        }
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return -errno;
        /* An ambient capability must be permitted and inheritable: one the process does not hold
         * cannot be raised, and is an error, not silently missing. */
        for (int c = 0; c <= last; c++)
                if ((ambient & (UINT64_C(1) << c)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0)
                        return -errno;
        return 0;
}

bool capability_bounding_set_has(uint64_t mask, int *ret_missing) {
        int last = capability_last();

        for (int c = 0; c <= last; c++)
                if ((mask & (UINT64_C(1) << c)) && prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) <= 0) {
                        if (ret_missing)
                                *ret_missing = c;
                        return false;
                }
        return true;
}
