/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "image.h"
#include "log.h"
#include "machine-name.h"
#include "string-util.h"

const char *const image_pools[] = {
        IMAGE_POOL,
        "/usr/local/lib/machines",
        "/usr/lib/machines",
        NULL,
};

static const char *const image_type_table[_IMAGE_TYPE_MAX] = {
        [IMAGE_DIRECTORY] = "directory",
        [IMAGE_SUBVOLUME] = "subvolume",
        [IMAGE_RAW] = "raw",
        [IMAGE_BLOCK] = "block",
};

const char *image_type_to_string(ImageType t) {
        return t >= 0 && t < _IMAGE_TYPE_MAX ? image_type_table[t] : NULL;
}

Image *image_free(Image *i) {
        if (!i)
                return NULL;
        free(i->name);
        free(i->path);
        free(i);
        return NULL;
}

void image_array_free(Image **a, size_t n) {
        for (size_t k = 0; k < n; k++)
                image_free(a[k]);
        free(a);
}

bool image_name_is_valid(const char *name) {
        if (!name)
                return false;
        return machine_name_is_valid(name[0] == '.' ? name + 1 : name);
}

static uint64_t timespec_usec(const struct statx_timestamp *t) {
        return (uint64_t) t->tv_sec * 1000000 + t->tv_nsec / 1000;
}

static bool fd_is_btrfs_subvolume(int fd, const struct statx *sx) {
        struct statfs sfs;

        /* A subvolume's root directory always has inode 256 on btrfs. */
        return sx->stx_ino == 256 && fstatfs(fd, &sfs) >= 0 && (uint64_t) sfs.f_type == BTRFS_SUPER_MAGIC;
}

static bool fd_is_immutable(int fd) {
        int flags = 0;

        return ioctl(fd, FS_IOC_GETFLAGS, &flags) >= 0 && (flags & FS_IMMUTABLE_FL);
}

static bool fd_on_read_only_fs(int fd) {
        struct statvfs sv;

        return fstatvfs(fd, &sv) >= 0 && (sv.f_flag & ST_RDONLY);
}

static int image_fill_directory(Image *i, int fd, const struct statx *sx) {
        if (fd_is_btrfs_subvolume(fd, sx)) {
                uint64_t flags = 0;

                i->type = IMAGE_SUBVOLUME;
                if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) >= 0 && (flags & BTRFS_SUBVOL_RDONLY))
                        i->read_only = true;
        } else
                i->type = IMAGE_DIRECTORY;
        if (fd_is_immutable(fd) || fd_on_read_only_fs(fd))
                i->read_only = true;
        return 0;
}

static int image_fill_raw(Image *i, int fd, const struct statx *sx) {
        i->type = IMAGE_RAW;
        i->usage = i->usage_exclusive = sx->stx_blocks * 512;
        i->limit = i->limit_exclusive = sx->stx_size;
        if ((sx->stx_mode & 0222) == 0 || fd_is_immutable(fd) || fd_on_read_only_fs(fd))
                i->read_only = true;
        return 0;
}

static int image_fill_block(Image *i, int fd) {
        uint64_t size = 0;
        int ro = 0;

        i->type = IMAGE_BLOCK;
        if (ioctl(fd, BLKGETSIZE64, &size) >= 0)
                i->usage = i->usage_exclusive = i->limit = i->limit_exclusive = size;
        if (ioctl(fd, BLKROGET, &ro) >= 0 && ro)
                i->read_only = true;
        return 0;
}

/* The name an entry of a pool gives its image, or NULL when it is none. */
static char *entry_image_name(const char *entry, const struct statx *sx) {
        const char *e;

        if (startswith(entry, IMAGE_TEMP_PREFIX))
                return NULL;
        if (S_ISDIR(sx->stx_mode) || S_ISBLK(sx->stx_mode))
                return image_name_is_valid(entry) ? strdup(entry) : NULL;
        if (S_ISREG(sx->stx_mode) && (e = endswith(entry, ".raw"))) {
                char *n = strndup(entry, (size_t) (e - entry));
                if (n && !image_name_is_valid(n)) {
                        free(n);
                        return NULL;
                }
                return n;
        }
        return NULL;
}

/* Makes the image of entry in pool (dir_fd), following a symlink as systemd does. Returns 0 and NULL
 * when the entry is no image. */
static int image_make(int dir_fd, const char *pool, const char *entry, bool vendor, Image **ret) {
        _cleanup_(image_freep) Image *i = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct statx sx;
        int r;

        *ret = NULL;
        if (statx(dir_fd, entry, 0, STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_BLOCKS |
                  STATX_MTIME | STATX_BTIME, &sx) < 0)
                return errno == ENOENT ? 0 : -errno;
        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->name = entry_image_name(entry, &sx);
        if (!i->name)
                return 0;
        i->path = strjoin(pool, "/", entry);
        if (!i->path)
                return -ENOMEM;
        i->vendor = vendor;
        i->usage = i->usage_exclusive = i->limit = i->limit_exclusive = UINT64_MAX;
        i->mtime = timespec_usec(&sx.stx_mtime);
        i->crtime = (sx.stx_mask & STATX_BTIME) ? timespec_usec(&sx.stx_btime) : 0;

        /* Opening a directory, a regular file or a block device (O_NONBLOCK, no read) has no side
         * effects; the flags need an fd that is not O_PATH. */
        fd = openat(dir_fd, entry, (S_ISDIR(sx.stx_mode) ? O_DIRECTORY : O_NONBLOCK) | O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(sx.stx_mode))
                r = image_fill_directory(i, fd, &sx);
        else if (S_ISREG(sx.stx_mode))
                r = image_fill_raw(i, fd, &sx);
        else
                r = image_fill_block(i, fd);
        if (r < 0)
                return r;
        if (vendor)
                i->read_only = true;
        *ret = TAKE_PTR(i);
        return 0;
}

static int image_compare(const void *a, const void *b) {
        return strcmp((*(Image *const *) a)->name, (*(Image *const *) b)->name);
}

static bool image_list_has(Image **l, size_t n, const char *name) {
        for (size_t k = 0; k < n; k++)
                if (streq(l[k]->name, name))
                        return true;
        return false;
}

int image_discover(Image ***ret, size_t *ret_n) {
        Image **l = NULL;
        size_t n = 0;
        int r = 0;

        for (size_t p = 0; image_pools[p]; p++) {
                _cleanup_closedir_ DIR *d = opendir(image_pools[p]);
                struct dirent *de;

                if (!d) {
                        if (errno == ENOENT)
                                continue;
                        r = -errno;
                        goto fail;
                }
                while ((de = readdir(d))) {
                        Image *i;

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        r = image_make(dirfd(d), image_pools[p], de->d_name, p > 0, &i);
                        if (r < 0)
                                goto fail;
                        if (!i)
                                continue;
                        /* A pool before this one has the name already: it wins. */
                        if (p > 0 && image_list_has(l, n, i->name)) {
                                image_free(i);
                                continue;
                        }
                        Image **nl = realloc(l, (n + 1) * sizeof(Image *));
                        if (!nl) {
                                image_free(i);
                                r = -ENOMEM;
                                goto fail;
                        }
                        l = nl;
                        l[n++] = i;
                }
        }
        if (n > 0)
                qsort(l, n, sizeof(Image *), image_compare);
        *ret = l;
        *ret_n = n;
        return 0;
fail:
        image_array_free(l, n);
        return r;
}

int image_name_check_free(const char *name) {
        Image *other = NULL;
        int r = image_find(name, &other);

        image_free(other);
        if (r >= 0)
                return -EEXIST;
        return r == -ENOENT ? 0 : r;
}

char *image_work_name(const char *kind, const char *name) {
        struct timespec ts;
        char suffix[48];

        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(suffix, sizeof(suffix), "-%d-%lx", (int) getpid(), (unsigned long) ts.tv_nsec);
        return strjoin(IMAGE_TEMP_PREFIX, kind, "-", name, suffix);
}

int image_find(const char *name, Image **ret) {
        if (!image_name_is_valid(name))
                return -EINVAL;
        for (size_t p = 0; image_pools[p]; p++) {
                _cleanup_close_ int dir_fd = open(image_pools[p], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_free_ char *raw = strjoin(name, ".raw");
                const char *candidates[] = { name, raw };

                if (!raw)
                        return -ENOMEM;
                if (dir_fd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -errno;
                }
                for (size_t c = 0; c < ELEMENTSOF(candidates); c++) {
                        Image *i;
                        int r = image_make(dir_fd, image_pools[p], candidates[c], p > 0, &i);
                        if (r < 0)
                                return r;
                        if (i && streq(i->name, name)) {
                                *ret = i;
                                return 0;
                        }
                        image_free(i);
                }
        }
        return -ENOENT;
}

/* Sets or clears the immutable flag of the file fd refers to; returns the old state (> 0 set) or a
 * negative errno (-EOPNOTSUPP: the filesystem has no such flag). */
static int fd_set_immutable(int fd, bool b) {
        int flags, new_flags;

        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
                return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
        new_flags = b ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        if (new_flags != flags && ioctl(fd, FS_IOC_SETFLAGS, &new_flags) < 0)
                return errno == ENOTTY || errno == EINVAL ? -EOPNOTSUPP : -errno;
        return !!(flags & FS_IMMUTABLE_FL);
}

/* The same for name below dir_fd, never through a symlink. */
static int chattr_immutable_at(int dir_fd, const char *name, bool b, bool directory) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK |
                                        (directory ? O_DIRECTORY : 0));

        if (fd < 0)
                return -errno;
        return fd_set_immutable(fd, b);
}

static int image_split(const Image *i, char **ret_dir, const char **ret_entry) {
        const char *slash = strrchr(i->path, '/');
        char *dir;

        if (!slash)
                return -EINVAL;
        dir = strndup(i->path, (size_t) (slash - i->path));
        if (!dir)
                return -ENOMEM;
        *ret_dir = dir;
        *ret_entry = slash + 1;
        return 0;
}

static bool image_is_symlink(const Image *i) {
        struct stat st;
        return lstat(i->path, &st) >= 0 && S_ISLNK(st.st_mode);
}

int image_rename(Image *i, const char *new_name) {
        _cleanup_free_ char *dir = NULL, *new_entry = NULL, *old_settings = NULL, *new_settings = NULL, *new_path = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const char *entry;
        bool directory = i->type == IMAGE_DIRECTORY && !image_is_symlink(i);
        int r, was_immutable = 0;

        if (i->vendor)
                return -EROFS;
        r = image_name_check_free(new_name);
        if (r < 0)
                return r;
        r = image_split(i, &dir, &entry);
        if (r < 0)
                return r;
        new_entry = i->type == IMAGE_RAW ? strjoin(new_name, ".raw") : strdup(new_name);
        new_path = new_entry ? strjoin(dir, "/", new_entry) : NULL;
        if (!new_path)
                return -ENOMEM;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        /* An immutable directory cannot be renamed: lift the flag for the rename, as systemd does. */
        if (directory) {
                was_immutable = chattr_immutable_at(dir_fd, entry, false, true);
                if (was_immutable == -EOPNOTSUPP)
                        was_immutable = 0;
                if (was_immutable < 0)
                        return was_immutable;
        }
        r = RET_NERRNO(renameat2(dir_fd, entry, dir_fd, new_entry, RENAME_NOREPLACE));
        if (was_immutable > 0)
                (void) chattr_immutable_at(dir_fd, r < 0 ? entry : new_entry, true, true);
        if (r < 0)
                return r;
        /* The settings file follows its image (a missing one is the usual case). */
        old_settings = strjoin(i->name, ".nspawn");
        new_settings = strjoin(new_name, ".nspawn");
        if (old_settings && new_settings)
                (void) renameat2(dir_fd, old_settings, dir_fd, new_settings, RENAME_NOREPLACE);

        char *n = strdup(new_name);
        if (!n)
                return -ENOMEM;
        free(i->name);
        i->name = n;
        free(i->path);
        i->path = TAKE_PTR(new_path);
        return 0;
}

int image_set_read_only(Image *i, bool b) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        if (i->vendor)
                return -EROFS;
        switch (i->type) {
        case IMAGE_SUBVOLUME: {
                uint64_t flags;

                fd = open(i->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
                        return -errno;
                flags = b ? flags | BTRFS_SUBVOL_RDONLY : flags & ~(uint64_t) BTRFS_SUBVOL_RDONLY;
                if (ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0)
                        return -errno;
                break;
        }
        case IMAGE_DIRECTORY:
                /* The image may be a symlink to its tree (as systemd allows): the tree is marked. */
                fd = open(i->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = fd_set_immutable(fd, b);
                if (r < 0)
                        return r;
                break;
        case IMAGE_RAW:
                fd = open(i->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;
                /* The flag first when clearing: an immutable file's mode cannot change. */
                if (!b) {
                        r = fd_set_immutable(fd, false);
                        if (r < 0 && r != -EOPNOTSUPP)
                                return r;
                }
                if (fchmod(fd, (st.st_mode & 0444) | (b ? 0000 : 0200)) < 0)
                        return -errno;
                if (b)
                        (void) fd_set_immutable(fd, true);
                break;
        case IMAGE_BLOCK: {
                int ro = b;

                fd = open(i->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0)
                        return -errno;
                if (ioctl(fd, BLKROSET, &ro) < 0)
                        return -errno;
                break;
        }
        default:
                return -EOPNOTSUPP;
        }
        i->read_only = b;
        return 0;
}

static int rm_rf_children(int fd, dev_t dev);

/* Removes name below dir_fd (whatever it is); a directory only when it is on device dev. */
static int rm_rf_entry(int dir_fd, const char *name, dev_t dev) {
        struct stat st;
        int r;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(dir_fd, name, 0) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EPERM)
                        return -errno;
                /* An immutable or append-only file. */
                (void) chattr_immutable_at(dir_fd, name, false, false);
                return RET_NERRNO(unlinkat(dir_fd, name, 0));
        }
        /* Never into another filesystem mounted below the tree. */
        if (st.st_dev != dev)
                return -EXDEV;
        (void) chattr_immutable_at(dir_fd, name, false, true);
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (st.st_ino == 256) {
                /* A read-only btrfs subvolume: its entries cannot go before the flag does. */
                uint64_t flags = 0;
                if (ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags) >= 0 && (flags & BTRFS_SUBVOL_RDONLY)) {
                        flags &= ~(uint64_t) BTRFS_SUBVOL_RDONLY;
                        (void) ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags);
                }
        }
        r = rm_rf_children(fd, dev);
        if (r < 0)
                return r;
        /* rmdir also removes an empty btrfs subvolume (Linux >= 4.18). */
        return RET_NERRNO(unlinkat(dir_fd, name, AT_REMOVEDIR));
}

static int rm_rf_children(int fd, dev_t dev) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = opendir_fd(fd, &d);

        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = rm_rf_entry(fd, de->d_name, dev);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rm_rf_at(int dir_fd, const char *name) {
        struct stat st;

        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        return rm_rf_entry(dir_fd, name, st.st_dev);
}

int image_remove_begin(Image *i, char **ret_work) {
        _cleanup_free_ char *dir = NULL, *work = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ char *work_entry = NULL;
        const char *entry;
        int r;

        if (i->vendor)
                return -EROFS;
        r = image_split(i, &dir, &entry);
        if (r < 0)
                return r;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return -errno;
        if (image_is_symlink(i) || i->type == IMAGE_RAW || i->type == IMAGE_BLOCK) {
                *ret_work = NULL;
                r = rm_rf_at(dir_fd, entry);
                if (r >= 0) {
                        _cleanup_free_ char *settings = strjoin(i->name, ".nspawn");
                        if (settings)
                                (void) unlinkat(dir_fd, settings, 0);
                }
                return r;
        }
        /* A directory: out of sight first (the immutable flag would refuse the rename). */
        r = chattr_immutable_at(dir_fd, entry, false, true);
        if (r < 0 && r != -EOPNOTSUPP)
                return r;
        work_entry = image_work_name("remove", i->name);
        work = work_entry ? strjoin(dir, "/", work_entry) : NULL;
        if (!work)
                return -ENOMEM;
        r = RET_NERRNO(renameat2(dir_fd, entry, AT_FDCWD, work, RENAME_NOREPLACE));
        if (r < 0)
                return r;
        {
                _cleanup_free_ char *settings = strjoin(i->name, ".nspawn");
                if (settings)
                        (void) unlinkat(dir_fd, settings, 0);
        }
        *ret_work = TAKE_PTR(work);
        return 0;
}

int image_remove(Image *i) {
        _cleanup_free_ char *work = NULL;
        int r = image_remove_begin(i, &work);

        if (r < 0 || !work)
                return r;
        return rm_rf_at(AT_FDCWD, work);
}

void image_pool_sweep(void) {
        _cleanup_closedir_ DIR *d = opendir(IMAGE_POOL);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                if (!startswith(de->d_name, IMAGE_TEMP_PREFIX))
                        continue;
                int r = rm_rf_at(dirfd(d), de->d_name);
                if (r < 0)
                        log_debug_errno(r, "Failed to remove the leftover %s/%s: %m", IMAGE_POOL, de->d_name);
        }
}

int image_pool_usage(uint64_t *ret_usage, uint64_t *ret_limit) {
        struct statvfs sv;

        if (statvfs(IMAGE_POOL, &sv) < 0)
                return -errno;
        *ret_usage = (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize;
        *ret_limit = (uint64_t) sv.f_blocks * sv.f_frsize;
        return 0;
}

int image_is_locked(const Image *i) {
        _cleanup_close_ int fd = -EBADF;

        if (i->type != IMAGE_RAW)
                return 0;
        fd = open(i->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* Any lock (nspawn's shared one for read-only use too) makes an exclusive one fail. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? 1 : -errno;
        return 0;
}
