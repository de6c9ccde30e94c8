/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "macro.h"

int safe_close(int fd);
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void close_pairp(int (*p)[2]) {
        safe_close((*p)[0]);
        safe_close((*p)[1]);
}
#define _cleanup_close_pair_ _cleanup_(close_pairp)

int fd_nonblock(int fd, bool nonblock);
/* Opens (creates, mode 0600) the lock file path and takes an exclusive flock() on it, waiting for it:
 * the fd, which holds the lock until closed. */
int lock_file_exclusive(const char *path);
int close_all_fds_from(int first);
int move_fd(int from, int to);

/* Write the whole buffer, retrying on EINTR and short writes. */
int loop_write(int fd, const void *buf, size_t n);
/* A DIR stream of its own for the directory dir_fd refers to (dir_fd stays open and untouched). */
#include <dirent.h>
int opendir_fd(int dir_fd, DIR **ret);
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)
/* Opens an O_PATH fd for reading if, and only if, it refers to a regular file. */
struct stat;
/* Opens the file behind path_fd (an O_PATH fd) anew with flags (O_CLOEXEC and O_NOCTTY added), through
 * /proc/self/fd: the file checked on path_fd is the file opened. Returns the fd or a negative errno. */
int fd_reopen(int path_fd, int flags);
int fd_reopen_regular(int path_fd, struct stat *ret_st, int *ret_fd);
/* Reads all of fd (at most max bytes, else -EFBIG) into a NUL-terminated string; returns the length. */
int read_fd_limited(int fd, size_t max, char **ret);
/* Read up to max bytes of a small file below dir_fd into a NUL-terminated string; refuses
 * anything that is not a regular file, and files larger than max. */
int read_small_file_at(int dir_fd, const char *path, size_t max, char **ret);
int write_string_file_at(int dir_fd, const char *path, const char *s);
