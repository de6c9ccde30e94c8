/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The user-namespace mode: the id range of a container, its lock, the shift of the tree's ownership
 * and the maps the parent writes for the child (the ID_MAPS_WRITTEN step, nspawn-sync.h). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <dirent.h>
#include <endian.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-userns.h"
#include "string-util.h"

int private_users_parse(const char *s, PrivateUsersMode *ret_mode, uint32_t *ret_shift) {
        static const struct { const char *word; PrivateUsersMode mode; } words[] = {
                { "no", PRIVATE_USERS_NO }, { "false", PRIVATE_USERS_NO }, { "0", PRIVATE_USERS_NO },
                { "yes", PRIVATE_USERS_YES }, { "true", PRIVATE_USERS_YES }, { "1", PRIVATE_USERS_YES },
                { "pick", PRIVATE_USERS_PICK }, { "identity", PRIVATE_USERS_IDENTITY },
        };
        unsigned long long uid, count = USERNS_RANGE;
        char *end;

        if (!s || !*s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (streq(s, words[i].word)) {
                        *ret_mode = words[i].mode;
                        *ret_shift = words[i].mode == PRIVATE_USERS_IDENTITY ? 0 : UINT32_MAX;
                        return 0;
                }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        uid = strtoull(s, &end, 10);
        if (errno != 0 || end == s)
                return -EINVAL;
        if (*end == ':') {
                const char *c = end + 1;
                if (*c < '0' || *c > '9')
                        return -EINVAL;
                errno = 0;
                count = strtoull(c, &end, 10);
                if (errno != 0 || end == c)
                        return -EINVAL;
        }
        if (*end)
                return -EINVAL;
        /* One range of 65536 per container, aligned as pick's are, above the host's users and below
         * the invalid ids at the top of the space. */
        if (count != USERNS_RANGE || uid % USERNS_RANGE != 0 || uid < USERNS_RANGE ||
            uid > (unsigned long long) UINT32_MAX - USERNS_RANGE)
                return -ERANGE;
        *ret_mode = PRIVATE_USERS_FIXED;
        *ret_shift = (uint32_t) uid;
        return 0;
}

static const char *const ownership_table[_USERS_OWNERSHIP_MAX] = {
        [USERS_OWNERSHIP_OFF] = "off",
        [USERS_OWNERSHIP_CHOWN] = "chown",
        [USERS_OWNERSHIP_MAP] = "map",
        [USERS_OWNERSHIP_AUTO] = "auto",
};

UsersOwnership users_ownership_from_string(const char *s) {
        for (int i = 0; s && i < _USERS_OWNERSHIP_MAX; i++)
                if (streq(s, ownership_table[i]))
                        return i;
        return _USERS_OWNERSHIP_INVALID;
}

const char *users_ownership_to_string(UsersOwnership o) {
        return o >= 0 && o < _USERS_OWNERSHIP_MAX ? ownership_table[o] : NULL;
}

/* FNV-1a: stable across runs and builds, so a machine keeps its range (and a chowned tree is not
 * shifted again) as long as the range is free. */
static uint64_t name_hash(const char *s) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (; s && *s; s++) {
                h ^= (unsigned char) *s;
                h *= 0x100000001b3ULL;
        }
        return h;
}

uint32_t userns_pick_candidate(const char *machine, uint32_t i) {
        uint32_t slot = (uint32_t) ((name_hash(machine) + i) % USERNS_PICK_SLOTS);
        return USERNS_PICK_FIRST + slot * USERNS_RANGE;
}

static void lock_path(char *buf, size_t size, const char *dir, uint32_t shift) {
        snprintf(buf, size, "%s/%08" PRIx32 ".lock", dir, shift);
}

int userns_range_lock(const char *dir, uint32_t shift, int *ret_fd) {
        char path[PATH_MAX];

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        lock_path(path, sizeof(path), dir, shift);
        for (;;) {
                _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                struct stat a, b;

                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                        return errno == EWOULDBLOCK ? -EBUSY : -errno;
                /* The holder before us may have unlinked the file between our open() and flock():
                 * a lock on a removed file protects nothing, try again with the current one. */
                if (fstat(fd, &a) < 0)
                        return -errno;
                if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        continue;
                *ret_fd = TAKE_FD(fd);
                return 0;
        }
}

void userns_range_unlock(const char *dir, uint32_t shift, int fd) {
        char path[PATH_MAX];

        if (fd < 0)
                return;
        lock_path(path, sizeof(path), dir, shift);
        (void) unlink(path);
        safe_close(fd);
}

int userns_range_pick(const char *dir, const char *machine, uint32_t *ret_shift, int *ret_fd) {
        /* A bounded search: in practice the first free slot is within a few of the hash's. */
        for (uint32_t i = 0; i < 4096; i++) {
                uint32_t shift = userns_pick_candidate(machine, i);
                int r = userns_range_lock(dir, shift, ret_fd);
                if (r == -EBUSY)
                        continue;
                if (r < 0)
                        return r;
                *ret_shift = shift;
                return 0;
        }
        return -EBUSY;
}

static uint32_t shift_id(uint32_t id, uint32_t from, uint32_t to) {
        return id - from < USERNS_RANGE ? to + (id - from) : id;
}

static uint32_t get_le32(const uint8_t *p) {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return le32toh(v);
}

static void put_le32(uint8_t *p, uint32_t v) {
        v = htole32(v);
        memcpy(p, &v, sizeof(v));
}

/* The kernel's format of system.posix_acl_access/_default: a version word, then {tag, perm, id}
 * entries (little endian); named users and groups carry ids of their own, which move with the tree
 * (the journal directory of a Debian tree has one for group adm: left behind, the guest's
 * systemd-tmpfiles could not set it again). */
#define ACL_XATTR_VERSION 2
#define ACL_XATTR_TAG_USER 0x02
#define ACL_XATTR_TAG_GROUP 0x08

static int shift_acl(const char *path, const char *xattr, uint32_t from, uint32_t to) {
        uint8_t buf[4 + 8 * 256];
        bool changed = false;
        ssize_t n;

        n = getxattr(path, xattr, buf, sizeof(buf));
        if (n < 0)
                return errno == ENODATA || errno == EOPNOTSUPP ? 0 : -errno;
        if (n < 4 || (n - 4) % 8 != 0 || get_le32(buf) != ACL_XATTR_VERSION)
                return -EBADMSG;
        for (ssize_t i = 4; i < n; i += 8) {
                uint16_t tag = (uint16_t) (buf[i] | buf[i + 1] << 8);
                uint32_t id = get_le32(buf + i + 4), shifted = shift_id(id, from, to);
                if ((tag != ACL_XATTR_TAG_USER && tag != ACL_XATTR_TAG_GROUP) || shifted == id)
                        continue;
                put_le32(buf + i + 4, shifted);
                changed = true;
        }
        if (changed && setxattr(path, xattr, buf, (size_t) n, 0) < 0)
                return -errno;
        return 0;
}

/* chown() drops security.capability: an executable keeps its file capabilities (a v3 one names the
 * root it belongs to: that moves too). Read before the chown, written after it. */
#define VFS_CAP_REVISION_MASK 0xFF000000U
#define VFS_CAP_REVISION_3 0x03000000U
#define VFS_CAP_V3_SIZE 24

static int fcaps_read(const char *path, uint8_t buf[static VFS_CAP_V3_SIZE], size_t *ret_size) {
        ssize_t n = getxattr(path, "security.capability", buf, VFS_CAP_V3_SIZE);
        if (n < 0)
                return errno == ENODATA || errno == EOPNOTSUPP ? 0 : -errno;
        *ret_size = (size_t) n;
        return 1;
}

static int fcaps_write(const char *path, uint8_t buf[static VFS_CAP_V3_SIZE], size_t size, uint32_t from, uint32_t to) {
        if (size == VFS_CAP_V3_SIZE && (get_le32(buf) & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3)
                put_le32(buf + 20, shift_id(get_le32(buf + 20), from, to));
        return RET_NERRNO(setxattr(path, "security.capability", buf, size, 0));
}

static int shift_one(int dir_fd, const char *name, const struct stat *st, uint32_t from, uint32_t to) {
        uid_t u = shift_id(st->st_uid, from, to);
        gid_t g = shift_id(st->st_gid, from, to);
        _cleanup_close_ int fd = -EBADF;
        uint8_t caps[VFS_CAP_V3_SIZE];
        size_t caps_size = 0;
        char path[64];
        int r, has_caps = 0;

        if (u == st->st_uid && g == st->st_gid)
                return 0;
        if (!S_ISLNK(st->st_mode)) {
                /* Extended attributes by fd, through /proc: there are no *at() calls for them. */
                fd = *name ? openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC) : fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return -errno;
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                r = shift_acl(path, "system.posix_acl_access", from, to);
                if (r >= 0 && S_ISDIR(st->st_mode))
                        r = shift_acl(path, "system.posix_acl_default", from, to);
                if (r >= 0 && S_ISREG(st->st_mode))
                        r = has_caps = fcaps_read(path, caps, &caps_size);
                if (r < 0)
                        return r;
        }
        if (fchownat(dir_fd, name, u, g, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
                return -errno;
        /* chown() clears the set-id bits of executables: put them back. */
        if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
            fchmodat(dir_fd, *name ? name : ".", st->st_mode & 07777, 0) < 0)
                return -errno;
        if (has_caps > 0)
                return fcaps_write(path, caps, caps_size, from, to);
        return 0;
}

/* What the shift needs of an entry: its owner, its mode and the mount it is on. The mount, not st_dev:
 * an overlay whose layers are on different file systems (a tmpfs upper layer over a disk) reports the
 * st_dev of the layer for files, which is not the overlay's. */
static int stat_entry(int dir_fd, const char *name, struct stat *ret_st, uint64_t *ret_mnt_id) {
        struct statx sx;

        if (statx(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH),
                  STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID | STATX_MNT_ID, &sx) < 0)
                return -errno;
        if (!(sx.stx_mask & STATX_MNT_ID))
                return -EOPNOTSUPP;
        *ret_st = (struct stat) { .st_mode = sx.stx_mode, .st_uid = sx.stx_uid, .st_gid = sx.stx_gid };
        *ret_mnt_id = sx.stx_mnt_id;
        return 0;
}

static void progress_step(UsersChownProgress *p) {
        if (p && p->fn && ++p->n_files % 1024 == 0)
                p->fn(p->n_files, p->userdata);
}

/* Depth first, by fd (never by path), not across mount points. */
static int shift_dir(int fd, uint64_t mnt_id, uint32_t from, uint32_t to, UsersChownProgress *p) {
        _cleanup_close_ int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (dfd < 0)
                return -errno;
        d = fdopendir(dfd);
        if (!d)
                return -errno;
        TAKE_FD(dfd);
        while ((de = readdir(d))) {
                struct stat st;
                uint64_t id;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = stat_entry(dirfd(d), de->d_name, &st, &id);
                if (r < 0)
                        break;
                if (id != mnt_id)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                r = -errno;
                                break;
                        }
                        r = shift_dir(sub, mnt_id, from, to, p);
                        if (r < 0)
                                break;
                }
                r = shift_one(dirfd(d), de->d_name, &st, from, to);
                if (r < 0)
                        break;
                progress_step(p);
        }
        closedir(d);
        return r;
}

int userns_chown_tree(int root_fd, uint32_t shift, UsersChownProgress *progress) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        uint64_t mnt_id;
        int r;

        fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = stat_entry(fd, "", &st, &mnt_id);
        if (r < 0)
                return r;
        if (st.st_uid == shift && st.st_gid == shift)
                return 0;
        uint32_t from = st.st_uid - st.st_uid % USERNS_RANGE;
        r = shift_dir(fd, mnt_id, from, shift, progress);
        if (r < 0)
                return r;
        /* Last: the root directory's owner records a completed shift. */
        r = shift_one(fd, "", &st, from, shift);
        return r < 0 ? r : 1;
}

static int write_map(pid_t pid, const char *file, uint32_t shift, uint32_t range) {
        char path[64], line[64];
        _cleanup_close_ int fd = -EBADF;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        int n = snprintf(line, sizeof(line), "0 %" PRIu32 " %" PRIu32 "\n", shift, range);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, line, (size_t) n) != n)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

int userns_write_maps(pid_t pid, uint32_t shift, uint32_t range) {
        int r = write_map(pid, "uid_map", shift, range);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", shift, range);
}
