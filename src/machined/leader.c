/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fd-util.h"
#include "leader.h"
#include "process-util.h"

int proc_stat_parse_starttime(const char *text, uint64_t *ret) {
        /* The command name (field 2) may contain spaces and parentheses: count from the last ')'. */
        const char *s = strrchr(text, ')');

        if (!s)
                return -EIO;
        for (int field = 3; field <= 22; field++) {
                s = strchr(s + 1, ' ');
                if (!s)
                        return -EIO;
        }
        /* s is the space before field 22. */
        if (sscanf(s, " %" SCNu64, ret) != 1)
                return -EIO;
        return 0;
}

int leader_get_starttime(pid_t pid, int pidfd, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        char p[64];
        int r;

        snprintf(p, sizeof(p), "/proc/%d/stat", (int) pid);
        r = read_small_file_at(AT_FDCWD, p, 4096, &text);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        if (pidfd >= 0) {
                r = pidfd_send_signal_(pidfd, 0);
                if (r < 0)
                        return r; /* Only ESRCH says that it is gone. */
        }
        return proc_stat_parse_starttime(text, ret);
}
