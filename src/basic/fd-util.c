/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"

int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}

int fd_nonblock(int fd, bool nonblock) {
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return -errno;
        int nflags = nonblock ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (nflags == flags)
                return 0;
        return RET_NERRNO(fcntl(fd, F_SETFL, nflags));
}

int close_all_fds_from(int first) {
        if (syscall(SYS_close_range, (unsigned) first, ~0U, 0) < 0)
                return -errno;
        return 0;
}

int move_fd(int from, int to) {
        if (from == to)
                return RET_NERRNO(fcntl(to, F_SETFD, 0));
        if (dup2(from, to) < 0)
                return -errno;
        safe_close(from);
        return 0;
}

int loop_write(int fd, const void *buf, size_t n) {
        const char *p = buf;

        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int fd_reopen(int path_fd, int flags) {
        char p[64];

        snprintf(p, sizeof(p), "/proc/self/fd/%d", path_fd);
        return RET_NERRNO(open(p, flags | O_CLOEXEC | O_NOCTTY));
}

int fd_reopen_regular(int path_fd, struct stat *ret_st, int *ret_fd) {
        struct stat st;

        if (fstat(path_fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        int fd = fd_reopen(path_fd, O_RDONLY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        if (ret_st)
                *ret_st = st;
        *ret_fd = fd;
        return 0;
}

int read_fd_limited(int fd, size_t max, char **ret) {
        _cleanup_free_ char *buf = malloc(max + 1);
        size_t n = 0;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, max + 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > max)
                        return -EFBIG;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        return (int) n;
}

int read_small_file_at(int dir_fd, const char *path, size_t max, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        /* Look before opening: opening a device node can have side effects, and a FIFO blocks. */
        _cleanup_close_ int path_fd = openat(dir_fd, path, O_PATH | O_CLOEXEC);
        if (path_fd < 0)
                return -errno;
        r = fd_reopen_regular(path_fd, &st, &fd);
        if (r < 0)
                return r;
        if ((size_t) st.st_size > max)
                return -EFBIG;
        return read_fd_limited(fd, max, ret);
}

int write_string_file_at(int dir_fd, const char *path, const char *s) {
        _cleanup_close_ int fd = openat(dir_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        return loop_write(fd, s, strlen(s));
}

int opendir_fd(int dir_fd, DIR **ret) {
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        *ret = d;
        return 0;
}

int lock_file_exclusive(const char *path) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX) < 0) {
                int r = -errno;
                safe_close(fd);
                return r;
        }
        return fd;
}
