/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "machine.h"

/* Into a running container: a pty from the machine's own devpts instance, a shell (or any program)
 * run as a user of the guest, and the connection to the guest's systemd that a login needs. All three
 * are done by a helper process that machined clones straight into the machine's cgroup (the leader's,
 * in every hierarchy), that makes itself non-dumpable and drops every fd of machined's before it
 * joins the machine's namespaces (setns() with the leader's pidfd), and that reports back over a
 * socket. Nothing here knows D-Bus. */

typedef enum JoinMode {
        JOIN_PTY,       /* a pty, nothing on it */
        JOIN_SHELL,     /* a pty with a program on it */
        JOIN_GETTY,     /* a pty and a connection to the guest's systemd (/run/systemd/private) */
        _JOIN_MODE_MAX,
        _JOIN_MODE_INVALID = -EINVAL,
} JoinMode;

/* Where a join failed, for the message. */
typedef enum JoinStep {
        JOIN_STEP_PREPARE,      /* in machined, before the helper ran */
        JOIN_STEP_CGROUP,
        JOIN_STEP_SECCOMP_READ,
        JOIN_STEP_SETNS,
        JOIN_STEP_PTY,
        JOIN_STEP_CONNECT,
        JOIN_STEP_CAPS,
        JOIN_STEP_SECCOMP,
        JOIN_STEP_USER,
        JOIN_STEP_EXEC,
        JOIN_STEP_HELPER,       /* the helper died without a word */
        _JOIN_STEP_MAX,
} JoinStep;

const char *join_step_to_string(JoinStep s);

/* The client's side is no terminal: the pty neither echoes input nor makes signals of it (input), or
 * sends "\n" as it is (output). Set before the program starts, so that its first output is already
 * plain. */
#define JOIN_PTY_PLAIN_INPUT  (UINT64_C(1) << 0)
#define JOIN_PTY_PLAIN_OUTPUT (UINT64_C(1) << 1)
#define _JOIN_PTY_FLAGS_ALL   (JOIN_PTY_PLAIN_INPUT | JOIN_PTY_PLAIN_OUTPUT)

typedef struct JoinRequest {
        JoinMode mode;
        /* JOIN_SHELL: */
        const char *user;       /* a name or a uid of the guest's passwd; "" is root */
        const char *path;       /* absolute; "" is the user's shell, started as a login shell */
        char **args;            /* argv; empty: { path } */
        char **env;             /* "NAME=VALUE" entries over the clean environment */
        unsigned pty_flags;     /* JOIN_PTY_PLAIN_*: how the pty is set up before the program runs */
        /* Taken (closed by the join in any case): where "EXIT_CODE=exited|killed\nEXIT_STATUS=N\n" is
         * written when the helper is reaped, or -EBADF. */
        int status_fd;
} JoinRequest;

/* Called once. On success master (the pty's master side) and bus_fd (JOIN_GETTY only, else -EBADF)
 * belong to the callee; pty_path is "/dev/pts/N" as the guest sees it, pty_number N. On failure
 * error < 0 and step says where. */
typedef void (*JoinReady)(int error, JoinStep step, int master, const char *pty_path, unsigned pty_number,
                          int bus_fd, void *userdata);

/* Starts the helper. Refuses at once (without calling ready) with: -EOPNOTSUPP for a VM, -EBUSY while
 * the machine is opening, -ESHUTDOWN while it is closing, -EDEADLK while it is frozen (the helper
 * would freeze in its cgroup), -ESRCH when the leader is gone, -ENXIO when the user is not in the
 * guest's passwd; step and a failed call's errno otherwise. machined reaps the helper (and through it
 * the shell) whatever becomes of the client. */
int machine_join_start(Machine *m, const JoinRequest *req, JoinReady ready, void *userdata, JoinStep *ret_step);
