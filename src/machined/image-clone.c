/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "copy-tree.h"
#include "fd-util.h"
#include "image-clone.h"
#include "string-util.h"

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

typedef struct CloneProgress {
        CloneProgressFn fn;
        uint64_t total, last_report;
} CloneProgress;

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + (uint64_t) ts.tv_nsec;
}

/* copy_tree_at() reports each chunk; the signal goes out at most every PROGRESS_INTERVAL_NS. */
static void clone_progress(uint64_t done, void *userdata) {
        CloneProgress *p = userdata;
        uint64_t t = now_ns();

        if (t - p->last_report >= PROGRESS_INTERVAL_NS) {
                p->last_report = t;
                p->fn(done, p->total);
        }
}

static int clone_fail(char *message, size_t message_size, int r, const char *what, const char *path) {
        snprintf(message, message_size, "Failed to %s '%s': %s", what, path[0] ? path : ".", strerror(-r));
        return r;
}

int clone_job_run(CloneJob *j, CloneProgressFn progress, char *message, size_t message_size) {
        _cleanup_close_ int pool_fd = open(IMAGE_POOL, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int src_dir_fd = -EBADF, src_fd = -EBADF;
        _cleanup_free_ char *src = NULL;
        CloneProgress p = { .fn = progress };
        char error_path[PATH_MAX] = "";
        struct stat st;
        char *base;
        int r;

        message[0] = 0;
        if (pool_fd < 0) {
                snprintf(message, message_size, "Failed to open the pool %s: %s", IMAGE_POOL, strerror(errno));
                return -errno;
        }
        /* An image may be a symlink to its tree or file elsewhere (as systemd allows): its target is
         * copied, by its parent directory and its name, below which nothing is followed. */
        src = realpath(j->src_path, NULL);
        if (!src)
                return clone_fail(message, message_size, -errno, "open the image", j->src_path);
        base = strrchr(src, '/');
        if (!base || !base[1])
                return clone_fail(message, message_size, -EINVAL, "clone", src);
        *base++ = 0;
        src_dir_fd = open(src[0] ? src : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (src_dir_fd < 0)
                return clone_fail(message, message_size, -errno, "open the image", j->src_path);
        if (fstatat(src_dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return clone_fail(message, message_size, -errno, "open the image", j->src_path);
        if (j->type == IMAGE_RAW ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode))
                return clone_fail(message, message_size, -EOPNOTSUPP, "clone (only files and trees can be cloned)",
                                  j->src_path);

        if (j->type != IMAGE_RAW) {
                src_fd = openat(src_dir_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (src_fd >= 0 && try_snapshot(src_fd, pool_fd, j->work_entry) >= 0) {
                        if (progress)
                                progress(1, 1);
                        return 0;
                }
        }

        CopyTreeOptions o = {
                .userdata = &p,
                .progress = progress ? clone_progress : NULL,
                /* Owners are kept: ACLs and file capabilities are copied too. */
                .all_xattrs = true,
                .temporary_name = j->work_entry,
                .same_file_system = true,
                /* As systemd: the copy of a raw image is writable (0644) unless it is to be read-only. */
                .top_mode = j->type == IMAGE_RAW ? 0644 : 0,
                .error_path = error_path,
                .error_path_size = sizeof(error_path),
        };
        (void) copy_tree_size(src_dir_fd, base, true, &p.total);
        r = copy_tree_at(src_dir_fd, base, pool_fd, NULL, &o);
        if (r < 0) {
                /* error_path starts with the image's own name: the message names the node inside it. */
                const char *inner = strchr(error_path, '/');
                return clone_fail(message, message_size, r, "copy", inner ? inner + 1 : "");
        }
        if (progress)
                progress(p.total ? p.total : 1, p.total ? p.total : 1);
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
