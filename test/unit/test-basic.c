/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>

#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

TEST(path_is_normalized) {
        ASSERT_TRUE(path_is_normalized("/"));
        ASSERT_TRUE(path_is_normalized("/a/b"));
        ASSERT_TRUE(path_is_normalized("a/b"));
        ASSERT_FALSE(path_is_normalized("/a/../b"));
        ASSERT_FALSE(path_is_normalized("/a/./b"));
        ASSERT_FALSE(path_is_normalized("/a//b"));
        ASSERT_FALSE(path_is_normalized("/a/"));
        ASSERT_FALSE(path_is_normalized(".."));
        ASSERT_FALSE(path_is_normalized(""));
}

TEST(path_simplify) {
        char a[] = "//a/./b//c/", b[] = "/", c[] = "./", d[] = "/a/../b";
        ASSERT_STREQ(path_simplify(a), "/a/b/c");
        ASSERT_STREQ(path_simplify(b), "/");
        ASSERT_STREQ(path_simplify(c), ".");
        ASSERT_STREQ(path_simplify(d), "/a/../b");
}

TEST(path_basename_dup) {
        _cleanup_free_ char *a = path_basename_dup("/var/lib/machines/foo/");
        ASSERT_STREQ(a, "foo");
        ASSERT_TRUE(path_basename_dup("/") == NULL);
}

TEST(parse_boolean) {
        ASSERT_EQ(parse_boolean("yes"), 1);
        ASSERT_EQ(parse_boolean("On"), 1);
        ASSERT_EQ(parse_boolean("0"), 0);
        ASSERT_ERROR(parse_boolean("maybe"), EINVAL);
}

TEST(signal_from_string) {
        ASSERT_EQ(signal_from_string("SIGTERM"), SIGTERM);
        ASSERT_EQ(signal_from_string("TERM"), SIGTERM);
        ASSERT_EQ(signal_from_string("9"), SIGKILL);
        ASSERT_EQ(signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3);
        ASSERT_EQ(signal_from_string("RTMAX-1"), SIGRTMAX - 1);
        ASSERT_TRUE(signal_from_string("SIGFOO") < 0);
        ASSERT_TRUE(signal_from_string("0") < 0);
        ASSERT_TRUE(signal_from_string("SIGRTMIN+99") < 0);
        char buf[16];
        ASSERT_STREQ(signal_to_string(SIGKILL, buf), "SIGKILL");
        ASSERT_STREQ(signal_to_string(SIGRTMIN + 3, buf), "SIGRTMIN+3");
}

TEST(id128) {
        Id128 id;
        char s[33], u[37];
        ASSERT_OK(id128_from_string("0123456789abcdef0123456789ABCDEF", &id));
        ASSERT_STREQ(id128_to_string(&id, s), "0123456789abcdef0123456789abcdef");
        ASSERT_STREQ(id128_to_uuid_string(&id, u), "01234567-89ab-cdef-0123-456789abcdef");
        ASSERT_OK(id128_from_string("01234567-89ab-cdef-0123-456789abcdef", &id));
        ASSERT_STREQ(id128_to_string(&id, s), "0123456789abcdef0123456789abcdef");
        ASSERT_ERROR(id128_from_string("0123456789abcdef0123456789abcde", &id), EINVAL);
        ASSERT_ERROR(id128_from_string("0123456789abcdef0123456789abcdeg", &id), EINVAL);
        ASSERT_ERROR(id128_from_string("01234567-89ab-cdef-0123_456789abcdef", &id), EINVAL);
        ASSERT_OK(id128_randomize(&id));
        ASSERT_FALSE(id128_is_null(&id));
        ASSERT_EQ(id.bytes[6] >> 4, 4);
}

TEST(parse_uid) {
        uid_t u;
        ASSERT_OK(parse_uid("1000", &u));
        ASSERT_EQ(u, 1000);
        ASSERT_TRUE(parse_uid("65535", &u) < 0);
        ASSERT_TRUE(parse_uid("4294967295", &u) < 0);
        ASSERT_TRUE(parse_uid("-1", &u) < 0);
        ASSERT_TRUE(parse_uid("12a", &u) < 0);
}

TEST(strv_env) {
        _cleanup_strv_free_ char **l = NULL;
        ASSERT_OK(strv_env_set(&l, "A=1"));
        ASSERT_OK(strv_env_set(&l, "B=2"));
        ASSERT_OK(strv_env_set(&l, "A=3"));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(strv_env_get(l, "A"), "3");
        ASSERT_TRUE(strv_env_get(l, "C") == NULL);
}

TEST(strjoin_strstrip) {
        _cleanup_free_ char *j = strjoin("a", "/", "b");
        ASSERT_STREQ(j, "a/b");
        char s[] = "  x y \n";
        ASSERT_STREQ(strstrip(s), "x y");
        ASSERT_TRUE(string_has_cc("a\nb"));
        ASSERT_FALSE(string_has_cc("ab"));
}

TEST(path_compare) {
        ASSERT_TRUE(path_compare("/a", "/a/b") < 0);
        ASSERT_TRUE(path_compare("/a/b", "/a-b") < 0);
        ASSERT_TRUE(path_compare("/a//b/", "/a/b") == 0);
        ASSERT_TRUE(path_compare("/b", "/a/z") > 0);
        ASSERT_TRUE(path_compare("/", "/a") < 0);
}

DEFINE_TEST_MAIN
