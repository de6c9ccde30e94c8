/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

/* Undoes one thing the root stage set up (a mount, a loop device). */
typedef void (*RootTeardown)(void *userdata);

typedef struct RootTeardownHook {
        RootTeardown fn;
        void *userdata;
} RootTeardownHook;

/* The container's root, resolved once: everything after works on fd, never on the path again. */
typedef struct RootStage {
        int fd;                         /* O_PATH directory fd of the tree */
        char *path;                     /* where it was when opened (the directory, or the image
                                         * file): messages and registration only */
        bool image;                     /* the root is a disk image mounted by the stage */
        bool read_only;                 /* the stage can only give a read-only root (a read-only
                                         * image, partition or file system) */
        RootTeardownHook *hooks;
        size_t n_hooks;
} RootStage;

#define ROOT_STAGE_NULL ((RootStage) { .fd = -EBADF })

/* Opens directory (the path the user gave) once and checks the fd (root_directory_check()). Logs a
 * one-line error naming the path on failure. */
int root_stage_open(const char *directory, RootStage *ret);
/* Registers fn(userdata) to run at root_stage_done(), in reverse order of registration. */
int root_stage_add_teardown(RootStage *s, RootTeardown fn, void *userdata);
/* Runs the teardown hooks (last registered first), closes the fd, frees the rest. Idempotent. */
void root_stage_done(RootStage *s);
/* The path the kernel has for fd (/proc/self/fd): the canonical path the file had when it was opened. */
int fd_display_path(int fd, char **ret);
