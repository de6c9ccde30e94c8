/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nspawn-user.h"
#include "string-util.h"
#include "tests.h"

static void user_record_donep(UserRecord *u) {
        user_record_done(u);
}
#define _cleanup_user_ _cleanup_(user_record_donep)

static const char passwd[] =
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\n"
        "bob:x:1001:100::/home/bob:/bin/bash\n"
        "nohome:x:1002:1002:No Home::\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

static const char group[] =
        "root:x:0:\n"
        "wheel:x:10:alice,bob\n"
        "audio:x:29:bob\n"
        "users:x:100:alice\n"
        "video:x:44:carol,alice\n"
        "alice:x:1000:alice\n"
        "broken line without colons\n"
        "bad:x:notanumber:alice\n"
        "toomany:x:50:alice:extra\n"
        "\n"
        "plugdev:x:46:alicex,xalice\n"
        "staff:x:50:alice\n";

static bool has_gid(const UserRecord *u, gid_t g) {
        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == g)
                        return true;
        return false;
}

TEST(found_user) {
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(passwd, "alice", &u));
        ASSERT_EQ(u.uid, 1000);
        ASSERT_EQ(u.gid, 1000);
        ASSERT_STREQ(u.name, "alice");
        ASSERT_STREQ(u.home, "/home/alice");
        ASSERT_STREQ(u.shell, "/bin/zsh");
        ASSERT_EQ(u.n_groups, 0);

        _cleanup_user_ UserRecord r = {};
        ASSERT_OK(user_record_from_passwd(passwd, "root", &r));
        ASSERT_EQ(r.uid, 0);
        ASSERT_EQ(r.gid, 0);
        ASSERT_STREQ(r.home, "/root");

        _cleanup_user_ UserRecord n = {};
        ASSERT_OK(user_record_from_passwd(passwd, "nobody", &n));
        ASSERT_EQ(n.uid, 65534);
}

TEST(last_line_without_newline) {
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd("root:x:0:0::/root:/bin/sh\nzed:x:7:8::/z:/bin/sh", "zed", &u));
        ASSERT_EQ(u.uid, 7);
        ASSERT_EQ(u.gid, 8);
        ASSERT_STREQ(u.shell, "/bin/sh");
}

TEST(missing_user) {
        UserRecord u = { .name = (char *) "untouched" };
        ASSERT_ERROR(user_record_from_passwd(passwd, "carol", &u), ESRCH);
        ASSERT_STREQ(u.name, "untouched");
        /* Names match whole fields only. */
        ASSERT_ERROR(user_record_from_passwd(passwd, "alic", &u), ESRCH);
        ASSERT_ERROR(user_record_from_passwd(passwd, "alice2", &u), ESRCH);
        ASSERT_ERROR(user_record_from_passwd(passwd, "Alice", &u), ESRCH);
        ASSERT_ERROR(user_record_from_passwd("", "root", &u), ESRCH);
        ASSERT_STREQ(u.name, "untouched");
}

TEST(numeric_uid_with_entry) {
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(passwd, "1001", &u));
        ASSERT_EQ(u.uid, 1001);
        ASSERT_EQ(u.gid, 100);
        ASSERT_STREQ(u.name, "bob");
        ASSERT_STREQ(u.home, "/home/bob");
        ASSERT_STREQ(u.shell, "/bin/bash");

        _cleanup_user_ UserRecord r = {};
        ASSERT_OK(user_record_from_passwd(passwd, "0", &r));
        ASSERT_STREQ(r.name, "root");
        ASSERT_EQ(r.uid, 0);
}

TEST(numeric_uid_without_entry) {
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(passwd, "4242", &u));
        ASSERT_EQ(u.uid, 4242);
        ASSERT_EQ(u.gid, 4242);
        ASSERT_STREQ(u.name, "4242");
        ASSERT_STREQ(u.home, "/");
        ASSERT_STREQ(u.shell, "/bin/sh");
        ASSERT_EQ(u.n_groups, 0);

        _cleanup_user_ UserRecord e = {};
        ASSERT_OK(user_record_from_passwd("", "4242", &e));
        ASSERT_EQ(e.uid, 4242);

        /* Ids that are never valid are not numeric ids, and no user has such a name. */
        UserRecord x = {};
        ASSERT_ERROR(user_record_from_passwd(passwd, "4294967295", &x), ESRCH);
        ASSERT_ERROR(user_record_from_passwd(passwd, "65535", &x), ESRCH);
        ASSERT_ERROR(user_record_from_passwd(passwd, "-1", &x), ESRCH);
}

TEST(malformed_lines_skipped) {
        static const char text[] =
                "garbage\n"
                "\n"
                "alice:x:1000\n"
                "alice:x:abc:1000::/bad:/bin/false\n"
                "alice:x:1000:def::/bad:/bin/false\n"
                "alice:x:1000:1000::/bad:/bin/false:extra\n"
                "alice:x:4294967295:1000::/bad:/bin/false\n"
                "#alice:x:1:1::/bad:/bin/false\n"
                "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n";
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(text, "alice", &u));
        ASSERT_EQ(u.uid, 1000);
        ASSERT_EQ(u.gid, 1000);
        ASSERT_STREQ(u.home, "/home/alice");
        ASSERT_STREQ(u.shell, "/bin/sh");
}

TEST(empty_home_and_shell) {
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(passwd, "nohome", &u));
        ASSERT_EQ(u.uid, 1002);
        ASSERT_STREQ(u.home, "/");
        ASSERT_STREQ(u.shell, "/bin/sh");

        _cleanup_user_ UserRecord b = {};
        ASSERT_OK(user_record_from_passwd(passwd, "bob", &b));
        ASSERT_STREQ(b.home, "/home/bob");
}

static char *long_line_db(size_t line_len, const char *after) {
        size_t n = line_len + 1 + strlen(after);
        char *t = malloc(n + 1);
        if (!t)
                return NULL;
        /* A syntactically valid entry of an unrelated user, padded in the GECOS field. */
        const char *head = "pad:x:5000:5000:";
        const char *tail = ":/home/pad:/bin/sh";
        size_t hl = strlen(head), tl = strlen(tail);
        memcpy(t, head, hl);
        memset(t + hl, 'g', line_len - hl - tl);
        memcpy(t + line_len - tl, tail, tl);
        t[line_len] = '\n';
        strcpy(t + line_len + 1, after);
        return t;
}

TEST(line_too_long) {
        _cleanup_free_ char *ok = long_line_db(USER_DB_MAX_LINE, "alice:x:1000:1000::/home/alice:/bin/sh\n");
        _cleanup_free_ char *bad = long_line_db(USER_DB_MAX_LINE + 1, "alice:x:1000:1000::/home/alice:/bin/sh\n");
        ASSERT_TRUE(ok && bad);
        ASSERT_EQ(strchr(ok, '\n') - ok, USER_DB_MAX_LINE);

        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(ok, "alice", &u));
        ASSERT_EQ(u.uid, 1000);

        _cleanup_user_ UserRecord p = {};
        ASSERT_OK(user_record_from_passwd(ok, "pad", &p));
        ASSERT_EQ(p.uid, 5000);

        UserRecord v = {};
        ASSERT_ERROR(user_record_from_passwd(bad, "alice", &v), EBADMSG);
        ASSERT_ERROR(user_record_from_passwd(bad, "4242", &v), EBADMSG);
        ASSERT_TRUE(v.name == NULL);

        /* A group file with an over-long line is refused as well. */
        _cleanup_user_ UserRecord g = {};
        ASSERT_OK(user_record_from_passwd(passwd, "alice", &g));
        ASSERT_ERROR(user_record_add_groups(&g, bad), EBADMSG);
}

TEST(supplementary_groups) {
        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(passwd, "alice", &u));
        ASSERT_OK(user_record_add_groups(&u, group));
        ASSERT_TRUE(has_gid(&u, 10));
        ASSERT_TRUE(has_gid(&u, 100));
        ASSERT_TRUE(has_gid(&u, 44));
        ASSERT_TRUE(has_gid(&u, 50));
        ASSERT_FALSE(has_gid(&u, 29));          /* bob only */
        ASSERT_FALSE(has_gid(&u, 46));          /* only names that contain "alice" */
        ASSERT_FALSE(has_gid(&u, 0));
        ASSERT_FALSE(has_gid(&u, 1000));        /* the primary group is not a supplementary one */
        ASSERT_EQ(u.n_groups, 4);
        /* In file order. */
        ASSERT_EQ(u.groups[0], 10);
        ASSERT_EQ(u.groups[1], 100);
        ASSERT_EQ(u.groups[2], 44);
        ASSERT_EQ(u.groups[3], 50);

        _cleanup_user_ UserRecord b = {};
        ASSERT_OK(user_record_from_passwd(passwd, "bob", &b));
        ASSERT_OK(user_record_add_groups(&b, group));
        ASSERT_EQ(b.n_groups, 2);
        ASSERT_TRUE(has_gid(&b, 10));
        ASSERT_TRUE(has_gid(&b, 29));
        ASSERT_FALSE(has_gid(&b, 100));         /* bob's primary group */

        _cleanup_user_ UserRecord d = {};
        ASSERT_OK(user_record_from_passwd(passwd, "daemon", &d));
        ASSERT_OK(user_record_add_groups(&d, group));
        ASSERT_EQ(d.n_groups, 0);
        ASSERT_OK(user_record_add_groups(&d, ""));
        ASSERT_EQ(d.n_groups, 0);
}

TEST(many_supplementary_groups) {
        /* The header promises every group that names the user; the kernel allows NGROUPS_MAX (65536). */
        const size_t n = 100;
        size_t size = n * 64 + 1, off = 0;
        _cleanup_free_ char *text = malloc(size);
        ASSERT_TRUE(text);
        for (size_t i = 0; i < n; i++)
                off += (size_t) snprintf(text + off, size - off, "g%zu:x:%zu:alice\n", i, 2000 + i);

        _cleanup_user_ UserRecord u = {};
        ASSERT_OK(user_record_from_passwd(passwd, "alice", &u));
        ASSERT_OK(user_record_add_groups(&u, text));
        ASSERT_EQ(u.n_groups, n);
        ASSERT_EQ(u.groups[n - 1], 2000 + n - 1);
}

DEFINE_TEST_MAIN
