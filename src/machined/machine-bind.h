/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "machine.h"

/* BindMountMachine: a live bind mount of a host file or directory into a running container, the
 * object side. The work runs in an operation's child (operation.h). */

typedef struct MachineBind {
        pid_t leader;
        int leader_pidfd;       /* the machine's; valid in the forked child */
        char *host_path;        /* absolute, normalized, not "/" */
        char *guest_path;       /* absolute, normalized, not "/" */
        bool read_only;
        bool mkdir;
} MachineBind;

/* -EINVAL: a path that is not absolute and normalized, or "/". */
int machine_bind_new(const Machine *machine, const char *host_path, const char *guest_path, bool read_only,
                     bool mkdir, MachineBind **ret);
void machine_bind_free(void *userdata);

/* An OperationWork: clones the host path's mount tree (open_tree, recursive, read-only when asked),
 * joins the machine's mount namespace (through the leader's pidfd) and attaches the clone
 * (move_mount) onto the guest path, resolved inside the machine's root (RESOLVE_IN_ROOT; with mkdir,
 * what is missing is made there: directories, and an empty file for a file source). The mount lives
 * in the machine's mount namespace only (the guest's root is a slave of the host's, so nothing
 * propagates back) and goes with it. In a machine with a user namespace, the mount is not id-mapped:
 * the guest sees the host's owners through its uid_map (those outside it as nobody). */
int machine_bind_work(void *userdata, char *message, size_t message_size);
