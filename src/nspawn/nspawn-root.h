/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The name of the kernel API file system with this statfs f_type (proc, sysfs, cgroup2...), or NULL
 * for a file system that can hold a tree. devtmpfs is not found this way: it reports tmpfs's magic. */
const char *api_fs_from_magic(int64_t f_type);
/* The same for a file system type as mountinfo names it ("devtmpfs"), or NULL. */
const char *api_fs_from_name(const char *fstype);
/* Copies the file system type of mount mnt_id in /proc/self/mountinfo text into buf. Returns 0,
 * -ENOENT when the mount is not listed, -EBADMSG for a malformed line, -ENAMETOOLONG. */
int mountinfo_fstype(const char *mountinfo, uint64_t mnt_id, char *buf, size_t size);
/* The type of the file system fd is on, as the mount table names it. */
int fd_mount_fstype(int fd, char *buf, size_t size);

/* Refuses, with one line naming path and the reason, a container root fd (opened from path, O_PATH)
 * that is not a directory, is the host's root, or lies on a kernel API file system (nspawn would create
 * directories in and mount over the host's /dev, /proc or /sys). Only the fd is examined; path is for
 * the message. */
int root_directory_check(int fd, const char *path);
