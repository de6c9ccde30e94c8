/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-root.h"
#include "string-util.h"

#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif
#ifndef FUSECTL_SUPER_MAGIC
#define FUSECTL_SUPER_MAGIC 0x65735543
#endif
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/* File systems the kernel serves as interfaces, not as storage: a container's set-up on them writes
 * into the host's live /dev, /proc or /sys, or fails half-way. */
static const struct {
        int64_t magic;
        const char *name;
} api_fs_table[] = {
        { PROC_SUPER_MAGIC, "proc" },
        { SYSFS_MAGIC, "sysfs" },
        { DEVPTS_SUPER_MAGIC, "devpts" },
        { CGROUP_SUPER_MAGIC, "cgroup" },
        { CGROUP2_SUPER_MAGIC, "cgroup2" },
        { DEBUGFS_MAGIC, "debugfs" },
        { TRACEFS_MAGIC, "tracefs" },
        { SECURITYFS_MAGIC, "securityfs" },
        { BPF_FS_MAGIC, "bpf" },
        { PSTOREFS_MAGIC, "pstore" },
        { EFIVARFS_MAGIC, "efivarfs" },
        { CONFIGFS_MAGIC, "configfs" },
        { FUSECTL_SUPER_MAGIC, "fusectl" },
        { MQUEUE_MAGIC, "mqueue" },
        { HUGETLBFS_MAGIC, "hugetlbfs" },
        { BINFMTFS_MAGIC, "binfmt_misc" },
        { SELINUX_MAGIC, "selinuxfs" },
        { SMACK_MAGIC, "smackfs" },
        { AAFS_MAGIC, "apparmorfs" },
        { NSFS_MAGIC, "nsfs" },
        { RDTGROUP_SUPER_MAGIC, "resctrl" },
};

const char *api_fs_from_magic(int64_t f_type) {
        for (size_t i = 0; i < ELEMENTSOF(api_fs_table); i++)
                /* f_type is a signed long on some architectures: compare the low 32 bits. */
                if ((uint32_t) api_fs_table[i].magic == (uint32_t) f_type)
                        return api_fs_table[i].name;
        return NULL;
}

const char *api_fs_from_name(const char *fstype) {
        if (streq(fstype, "devtmpfs"))
                return "devtmpfs";
        for (size_t i = 0; i < ELEMENTSOF(api_fs_table); i++)
                if (streq(fstype, api_fs_table[i].name))
                        return api_fs_table[i].name;
        return NULL;
}

/* A mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER". */
int mountinfo_fstype(const char *mountinfo, uint64_t mnt_id, char *buf, size_t size) {
        for (const char *p = mountinfo; *p;) {
                const char *e = strchrnul(p, '\n');
                uint64_t id;
                int n = 0;

                if (sscanf(p, "%" SCNu64 " %n", &id, &n) == 1 && n > 0 && id == mnt_id) {
                        const char *sep = strstr(p, " - ");
                        if (!sep || sep > e)
                                return -EBADMSG;
                        const char *t = sep + 3;
                        size_t l = strcspn(t, " \n");
                        if (l == 0)
                                return -EBADMSG;
                        if (l >= size)
                                return -ENAMETOOLONG;
                        memcpy(buf, t, l);
                        buf[l] = 0;
                        return 0;
                }
                p = *e ? e + 1 : e;
        }
        return -ENOENT;
}

int fd_mount_fstype(int fd, char *buf, size_t size) {
        _cleanup_free_ char *mountinfo = NULL;
        struct statx stx;
        int r;

        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
                return -errno;
        if (!(stx.stx_mask & STATX_MNT_ID))
                return -EOPNOTSUPP;
        r = read_small_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 * 1024 * 1024, &mountinfo);
        if (r < 0)
                return r;
        return mountinfo_fstype(mountinfo, stx.stx_mnt_id, buf, size);
}

int root_directory_check(int fd, const char *path) {
        _cleanup_free_ char *p = escape_for_terminal(path, ESCAPE_MESSAGE_MAX);
        struct stat st, host;
        struct statfs sfs;
        const char *api;

        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, _("Failed to access directory %s: %m"), strna(p));
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, _("%s is not a directory."), strna(p));
        if (stat("/", &host) < 0)
                return log_error_errno(-errno, _("Failed to access the host's root directory: %m"));
        if (st.st_dev == host.st_dev && st.st_ino == host.st_ino)
                return log_error_errno(-EINVAL, _("Refusing to use the host's root directory as the container's root: %s"),
                                       strna(p));
        if (fstatfs(fd, &sfs) < 0)
                return log_error_errno(-errno, _("Failed to look up the file system of %s (statfs): %m"), strna(p));
        api = api_fs_from_magic((int64_t) sfs.f_type);
        if (!api && sfs.f_type == TMPFS_MAGIC) {
                /* devtmpfs reports tmpfs's magic; only the mount table tells the two apart. */
                char fstype[64];
                int r = fd_mount_fstype(fd, fstype, sizeof(fstype));
                if (r < 0)
                        return log_error_errno(r, _("Failed to look up the file system of %s (mountinfo): %m"),
                                               strna(p));
                api = api_fs_from_name(fstype);
        }
        if (api)
                return log_error_errno(-EINVAL,
                                       _("Refusing to use %s as the container's root: it is on the kernel API file system %s, not a directory tree."),
                                       strna(p), api);
        return 0;
}
