/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Everything here works relative to an fd of the container's root directory and resolves paths with
 * openat2(RESOLVE_IN_ROOT): a symlink planted in the tree can never lead outside it. */

/* Opens path (relative to the root, leading slashes ignored) as an O_PATH fd. */
int open_in_root(int root_fd, const char *path, int flags, int *ret_fd);
/* Like open_in_root(), but creates missing directories (mode 0755) on the way, and the last
 * component as a directory or, with is_file, as an empty regular file. */
int open_in_root_mkdir(int root_fd, const char *path, bool is_file, int *ret_fd);

/* Mounts a new file system of fstype on target_fd (an O_PATH fd). */
int mount_fs_at(int target_fd, const char *fstype, unsigned long flags, const char *options);
/* A detached clone (open_tree) of the mount tree at source_fd, read-only if asked, and id-mapped
 * through the user namespace userns_fd unless that is negative. Id-mapping needs the host's root and
 * a file system that supports it (-EINVAL from the kernel otherwise). */
int mount_tree_detached(int source_fd, bool recursive, bool read_only, int userns_fd, int *ret_tree_fd);
/* Bind-mounts source_fd onto target_fd through a detached clone of the source (open_tree), made
 * read-only before it is attached when asked to. */
int bind_mount_at(int source_fd, int target_fd, bool recursive, bool read_only);
/* Re-mounts a path read-only by binding it onto itself. */
int remount_read_only_at(int fd);
/* Sets the read-only flag of the mount whose root fd is. */
int mount_set_read_only(int fd, bool recursive);
int remount_writable_at(int fd);
/* Mounts device (a block device node) as fstype with the new mount API into a detached mount (nodev,
 * read-only if asked), returned as *ret_mount_fd. On failure the kernel's error line, when it gave one,
 * is left in errbuf ("" otherwise). */
int mount_device_detached(const char *device, const char *fstype, bool read_only, char *errbuf, size_t errbuf_size,
                          int *ret_mount_fd);
/* Attaches a detached mount (or moves a mount) onto target_fd, an O_PATH fd of a directory. */
int move_mount_onto(int mount_fd, int target_fd);
