/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The user-namespace mode's pure parts: --private-users= and --private-users-ownership= parsing, the
 * pick candidates, the range lock, and the tree shift on a scratch directory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-mount.h"
#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "nspawn-sync.h"
#include "nspawn-userns.h"
#include "string-util.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))
#define PARSE(s, ...) settings_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (s))

TEST(parse_words) {
        PrivateUsersMode m;
        uint32_t shift;

        ASSERT_OK(private_users_parse("no", &m, &shift));
        ASSERT_EQ(m, PRIVATE_USERS_NO);
        ASSERT_OK(private_users_parse("yes", &m, &shift));
        ASSERT_EQ(m, PRIVATE_USERS_YES);
        ASSERT_OK(private_users_parse("pick", &m, &shift));
        ASSERT_EQ(m, PRIVATE_USERS_PICK);
        ASSERT_OK(private_users_parse("identity", &m, &shift));
        ASSERT_EQ(m, PRIVATE_USERS_IDENTITY);
        ASSERT_EQ(shift, 0u);
}

TEST(parse_ranges) {
        PrivateUsersMode m = PRIVATE_USERS_NO;
        uint32_t shift = 0;

        ASSERT_OK(private_users_parse("1048576", &m, &shift));
        ASSERT_EQ(m, PRIVATE_USERS_FIXED);
        ASSERT_EQ(shift, 1048576u);
        ASSERT_OK(private_users_parse("131072:65536", &m, &shift));
        ASSERT_EQ(shift, 131072u);
        /* The host's users, COUNT other than 65536, unaligned, the top of the id space. */
        ASSERT_OK(private_users_parse("0", &m, &shift));     /* "0" is the boolean no */
        ASSERT_EQ(m, PRIVATE_USERS_NO);
        ASSERT_ERROR(private_users_parse("1000:65536", &m, &shift), ERANGE);
        ASSERT_ERROR(private_users_parse("65535", &m, &shift), ERANGE);
        ASSERT_ERROR(private_users_parse("131072:1000", &m, &shift), ERANGE);
        ASSERT_ERROR(private_users_parse("131072:131072", &m, &shift), ERANGE);
        ASSERT_ERROR(private_users_parse("131073", &m, &shift), ERANGE);
        ASSERT_ERROR(private_users_parse("4294901760", &m, &shift), ERANGE);
        ASSERT_ERROR(private_users_parse("99999999999999999999", &m, &shift), EINVAL);
        ASSERT_ERROR(private_users_parse("maybe", &m, &shift), EINVAL);
        ASSERT_ERROR(private_users_parse("", &m, &shift), EINVAL);
        ASSERT_ERROR(private_users_parse("131072:", &m, &shift), EINVAL);
        ASSERT_ERROR(private_users_parse("131072:x", &m, &shift), EINVAL);
        ASSERT_ERROR(private_users_parse("131072x", &m, &shift), EINVAL);
        ASSERT_ERROR(private_users_parse("-65536", &m, &shift), EINVAL);
}

TEST(options) {
        Settings s = {};

        ASSERT_EQ(PARSE(&s, "-U"), 1);
        ASSERT_EQ(s.private_users, PRIVATE_USERS_PICK);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_AUTO);
        ASSERT_TRUE(sync_plan_build(&s) & SYNC_PLAN_STEP(SYNC_STEP_ID_MAPS_WRITTEN));
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-users=pick"), 1);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_OFF);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-users-ownership=off", "-U"), 1);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_OFF);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-users=196608", "--private-users-ownership=chown"), 1);
        ASSERT_EQ(s.private_users, PRIVATE_USERS_FIXED);
        ASSERT_EQ(s.uid_shift, 196608u);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_CHOWN);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-users-ownership=chown"), 1);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_OFF);     /* no user namespace: nothing to own */
        ASSERT_FALSE(sync_plan_build(&s) & SYNC_PLAN_STEP(SYNC_STEP_ID_MAPS_WRITTEN));
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-users-ownership=map", "--private-users=pick"), 1);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_MAP);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-U", "--private-users-ownership=auto"), 1);
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_AUTO);
        settings_done(&s);

        /* Binds: idmap needs a user namespace; in one, every bind comes from the parent. */
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-U", "--bind=/srv/a:/a:idmap,norbind", "--bind-ro=/srv/b:/b:noidmap"), 1);
        ASSERT_EQ(s.n_binds, 2u);
        ASSERT_TRUE(s.binds[0].idmap && !s.binds[0].recursive && !s.binds[0].read_only);
        ASSERT_TRUE(!s.binds[1].idmap && s.binds[1].recursive && s.binds[1].read_only);
        MountPlan plan = {};
        ASSERT_OK(mount_plan_build(&s, &plan));
        size_t found = 0;
        for (size_t i = 0; i < plan.n_entries; i++) {
                const MountEntry *e = &plan.entries[i];
                if (e->kind != MOUNT_BIND_HOST || streq(e->where, "/sys"))
                        continue;
                ASSERT_TRUE(e->from_parent);
                ASSERT_EQ(e->idmap, streq(e->where, "/a"));
                found++;
        }
        ASSERT_EQ(found, 2u);
        mount_plan_done(&plan);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--bind=/srv/a:/a"), 1);
        ASSERT_OK(mount_plan_build(&s, &plan));
        for (size_t i = 0; i < plan.n_entries; i++)
                ASSERT_FALSE(plan.entries[i].from_parent);
        mount_plan_done(&plan);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_TRUE(PARSE(&s, "--bind=/srv/a:/a:idmap") < 0);
        ASSERT_TRUE(PARSE(&s, "-U", "--bind=/srv/a:/a:idmapped") < 0);
        ASSERT_TRUE(PARSE(&s, "--private-users-ownership=bogus") < 0);
        ASSERT_TRUE(PARSE(&s, "--private-users=bogus") < 0);
        ASSERT_TRUE(PARSE(&s, "--private-users=1000") < 0);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-U", "-i", "/x.raw"), 1);          /* images in a user namespace */
        ASSERT_EQ(s.users_ownership, USERS_OWNERSHIP_AUTO);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-U", "-b"), 1);                    /* boots in a user namespace */
        ASSERT_EQ(s.private_users, PRIVATE_USERS_PICK);
        ASSERT_TRUE(s.boot);
        ASSERT_TRUE(sync_plan_build(&s) & SYNC_PLAN_STEP(SYNC_STEP_ID_MAPS_WRITTEN));
        settings_done(&s);
}

TEST(pick_candidates) {
        /* Every candidate is an aligned range inside systemd's window; the first one is the hash's,
         * stable for a name; the next ones walk on, wrapping around. */
        const char *names[] = { "a", "userns-1", "userns-2", "bookworm", "" };
        for (size_t n = 0; n < ELEMENTSOF(names); n++)
                for (uint32_t i = 0; i < 3 * USERNS_PICK_SLOTS; i += 997) {
                        uint32_t c = userns_pick_candidate(names[n], i);
                        ASSERT_TRUE(c >= USERNS_PICK_FIRST);
                        ASSERT_TRUE((uint64_t) c + USERNS_RANGE <= USERNS_PICK_END);
                        ASSERT_EQ(c % USERNS_RANGE, 0u);
                }
        ASSERT_EQ(userns_pick_candidate("userns-1", 0), userns_pick_candidate("userns-1", 0));
        ASSERT_TRUE(userns_pick_candidate("userns-1", 0) != userns_pick_candidate("userns-2", 0));
        uint32_t a = userns_pick_candidate("x", 0), b = userns_pick_candidate("x", 1);
        ASSERT_TRUE(b == a + USERNS_RANGE || (a + USERNS_RANGE == USERNS_PICK_END && b == USERNS_PICK_FIRST));
        ASSERT_EQ(userns_pick_candidate("x", USERNS_PICK_SLOTS), a);
        /* The last slot ends at the window's end exactly. */
        ASSERT_EQ(USERNS_PICK_FIRST + USERNS_PICK_SLOTS * USERNS_RANGE, USERNS_PICK_END);
}

TEST(range_lock) {
        char dir[] = "/tmp/test-userns-XXXXXX", path[PATH_MAX];
        int fd1 = -EBADF, fd2 = -EBADF, fd3 = -EBADF;
        uint32_t s1, s2;

        ASSERT_TRUE(mkdtemp(dir) != NULL);
        ASSERT_OK(userns_range_pick(dir, "same", &s1, &fd1));
        ASSERT_EQ(s1, userns_pick_candidate("same", 0));
        /* A second container of the same name collides and gets the next range. */
        ASSERT_OK(userns_range_pick(dir, "same", &s2, &fd2));
        ASSERT_EQ(s2, userns_pick_candidate("same", 1));
        ASSERT_ERROR(userns_range_lock(dir, s1, &fd3), EBUSY);
        userns_range_unlock(dir, s1, fd1);
        snprintf(path, sizeof(path), "%s/%08x.lock", dir, (unsigned) s1);
        ASSERT_TRUE(access(path, F_OK) < 0);
        ASSERT_OK(userns_range_lock(dir, s1, &fd3));
        userns_range_unlock(dir, s1, fd3);
        userns_range_unlock(dir, s2, fd2);
        ASSERT_OK(rmdir(dir));
}

/* system.posix_acl_* in the kernel's format: version 2; user::rwx, group::r-x, group:4:r-x, mask::r-x,
 * other::r-x (tags 1, 4, 8, 0x10, 0x20; the id of the named group at offset 24). */
static const uint8_t acl[] = {
        2, 0, 0, 0,
        1, 0, 7, 0, 0xff, 0xff, 0xff, 0xff,
        4, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,
        8, 0, 5, 0, 4, 0, 0, 0,
        0x10, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,
        0x20, 0, 5, 0, 0xff, 0xff, 0xff, 0xff,
};
/* security.capability, revision 2: effective, permitted CAP_NET_RAW (13). */
static const uint8_t caps[] = {
        1, 0, 0, 2,
        0, 0x20, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
};

static uint32_t acl_group_id(const uint8_t *b) {
        return (uint32_t) b[24] | (uint32_t) b[25] << 8 | (uint32_t) b[26] << 16 | (uint32_t) b[27] << 24;
}

TEST(chown_tree) {
        char dir[] = "/tmp/test-userns-tree-XXXXXX", p[PATH_MAX];
        uint8_t buf[256];
        struct stat st;

        if (geteuid() != 0)
                return;         /* chown needs root; the integration test covers it there too */
        ASSERT_TRUE(mkdtemp(dir) != NULL);
        snprintf(p, sizeof(p), "%s/sub", dir);
        ASSERT_OK(mkdir(p, 0755));
        snprintf(p, sizeof(p), "%s/sub/suid", dir);
        int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
        ASSERT_TRUE(fd >= 0);
        close(fd);
        ASSERT_OK(chown(p, 5, 6));
        ASSERT_OK(chmod(p, 04755));
        snprintf(p, sizeof(p), "%s/link", dir);
        ASSERT_OK(symlink("/etc/passwd", p));
        /* A named group in the access and default ACLs of sub (as on Debian's /var/log/journal), and
         * file capabilities (v2: cap_net_raw=ep) on sub/suid. */
        snprintf(p, sizeof(p), "%s/sub", dir);
        ASSERT_OK(setxattr(p, "system.posix_acl_access", acl, sizeof(acl), 0));
        ASSERT_OK(setxattr(p, "system.posix_acl_default", acl, sizeof(acl), 0));
        snprintf(p, sizeof(p), "%s/sub/suid", dir);
        ASSERT_OK(setxattr(p, "security.capability", caps, sizeof(caps), 0));
        ASSERT_OK(chmod(p, 04755));

        _cleanup_close_ int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_EQ(userns_chown_tree(root, 0x90000, NULL), 1);
        ASSERT_EQ(userns_chown_tree(root, 0x90000, NULL), 0);         /* recorded: not redone */
        snprintf(p, sizeof(p), "%s/sub", dir);
        ASSERT_EQ(getxattr(p, "system.posix_acl_access", buf, sizeof(buf)), (ssize_t) sizeof(acl));
        ASSERT_EQ(acl_group_id(buf), 0x90004u);                 /* group adm moved with the tree */
        ASSERT_EQ(getxattr(p, "system.posix_acl_default", buf, sizeof(buf)), (ssize_t) sizeof(acl));
        ASSERT_EQ(acl_group_id(buf), 0x90004u);
        snprintf(p, sizeof(p), "%s/sub/suid", dir);
        ASSERT_EQ(getxattr(p, "security.capability", buf, sizeof(buf)), (ssize_t) sizeof(caps));
        ASSERT_EQ(memcmp(buf, caps, sizeof(caps)), 0);          /* kept across the chown */
        snprintf(p, sizeof(p), "%s/sub/suid", dir);
        ASSERT_OK(lstat(p, &st));
        ASSERT_EQ(st.st_uid, 0x90005u);
        ASSERT_EQ(st.st_gid, 0x90006u);
        ASSERT_EQ(st.st_mode & 07777, 04755u);
        snprintf(p, sizeof(p), "%s/link", dir);
        ASSERT_OK(lstat(p, &st));
        ASSERT_EQ(st.st_uid, 0x90000u);
        ASSERT_OK(stat("/etc/passwd", &st));
        ASSERT_EQ(st.st_uid, 0u);                               /* never through a link */
        /* Into another range: offsets carry over. */
        ASSERT_EQ(userns_chown_tree(root, 0xa0000, NULL), 1);
        snprintf(p, sizeof(p), "%s/sub/suid", dir);
        ASSERT_OK(lstat(p, &st));
        ASSERT_EQ(st.st_uid, 0xa0005u);
        ASSERT_OK(unlink(p));
        snprintf(p, sizeof(p), "%s/sub", dir);
        ASSERT_OK(rmdir(p));
        snprintf(p, sizeof(p), "%s/link", dir);
        ASSERT_OK(unlink(p));
        ASSERT_OK(rmdir(dir));
}

/* In a user namespace without a network namespace of its own the host's /sys is bound; on a pure
 * cgroup2 host that brings a cgroup2 mount at /sys/fs/cgroup, onto whose root the container's own
 * cgroup2 cannot be mounted (EBUSY): a tmpfs comes between them. */
static size_t plan_find(const MountPlan *p, const char *where, const char *what) {
        for (size_t i = 0; i < p->n_entries; i++)
                if (streq(p->entries[i].where, where) && streq_ptr(p->entries[i].what, what))
                        return i;
        return SIZE_MAX;
}

TEST(sys_plan) {
        Settings s = {};
        MountPlan p = {};

        ASSERT_EQ(PARSE(&s, "-U"), 1);
        ASSERT_OK(mount_plan_build(&s, &p));
        size_t sys = plan_find(&p, "/sys", "/sys"), cover = plan_find(&p, "/sys/fs/cgroup", "tmpfs"),
               cg = plan_find(&p, "/sys/fs/cgroup", "cgroup2");
        ASSERT_TRUE(sys != SIZE_MAX && cover != SIZE_MAX && cg != SIZE_MAX);
        ASSERT_EQ(p.entries[sys].kind, MOUNT_BIND_HOST);
        ASSERT_TRUE(sys < cover && cover < cg);
        mount_plan_done(&p);
        settings_done(&s);

        /* A sysfs of its own (--private-network), or no user namespace: no tmpfs there. */
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-U", "--private-network"), 1);
        ASSERT_OK(mount_plan_build(&s, &p));
        ASSERT_EQ(plan_find(&p, "/sys/fs/cgroup", "tmpfs"), SIZE_MAX);
        ASSERT_TRUE(plan_find(&p, "/sys", "sysfs") != SIZE_MAX);
        mount_plan_done(&p);
        settings_done(&s);
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-b"), 1);
        ASSERT_OK(mount_plan_build(&s, &p));
        ASSERT_EQ(plan_find(&p, "/sys/fs/cgroup", "tmpfs"), SIZE_MAX);
        mount_plan_done(&p);
        settings_done(&s);
}

static void count_calls(uint64_t n_files, void *userdata) {
        uint64_t *calls = userdata;
        ASSERT_EQ(n_files % 1024, 0u);
        (*calls)++;
}

/* The progress callback: every 1024 entries, and the count of all of them (the root directory, done
 * last, is not counted). */
TEST(chown_progress) {
        char dir[] = "/tmp/test-userns-progress.XXXXXX", p[PATH_MAX];
        uint64_t calls = 0;

        if (geteuid() != 0)
                return;         /* chown needs root; the integration tests run this as root too */
        ASSERT_TRUE(mkdtemp(dir) != NULL);
        for (int i = 0; i < 2500; i++) {
                snprintf(p, sizeof(p), "%s/f%d", dir, i);
                _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                ASSERT_TRUE(fd >= 0);
        }
        _cleanup_close_ int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        UsersChownProgress pr = { .fn = count_calls, .userdata = &calls };
        ASSERT_EQ(userns_chown_tree(root, 0x90000, &pr), 1);
        ASSERT_EQ(pr.n_files, 2500u);
        ASSERT_EQ(calls, 2u);
        for (int i = 0; i < 2500; i++) {
                snprintf(p, sizeof(p), "%s/f%d", dir, i);
                ASSERT_OK(unlink(p));
        }
        ASSERT_OK(rmdir(dir));
}

DEFINE_TEST_MAIN
