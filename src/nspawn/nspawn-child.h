/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-etc-mode.h"
#include "nspawn-mount.h"
#include "nspawn-settings.h"
#include "nspawn-sync.h"

/* What the child needs, all computed by the parent before clone(): the child only applies it. */
typedef struct ChildContext {
        const Settings *settings;
        const MountPlan *mount_plan;
        const char *root;               /* the tree's path on the host, for messages only: the tree
                                         * itself is the working directory at clone() */
        const char *host_os_release;    /* contents, or NULL */
        const EtcHostFacts *etc_host;   /* what --resolv-conf= and --timezone= take from the host */
        char **environment;             /* the payload's base environment */
        ConsoleMode console_mode;       /* effective mode */
        uint64_t capabilities;
        bool read_only;                 /* --read-only, or a root the stage can only give read-only */
        int sync_fd;
        SyncPlan sync_plan;             /* the handshake's steps (nspawn-sync.h) */
        int notify_fd;                  /* --boot: the socket for /run/host/notify, else -1 */
        int *mount_fds;                 /* n_mount_fds slots (SYNC_SLOT_*), all -1 at clone(): the
                                         * detached trees the parent hands over during the handshake
                                         * (a user namespace's id-mapped root, its binds) */
        size_t n_mount_fds;
} ChildContext;

/* Runs in the new namespaces as their PID 1: sets up the container and executes the payload. Reports a
 * failure to the parent over sync_fd and exits non-zero. Never returns. */
_Noreturn void child_run(const ChildContext *c);
