/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Reads etc/os-release (or usr/lib/os-release) of a process's root directory. The root is opened as
 * /proc/PID/root and checked against the pidfd afterwards (a recycled pid is refused); the file is
 * looked up with openat2(RESOLVE_IN_ROOT), so the guest's symlinks resolve inside the guest. */
/* Opens path (relative to root_fd, the guest's root) for reading with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS): O_PATH first, then reopened only if it is a regular file that is not on
 * procfs or sysfs. Returns the fd. */
int openat_in_root(int root_fd, const char *path);

int os_release_read_pid(pid_t pid, int pidfd, char **ret_text);
/* The same below a tree's root directory (root_fd). */
int os_release_read_root(int root_fd, char **ret_text);
/* Opens path below root_fd for reading as a regular file, resolving it inside root_fd
 * (RESOLVE_IN_ROOT: the guest's symlinks resolve inside the guest), never a file of procfs or sysfs. */
int openat_in_root(int root_fd, const char *path);

/* Parses os-release text (shell-style quoting) into a strv of alternating keys and values. Lines
 * that are not assignments, and values that are not valid UTF-8, are skipped. */
int os_release_parse(const char *text, char ***ret);
