/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "nspawn-bind.h"
#include "string-util.h"
#include "tests.h"

static void bind_mount_donep(BindMount *b) {
        bind_mount_done(b);
}
static void tmpfs_mount_donep(TmpfsMount *t) {
        tmpfs_mount_done(t);
}
#define _cleanup_bind_ _cleanup_(bind_mount_donep)
#define _cleanup_tmpfs_ _cleanup_(tmpfs_mount_donep)

/* A spec that must be refused, leaving the output alone. */
static bool bind_fails(const char *spec) {
        BindMount b = { .source = (char *) "untouched" };
        int r = bind_mount_parse(spec, false, &b);
        if (r >= 0) {
                fprintf(stderr, "bind accepted: \"%s\"\n", spec);
                bind_mount_done(&b);
                return false;
        }
        return b.source && streq(b.source, "untouched") && !b.destination;
}

static bool tmpfs_fails(const char *spec) {
        TmpfsMount t = { .path = (char *) "untouched" };
        int r = tmpfs_mount_parse(spec, &t);
        if (r >= 0) {
                fprintf(stderr, "tmpfs accepted: \"%s\"\n", spec);
                tmpfs_mount_done(&t);
                return false;
        }
        return t.path && streq(t.path, "untouched") && !t.options;
}

TEST(bind_source_only) {
        _cleanup_bind_ BindMount b = {};
        ASSERT_OK(bind_mount_parse("/srv/data", false, &b));
        ASSERT_STREQ(b.source, "/srv/data");
        ASSERT_STREQ(b.destination, "/srv/data");
        ASSERT_FALSE(b.read_only);
        ASSERT_TRUE(b.recursive);
}

TEST(bind_source_destination) {
        _cleanup_bind_ BindMount b = {};
        ASSERT_OK(bind_mount_parse("/srv/data:/data", false, &b));
        ASSERT_STREQ(b.source, "/srv/data");
        ASSERT_STREQ(b.destination, "/data");
        ASSERT_TRUE(b.recursive);
        ASSERT_FALSE(b.read_only);
}

TEST(bind_options) {
        _cleanup_bind_ BindMount a = {}, b = {}, c = {}, d = {};
        ASSERT_OK(bind_mount_parse("/srv/data:/data:norbind", false, &a));
        ASSERT_STREQ(a.source, "/srv/data");
        ASSERT_STREQ(a.destination, "/data");
        ASSERT_FALSE(a.recursive);

        ASSERT_OK(bind_mount_parse("/srv/data:/data:rbind", false, &b));
        ASSERT_TRUE(b.recursive);

        /* Later options win. */
        ASSERT_OK(bind_mount_parse("/srv/data:/data:rbind,norbind", false, &c));
        ASSERT_FALSE(c.recursive);
        ASSERT_OK(bind_mount_parse("/srv/data:/data:norbind,rbind", false, &d));
        ASSERT_TRUE(d.recursive);
}

TEST(bind_read_only_flag) {
        _cleanup_bind_ BindMount a = {}, b = {};
        ASSERT_OK(bind_mount_parse("/srv/data:/data", true, &a));
        ASSERT_TRUE(a.read_only);
        ASSERT_TRUE(a.recursive);
        ASSERT_OK(bind_mount_parse("/srv/data:/data:norbind", true, &b));
        ASSERT_TRUE(b.read_only);
        ASSERT_FALSE(b.recursive);
}

TEST(bind_escaped_colon) {
        _cleanup_bind_ BindMount a = {}, b = {}, c = {};
        ASSERT_OK(bind_mount_parse("/srv/a\\:b", false, &a));
        ASSERT_STREQ(a.source, "/srv/a:b");
        ASSERT_STREQ(a.destination, "/srv/a:b");

        ASSERT_OK(bind_mount_parse("/srv/a\\:b:/c\\:d:norbind", false, &b));
        ASSERT_STREQ(b.source, "/srv/a:b");
        ASSERT_STREQ(b.destination, "/c:d");
        ASSERT_FALSE(b.recursive);

        /* "\\" is a literal backslash, and the colon after it separates. */
        ASSERT_OK(bind_mount_parse("/srv/a\\\\:/b", false, &c));
        ASSERT_STREQ(c.source, "/srv/a\\");
        ASSERT_STREQ(c.destination, "/b");
}

TEST(bind_simplified) {
        _cleanup_bind_ BindMount b = {};
        ASSERT_OK(bind_mount_parse("//srv//data/:/data/./x/", false, &b));
        ASSERT_STREQ(b.source, "/srv/data");
        ASSERT_STREQ(b.destination, "/data/x");
}

TEST(bind_relative) {
        ASSERT_TRUE(bind_fails("srv/data"));
        ASSERT_TRUE(bind_fails("./data"));
        ASSERT_TRUE(bind_fails("/srv/data:data"));
        ASSERT_TRUE(bind_fails("data:/data"));
        ASSERT_TRUE(bind_fails("~/data"));
}

TEST(bind_dotdot) {
        ASSERT_TRUE(bind_fails(".."));
        ASSERT_TRUE(bind_fails("/.."));
        ASSERT_TRUE(bind_fails("/srv/../etc"));
        ASSERT_TRUE(bind_fails("/srv/data/.."));
        ASSERT_TRUE(bind_fails("/srv/data:/../etc"));
        ASSERT_TRUE(bind_fails("/srv/data:/data/.."));
}

TEST(bind_empty) {
        ASSERT_TRUE(bind_fails(""));
        ASSERT_TRUE(bind_fails(":"));
        ASSERT_TRUE(bind_fails(":/data"));
        ASSERT_TRUE(bind_fails("::"));
}

TEST(bind_too_many_fields) {
        ASSERT_TRUE(bind_fails("/a:/b:rbind:x"));
        ASSERT_TRUE(bind_fails("/a:/b:norbind:"));
        ASSERT_TRUE(bind_fails("/a:/b:c:d:e"));
}

TEST(bind_unknown_option) {
        ASSERT_TRUE(bind_fails("/a:/b:bogus"));
        ASSERT_TRUE(bind_fails("/a:/b:rbind,bogus"));
        ASSERT_TRUE(bind_fails("/a:/b:ro"));
        ASSERT_TRUE(bind_fails("/a:/b:RBIND"));
}

TEST(bind_control_characters) {
        ASSERT_TRUE(bind_fails("/srv/a\nb"));
        ASSERT_TRUE(bind_fails("/srv/a:/b\tc"));
        ASSERT_TRUE(bind_fails("/srv/a\x7f"));
        ASSERT_TRUE(bind_fails("/srv/\x1b[1m"));
}

TEST(tmpfs_default_options) {
        _cleanup_tmpfs_ TmpfsMount t = {}, u = {};
        ASSERT_OK(tmpfs_mount_parse("/scratch", &t));
        ASSERT_STREQ(t.path, "/scratch");
        ASSERT_STREQ(t.options, "mode=0755");

        /* An empty option string means the defaults too. */
        ASSERT_OK(tmpfs_mount_parse("/scratch:", &u));
        ASSERT_STREQ(u.path, "/scratch");
        ASSERT_STREQ(u.options, "mode=0755");
}

TEST(tmpfs_options) {
        _cleanup_tmpfs_ TmpfsMount t = {};
        ASSERT_OK(tmpfs_mount_parse("/var/tmp/x:mode=1777,size=10M", &t));
        ASSERT_STREQ(t.path, "/var/tmp/x");
        ASSERT_STREQ(t.options, "mode=1777,size=10M");
}

TEST(tmpfs_simplified) {
        _cleanup_tmpfs_ TmpfsMount t = {};
        ASSERT_OK(tmpfs_mount_parse("//scratch/./x/", &t));
        ASSERT_STREQ(t.path, "/scratch/x");
}

TEST(tmpfs_invalid) {
        ASSERT_TRUE(tmpfs_fails(""));
        ASSERT_TRUE(tmpfs_fails(":mode=0755"));
        ASSERT_TRUE(tmpfs_fails("scratch"));
        ASSERT_TRUE(tmpfs_fails("scratch:mode=0755"));
        ASSERT_TRUE(tmpfs_fails("/a/../b"));
        ASSERT_TRUE(tmpfs_fails(".."));
        ASSERT_TRUE(tmpfs_fails("/a\nb"));
        ASSERT_TRUE(tmpfs_fails("/a:mode=0755\n"));
}

TEST(path_check_container) {
        char a[] = "/a//b/./c/", b[] = "a/b", c[] = "/a/../b", d[] = "/", e[] = "";
        ASSERT_OK(path_check_container(a));
        ASSERT_STREQ(a, "/a/b/c");
        ASSERT_ERROR(path_check_container(b), EINVAL);
        ASSERT_ERROR(path_check_container(c), EINVAL);
        ASSERT_OK(path_check_container(d));
        ASSERT_STREQ(d, "/");
        ASSERT_ERROR(path_check_container(e), EINVAL);
}

TEST(done_resets) {
        BindMount b = {};
        TmpfsMount t = {};
        ASSERT_OK(bind_mount_parse("/a:/b", true, &b));
        bind_mount_done(&b);
        ASSERT_TRUE(!b.source && !b.destination && !b.read_only);
        bind_mount_done(&b);
        ASSERT_OK(tmpfs_mount_parse("/t", &t));
        tmpfs_mount_done(&t);
        ASSERT_TRUE(!t.path && !t.options);
        tmpfs_mount_done(&t);
}

DEFINE_TEST_MAIN
