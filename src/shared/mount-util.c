/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"
#include "mount-util.h"

static int openat2_(int dirfd, const char *path, int flags, unsigned long long resolve) {
        struct open_how how = {
                .flags = (unsigned long long) flags | O_CLOEXEC,
                .resolve = resolve,
        };
        return RET_NERRNO(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

static const char *skip_slashes(const char *p) {
        while (*p == '/')
                p++;
        return *p ? p : ".";
}

int open_in_root(int root_fd, const char *path, int flags, int *ret_fd) {
        int fd = openat2_(root_fd, skip_slashes(path), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (fd < 0)
                return fd;
        *ret_fd = fd;
        return 0;
}

int open_in_root_mkdir(int root_fd, const char *path, bool is_file, int *ret_fd) {
        const char *rel = skip_slashes(path);
        int r = open_in_root(root_fd, rel, O_PATH, ret_fd);

        if (r != -ENOENT)
                return r;

        /* Walk down from the root, creating what is missing. Each prefix is resolved from the
         * container root again, so that a symlink met on the way stays inside the tree. */
        _cleanup_close_ int dir_fd = -EBADF;
        r = open_in_root(root_fd, ".", O_PATH | O_DIRECTORY, &dir_fd);
        if (r < 0)
                return r;
        for (const char *p = rel; *p;) {
                const char *e = strchrnul(p, '/');
                size_t l = (size_t) (e - p);
                bool last = !e[strspn(e, "/")];
                char name[256], prefix[4096];

                if (l >= sizeof(name) || (size_t) (e - rel) >= sizeof(prefix))
                        return -ENAMETOOLONG;
                memcpy(name, p, l);
                name[l] = 0;
                memcpy(prefix, rel, (size_t) (e - rel));
                prefix[e - rel] = 0;

                if (last && is_file) {
                        int f = openat(dir_fd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                        if (f < 0 && errno != EEXIST && errno != EISDIR)
                                return -errno;
                        safe_close(f);
                } else if (mkdirat(dir_fd, name, 0755) < 0 && errno != EEXIST)
                        return -errno;

                _cleanup_close_ int next = -EBADF;
                r = open_in_root(root_fd, prefix, O_PATH | (last ? 0 : O_DIRECTORY), &next);
                if (r < 0)
                        return r;
                safe_close(dir_fd);
                dir_fd = TAKE_FD(next);
                p = e + strspn(e, "/");
        }
        *ret_fd = TAKE_FD(dir_fd);
        return 0;
}

int mount_fs_at(int target_fd, const char *fstype, unsigned long flags, const char *options) {
        char p[64];

        snprintf(p, sizeof(p), "/proc/self/fd/%d", target_fd);
        return RET_NERRNO(mount(fstype, p, fstype, flags, options));
}

int mount_tree_detached(int source_fd, bool recursive, bool read_only, int userns_fd, int *ret_tree_fd) {
        _cleanup_close_ int tree = RET_NERRNO(syscall(SYS_open_tree, source_fd, "",
                                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                                      (recursive ? AT_RECURSIVE : 0)));
        if (tree < 0)
                return tree;
        if (read_only || userns_fd >= 0) {
                struct mount_attr attr = {
                        .attr_set = (read_only ? MOUNT_ATTR_RDONLY : 0) | (userns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0),
                        .userns_fd = userns_fd >= 0 ? (uint64_t) userns_fd : 0,
                };
                if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
                            &attr, sizeof(attr)) < 0)
                        return -errno;
        }
        *ret_tree_fd = TAKE_FD(tree);
        return 0;
}

int bind_mount_at(int source_fd, int target_fd, bool recursive, bool read_only) {
        _cleanup_close_ int tree = -EBADF;
        int r = mount_tree_detached(source_fd, recursive, read_only, -EBADF, &tree);
        if (r < 0)
                return r;
        return move_mount_onto(tree, target_fd);
}

int remount_read_only_at(int fd) {
        return bind_mount_at(fd, fd, true, true);
}

/* A clone of the mount at fd without the read-only flag, over it: the flag is cleared on the clone
 * only, which the kernel allows where the flag is not locked (it was set in this user namespace). */
int remount_writable_at(int fd) {
        struct mount_attr attr = { .attr_clr = MOUNT_ATTR_RDONLY };
        _cleanup_close_ int tree = RET_NERRNO(syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                                      AT_EMPTY_PATH));
        if (tree < 0)
                return tree;
        if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                return -errno;
        return move_mount_onto(tree, fd);
}

int mount_set_read_only(int fd, bool recursive) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
        return RET_NERRNO(syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
                                  &attr, sizeof(attr)));
}

int mount_device_detached(const char *device, const char *fstype, bool read_only, char *errbuf, size_t errbuf_size,
                          int *ret_mount_fd) {
        _cleanup_close_ int fs = RET_NERRNO(syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC));
        int r;

        if (errbuf_size > 0)
                errbuf[0] = 0;
        if (fs < 0)
                return fs;
        r = RET_NERRNO(syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", device, 0));
        if (r >= 0 && read_only)
                r = RET_NERRNO(syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0));
        if (r >= 0)
                r = RET_NERRNO(syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
        if (r < 0) {
                /* The kernel's own words ("e ext4: VFS: Can't find ext4 filesystem") are the best
                 * description of a bad file system; keep the last error line. */
                char line[256];
                ssize_t n;
                while ((n = read(fs, line, sizeof(line) - 1)) > 0) {
                        line[n] = 0;
                        if (line[0] == 'e' && line[1] == ' ' && errbuf_size > 0)
                                snprintf(errbuf, errbuf_size, "%s", line + 2);
                }
                return r;
        }
        int m = RET_NERRNO(syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                                   MOUNT_ATTR_NODEV | (read_only ? MOUNT_ATTR_RDONLY : 0)));
        if (m < 0)
                return m;
        *ret_mount_fd = m;
        return 0;
}

int move_mount_onto(int mount_fd, int target_fd) {
        return RET_NERRNO(syscall(SYS_move_mount, mount_fd, "", target_fd, "",
                                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}
