/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nspawn-rootfs.h"
#include "tests.h"

static char order[16];

static void hook(void *userdata) {
        size_t n = strlen(order);
        order[n] = *(const char *) userdata;
        order[n + 1] = 0;
}

TEST(teardown_hooks_run_in_reverse_order_once) {
        RootStage s = ROOT_STAGE_NULL;

        order[0] = 0;
        ASSERT_OK(root_stage_add_teardown(&s, hook, (void *) "a"));
        ASSERT_OK(root_stage_add_teardown(&s, hook, (void *) "b"));
        ASSERT_OK(root_stage_add_teardown(&s, hook, (void *) "c"));
        ASSERT_EQ(s.n_hooks, (size_t) 3);
        root_stage_done(&s);
        ASSERT_STREQ(order, "cba");
        ASSERT_EQ(s.n_hooks, (size_t) 0);
        ASSERT_EQ(s.fd, -EBADF);
        /* A second call (an error path after the launcher's teardown) runs nothing again. */
        root_stage_done(&s);
        ASSERT_STREQ(order, "cba");
}

TEST(open_keeps_the_directory_not_the_path) {
        char dir[] = "/tmp/test-nspawn-rootfs.XXXXXX";
        char tree[PATH_MAX], moved[PATH_MAX], file[PATH_MAX];
        RootStage s = ROOT_STAGE_NULL;
        struct stat a, b;

        ASSERT_TRUE(mkdtemp(dir));
        snprintf(tree, sizeof(tree), "%s/tree", dir);
        snprintf(moved, sizeof(moved), "%s/moved", dir);
        snprintf(file, sizeof(file), "%s/file", dir);
        ASSERT_OK(mkdir(tree, 0755) < 0 ? -errno : 0);
        ASSERT_OK(root_stage_open(tree, &s));
        ASSERT_STREQ(s.path, tree);
        ASSERT_TRUE(s.fd >= 0);
        order[0] = 0;
        ASSERT_OK(root_stage_add_teardown(&s, hook, (void *) "x"));

        /* Renamed, and another directory at the old path: the stage still holds the first one. */
        ASSERT_OK(stat(tree, &a) < 0 ? -errno : 0);
        ASSERT_OK(rename(tree, moved) < 0 ? -errno : 0);
        ASSERT_OK(mkdir(tree, 0755) < 0 ? -errno : 0);
        ASSERT_OK(fstat(s.fd, &b) < 0 ? -errno : 0);
        ASSERT_EQ(a.st_ino, b.st_ino);
        root_stage_done(&s);
        ASSERT_STREQ(order, "x");

        /* Refused with the reason; nothing is handed out. */
        FILE *f = fopen(file, "w");
        ASSERT_TRUE(f);
        fclose(f);
        ASSERT_ERROR(root_stage_open(file, &s), ENOTDIR);
        ASSERT_ERROR(root_stage_open("/nonexistent/tree", &s), ENOENT);
        ASSERT_ERROR(root_stage_open("/", &s), EINVAL);
        ASSERT_ERROR(root_stage_open("/proc", &s), EINVAL);
        ASSERT_EQ(s.fd, -EBADF);
        ASSERT_TRUE(s.path == NULL);

        (void) unlink(file);
        (void) rmdir(tree);
        (void) rmdir(moved);
        (void) rmdir(dir);
}

DEFINE_TEST_MAIN
