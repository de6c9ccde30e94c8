/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/* A clone of an image into the writable pool. It is built under a hidden work name in the pool
 * (IMAGE_TEMP_PREFIX "clone-NEW-..."), which no listing shows, and renamed into place when complete:
 * a failed copy (a full disk) is removed before the error is reported, and what a killed machined
 * leaves is swept at its next start. The ways, fastest first: a btrfs snapshot (a subvolume into a
 * pool on the same btrfs); else copy_tree_at() (src/shared/copy-tree.h), the copy engine of the
 * copy verbs too: a reflink of each file (FICLONE, where the filesystem shares extents), a copy of
 * each file's data in the kernel (copy_file_range, holes kept). Owners, modes, timestamps, all
 * xattrs (ACLs are xattrs), symlinks, device nodes, FIFOs, sockets and hard links are kept; other
 * file systems mounted inside the tree are copied as their empty mount points. */
typedef struct CloneJob {
        char *src_path;
        ImageType type;
        char *new_name;
        bool read_only;
        char *work_entry;       /* below IMAGE_POOL */
        char *final_entry;
} CloneJob;

/* -EINVAL for an invalid new name, -EEXIST when any pool has it already. */
int clone_job_new(const Image *src, const char *new_name, bool read_only, CloneJob **ret);
void clone_job_free(void *job);

/* Progress of the copy: bytes of file contents handled so far and in all. */
typedef void (*CloneProgressFn)(uint64_t done, uint64_t total);

/* The copy (in an operation's child): the work name when it returns 0, nothing when it fails (a
 * one-line reason in message). */
int clone_job_run(CloneJob *j, CloneProgressFn progress, char *message, size_t message_size);
/* In machined, after the copy: renames the work name into place (-EEXIST when the name was taken
 * meanwhile: the copy goes). */
int clone_job_finish(CloneJob *j);
/* Then sets the read-only flag of the clone when asked. */
int clone_job_mark_read_only(CloneJob *j);
/* After a failed or cancelled copy: removes what is left of the work name. */
void clone_job_abort(CloneJob *j);
