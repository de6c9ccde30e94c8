/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy-tree.h"
#include "fd-util.h"
#include "machine-copy.h"
#include "tests.h"

TEST(id_map_parse) {
        IdMap m;

        ASSERT_OK(id_map_parse("         0          0 4294967295\n", &m));
        ASSERT_EQ(m.n, 1);
        ASSERT_TRUE(id_map_is_identity(&m));
        ASSERT_OK(id_map_parse("0 100000 65536\n65536 300000 10\n", &m));
        ASSERT_EQ(m.n, 2);
        ASSERT_FALSE(id_map_is_identity(&m));
        ASSERT_OK(id_map_parse("", &m));
        ASSERT_EQ(m.n, 0);
        ASSERT_ERROR(id_map_parse("0 100000\n", &m), EINVAL);
        ASSERT_ERROR(id_map_parse("0 100000 0\n", &m), EINVAL);
        ASSERT_ERROR(id_map_parse("4294967295 0 2\n", &m), EINVAL);
        ASSERT_ERROR(id_map_parse("0 4294967295 2\n", &m), EINVAL);
        ASSERT_ERROR(id_map_parse("x y z\n", &m), EINVAL);
}

TEST(id_map_shift) {
        IdMap m;
        uint32_t id;

        ASSERT_OK(id_map_parse("0 100000 65536\n65536 300000 10\n", &m));
        ASSERT_OK(id_map_to_outside(&m, 0, &id));
        ASSERT_EQ(id, 100000);
        ASSERT_OK(id_map_to_outside(&m, 65535, &id));
        ASSERT_EQ(id, 165535);
        ASSERT_OK(id_map_to_outside(&m, 65537, &id));
        ASSERT_EQ(id, 300001);
        ASSERT_ERROR(id_map_to_outside(&m, 65546, &id), EOVERFLOW);
        ASSERT_OK(id_map_to_inside(&m, 100005, &id));
        ASSERT_EQ(id, 5);
        ASSERT_OK(id_map_to_inside(&m, 300009, &id));
        ASSERT_EQ(id, 65545);
        ASSERT_ERROR(id_map_to_inside(&m, 0, &id), EOVERFLOW);
        ASSERT_ERROR(id_map_to_inside(&m, 99999, &id), EOVERFLOW);
        ASSERT_ERROR(id_map_to_inside(&m, 165536, &id), EOVERFLOW);
}

TEST(machine_path_is_valid) {
        ASSERT_TRUE(machine_path_is_valid("/a"));
        ASSERT_TRUE(machine_path_is_valid("/a/b c"));
        ASSERT_FALSE(machine_path_is_valid("/"));
        ASSERT_FALSE(machine_path_is_valid(""));
        ASSERT_FALSE(machine_path_is_valid("a"));
        ASSERT_FALSE(machine_path_is_valid("/a/../b"));
        ASSERT_FALSE(machine_path_is_valid("/.."));
        ASSERT_FALSE(machine_path_is_valid("/a/./b"));
        ASSERT_FALSE(machine_path_is_valid("/a//b"));
        ASSERT_FALSE(machine_path_is_valid("/a/"));
        ASSERT_FALSE(machine_path_is_valid("/a\nb"));
}

static char *make_dir(void) {
        char *d = strdup("/tmp/test-machined-copy.XXXXXX");

        if (!d || !mkdtemp(d))
                abort();
        return d;
}

static void remove_dir(char *d) {
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
        if (system(cmd) != 0)
                fprintf(stderr, "Failed to remove %s\n", d);
        free(d);
}

/* Runs a shell script with the test directory in $D. */
static int run(const char *script, const char *dir) {
        if (setenv("D", dir, 1) < 0)
                return -1;
        return system(script);
}

static int keep_id(uint32_t id, bool is_gid, uint32_t *ret, void *userdata) {
        *ret = id;
        return 0;
}

/* A tree of the caller's own files (no root needed): contents, modes, times, a symlink that points
 * out, a FIFO, a hard link; then the refusals. */
TEST(copy_tree) {
        char *d = make_dir();
        _cleanup_close_ int dir = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char error_path[256];
        CopyTreeOptions o = { .shift_id = keep_id, .error_path = error_path, .error_path_size = sizeof(error_path) };
        struct stat a, b;
        char p[512];

        ASSERT_TRUE(dir >= 0);
        snprintf(p, sizeof(p), "cd %s && mkdir -p src/sub && echo a > src/a && chmod 0751 src/a && ln -s / src/sub/up && "
                 "mkfifo src/sub/fifo && ln src/a src/sub/hard && touch -d 2001-01-01 src/sub src", d);
        ASSERT_EQ(system(p), 0);

        ASSERT_OK(copy_tree_at(dir, "src", dir, "dst", &o));
        snprintf(p, sizeof(p), "cd %s/src && find . -printf '%%P %%y %%m %%s %%T@ %%l\\n' | sort > ../src.txt && "
                 "cd ../dst && find . -printf '%%P %%y %%m %%s %%T@ %%l\\n' | sort > ../dst.txt && cmp -s ../src.txt ../dst.txt",
                 d);
        ASSERT_EQ(system(p), 0);
        snprintf(p, sizeof(p), "%s/dst/a", d);
        ASSERT_OK(stat(p, &a));
        snprintf(p, sizeof(p), "%s/dst/sub/hard", d);
        ASSERT_OK(stat(p, &b));
        ASSERT_EQ(a.st_ino, b.st_ino);

        /* An existing destination: refused, then replaced. */
        ASSERT_ERROR(copy_tree_at(dir, "src", dir, "dst", &o), EEXIST);
        o.replace = true;
        ASSERT_OK(copy_tree_at(dir, "src", dir, "dst", &o));
        o.replace = false;

        /* Single names only: no path, no "..". */
        ASSERT_EQ(run("mkdir -p $D/src2/x && touch $D/src2/x/f", d), 0);
        ASSERT_ERROR(copy_tree_at(dir, "src2", dir, "a/b", &o), EINVAL);
        ASSERT_ERROR(copy_tree_at(dir, "..", dir, "dst3", &o), EINVAL);
        ASSERT_EQ(run("test ! -e $D/dst3 && test ! -e $D/a && ! ls -a $D | grep -q '^\\.#copy'", d), 0);
        remove_dir(d);
}

static int refuse_all(uint32_t id, bool is_gid, uint32_t *ret, void *userdata) {
        return -EOVERFLOW;
}

TEST(copy_tree_failure_leaves_nothing) {
        char *d = make_dir();
        _cleanup_close_ int dir = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char error_path[256];
        CopyTreeOptions o = { .shift_id = refuse_all, .error_path = error_path, .error_path_size = sizeof(error_path),
                              .temporary_name = ".#copytest" };

        ASSERT_EQ(run("mkdir -p $D/src/x/y && touch $D/src/x/y/f", d), 0);
        ASSERT_ERROR(copy_tree_at(dir, "src", dir, "dst", &o), EOVERFLOW);
        /* The deepest node was refused first: the file, before its directories got their owners. */
        ASSERT_STREQ(error_path, "src/x/y/f");
        ASSERT_EQ(run("test ! -e $D/dst && test ! -e $D/.#copytest", d), 0);
        remove_dir(d);
}

/* A tree copied into itself: the copy does not contain itself. */
TEST(copy_tree_into_itself) {
        char *d = make_dir();
        _cleanup_close_ int dir = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int src = -EBADF;
        CopyTreeOptions o = {};

        ASSERT_EQ(run("mkdir -p $D/src/a && touch $D/src/a/f", d), 0);
        src = openat(dir, "src", O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(src >= 0);
        ASSERT_OK(copy_tree_at(dir, "src", src, "inner", &o));
        ASSERT_EQ(run("test -f $D/src/inner/a/f && test ! -e $D/src/inner/inner && test $(find $D/src | wc -l) = 6", d), 0);
        remove_dir(d);
}

static void sum_progress(uint64_t done, void *userdata) {
        uint64_t *last = userdata;

        /* Called with what was done so far: it only grows. */
        if (done < *last)
                abort();
        *last = done;
}

/* Holes stay holes (no reflink on tmpfs or ext4: the data segments are copied), the size is kept, and
 * the progress adds up to copy_tree_size(): the holes, the data, a hard link's second name. */
TEST(copy_tree_sparse_and_progress) {
        char *d = make_dir();
        _cleanup_close_ int dir = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        uint64_t done = 0, total = 0;
        CopyTreeOptions o = { .progress = sum_progress, .userdata = &done };
        struct stat a, b;
        char p[512];

        ASSERT_TRUE(dir >= 0);
        ASSERT_EQ(run("mkdir $D/src && truncate -s 64M $D/src/sparse && "
                      "dd if=/dev/urandom of=$D/src/sparse bs=1M count=1 seek=20 conv=notrunc status=none && "
                      "dd if=/dev/urandom of=$D/src/dense bs=1M count=3 status=none && ln $D/src/dense $D/src/link && "
                      "truncate -s 10M $D/src/empty", d), 0);
        ASSERT_OK(copy_tree_size(dir, "src", false, &total));
        ASSERT_EQ(total, (uint64_t) (64 + 3 + 3 + 10) << 20);
        ASSERT_OK(copy_tree_at(dir, "src", dir, "dst", &o));
        ASSERT_EQ(done, total);
        snprintf(p, sizeof(p), "%s/src/sparse", d);
        ASSERT_OK(stat(p, &a));
        snprintf(p, sizeof(p), "%s/dst/sparse", d);
        ASSERT_OK(stat(p, &b));
        ASSERT_EQ(a.st_size, b.st_size);
        ASSERT_TRUE(b.st_blocks <= a.st_blocks);
        ASSERT_TRUE(b.st_blocks < (64 << 20) / 512 / 4);
        snprintf(p, sizeof(p), "%s/dst/empty", d);
        ASSERT_OK(stat(p, &b));
        ASSERT_EQ(b.st_size, 10 << 20);
        ASSERT_EQ(b.st_blocks, 0);
        ASSERT_EQ(run("cmp $D/src/sparse $D/dst/sparse && cmp $D/src/dense $D/dst/link", d), 0);

        /* A single file (a raw image), holes kept, its mode set as asked. */
        _cleanup_close_ int src = openat(dir, "src", O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(src >= 0);
        ASSERT_EQ(run("chmod 0400 $D/src/sparse", d), 0);
        done = 0;
        o.top_mode = 0644;
        ASSERT_OK(copy_tree_at(src, "sparse", dir, "file", &o));
        ASSERT_EQ(done, (uint64_t) 64 << 20);
        snprintf(p, sizeof(p), "%s/file", d);
        ASSERT_OK(stat(p, &b));
        ASSERT_EQ(b.st_mode & 07777, 0644);
        ASSERT_TRUE(b.st_blocks < (64 << 20) / 512 / 4);
        ASSERT_EQ(run("cmp $D/src/sparse $D/file", d), 0);
        remove_dir(d);
}

/* same_file_system: a file system mounted inside the tree is a mount point in the copy, empty, with the
 * mount's root's attributes; without it, its contents are copied. Mounting needs root, as CI has. */
TEST(copy_tree_same_file_system) {
        char *d = make_dir();
        _cleanup_close_ int dir = -EBADF;
        uint64_t total = 0;
        /* A work name longer than copy_temporary_name()'s, as machined's clone uses. */
        CopyTreeOptions o = { .same_file_system = true, .temporary_name = ".#work-of-a-clone-with-a-long-name-0123456789abcdef" };
        char p[512];

        ASSERT_EQ(geteuid(), 0);
        /* In a mount namespace of the test's own: a test that dies leaves no mount on the host. The
         * directory is opened after: an fd from before would still walk the host's mounts. */
        ASSERT_OK(unshare(CLONE_NEWNS));
        ASSERT_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
        dir = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(dir >= 0);
        ASSERT_EQ(run("mkdir -p $D/src/m $D/src/n && echo x > $D/src/n/f", d), 0);
        snprintf(p, sizeof(p), "%s/src/m", d);
        ASSERT_OK(mount("tmpfs", p, "tmpfs", 0, "size=8m,mode=0711"));
        ASSERT_EQ(run("mkdir $D/src/m/deep && head -c 4096 /dev/zero > $D/src/m/deep/g && touch -d 2001-01-01 $D/src/m", d), 0);

        ASSERT_OK(copy_tree_size(dir, "src", true, &total));
        ASSERT_EQ(total, 2);
        /* dst_name NULL: the copy stays under its work name. */
        ASSERT_OK(copy_tree_at(dir, "src", dir, NULL, &o));
        ASSERT_EQ(run("W=$D/.#work-of-a-clone-with-a-long-name-0123456789abcdef && "
                      "test -d $W/m && test -z \"$(ls -A $W/m)\" && test -f $W/n/f && test $(stat -c %a $W/m) = 711 && "
                      "test $(stat -c %Y $W/m) = $(stat -c %Y $D/src/m) && test ! -e $D/dst", d), 0);

        o = (CopyTreeOptions) {};
        ASSERT_OK(copy_tree_size(dir, "src", false, &total));
        ASSERT_EQ(total, 4096 + 2);
        ASSERT_OK(copy_tree_at(dir, "src", dir, "all", &o));
        ASSERT_EQ(run("test -f $D/all/m/deep/g", d), 0);
        ASSERT_OK(umount2(p, MNT_DETACH));
        remove_dir(d);
}

TEST(remove_tree_at) {
        char *d = make_dir();
        _cleanup_close_ int dir = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);

        ASSERT_EQ(run("mkdir -p $D/t/a/b $D/keep && touch $D/t/a/b/f $D/keep/k && ln -s $D/keep $D/t/link", d), 0);
        ASSERT_OK(remove_tree_at(dir, "t"));
        /* The symlink was removed, not followed. */
        ASSERT_EQ(run("test ! -e $D/t && test -f $D/keep/k", d), 0);
        ASSERT_OK(remove_tree_at(dir, "no-such"));
        remove_dir(d);
}

DEFINE_TEST_MAIN
