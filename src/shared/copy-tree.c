/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copy-tree.h"
#include "fd-util.h"

/* A tree from a guest is data of the guest's: its depth and its hard links are bounded so that it
 * cannot exhaust the stack or the fds of whoever copies it. */
#define COPY_DEPTH_MAX 256
#define HARDLINKS_MAX 1024
#define XATTR_BUF_SIZE (64 * 1024)
#define COPY_BUF_SIZE (128 * 1024)
/* copy_file_range() in chunks, so that the progress moves within a large file. */
#define COPY_CHUNK_SIZE (8 * 1024 * 1024)

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        nlink_t left;   /* links of the source not met yet */
        int fd;         /* the first copy */
} HardLink;

typedef struct CopyContext {
        const CopyTreeOptions *o;
        HardLink links[HARDLINKS_MAX];
        size_t n_links;
        char path[4096];
        size_t path_len;
        char *xattr_list, *xattr_value;
        /* The copy's top directory: a source that contains the destination (a tree copied into
         * itself) would meet it while walking, and copy it into itself again and again. */
        dev_t top_dev;
        ino_t top_ino;
        /* The source's file system, for same_file_system. */
        dev_t src_dev;
        uint64_t done;
} CopyContext;

static void progress_add(CopyContext *c, uint64_t n) {
        c->done += n;
        if (c->o->progress && n > 0)
                c->o->progress(c->done, c->o->userdata);
}

static void context_done(CopyContext *c) {
        for (size_t i = 0; i < c->n_links; i++)
                safe_close(c->links[i].fd);
        free(c->xattr_list);
        free(c->xattr_value);
}

/* Tracks the path of the node being copied, for the error message. */
static size_t path_push(CopyContext *c, const char *name) {
        size_t old = c->path_len;
        int n = snprintf(c->path + old, sizeof(c->path) - old, "%s%s", old > 0 ? "/" : "", name);

        if (n > 0)
                c->path_len = MIN(old + (size_t) n, sizeof(c->path) - 1);
        return old;
}

static void path_pop(CopyContext *c, size_t old) {
        c->path_len = old;
        c->path[old] = 0;
}

/* Records where the copy failed, once: the deepest caller sees the error first. */
static int fail(CopyContext *c, int r) {
        if (c->o->error_path && c->o->error_path_size > 0 && !c->o->error_path[0])
                snprintf(c->o->error_path, c->o->error_path_size, "%s", c->path);
        return r;
}

static int shift_owner(CopyContext *c, const struct stat *st, uid_t *ret_uid, gid_t *ret_gid) {
        uint32_t uid = st->st_uid, gid = st->st_gid;
        int r;

        if (c->o->shift_id) {
                r = c->o->shift_id(st->st_uid, false, &uid, c->o->userdata);
                if (r < 0)
                        return r;
                r = c->o->shift_id(st->st_gid, true, &gid, c->o->userdata);
                if (r < 0)
                        return r;
        }
        *ret_uid = uid;
        *ret_gid = gid;
        return 0;
}

static bool xattr_wanted(const CopyContext *c, const char *name) {
        return c->o->all_xattrs || strncmp(name, "user.", 5) == 0;
}

static int copy_xattrs(CopyContext *c, int sfd, int dfd) {
        ssize_t n;

        if (!c->xattr_list) {
                c->xattr_list = malloc(XATTR_BUF_SIZE);
                c->xattr_value = malloc(XATTR_BUF_SIZE);
                if (!c->xattr_list || !c->xattr_value)
                        return -ENOMEM;
        }
        n = flistxattr(sfd, c->xattr_list, XATTR_BUF_SIZE);
        if (n < 0)
                return errno == EOPNOTSUPP ? 0 : -errno;
        for (const char *name = c->xattr_list; name < c->xattr_list + n; name += strlen(name) + 1) {
                ssize_t v;

                if (!xattr_wanted(c, name))
                        continue;
                v = fgetxattr(sfd, name, c->xattr_value, XATTR_BUF_SIZE);
                if (v < 0) {
                        if (errno == ENODATA)
                                continue;
                        return -errno;
                }
                /* The destination's file system may not take them (no user xattrs, no ACLs): the
                 * data is what was asked for; trusted.* and security.* need more than root may have. */
                if (fsetxattr(dfd, name, c->xattr_value, (size_t) v, 0) < 0 && errno != EOPNOTSUPP &&
                    strncmp(name, "user.", 5) == 0)
                        return -errno;
        }
        return 0;
}

/* Owner first: chown() clears the set-uid and set-gid bits and file capabilities, which the mode and
 * the xattrs then set again. Times last, after everything that changes them. */
static int apply_attributes(CopyContext *c, int sfd, int dfd, const struct stat *st) {
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        uid_t uid;
        gid_t gid;
        int r;

        r = shift_owner(c, st, &uid, &gid);
        if (r < 0)
                return r;
        if (fchown(dfd, uid, gid) < 0 || fchmod(dfd, st->st_mode & 07777) < 0)
                return -errno;
        r = copy_xattrs(c, sfd, dfd);
        if (r < 0)
                return r;
        return RET_NERRNO(futimens(dfd, ts));
}

/* For nodes that cannot be opened (symlinks, device nodes, FIFOs, sockets): by name, never
 * following the name. */
static int apply_attributes_at(CopyContext *c, int ddir, const char *dname, const struct stat *st) {
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        uid_t uid;
        gid_t gid;
        int r;

        r = shift_owner(c, st, &uid, &gid);
        if (r < 0)
                return r;
        if (fchownat(ddir, dname, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISLNK(st->st_mode) && fchmodat(ddir, dname, st->st_mode & 07777, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return RET_NERRNO(utimensat(ddir, dname, ts, AT_SYMLINK_NOFOLLOW));
}

/* Errors of copy_file_range() that mean "not here", not "failed". */
static bool copy_needs_fallback(int e) {
        return e == EXDEV || e == EINVAL || e == EOPNOTSUPP || e == ENOSYS;
}

/* Across file systems of different types, or where the file system has no copy_file_range. */
static int copy_range_plain(CopyContext *c, int in, int out, off_t off, off_t end) {
        _cleanup_free_ char *buf = malloc(COPY_BUF_SIZE);

        if (!buf)
                return -ENOMEM;
        while (off < end) {
                ssize_t n = pread(in, buf, (size_t) MIN((off_t) COPY_BUF_SIZE, end - off), off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = pwrite(out, buf + w, (size_t) (n - w), off + w);
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        w += k;
                }
                off += n;
                progress_add(c, (uint64_t) n);
        }
        return 0;
}

static int copy_range(CopyContext *c, int in, int out, off_t off, off_t end) {
        while (off < end) {
                loff_t i = off, o = off;
                ssize_t n = copy_file_range(in, &i, out, &o, (size_t) MIN((off_t) COPY_CHUNK_SIZE, end - off), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (copy_needs_fallback(errno))
                                return copy_range_plain(c, in, out, off, end);
                        return -errno;
                }
                if (n == 0)     /* the file shrank meanwhile */
                        return 0;
                off += n;
                progress_add(c, (uint64_t) n);
        }
        return 0;
}

/* A reflink where the file system shares extents; else the data segments only, so that a hole stays a
 * hole (the size set at the end keeps one at the end too). The size is the one stat() saw. */
static int copy_data(CopyContext *c, int in, int out, off_t size) {
        uint64_t expected = c->done + (uint64_t) size;
        off_t off = 0;
        int r;

        if (ioctl(out, FICLONE, in) >= 0) {
                progress_add(c, (uint64_t) size);
                return 0;
        }
        while (off < size) {
                off_t data = lseek(in, off, SEEK_DATA), hole;

                if (data < 0 && errno == ENXIO)         /* a hole up to the end */
                        break;
                if (data < 0 && errno != EINVAL && errno != EOPNOTSUPP)
                        return -errno;
                if (data < 0)                           /* no SEEK_DATA here: all data */
                        data = off, hole = size;
                else {
                        hole = lseek(in, data, SEEK_HOLE);
                        if (hole < 0)
                                return -errno;
                }
                if (data >= size)
                        break;
                hole = MIN(hole, size);
                progress_add(c, (uint64_t) (data - off));
                r = copy_range(c, in, out, data, hole);
                if (r < 0)
                        return r;
                off = hole;
        }
        /* The holes at the end and what a shrinking file did not have: the sum stays the sizes. */
        if (c->done < expected)
                progress_add(c, expected - c->done);
        return RET_NERRNO(ftruncate(out, size));
}

static HardLink *hardlink_find(CopyContext *c, const struct stat *st) {
        for (size_t i = 0; i < c->n_links; i++)
                if (c->links[i].fd >= 0 && c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino)
                        return &c->links[i];
        return NULL;
}

/* A later link of a file copied already becomes a link of its copy. */
static int hardlink_try(CopyContext *c, const struct stat *st, int ddir, const char *dname) {
        HardLink *l;

        if (st->st_nlink <= 1 || !(l = hardlink_find(c, st)))
                return 0;
        if (linkat(l->fd, "", ddir, dname, AT_EMPTY_PATH) < 0)
                return -errno;
        progress_add(c, (uint64_t) st->st_size);
        if (--l->left == 0)
                l->fd = safe_close(l->fd);
        return 1;
}

static void hardlink_remember(CopyContext *c, const struct stat *st, int dfd) {
        if (st->st_nlink <= 1 || c->n_links >= HARDLINKS_MAX)
                return;
        int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return;
        c->links[c->n_links++] = (HardLink) { .dev = st->st_dev, .ino = st->st_ino, .left = st->st_nlink - 1,
                                              .fd = fd };
}

/* Opens the node by name without following it, and checks that it is still what was stat()ed:
 * opening a device node that replaced a file meanwhile would have side effects, a FIFO would block. */
static int open_checked(int dir, const char *name, const struct stat *st, int flags) {
        _cleanup_close_ int path_fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat now;

        if (path_fd < 0)
                return -errno;
        if (fstat(path_fd, &now) < 0)
                return -errno;
        if (now.st_dev != st->st_dev || now.st_ino != st->st_ino || ((now.st_mode ^ st->st_mode) & S_IFMT))
                return -EAGAIN;
        return fd_reopen(path_fd, flags);
}


static int copy_regular(CopyContext *c, int sdir, const char *sname, int ddir, const char *dname,
                        const struct stat *st, unsigned depth) {
        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
        int r;

        r = hardlink_try(c, st, ddir, dname);
        if (r != 0)
                return r < 0 ? r : 0;
        sfd = open_checked(sdir, sname, st, O_RDONLY | O_NONBLOCK);
        if (sfd < 0)
                return sfd;
        /* Files inside a tree were checked with their directory. */
        if (depth == 0) {
                r = copy_refuse_api_fs(sfd);
                if (r < 0)
                        return r;
        }
        dfd = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (dfd < 0)
                return -errno;
        r = copy_data(c, sfd, dfd, st->st_size);
        if (r < 0)
                return r;
        r = apply_attributes(c, sfd, dfd, st);
        if (r < 0)
                return r;
        hardlink_remember(c, st, dfd);
        return 0;
}

static int copy_symlink(CopyContext *c, int sdir, const char *sname, int ddir, const char *dname,
                        const struct stat *st) {
        char target[4096];
        ssize_t n = readlinkat(sdir, sname, target, sizeof(target));

        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof(target))
                return -ENAMETOOLONG;
        target[n] = 0;
        if (symlinkat(target, ddir, dname) < 0)
                return -errno;
        return apply_attributes_at(c, ddir, dname, st);
}

static int copy_special(CopyContext *c, int ddir, const char *dname, const struct stat *st) {
        if (mknodat(ddir, dname, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
                return -errno;
        return apply_attributes_at(c, ddir, dname, st);
}

static int copy_node(CopyContext *c, int sdir, const char *sname, int ddir, const char *dname, unsigned depth);

int copy_refuse_api_fs(int fd) {
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        if (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)
                return -EPERM;
        return 0;
}

static int copy_directory(CopyContext *c, int sdir, const char *sname, int ddir, const char *dname,
                          const struct stat *st, unsigned depth) {
        _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        int r;

        if (depth >= COPY_DEPTH_MAX)
                return -ELOOP;
        sfd = open_checked(sdir, sname, st, O_RDONLY | O_DIRECTORY);
        if (sfd < 0)
                return sfd;
        bool mount_point = depth > 0 && c->o->same_file_system && st->st_dev != c->src_dev;
        if (!mount_point) {
                r = copy_refuse_api_fs(sfd);
                if (r < 0)
                        return r;
        }
        /* Private until complete: nobody reads or writes a half-copied directory. */
        if (mkdirat(ddir, dname, 0700) < 0)
                return -errno;
        dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (mount_point)
                return apply_attributes(c, sfd, dfd, st);
        if (depth == 0) {
                struct stat top;
                if (fstat(dfd, &top) < 0)
                        return -errno;
                c->top_dev = top.st_dev;
                c->top_ino = top.st_ino;
        }
        int list_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
        if (list_fd < 0)
                return -errno;
        d = fdopendir(list_fd);
        if (!d) {
                safe_close(list_fd);
                return -errno;
        }
        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        break;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                size_t old = path_push(c, de->d_name);
                r = copy_node(c, sfd, de->d_name, dfd, de->d_name, depth + 1);
                if (r < 0)
                        return r;
                path_pop(c, old);
        }
        return apply_attributes(c, sfd, dfd, st);
}

static int copy_node(CopyContext *c, int sdir, const char *sname, int ddir, const char *dname, unsigned depth) {
        struct stat st;
        int r;

        if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fail(c, -errno);
        if (depth > 0 && S_ISDIR(st.st_mode) && st.st_dev == c->top_dev && st.st_ino == c->top_ino)
                return 0;
        if (depth == 0) {
                c->src_dev = st.st_dev;
                if (c->o->top_mode != 0)
                        st.st_mode = (st.st_mode & S_IFMT) | (c->o->top_mode & 07777);
        }
        switch (st.st_mode & S_IFMT) {
        case S_IFREG:
                r = copy_regular(c, sdir, sname, ddir, dname, &st, depth);
                break;
        case S_IFDIR:
                r = copy_directory(c, sdir, sname, ddir, dname, &st, depth);
                break;
        case S_IFLNK:
                r = copy_symlink(c, sdir, sname, ddir, dname, &st);
                break;
        case S_IFIFO:
        case S_IFSOCK:
        case S_IFCHR:
        case S_IFBLK:
                r = copy_special(c, ddir, dname, &st);
                break;
        default:
                r = -EBADFD;
        }
        return r < 0 ? fail(c, r) : 0;
}

static bool name_is_single(const char *n) {
        return n && n[0] && !strchr(n, '/') && strcmp(n, ".") != 0 && strcmp(n, "..") != 0;
}

int copy_temporary_name(char buf[static COPY_TEMPORARY_NAME_SIZE]) {
        uint64_t rnd;

        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno;
        snprintf(buf, COPY_TEMPORARY_NAME_SIZE, ".#copy%016llx", (unsigned long long) rnd);
        return 0;
}

/* Puts the complete copy in place: without replace only where nothing is (the check is the rename's,
 * so a destination that appeared during the copy is not overwritten either); with it, the old
 * destination is swapped out in one step and then removed. */
static int install(int ddir, const char *tmp, const char *dname, bool replace) {
        if (replace) {
                if (renameat2(ddir, tmp, ddir, dname, RENAME_EXCHANGE) >= 0) {
                        (void) remove_tree_at(ddir, tmp);
                        return 0;
                }
                if (errno != ENOENT)
                        return -errno;
        }
        return RET_NERRNO(renameat2(ddir, tmp, ddir, dname, RENAME_NOREPLACE));
}

int copy_tree_at(int src_dir_fd, const char *src_name, int dst_dir_fd, const char *dst_name,
                 const CopyTreeOptions *options) {
        _cleanup_free_ CopyContext *c = calloc(1, sizeof(CopyContext));
        char tmp[NAME_MAX + 1];     /* a temporary name of the caller: any single name */
        struct stat st;
        int r;

        if (!c)
                return -ENOMEM;
        if (!name_is_single(src_name) || (dst_name ? !name_is_single(dst_name) : !options->temporary_name))
                return -EINVAL;
        c->o = options;
        if (options->error_path && options->error_path_size > 0)
                options->error_path[0] = 0;
        path_push(c, src_name);

        if (dst_name && !options->replace && fstatat(dst_dir_fd, dst_name, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return -EEXIST;
        if (options->temporary_name) {
                if (!name_is_single(options->temporary_name) ||
                    strlen(options->temporary_name) >= sizeof(tmp))
                        return -EINVAL;
                strcpy(tmp, options->temporary_name);
                r = 0;
        } else
                r = copy_temporary_name(tmp);
        if (r >= 0)
                r = copy_node(c, src_dir_fd, src_name, dst_dir_fd, tmp, 0);
        context_done(c);
        if (r >= 0 && dst_name)
                r = install(dst_dir_fd, tmp, dst_name, options->replace);
        if (r < 0)
                (void) remove_tree_at(dst_dir_fd, tmp);
        return r;
}

static void tree_size(int dir_fd, dev_t dev, bool same_file_system, unsigned depth, uint64_t *total) {
        _cleanup_closedir_ DIR *d = NULL;
        int fd;

        if (depth >= COPY_DEPTH_MAX)
                return;
        fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return;
        }
        for (struct dirent *de; (de = readdir(d));) {
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISREG(st.st_mode))
                        *total += (uint64_t) st.st_size;
                else if (S_ISDIR(st.st_mode) && (!same_file_system || st.st_dev == dev)) {
                        _cleanup_close_ int sub = openat(dir_fd, de->d_name,
                                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                tree_size(sub, dev, same_file_system, depth + 1, total);
                }
        }
}

int copy_tree_size(int src_dir_fd, const char *src_name, bool same_file_system, uint64_t *ret) {
        _cleanup_close_ int fd = -EBADF;
        uint64_t total = 0;
        struct stat st;

        if (!name_is_single(src_name))
                return -EINVAL;
        if (fstatat(src_dir_fd, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISREG(st.st_mode))
                total = (uint64_t) st.st_size;
        else if (S_ISDIR(st.st_mode)) {
                fd = openat(src_dir_fd, src_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                tree_size(fd, st.st_dev, same_file_system, 0, &total);
        }
        *ret = total;
        return 0;
}

static int remove_tree_depth(int dir_fd, const char *name, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        int fd, r = 0;

        if (unlinkat(dir_fd, name, 0) >= 0)
                return 0;
        if (errno == ENOENT)
                return 0;
        if (errno != EISDIR)
                return -errno;
        if (depth >= COPY_DEPTH_MAX * 2)
                return -ELOOP;
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int k = remove_tree_depth(dirfd(d), de->d_name, depth + 1);
                if (k < 0 && r == 0)
                        r = k;
        }
        if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && r == 0)
                r = -errno;
        return r;
}

int remove_tree_at(int dir_fd, const char *name) {
        return remove_tree_depth(dir_fd, name, 0);
}
