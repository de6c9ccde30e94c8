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

int capability_set_process(uint64_t keep) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (int i = 0; i < 2; i++) {
                uint32_t k = (uint32_t) (keep >> (32 * i));
                d[i].effective &= k;
                d[i].permitted &= k;
                d[i].inheritable = 0;
        }
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return RET_NERRNO(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
}
