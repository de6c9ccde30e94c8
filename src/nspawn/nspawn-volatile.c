/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"
#include "mount-util.h"
#include "nspawn-volatile.h"
#include "parse-util.h"
#include "string-util.h"

static const char *const volatile_mode_table[_VOLATILE_MODE_MAX] = {
        [VOLATILE_NO] = "no",
        [VOLATILE_YES] = "yes",
        [VOLATILE_STATE] = "state",
        [VOLATILE_OVERLAY] = "overlay",
};

const char *volatile_mode_to_string(VolatileMode m) {
        return m >= 0 && m < _VOLATILE_MODE_MAX ? volatile_mode_table[m] : NULL;
}

VolatileMode volatile_mode_from_string(const char *s) {
        if (!s)
                return _VOLATILE_MODE_INVALID;
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? VOLATILE_YES : VOLATILE_NO;
        for (int i = 0; i < _VOLATILE_MODE_MAX; i++)
                if (streq(s, volatile_mode_table[i]))
                        return (VolatileMode) i;
        return _VOLATILE_MODE_INVALID;
}

static const char *const root_layers_table[_ROOT_LAYERS_MAX] = {
        [ROOT_LAYERS_NONE] = "none",
        [ROOT_LAYERS_OVERLAY] = "overlay",
        [ROOT_LAYERS_STATE] = "state",
        [ROOT_LAYERS_USR] = "usr",
};

const char *root_layers_to_string(RootLayers l) {
        return l >= 0 && l < _ROOT_LAYERS_MAX ? root_layers_table[l] : NULL;
}

RootLayers root_layers_pick(bool ephemeral, VolatileMode volatile_mode) {
        if (ephemeral)
                return ROOT_LAYERS_OVERLAY;
        switch (volatile_mode) {
        case VOLATILE_YES:
                return ROOT_LAYERS_USR;
        case VOLATILE_STATE:
                return ROOT_LAYERS_STATE;
        case VOLATILE_OVERLAY:
                return ROOT_LAYERS_OVERLAY;
        default:
                return ROOT_LAYERS_NONE;
        }
}

/* A tmpfs is bounded like the container's other ones (nspawn-mount.c): the writes of an ephemeral
 * container land here, in the host's memory. */
#define ROOT_TMPFS_SIZE "50%"
#define ROOT_TMPFS_INODES "1m"

/* The file system configured in fs, made and mounted (detached). */
static int fs_create_mount(int fs, int *ret_fd) {
        int r = RET_NERRNO(syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
        if (r < 0)
                return r;
        int m = RET_NERRNO(syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0));
        if (m < 0)
                return m;
        *ret_fd = m;
        return 0;
}

/* A new tmpfs, detached: it lives as long as an fd of it or a mount of it does. */
static int tmpfs_detached(const char *mode, uint32_t owner, int *ret_fd) {
        _cleanup_close_ int fs = RET_NERRNO(syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC));
        char id[16];
        int r;

        if (fs < 0)
                return fs;
        snprintf(id, sizeof(id), "%u", (unsigned) owner);
        const char *const opts[][2] = {
                { "mode", mode }, { "size", ROOT_TMPFS_SIZE }, { "nr_inodes", ROOT_TMPFS_INODES },
                { "uid", id }, { "gid", id },
        };
        for (size_t i = 0; i < ELEMENTSOF(opts); i++) {
                r = RET_NERRNO(syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0));
                if (r < 0)
                        return r;
        }
        return fs_create_mount(fs, ret_fd);
}

/* The tree's layer: a clone of its mount, id-mapped when asked. An fd that can be read (not O_PATH):
 * fsconfig(FSCONFIG_SET_FD) takes no O_PATH fd. */
static int tree_layer(int tree_fd, int userns_fd, bool recursive, int *ret_tree, int *ret_dir) {
        _cleanup_close_ int tree = -EBADF;
        int r;

        r = mount_tree_detached(tree_fd, recursive, false, userns_fd, &tree);
        if (r < 0)
                return r;
        int dir = openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        *ret_tree = TAKE_FD(tree);
        *ret_dir = dir;
        return 0;
}

/* Makes dir in parent_fd and opens it for reading, with the owner and mode of model (a stat of the
 * tree's root, as the container sees it): the overlay's root takes them from its upper directory. */
static int make_layer_dir(int parent_fd, const char *name, const struct stat *model, int *ret_fd) {
        if (mkdirat(parent_fd, name, 0700) < 0)
                return -errno;
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (model && (fchown(fd, model->st_uid, model->st_gid) < 0 || fchmod(fd, model->st_mode & 07777) < 0))
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int overlay_fsconfig_fd(int fs, const char *key, int fd) {
        return RET_NERRNO(syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, key, NULL, fd));
}

int overlay_detached(const int *lower_fds, size_t n_lower, int upper_fd, int work_fd, int *ret_fd) {
        _cleanup_close_ int fs = RET_NERRNO(syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC));
        int r;

        if (fs < 0)
                return fs;
        /* Layers by fd (Linux 6.13): nothing of the tree is named by a path the guest could change. */
        for (size_t i = 0; i < n_lower; i++) {
                r = overlay_fsconfig_fd(fs, "lowerdir+", lower_fds[i]);
                if (r < 0)
                        return r;
        }
        if (upper_fd >= 0) {
                r = overlay_fsconfig_fd(fs, "upperdir", upper_fd);
                if (r < 0)
                        return r;
                r = overlay_fsconfig_fd(fs, "workdir", work_fd);
                if (r < 0)
                        return r;
        }
        return fs_create_mount(fs, ret_fd);
}

int tmpfs_layer_dirs(uint32_t owner, const struct stat *model, int *ret_tmp, int *ret_upper, int *ret_work) {
        _cleanup_close_ int tmp = -EBADF, upper = -EBADF, work = -EBADF;
        int r;

        r = tmpfs_detached("0700", owner, &tmp);
        if (r < 0)
                return r;
        r = make_layer_dir(tmp, "upper", model, &upper);
        if (r >= 0)
                r = make_layer_dir(tmp, "work", NULL, &work);
        if (r < 0)
                return r;
        *ret_tmp = TAKE_FD(tmp);
        *ret_upper = TAKE_FD(upper);
        *ret_work = TAKE_FD(work);
        return 0;
}

static int make_overlay(int tree_fd, int userns_fd, uint32_t owner, int *ret_fd, const char **ret_what) {
        _cleanup_close_ int tree = -EBADF, lower = -EBADF, tmp = -EBADF, upper = -EBADF, work = -EBADF;
        struct stat st;
        int r;

        *ret_what = "tree layer";
        r = tree_layer(tree_fd, userns_fd, false, &tree, &lower);
        if (r < 0)
                return r;
        if (fstat(lower, &st) < 0)
                return -errno;
        *ret_what = "tmpfs";
        r = tmpfs_layer_dirs(owner, &st, &tmp, &upper, &work);
        if (r < 0)
                return r;
        *ret_what = "overlay";
        return overlay_detached(&lower, 1, upper, work, ret_fd);
}

/* The tree read-only, a tmpfs on /var (made where the tree has none). */
static int make_state(int tree_fd, int userns_fd, uint32_t owner, int *ret_fd, const char **ret_what) {
        _cleanup_close_ int tree = -EBADF, dir = -EBADF, var = -EBADF, tmp = -EBADF;
        int r;

        *ret_what = "tree layer";
        r = tree_layer(tree_fd, userns_fd, true, &tree, &dir);
        if (r < 0)
                return r;
        r = mount_set_read_only(tree, true);
        if (r < 0)
                return r;
        *ret_what = "/var";
        r = open_in_root(tree, "/var", O_PATH | O_DIRECTORY, &var);
        if (r < 0)
                return r;
        r = tmpfs_detached("0755", owner, &tmp);
        if (r < 0)
                return r;
        r = move_mount_onto(tmp, var);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(tree);
        return 0;
}

/* The tree's top-level symbolic links into /usr (/bin -> usr/bin on a merged-/usr tree): the dynamic
 * loader's path (/lib64/ld-linux-x86-64.so.2) and /bin/sh must resolve on the tmpfs root too. */
static int copy_usr_links(int tree_dir, int root_fd) {
        _cleanup_(closedirp) DIR *d = NULL;
        int r;

        r = opendir_fd(tree_dir, &d);
        if (r < 0)
                return r;
        for (struct dirent *de; (de = readdir(d));) {
                char target[PATH_MAX];
                ssize_t n;

                if (de->d_type != DT_LNK)
                        continue;
                n = readlinkat(tree_dir, de->d_name, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = 0;
                if (!startswith(target, "usr/") && !startswith(target, "/usr/"))
                        continue;
                if (symlinkat(target, root_fd, de->d_name) < 0 && errno != EEXIST)
                        return -errno;
        }
        return 0;
}

/* A tmpfs root with the tree's /usr, read-only. */
static int make_usr(int tree_fd, int userns_fd, uint32_t owner, int *ret_fd, const char **ret_what) {
        _cleanup_close_ int tree = -EBADF, dir = -EBADF, usr = -EBADF, usr_tree = -EBADF, root = -EBADF,
                            target = -EBADF;
        int r;

        *ret_what = "tree layer";
        r = tree_layer(tree_fd, userns_fd, true, &tree, &dir);
        if (r < 0)
                return r;
        *ret_what = "/usr";
        r = open_in_root(tree, "/usr", O_PATH | O_DIRECTORY, &usr);
        if (r < 0)
                return r;
        r = mount_tree_detached(usr, true, true, -EBADF, &usr_tree);
        if (r < 0)
                return r;
        *ret_what = "tmpfs";
        r = tmpfs_detached("0755", owner, &root);
        if (r < 0)
                return r;
        if (mkdirat(root, "usr", 0755) < 0 || fchownat(root, "usr", owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        target = openat(root, "usr", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0)
                return -errno;
        r = move_mount_onto(usr_tree, target);
        if (r < 0)
                return r;
        r = copy_usr_links(dir, root);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(root);
        return 0;
}

int root_layers_make(RootLayers l, int tree_fd, int userns_fd, uint32_t owner, int *ret_mount_fd,
                     const char **ret_what) {
        const char *what = NULL;
        int fd = -EBADF, r;

        switch (l) {
        case ROOT_LAYERS_OVERLAY:
                r = make_overlay(tree_fd, userns_fd, owner, &fd, &what);
                break;
        case ROOT_LAYERS_STATE:
                r = make_state(tree_fd, userns_fd, owner, &fd, &what);
                break;
        case ROOT_LAYERS_USR:
                r = make_usr(tree_fd, userns_fd, owner, &fd, &what);
                break;
        default:
                return -EINVAL;
        }
        if (r < 0) {
                *ret_what = what;
                return r;
        }
        *ret_mount_fd = fd;
        return 0;
}
