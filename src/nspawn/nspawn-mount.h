/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "nspawn-settings.h"

typedef enum MountKind {
        MOUNT_FS,               /* a new file system instance */
        MOUNT_READ_ONLY_SELF,   /* a path of the container bound onto itself, read-only */
        MOUNT_WRITABLE_SELF,    /* a path below a read-only one bound onto itself, writable again */
        MOUNT_MASK,             /* an inaccessible node from /run/host/inaccessible bound over a path */
        MOUNT_BIND_HOST,        /* a host path bound into the container */
        MOUNT_POPULATE_RUN,     /* fill /run: /run/host, /run/systemd/container */
        MOUNT_POPULATE_DEV,     /* device nodes and the usual symlinks in /dev */
        MOUNT_OVERLAY,          /* --overlay=, --overlay-ro=: made by the parent (nspawn-overlay.c) */
        _MOUNT_KIND_MAX,
        _MOUNT_KIND_INVALID = -EINVAL,
} MountKind;

typedef struct MountEntry {
        MountKind kind;
        char *where;            /* path inside the container */
        char *what;             /* file system type, or host source path */
        char *options;
        unsigned long flags;
        bool optional;          /* a target that does not exist is skipped */
        bool read_only;
        bool recursive;
        bool bind_nodes;        /* MOUNT_POPULATE_DEV: bind the host's device nodes instead of making
                                 * them (for a user namespace, where mknod is not allowed) */
        bool from_parent;       /* MOUNT_BIND_HOST: the parent opens the source, with the host's
                                 * credentials, and hands the child a detached tree (a user namespace) */
        bool idmap;             /* from_parent: the tree is id-mapped into the container's range */
        const OverlayMount *overlay;  /* MOUNT_OVERLAY: the layers (in the Settings) */
} MountEntry;

typedef struct MountPlan {
        MountEntry *entries;
        size_t n_entries;
} MountPlan;

/* Everything the container's file system needs, in order, as data: nothing is touched. */
int mount_plan_build(const Settings *s, MountPlan *ret);
/* A writable, non-recursive bind of a host directory, after everything else (--link-journal=). */
int mount_plan_add_bind(MountPlan *p, const char *where, const char *what, bool from_parent);
void mount_plan_done(MountPlan *p);
void mount_plan_dump(const MountPlan *p, FILE *f);
const char *mount_kind_to_string(MountKind k);

/* What populating /run needs from the launcher. */
typedef struct MountContext {
        const char *host_os_release;    /* contents for /run/host/os-release, or NULL */
        int notify_fd;                  /* an unbound datagram socket to bind at /run/host/notify, or -1 */
        int *trees;                     /* one per plan entry: the detached trees of from_parent
                                         * entries (taken and closed when attached), or NULL */
} MountContext;

/* Carries out the plan below root_fd (the container's root, already a mount point). On failure returns
 * a negative errno and the index of the entry that failed. */
int mount_plan_apply(const MountPlan *p, int root_fd, const MountContext *ctx, size_t *ret_failed);
