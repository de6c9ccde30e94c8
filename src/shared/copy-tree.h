/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Copies a file or a tree the way "cp -a" does (contents, modes, owners, timestamps, xattrs, symlinks
 * as symlinks, hard links within the tree, FIFOs, sockets and device nodes), working only through
 * fds: every node is opened relative to its parent's fd by a single name with O_NOFOLLOW, ".." is
 * never walked, so neither a symlink in the source nor one planted in the destination while the copy
 * runs can lead it out of the two directories it was given. */

/* Translates one owner (uid, or gid when is_gid) of a source node into the owner of its copy; a
 * negative errno refuses the copy (-EOVERFLOW: the id has no counterpart). */
typedef int (*CopyShiftId)(uint32_t id, bool is_gid, uint32_t *ret, void *userdata);

/* Progress: the bytes of file contents handled so far (data and holes alike, the size of every link
 * of a hard-linked file), called after each chunk of a file; the caller rate-limits. At the end they
 * add up to copy_tree_size() of a source that did not change meanwhile. */
typedef void (*CopyProgress)(uint64_t done, void *userdata);

typedef struct CopyTreeOptions {
        /* NULL: owners are kept as they are. */
        CopyShiftId shift_id;
        /* For shift_id and progress. */
        void *userdata;
        /* NULL: no progress reported. */
        CopyProgress progress;
        /* Replace an existing destination (atomically: the old one is exchanged for the copy, then
         * removed); without it an existing destination is -EEXIST. */
        bool replace;
        /* Extended attributes beyond user.*: ACLs and file capabilities hold ids, so they are only
         * copied when the owners are not shifted. */
        bool all_xattrs;
        /* The name the copy is built under, NULL: a random one. A caller that may be killed during
         * the copy names it, so that it can remove what is left (remove_tree_at()). */
        const char *temporary_name;
        /* dst_name NULL: the complete copy is left under temporary_name (which must be given), for
         * the caller to rename into place; on failure it is removed all the same. */
        /* Other file systems mounted inside the tree are not entered: a mount point is copied as an
         * empty directory with its attributes (as its own file system's root has them). Without it
         * they are copied (procfs and sysfs are refused either way). */
        bool same_file_system;
        /* Non-zero: the permission bits of the copy of the top node, instead of the source's. */
        mode_t top_mode;
        /* Filled on failure: the node that failed, relative to the source's parent ("" unknown). */
        char *error_path;
        size_t error_path_size;
} CopyTreeOptions;

/* Copies src_name below src_dir_fd to dst_name below dst_dir_fd (single names, no slashes). The
 * copy is built under a temporary name in the destination directory and renamed into place when
 * complete; on failure the temporary copy is removed, so that no half-written copy is left. */
int copy_tree_at(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
                 const CopyTreeOptions *options);

/* The bytes a copy of src_name will handle, for the progress's total: the sizes of the regular files
 * (every link), by stat alone. Unreadable parts are left out. */
int copy_tree_size(int src_dir_fd, const char *src_name, bool same_file_system, uint64_t *ret);

/* A fresh temporary name (".#copy" and 16 hex digits) for CopyTreeOptions.temporary_name. */
#define COPY_TEMPORARY_NAME_SIZE 32
int copy_temporary_name(char buf[static COPY_TEMPORARY_NAME_SIZE]);

/* -EPERM when fd is on procfs or sysfs: those are views of the kernel, not files; a tree that reaches
 * into them is refused rather than copied (a guest's /proc would also show its processes' memory to
 * the copier). */
int copy_refuse_api_fs(int fd);

/* Removes name below dir_fd and, for a directory, everything in it, without following symlinks. */
int remove_tree_at(int dir_fd, const char *name);
