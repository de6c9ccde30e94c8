/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"

#include "cgroup-util.h"
#include "tests.h"

/* A hybrid host as ours, plus the cases that must not confuse the parser: a second mount of one
 * hierarchy (a subtree first, then its root), a mount point with a space, flags among the super
 * options, and cgroup2 and tmpfs mounts, which are no v1 hierarchies. */
static const char mountinfo[] =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
        "33 31 0:30 /sub /mnt/cpuset\\040sub rw,relatime - cgroup cgroup rw,cpuset\n"
        "34 31 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "35 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
        "36 31 0:36 / /mnt/my\\040pids rw,relatime - cgroup cgroup rw,pids\n"
        "37 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(v1_hierarchies_parse) {
        CgroupV1Hierarchy *h = NULL;
        size_t n = 0;

        ASSERT_EQ(cgroup_v1_hierarchies_parse(mountinfo, &h, &n), 0);
        ASSERT_EQ(n, (size_t) 4);
        ASSERT_TRUE(strcmp(h[0].controllers, "cpu,cpuacct") == 0);
        ASSERT_TRUE(strcmp(h[0].mount_point, "/sys/fs/cgroup/cpu,cpuacct") == 0);
        ASSERT_TRUE(cgroup_v1_hierarchy_has(&h[0], "cpu"));
        ASSERT_TRUE(cgroup_v1_hierarchy_has(&h[0], "cpuacct"));
        ASSERT_FALSE(cgroup_v1_hierarchy_has(&h[0], "cpuset"));
        /* The root's mount wins over the subtree's. */
        ASSERT_TRUE(strcmp(h[1].controllers, "cpuset") == 0);
        ASSERT_TRUE(strcmp(h[1].mount_point, "/sys/fs/cgroup/cpuset") == 0);
        ASSERT_TRUE(h[1].whole);
        ASSERT_TRUE(strcmp(h[2].controllers, "name=systemd") == 0);
        ASSERT_TRUE(cgroup_v1_hierarchy_has(&h[2], "name=systemd"));
        ASSERT_TRUE(strcmp(h[3].mount_point, "/mnt/my pids") == 0);
        ASSERT_TRUE(cgroup_v1_hierarchy_has(&h[3], "pids"));
        cgroup_v1_hierarchies_free(h, n);
}

TEST(v1_hierarchies_none) {
        CgroupV1Hierarchy *h = NULL;
        size_t n = 1;

        ASSERT_EQ(cgroup_v1_hierarchies_parse("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &h, &n), 0);
        ASSERT_EQ(n, (size_t) 0);
        cgroup_v1_hierarchies_free(h, n);
}

/* cgroupfs files exist already; a plain directory's must be made. */
static int put_procs(int dir_fd, const char *s) {
        int fd = openat(dir_fd, "cgroup.procs", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        close(fd);
        return write_string_file_at(dir_fd, "cgroup.procs", s);
}

TEST(read_pids) {
        char dir[] = "/tmp/test-cgroup-util.XXXXXX";
        pid_t *pids = NULL;
        size_t n = 99;

        ASSERT_TRUE(mkdtemp(dir) != NULL);
        int fd = open(dir, O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(put_procs(fd, ""), 0);
        ASSERT_EQ(cgroup_read_pids(fd, &pids, &n), 0);
        ASSERT_EQ(n, (size_t) 0);
        free(pids);
        ASSERT_EQ(put_procs(fd, "1\n42\n4194304\n"), 0);
        ASSERT_EQ(cgroup_read_pids(fd, &pids, &n), 0);
        ASSERT_EQ(n, (size_t) 3);
        ASSERT_EQ(pids[0], 1);
        ASSERT_EQ(pids[1], 42);
        ASSERT_EQ(pids[2], 4194304);
        free(pids);
        pids = NULL;
        ASSERT_EQ(put_procs(fd, "7\n-3\n"), 0);
        ASSERT_EQ(cgroup_read_pids(fd, &pids, &n), -EBADMSG);
        ASSERT_TRUE(pids == NULL);
        (void) unlinkat(fd, "cgroup.procs", 0);
        close(fd);
        (void) rmdir(dir);
}

DEFINE_TEST_MAIN
