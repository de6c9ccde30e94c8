/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "guest-user.h"
#include "tests.h"

static const char passwd[] =
        "# a comment\n"
        "root:x:0:0:root:/root:/bin/bash\n"
        "+nis::::::\n"
        "broken:x:1\n"
        "bad:x:notanumber:1:::\n"
        "user:x:1000:1000:A User,,,:/home/user:/bin/zsh\n"
        "nohome:x:1001:1001:::\n";

static const char group[] =
        "root:x:0:\n"
        "wheel:x:10:root,user\n"
        "audio:x:29:other,user\n"
        "user:x:1000:user\n"
        "users:x:100:useruser,xuser\n";

TEST(passwd_by_name) {
        _cleanup_(guest_user_freep) GuestUser *u = NULL;

        ASSERT_OK(guest_user_from_passwd(passwd, "user", &u));
        ASSERT_EQ(u->uid, 1000U);
        ASSERT_EQ(u->gid, 1000U);
        ASSERT_STREQ(u->home, "/home/user");
        ASSERT_STREQ(u->shell, "/bin/zsh");
        ASSERT_EQ(u->n_groups, 1U);
        ASSERT_OK(guest_user_add_groups(u, group));
        /* The primary group once, then wheel and audio; not "users" (no prefix matches). */
        ASSERT_EQ(u->n_groups, 3U);
        ASSERT_EQ(u->groups[0], 1000U);
        ASSERT_EQ(u->groups[1], 10U);
        ASSERT_EQ(u->groups[2], 29U);
}

TEST(passwd_by_uid_and_defaults) {
        _cleanup_(guest_user_freep) GuestUser *u = NULL, *v = NULL, *w = NULL;

        ASSERT_OK(guest_user_from_passwd(passwd, "0", &u));
        ASSERT_STREQ(u->name, "root");
        /* Empty home and shell: "/" and /bin/sh, as login(1) does. */
        ASSERT_OK(guest_user_from_passwd(passwd, "nohome", &v));
        ASSERT_STREQ(v->home, "/");
        ASSERT_STREQ(v->shell, "/bin/sh");
        /* A uid without an entry works, as User=4242 would. */
        ASSERT_OK(guest_user_from_passwd(passwd, "4242", &w));
        ASSERT_EQ(w->uid, 4242U);
        ASSERT_EQ(w->gid, 4242U);
}

TEST(passwd_refusals) {
        GuestUser *u = NULL;

        ASSERT_ERROR(guest_user_from_passwd(passwd, "nosuch", &u), ENXIO);
        ASSERT_ERROR(guest_user_from_passwd(passwd, "broken", &u), ENXIO);
        ASSERT_ERROR(guest_user_from_passwd(passwd, "bad", &u), ENXIO);
        ASSERT_ERROR(guest_user_from_passwd(passwd, "+nis", &u), ENXIO);
        ASSERT_ERROR(guest_user_from_passwd(passwd, "", &u), ENXIO);
        /* (uid_t) -1 is no uid. */
        ASSERT_ERROR(guest_user_from_passwd(passwd, "4294967295", &u), ENXIO);
        ASSERT_TRUE(u == NULL);
}

/* The files are read inside the root: a symlink to the host's /etc/passwd resolves in the tree. */
TEST(lookup_in_root) {
        char dir[] = "/tmp/test-guest-user.XXXXXX", p[128];
        _cleanup_(guest_user_freep) GuestUser *u = NULL;
        _cleanup_close_ int root = -EBADF;
        FILE *f;

        ASSERT_TRUE(mkdtemp(dir) != NULL);
        snprintf(p, sizeof(p), "%s/etc", dir);
        ASSERT_OK(mkdir(p, 0755));
        snprintf(p, sizeof(p), "%s/etc/real", dir);
        ASSERT_TRUE((f = fopen(p, "w")) != NULL);
        fputs("guest:x:7:7::/g:/bin/sh\n", f);
        fclose(f);
        snprintf(p, sizeof(p), "%s/etc/passwd", dir);
        ASSERT_OK(symlink("/etc/real", p));
        root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(root >= 0);
        ASSERT_OK(guest_user_lookup(root, "guest", &u));
        ASSERT_EQ(u->uid, 7U);
        ASSERT_ERROR(guest_user_lookup(root, "root", &u), ENXIO);
        snprintf(p, sizeof(p), "rm -rf '%s'", dir);
        ASSERT_EQ(system(p), 0);
}

DEFINE_TEST_MAIN
