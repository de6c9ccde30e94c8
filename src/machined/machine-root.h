/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* A running container's root directory, as machined reaches it from the host: /proc/LEADER/root,
 * the leader's root in its own mount namespace (its mounts included). Paths below it are resolved
 * with RESOLVE_IN_ROOT (mount-util.h's open_in_root()), so that the guest's symlinks and ".." stay
 * inside. */

/* 0 while the pidfd's process lives, -ESRCH when it is gone. */
int machine_leader_check(int leader_pidfd);
/* An O_PATH fd of the leader's root; -ESRCH when the leader is gone (checked after opening, so the
 * root is the pidfd's process's, not a recycled pid's). */
int machine_open_root(pid_t leader, int leader_pidfd, int *ret_fd);
/* The leader's root as a directory fd of its own (O_RDONLY), for OpenMachineRootDirectory: the
 * caller resolves paths below it itself (with openat2(RESOLVE_IN_ROOT) to stay inside). */
int machine_open_root_directory(pid_t leader, int leader_pidfd, int *ret_fd);
