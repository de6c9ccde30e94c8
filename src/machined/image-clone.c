/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "image-clone.h"
#include "string-util.h"

#define CLONE_DEPTH_MAX 256
#define CHUNK_SIZE (8U * 1024 * 1024)
#define PROGRESS_INTERVAL_NS (100U * 1000 * 1000)

int clone_job_new(const Image *src, const char *new_name, bool read_only, CloneJob **ret) {
        CloneJob *j;
        int r = image_name_check_free(new_name);

        if (r < 0)
                return r;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (CloneJob) {
                .src_path = strdup(src->path),
                .type = src->type,
                .new_name = strdup(new_name),
                .read_only = read_only,
                .work_entry = image_work_name("clone", new_name),
                .final_entry = src->type == IMAGE_RAW ? strjoin(new_name, ".raw") : strdup(new_name),
        };
        if (!j->src_path || !j->new_name || !j->work_entry || !j->final_entry) {
                clone_job_free(j);
                return -ENOMEM;
        }
        *ret = j;
        return 0;
}

void clone_job_free(void *job) {
        CloneJob *j = job;

        if (!j)
                return;
        free(j->src_path);
        free(j->new_name);
        free(j->work_entry);
        free(j->final_entry);
        free(j);
}

typedef struct HardLink {
        dev_t dev;
        ino_t ino;
        char *path;     /* of the first copy, relative to the copy's root */
} HardLink;

typedef struct CopyState {
        int dst_root_fd;
        dev_t src_dev;
        uint64_t done, total, last_report;
        CloneProgressFn progress;
        HardLink *links;
        size_t n_links;
        char path[PATH_MAX];    /* of the node being copied, relative to the root, for messages */
        char *message;
        size_t message_size;
} CopyState;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + (uint64_t) ts.tv_nsec;
}

static void copy_progress(CopyState *s, uint64_t n, bool force) {
        uint64_t t;

        s->done += n;
        if (!s->progress)
                return;
        t = now_ns();
        if (force || t - s->last_report >= PROGRESS_INTERVAL_NS) {
                s->last_report = t;
                s->progress(s->done, s->total);
        }
}

static int copy_fail(CopyState *s, int r, const char *what) {
        if (s->message && !s->message[0])
                snprintf(s->message, s->message_size, "Failed to %s '%s': %s", what, s->path[0] ? s->path : ".",
                         strerror(-r));
        return r;
}

/* The bytes the copy will handle (file sizes), for the progress: stat only, no contents read. */
static void tree_size(int dir_fd, dev_t dev, unsigned depth, uint64_t *total) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (depth > CLONE_DEPTH_MAX || opendir_fd(dir_fd, &d) < 0)
                return;
        while ((de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
                    fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISREG(st.st_mode))
                        *total += (uint64_t) st.st_size;
                else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
                        _cleanup_close_ int fd = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd >= 0)
                                tree_size(fd, dev, depth + 1, total);
                }
        }
}

static int copy_xattrs(int src_fd, int dst_fd) {
        _cleanup_free_ char *names = NULL, *value = NULL;
        ssize_t n = flistxattr(src_fd, NULL, 0);
        size_t value_size = 0;

        if (n < 0)
                return errno == EOPNOTSUPP || errno == ENOTSUP ? 0 : -errno;
        if (n == 0)
                return 0;
        names = malloc((size_t) n);
        if (!names)
                return -ENOMEM;
        n = flistxattr(src_fd, names, (size_t) n);
        if (n < 0)
                return -errno;
        for (char *p = names; p < names + n; p += strlen(p) + 1) {
                ssize_t v = fgetxattr(src_fd, p, NULL, 0);
                if (v < 0)
                        continue;
                if ((size_t) v > value_size) {
                        free(value);
                        value = malloc((size_t) v + 1);
                        if (!value)
                                return -ENOMEM;
                        value_size = (size_t) v;
                }
                v = fgetxattr(src_fd, p, value, value_size);
                if (v < 0)
                        continue;
                if (fsetxattr(dst_fd, p, value, (size_t) v, 0) < 0 && errno != EOPNOTSUPP)
                        return -errno;
        }
        return 0;
}

/* Owner, then mode (chown clears set-id bits), then xattrs (an ACL agrees with the mode), then times. */
static int copy_attributes(int src_fd, int dst_fd, const struct stat *st) {
        struct timespec times[2] = { st->st_atim, st->st_mtim };
        int r;

        if (fchown(dst_fd, st->st_uid, st->st_gid) < 0)
                return -errno;
        if (fchmod(dst_fd, st->st_mode & 07777) < 0)
                return -errno;
        r = copy_xattrs(src_fd, dst_fd);
        if (r < 0)
                return r;
        return RET_NERRNO(futimens(dst_fd, times));
}

static int copy_data_plain(CopyState *s, int src_fd, int dst_fd, off_t off, off_t end) {
        _cleanup_free_ char *buf = malloc(1 << 16);

        if (!buf)
                return -ENOMEM;
        while (off < end) {
                ssize_t n = pread(src_fd, buf, (size_t) MIN((off_t) (1 << 16), end - off), off);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                if (pwrite(dst_fd, buf, (size_t) n, off) != n)
                        return errno ? -errno : -EIO;
                off += n;
                copy_progress(s, (uint64_t) n, false);
        }
        return 0;
}

/* Data segments only: a hole stays a hole. */
static int copy_data(CopyState *s, int src_fd, int dst_fd, off_t size) {
        off_t off = 0;

        if (ioctl(dst_fd, FICLONE, src_fd) >= 0) {
                copy_progress(s, (uint64_t) size, false);
                return 0;
        }
        while (off < size) {
                off_t data = lseek(src_fd, off, SEEK_DATA), hole;
                if (data < 0) {
                        if (errno == ENXIO)
                                break;
                        return -errno;
                }
                hole = lseek(src_fd, data, SEEK_HOLE);
                if (hole < 0)
                        return -errno;
                copy_progress(s, (uint64_t) (data - off), false);
                off = data;
                while (off < hole) {
                        loff_t in = off, out = off;
                        ssize_t n = copy_file_range(src_fd, &in, dst_fd, &out, (size_t) MIN((off_t) CHUNK_SIZE, hole - off), 0);
                        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                                int r = copy_data_plain(s, src_fd, dst_fd, off, hole);
                                if (r < 0)
                                        return r;
                                off = hole;
                                break;
                        }
                        if (n < 0)
                                return -errno;
                        if (n == 0)
                                break;
                        off += n;
                        copy_progress(s, (uint64_t) n, false);
                }
        }
        copy_progress(s, size > off ? (uint64_t) (size - off) : 0, false);
        return RET_NERRNO(ftruncate(dst_fd, size));
}

static int hard_link_find(CopyState *s, const struct stat *st, const char **ret) {
        for (size_t i = 0; i < s->n_links; i++)
                if (s->links[i].dev == st->st_dev && s->links[i].ino == st->st_ino) {
                        *ret = s->links[i].path;
                        return 1;
                }
        return 0;
}

static int hard_link_add(CopyState *s, const struct stat *st) {
        HardLink *n = realloc(s->links, (s->n_links + 1) * sizeof(HardLink));

        if (!n)
                return -ENOMEM;
        s->links = n;
        s->links[s->n_links] = (HardLink) { .dev = st->st_dev, .ino = st->st_ino, .path = strdup(s->path) };
        if (!s->links[s->n_links].path)
                return -ENOMEM;
        s->n_links++;
        return 0;
}

static int copy_regular(CopyState *s, int src_dir_fd, int dst_dir_fd, const char *name, const struct stat *st) {
        _cleanup_close_ int src_fd = -EBADF, dst_fd = -EBADF;
        const char *first;
        int r;

        if (st->st_nlink > 1 && hard_link_find(s, st, &first) > 0) {
                if (linkat(s->dst_root_fd, first, dst_dir_fd, name, 0) < 0)
                        return copy_fail(s, -errno, "link");
                copy_progress(s, (uint64_t) st->st_size, false);
                return 0;
        }
        src_fd = openat(src_dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (src_fd < 0)
                return copy_fail(s, -errno, "open");
        dst_fd = openat(dst_dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst_fd < 0)
                return copy_fail(s, -errno, "create");
        r = copy_data(s, src_fd, dst_fd, st->st_size);
        if (r < 0)
                return copy_fail(s, r, "copy");
        r = copy_attributes(src_fd, dst_fd, st);
        if (r < 0)
                return copy_fail(s, r, "copy the attributes of");
        if (st->st_nlink > 1) {
                r = hard_link_add(s, st);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int copy_other(CopyState *s, int src_dir_fd, int dst_dir_fd, const char *name, const struct stat *st) {
        struct timespec times[2] = { st->st_atim, st->st_mtim };

        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(src_dir_fd, name, target, sizeof(target) - 1);
                if (n < 0)
                        return copy_fail(s, -errno, "read the symlink");
                target[n] = 0;
                if (symlinkat(target, dst_dir_fd, name) < 0)
                        return copy_fail(s, -errno, "create the symlink");
        } else if (mknodat(dst_dir_fd, name, st->st_mode, st->st_rdev) < 0)
                return copy_fail(s, -errno, "create the node");
        if (fchownat(dst_dir_fd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return copy_fail(s, -errno, "chown");
        if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir_fd, name, st->st_mode & 07777, 0) < 0)
                return copy_fail(s, -errno, "chmod");
        if (utimensat(dst_dir_fd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
                return copy_fail(s, -errno, "set the times of");
        return 0;
}

static int copy_directory(CopyState *s, int src_fd, int dst_fd, unsigned depth);

static int copy_entry(CopyState *s, int src_dir_fd, int dst_dir_fd, const char *name, unsigned depth) {
        size_t len = strlen(s->path);
        struct stat st;
        int r;

        if (snprintf(s->path + len, sizeof(s->path) - len, "%s%s", len ? "/" : "", name) >= (int) (sizeof(s->path) - len))
                return copy_fail(s, -ENAMETOOLONG, "copy");
        if (fstatat(src_dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = copy_fail(s, -errno, "stat");
        else if (S_ISREG(st.st_mode))
                r = copy_regular(s, src_dir_fd, dst_dir_fd, name, &st);
        else if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int sfd = -EBADF, dfd = -EBADF;

                if (mkdirat(dst_dir_fd, name, 0700) < 0)
                        return copy_fail(s, -errno, "create the directory");
                sfd = openat(src_dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                dfd = openat(dst_dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sfd < 0 || dfd < 0)
                        r = copy_fail(s, -errno, "open the directory");
                /* Another filesystem mounted in the tree: its mount point, not its contents. */
                else if (st.st_dev != s->src_dev)
                        r = copy_attributes(sfd, dfd, &st);
                else
                        r = copy_directory(s, sfd, dfd, depth + 1);
                if (r >= 0 && st.st_dev == s->src_dev) {
                        r = copy_attributes(sfd, dfd, &st);
                        if (r < 0)
                                r = copy_fail(s, r, "copy the attributes of");
                }
        } else
                r = copy_other(s, src_dir_fd, dst_dir_fd, name, &st);
        s->path[len] = 0;
        return r;
}

static int copy_directory(CopyState *s, int src_fd, int dst_fd, unsigned depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        if (depth > CLONE_DEPTH_MAX)
                return copy_fail(s, -ELOOP, "copy (too deep)");
        r = opendir_fd(src_fd, &d);
        if (r < 0)
                return copy_fail(s, r, "read the directory");
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = copy_entry(s, src_fd, dst_fd, de->d_name, depth);
                if (r < 0)
                        return r;
        }
        return errno > 0 ? copy_fail(s, -errno, "read the directory") : 0;
}

static bool fd_is_subvolume(int fd) {
        struct statfs sfs;
        struct stat st;

        return fstat(fd, &st) >= 0 && st.st_ino == 256 && fstatfs(fd, &sfs) >= 0 &&
               (uint64_t) sfs.f_type == BTRFS_SUPER_MAGIC;
}

/* A writable snapshot (the read-only flag is set after the rename). -EXDEV and friends: copy. */
static int try_snapshot(int src_fd, int pool_fd, const char *entry) {
        struct btrfs_ioctl_vol_args_v2 args = { .fd = src_fd };

        if (!fd_is_subvolume(src_fd))
                return -EOPNOTSUPP;
        if (strlen(entry) >= sizeof(args.name))
                return -ENAMETOOLONG;
        strncpy(args.name, entry, sizeof(args.name) - 1);
        return RET_NERRNO(ioctl(pool_fd, BTRFS_IOC_SNAP_CREATE_V2, &args));
}

static int clone_tree(CloneJob *j, CopyState *s, int pool_fd) {
        _cleanup_close_ int src_fd = -EBADF, dst_fd = -EBADF;
        struct stat st;
        int r;

        src_fd = open(j->src_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src_fd < 0 || fstat(src_fd, &st) < 0)
                return copy_fail(s, -errno, "open the image");
        if (try_snapshot(src_fd, pool_fd, j->work_entry) >= 0) {
                if (s->progress)
                        s->progress(1, 1);
                return 0;
        }
        s->src_dev = st.st_dev;
        tree_size(src_fd, st.st_dev, 0, &s->total);
        if (mkdirat(pool_fd, j->work_entry, 0700) < 0)
                return copy_fail(s, -errno, "create the copy");
        dst_fd = openat(pool_fd, j->work_entry, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst_fd < 0)
                return copy_fail(s, -errno, "open the copy");
        s->dst_root_fd = dst_fd;
        r = copy_directory(s, src_fd, dst_fd, 0);
        if (r < 0)
                return r;
        r = copy_attributes(src_fd, dst_fd, &st);
        if (r < 0)
                return copy_fail(s, r, "copy the attributes of");
        return 0;
}

static int clone_file(CloneJob *j, CopyState *s, int pool_fd) {
        _cleanup_close_ int src_fd = -EBADF, dst_fd = -EBADF;
        struct stat st;
        int r;

        src_fd = open(j->src_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (src_fd < 0 || fstat(src_fd, &st) < 0)
                return copy_fail(s, -errno, "open the image");
        if (!S_ISREG(st.st_mode))
                return copy_fail(s, -EOPNOTSUPP, "clone (only files and trees can be cloned)");
        s->total = (uint64_t) st.st_size;
        dst_fd = openat(pool_fd, j->work_entry, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst_fd < 0)
                return copy_fail(s, -errno, "create the copy");
        r = copy_data(s, src_fd, dst_fd, st.st_size);
        if (r < 0)
                return copy_fail(s, r, "copy");
        /* As systemd: the copy of a raw image is writable (0644) unless it is to be read-only. */
        st.st_mode = (st.st_mode & ~07777) | 0644;
        r = copy_attributes(src_fd, dst_fd, &st);
        return r < 0 ? copy_fail(s, r, "copy the attributes of") : 0;
}

int clone_job_run(CloneJob *j, CloneProgressFn progress, char *message, size_t message_size) {
        _cleanup_close_ int pool_fd = open(IMAGE_POOL, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CopyState s = { .dst_root_fd = -EBADF, .progress = progress, .message = message,
                        .message_size = message_size };
        int r;

        message[0] = 0;
        if (pool_fd < 0) {
                snprintf(message, message_size, "Failed to open the pool %s: %s", IMAGE_POOL, strerror(errno));
                return -errno;
        }
        /* Modes of the copies are set explicitly; the umask must not narrow the nodes made by mknod. */
        umask(0);
        r = j->type == IMAGE_RAW ? clone_file(j, &s, pool_fd) : clone_tree(j, &s, pool_fd);
        for (size_t i = 0; i < s.n_links; i++)
                free(s.links[i].path);
        free(s.links);
        if (r < 0) {
                (void) rm_rf_at(pool_fd, j->work_entry);
                return r;
        }
        if (progress)
                progress(s.total ? s.total : 1, s.total ? s.total : 1);
        return 0;
}

int clone_job_finish(CloneJob *j) {
        _cleanup_close_ int pool_fd = open(IMAGE_POOL, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (pool_fd < 0)
                return -errno;
        if (renameat2(pool_fd, j->work_entry, pool_fd, j->final_entry, RENAME_NOREPLACE) < 0) {
                r = -errno;
                (void) rm_rf_at(pool_fd, j->work_entry);
                return r;
        }
        return 0;
}

int clone_job_mark_read_only(CloneJob *j) {
        Image *i = NULL;
        int r;

        if (!j->read_only)
                return 0;
        r = image_find(j->new_name, &i);
        if (r >= 0)
                r = image_set_read_only(i, true);
        image_free(i);
        return r;
}

void clone_job_abort(CloneJob *j) {
        _cleanup_close_ int pool_fd = open(IMAGE_POOL, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (pool_fd >= 0)
                (void) rm_rf_at(pool_fd, j->work_entry);
}
