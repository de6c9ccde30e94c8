/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-template.h"
#include "path-util.h"
#include "string-util.h"

extern char **environ;

/* The directory the new tree goes into, and its name there. */
static int split_parent(const char *path, char **ret_parent, char **ret_name) {
        _cleanup_free_ char *name = path_basename_dup(path);
        const char *slash = strrchr(path, '/');
        char *parent = strndup(path, slash && slash != path ? (size_t) (slash - path) : 1);

        if (!name || !parent) {
                free(parent);
                return -ENOMEM;
        }
        *ret_parent = parent;
        *ret_name = TAKE_PTR(name);
        return 0;
}

static bool is_on_btrfs(int fd) {
        struct statfs sfs;

        return fstatfs(fd, &sfs) >= 0 && (uint32_t) sfs.f_type == (uint32_t) BTRFS_SUPER_MAGIC;
}

static bool is_btrfs_subvolume(int fd) {
        struct stat st;

        /* A subvolume's root directory is inode 256 (BTRFS_FIRST_FREE_OBJECTID). */
        return is_on_btrfs(fd) && fstat(fd, &st) >= 0 && st.st_ino == 256;
}

static int snapshot(int template_fd, int parent_fd, const char *name) {
        struct btrfs_ioctl_vol_args_v2 args = { .fd = template_fd };

        if (strlen(name) >= sizeof(args.name))
                return -ENAMETOOLONG;
        strcpy(args.name, name);
        return ioctl(parent_fd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0 ? -errno : 0;
}

/* cp(1) knows every kind of file, hard links, sparse files, ACLs and xattrs, and reflinks. */
static int copy_tree(const char *from, const char *to) {
        char *argv[] = { (char *) "cp", (char *) "-a", (char *) "--preserve=all", (char *) "--reflink=auto",
                         (char *) "--no-target-directory", (char *) "--", (char *) from, (char *) to, NULL };
        pid_t pid;
        int status;

        int r = posix_spawn(&pid, "/bin/cp", NULL, NULL, argv, environ);
        if (r != 0)
                return -r;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int template_instantiate(const char *template, const char *directory) {
        _cleanup_free_ char *t = escape_for_terminal(template, ESCAPE_MESSAGE_MAX);
        _cleanup_free_ char *d = escape_for_terminal(directory, ESCAPE_MESSAGE_MAX);
        _cleanup_free_ char *parent = NULL, *name = NULL, *tmp = NULL;
        _cleanup_close_ int template_fd = -EBADF, parent_fd = -EBADF;
        struct stat st;
        int r;

        if (lstat(directory, &st) >= 0)
                return 0;
        if (errno != ENOENT)
                return log_error_errno(-errno, _("Failed to access directory %s: %m"), strna(d));
        template_fd = open(template, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (template_fd < 0)
                return log_error_errno(-errno, _("Template directory %s: %m"), strna(t));
        r = split_parent(directory, &parent, &name);
        if (r < 0)
                return log_oom();
        parent_fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent_fd < 0)
                return log_error_errno(-errno, _("Failed to open the directory that is to hold %s: %m"), strna(d));

        if (is_btrfs_subvolume(template_fd) && is_on_btrfs(parent_fd)) {
                r = snapshot(template_fd, parent_fd, name);
                if (r >= 0)
                        return 0;
                log_debug_errno(r, "Snapshot of the template failed, copying it instead: %m");
        }
        tmp = strjoin(parent, streq(parent, "/") ? "" : "/", ".#", name, ".nspawn-template");
        if (!tmp)
                return log_oom();
        if (lstat(tmp, &st) >= 0) {
                _cleanup_free_ char *e = escape_for_terminal(tmp, ESCAPE_MESSAGE_MAX);
                return log_error_errno(-EEXIST, _("%s exists: an earlier copy of the template was interrupted; remove it."), strna(e));
        }
        r = copy_tree(template, tmp);
        if (r < 0) {
                _cleanup_free_ char *e = escape_for_terminal(tmp, ESCAPE_MESSAGE_MAX);
                return log_error_errno(r, _("Failed to copy template %s to %s: %m"), strna(t), strna(e));
        }
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, directory, RENAME_NOREPLACE) < 0)
                return log_error_errno(-errno, _("Failed to move the copy of template %s to %s: %m"), strna(t), strna(d));
        return 0;
}
