/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The parent/child channel: a SOCK_SEQPACKET pair. The child reports a failed step as
 * {step, errno, detail} and exits; it closes its end on a successful execve() (O_CLOEXEC), which the
 * parent sees as EOF. The parent logs child failures once, with context. */

typedef enum ChildStep {
        STEP_NONE,
        STEP_WAIT_PARENT,
        STEP_NAMESPACE,
        STEP_HOSTNAME,
        STEP_MOUNT,
        STEP_MKDIR,
        STEP_MASK,
        STEP_DEVICE,
        STEP_CONSOLE,
        STEP_ETC,
        STEP_PIVOT_ROOT,
        STEP_NETWORK,
        STEP_USER,
        STEP_USER_UNKNOWN,
        STEP_USER_DB,
        STEP_CHDIR,
        STEP_CAPABILITIES,
        STEP_SECCOMP,
        STEP_FORK,
        STEP_EXEC_NOT_FOUND,
        STEP_EXEC,
        STEP_INIT_LINK,
        STEP_FDS,
        STEP_PARENT_DEATH_SIGNAL,
        STEP_USER_DB_NOT_REGULAR,
        STEP_GETCWD,
        STEP_CHDIR_OUTSIDE,
        _STEP_MAX,
} ChildStep;

typedef enum SyncMessageType {
        SYNC_ERROR,
        SYNC_CONSOLE_FD,        /* carries the pty master as SCM_RIGHTS */
} SyncMessageType;

typedef struct SyncMessage {
        int32_t type;
        int32_t step;
        int32_t error;          /* positive errno */
        char detail[256];
} SyncMessage;

int sync_send_error(int fd, ChildStep step, int error, const char *detail);
int sync_send_fd(int fd, int payload_fd);
/* Returns 0 on EOF, 1 when *ret (and possibly *ret_fd) was filled. */
int sync_receive(int fd, SyncMessage *ret, int *ret_fd);
int sync_send_byte(int fd);
int sync_wait_byte(int fd);
/* A translated description of a failed step for the parent's log, with %s for the detail. */
const char *child_step_format(ChildStep step);
/* Logs a child's SYNC_ERROR once, its detail (guest data, maybe) escaped. */
void sync_log_child_error(const SyncMessage *m);
/* Logs a SYNC_ERROR that the child left on the channel before it exited, if there is one: for a
 * failure the parent notices first (the go byte cannot be sent). Returns true if it logged one. */
bool sync_log_pending_child_error(int fd);
