/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "fd-util.h"
#include "machine-root.h"
#include "process-util.h"

int machine_leader_check(int leader_pidfd) {
        if (leader_pidfd >= 0 && pidfd_send_signal_(leader_pidfd, 0) < 0)
                return -ESRCH;
        return 0;
}

static int open_root(pid_t leader, int leader_pidfd, int flags, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        char p[64];
        int r;

        snprintf(p, sizeof(p), "/proc/%d/root", (int) leader);
        fd = open(p, flags | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        r = machine_leader_check(leader_pidfd);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int machine_open_root(pid_t leader, int leader_pidfd, int *ret_fd) {
        return open_root(leader, leader_pidfd, O_PATH, ret_fd);
}

int machine_open_root_directory(pid_t leader, int leader_pidfd, int *ret_fd) {
        return open_root(leader, leader_pidfd, O_RDONLY | O_NOCTTY, ret_fd);
}
