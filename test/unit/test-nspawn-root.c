/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nspawn-root.h"
#include "string-util.h"
#include "tests.h"

TEST(api_fs_from_magic) {
        ASSERT_STREQ(api_fs_from_magic(PROC_SUPER_MAGIC), "proc");
        ASSERT_STREQ(api_fs_from_magic(SYSFS_MAGIC), "sysfs");
        ASSERT_STREQ(api_fs_from_magic(DEVPTS_SUPER_MAGIC), "devpts");
        ASSERT_STREQ(api_fs_from_magic(CGROUP_SUPER_MAGIC), "cgroup");
        ASSERT_STREQ(api_fs_from_magic(CGROUP2_SUPER_MAGIC), "cgroup2");
        ASSERT_STREQ(api_fs_from_magic(DEBUGFS_MAGIC), "debugfs");
        ASSERT_STREQ(api_fs_from_magic(TRACEFS_MAGIC), "tracefs");
        ASSERT_STREQ(api_fs_from_magic(SECURITYFS_MAGIC), "securityfs");
        ASSERT_STREQ(api_fs_from_magic(BPF_FS_MAGIC), "bpf");
        /* A magic above INT32_MAX as a sign-extended long (f_type is signed on some ABIs). */
        ASSERT_STREQ(api_fs_from_magic((int64_t) (int32_t) EFIVARFS_MAGIC), "efivarfs");
        ASSERT_STREQ(api_fs_from_magic(EFIVARFS_MAGIC), "efivarfs");
        /* Storage: ext4, xfs, btrfs, overlay, tmpfs (devtmpfs has tmpfs's magic: see mountinfo). */
        ASSERT_TRUE(api_fs_from_magic(EXT4_SUPER_MAGIC) == NULL);
        ASSERT_TRUE(api_fs_from_magic(XFS_SUPER_MAGIC) == NULL);
        ASSERT_TRUE(api_fs_from_magic(BTRFS_SUPER_MAGIC) == NULL);
        ASSERT_TRUE(api_fs_from_magic(OVERLAYFS_SUPER_MAGIC) == NULL);
        ASSERT_TRUE(api_fs_from_magic(TMPFS_MAGIC) == NULL);
}

TEST(api_fs_from_name) {
        ASSERT_STREQ(api_fs_from_name("devtmpfs"), "devtmpfs");
        ASSERT_STREQ(api_fs_from_name("proc"), "proc");
        ASSERT_STREQ(api_fs_from_name("cgroup2"), "cgroup2");
        ASSERT_TRUE(api_fs_from_name("tmpfs") == NULL);
        ASSERT_TRUE(api_fs_from_name("ext4") == NULL);
        ASSERT_TRUE(api_fs_from_name("") == NULL);
}

TEST(mountinfo_fstype) {
        static const char mi[] =
                "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,mode=755\n"
                "25 24 0:23 / /dev/shm rw,relatime shared:3 - tmpfs tmpfs rw\n"
                "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                "240 27 0:6 / /with\\040space rw master:1 shared:2 - devtmpfs devtmpfs rw\n"
                "99 27 0:99 / /broken rw\n";
        char buf[64];

        ASSERT_OK(mountinfo_fstype(mi, 24, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "devtmpfs");
        ASSERT_OK(mountinfo_fstype(mi, 25, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "tmpfs");
        ASSERT_OK(mountinfo_fstype(mi, 27, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "ext4");
        ASSERT_OK(mountinfo_fstype(mi, 240, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "devtmpfs");
        /* Not "2" matching "24" or "240", nor the parent column. */
        ASSERT_ERROR(mountinfo_fstype(mi, 2, buf, sizeof(buf)), ENOENT);
        ASSERT_ERROR(mountinfo_fstype(mi, 1, buf, sizeof(buf)), ENOENT);
        ASSERT_ERROR(mountinfo_fstype(mi, 99, buf, sizeof(buf)), EBADMSG);
        ASSERT_ERROR(mountinfo_fstype(mi, 24, buf, 8), ENAMETOOLONG);
        ASSERT_ERROR(mountinfo_fstype("", 24, buf, sizeof(buf)), ENOENT);
}

static int check_path(const char *path) {
        int fd = open(path, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = root_directory_check(fd, path);
        close(fd);
        return r;
}

TEST(root_directory_check) {
        char dir[] = "/tmp/test-nspawn-root.XXXXXX";
        ASSERT_TRUE(mkdtemp(dir));
        char file[sizeof(dir) + 8];
        snprintf(file, sizeof(file), "%s/file", dir);
        FILE *f = fopen(file, "w");
        ASSERT_TRUE(f);
        fclose(f);

        ASSERT_OK(check_path(dir));
        ASSERT_ERROR(check_path(file), ENOTDIR);
        ASSERT_ERROR(check_path("/"), EINVAL);
        ASSERT_ERROR(check_path("/tmp/.."), EINVAL);
        ASSERT_ERROR(check_path("/proc"), EINVAL);
        ASSERT_ERROR(check_path("/proc/self"), EINVAL);
        ASSERT_ERROR(check_path("/sys"), EINVAL);
        ASSERT_ERROR(check_path("/dev/pts"), EINVAL);

        /* The fd is checked, not the path: the message names whatever it is given. */
        int fd = open("/proc", O_PATH | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_ERROR(root_directory_check(fd, dir), EINVAL);
        close(fd);
        fd = open(dir, O_PATH | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(root_directory_check(fd, "/proc"));
        close(fd);

        (void) unlink(file);
        (void) rmdir(dir);
}

DEFINE_TEST_MAIN
