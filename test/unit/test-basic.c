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

#define ASSERT_ESCAPED(in, max, out)                                                      \
        do {                                                                              \
                _cleanup_free_ char *_e = escape_for_terminal((in), (max));              \
                ASSERT_STREQ(_e, (out));                                                  \
        } while (0)

TEST(escape_for_terminal) {
        /* Plain text, UTF-8 included, stays as it is. */
        ASSERT_ESCAPED("", SIZE_MAX, "");
        ASSERT_ESCAPED("/bin/sh", SIZE_MAX, "/bin/sh");
        ASSERT_ESCAPED("Grüße, 世界 🙂", SIZE_MAX, "Grüße, 世界 🙂");
        /* C0 controls and DEL. */
        ASSERT_ESCAPED("\033[2J", SIZE_MAX, "\\e[2J");
        ASSERT_ESCAPED("a\nb\tc\rd", SIZE_MAX, "a\\nb\\tc\\rd");
        ASSERT_ESCAPED("\001\037\177", SIZE_MAX, "\\x01\\x1f\\x7f");
        ASSERT_ESCAPED("\a\b", SIZE_MAX, "\\x07\\x08");
        /* A backslash is escaped, so that "\\e" in the input cannot pass for an escape. */
        ASSERT_ESCAPED("\\e", SIZE_MAX, "\\\\e");
        /* C1 controls as UTF-8 (CSI, OSC, NEL) and as raw bytes (not valid UTF-8). */
        ASSERT_ESCAPED("\xc2\x9b" "2J", SIZE_MAX, "\\u009b2J");
        ASSERT_ESCAPED("\xc2\x9d\xc2\x85", SIZE_MAX, "\\u009d\\u0085");
        ASSERT_ESCAPED("\x9b" "2J", SIZE_MAX, "\\x9b2J");
        /* Invalid UTF-8: stray continuation bytes, truncated, overlong, surrogates. */
        ASSERT_ESCAPED("\x80", SIZE_MAX, "\\x80");
        ASSERT_ESCAPED("\xe2\x82", SIZE_MAX, "\\xe2\\x82");
        ASSERT_ESCAPED("\xc0\xaf", SIZE_MAX, "\\xc0\\xaf");
        ASSERT_ESCAPED("\xed\xa0\x80", SIZE_MAX, "\\xed\\xa0\\x80");
        ASSERT_ESCAPED("\xff", SIZE_MAX, "\\xff");
        /* Bidi overrides and isolates, zero-width characters, separators, BOM. */
        ASSERT_ESCAPED("a\u202eb", SIZE_MAX, "a\\u202eb");
        ASSERT_ESCAPED("\u202a\u202b\u202c\u202d", SIZE_MAX, "\\u202a\\u202b\\u202c\\u202d");
        ASSERT_ESCAPED("\u2066\u2067\u2068\u2069", SIZE_MAX, "\\u2066\\u2067\\u2068\\u2069");
        ASSERT_ESCAPED("\u200b\u200c\u200d\u200e\u200f", SIZE_MAX,
                       "\\u200b\\u200c\\u200d\\u200e\\u200f");
        ASSERT_ESCAPED("\u061c\u2028\u2029\ufeff", SIZE_MAX, "\\u061c\\u2028\\u2029\\ufeff");
        /* Neighbours of those ranges are ordinary text. */
        ASSERT_ESCAPED("\u00a0\u200a\u2010\u2027\u202f\u2070", SIZE_MAX,
                       "\u00a0\u200a\u2010\u2027\u202f\u2070");
}

TEST(escape_for_terminal_cap) {
        /* Fits exactly: not cut. */
        ASSERT_ESCAPED("abcdef", 6, "abcdef");
        /* Cut, ending in "..." within the limit. */
        ASSERT_ESCAPED("abcdefg", 6, "abc...");
        /* Never inside an escape or a multi-byte character. */
        ASSERT_ESCAPED("ab\033cdefgh", 6, "ab...");
        ASSERT_ESCAPED("abc\033defgh", 8, "abc\\e...");
        ASSERT_ESCAPED("abcd\033efgh", 8, "abcd...");
        ASSERT_ESCAPED("aüüüü", 7, "aü...");
        ASSERT_ESCAPED("abcdef", 2, "..");
        ASSERT_ESCAPED("abcdef", 0, "");
        /* A long input is read only as far as needed, and the result is short. */
        size_t n = 8 * 1024 * 1024;
        _cleanup_free_ char *big = malloc(n + 1);
        ASSERT_TRUE(big);
        memset(big, '\033', n);
        big[n] = 0;
        _cleanup_free_ char *e = escape_for_terminal(big, ESCAPE_MESSAGE_MAX);
        ASSERT_TRUE(e);
        ASSERT_TRUE(strlen(e) <= ESCAPE_MESSAGE_MAX);
        ASSERT_TRUE(strlen(e) >= ESCAPE_MESSAGE_MAX - 4);
        ASSERT_STREQ(e + strlen(e) - 5, "\\e...");
}

TEST(escape_for_terminal_keeps_errno) {
        errno = ELOOP;
        _cleanup_free_ char *e = escape_for_terminal("\033x", SIZE_MAX);
        ASSERT_EQ(errno, ELOOP);
}

TEST(string_list_contains) {
        ASSERT_TRUE(string_list_contains("cpu,cpuacct", ",", "cpu"));
        ASSERT_TRUE(string_list_contains("cpu,cpuacct", ",", "cpuacct"));
        ASSERT_FALSE(string_list_contains("cpu,cpuacct", ",", "cpuac"));
        ASSERT_FALSE(string_list_contains("cpuset", ",", "cpu"));
        ASSERT_TRUE(string_list_contains("cpu io pids\n", " \n", "pids"));
        ASSERT_TRUE(string_list_contains("  memory  pids", " \n", "memory"));
        ASSERT_FALSE(string_list_contains("memory pids", " \n", ""));
        ASSERT_FALSE(string_list_contains("a,,b", ",", ""));
        ASSERT_FALSE(string_list_contains("", ",", "x"));
        ASSERT_FALSE(string_list_contains(NULL, ",", "x"));
}

DEFINE_TEST_MAIN
