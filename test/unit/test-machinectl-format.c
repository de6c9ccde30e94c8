/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machinectl-format.h"
#include "tests.h"

static bool escapes_to(const char *in, const char *expected) {
        _cleanup_free_ char *e = escape_untrusted(in);
        if (!e || strcmp(e, expected) != 0) {
                fprintf(stderr, "escape_untrusted: got \"%s\", expected \"%s\"\n", e ?: "(null)", expected);
                return false;
        }
        return true;
}

static bool has_no_control_bytes(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

TEST(escape_plain_text_kept) {
        ASSERT_TRUE(escapes_to("", ""));
        ASSERT_TRUE(escapes_to("Debian GNU/Linux 12 (bookworm)", "Debian GNU/Linux 12 (bookworm)"));
        ASSERT_TRUE(escapes_to("grüße € 日本", "grüße € 日本"));
        ASSERT_TRUE(escapes_to("\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7"));
}

TEST(escape_control_characters) {
        ASSERT_TRUE(escapes_to("\033[2J", "\\e[2J"));
        ASSERT_TRUE(escapes_to("\033]52;c;ZWNobyBwd24=\a\033[2J", "\\e]52;c;ZWNobyBwd24=\\x07\\e[2J"));
        ASSERT_TRUE(escapes_to("a\nb\tc\rd", "a\\nb\\tc\\rd"));
        ASSERT_TRUE(escapes_to("\x01\x7f", "\\x01\\x7f"));
        /* Backslashes are harmless and appear in unit names: kept as they are. */
        ASSERT_TRUE(escapes_to("machine-a\\x2db.scope", "machine-a\\x2db.scope"));
}

TEST(escape_c1_and_invalid_utf8) {
        /* U+009B is CSI for terminals that honour C1 controls. */
        ASSERT_TRUE(escapes_to("\xc2\x9b" "2J", "\\xc2\\x9b2J"));
        ASSERT_TRUE(escapes_to("\x9b" "2J", "\\x9b2J"));
        ASSERT_TRUE(escapes_to("\xff\xfe", "\\xff\\xfe"));
        /* Overlong '/', a surrogate, a sequence cut short at the end. */
        ASSERT_TRUE(escapes_to("\xc0\xaf", "\\xc0\\xaf"));
        ASSERT_TRUE(escapes_to("\xed\xa0\x80", "\\xed\\xa0\\x80"));
        ASSERT_TRUE(escapes_to("ok\xe2\x82", "ok\\xe2\\x82"));
}

/* Issue 7, item 21: a guest's os-release must not reorder or hide text on the operator's line. */
TEST(escape_bidi_and_zero_width) {
        /* "exe.txt" shown as "txt.exe": U+202E RIGHT-TO-LEFT OVERRIDE, U+202C POP. */
        ASSERT_TRUE(escapes_to("a\xe2\x80\xae" "txt.exe" "\xe2\x80\xac" "b", "a\\xe2\\x80\\xaetxt.exe\\xe2\\x80\\xacb"));
        /* Every one of U+202A..U+202E, U+2066..U+2069, U+200B..U+200F, U+2028, U+2029, U+FEFF, U+061C. */
        static const uint32_t cps[] = { 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068,
                                        0x2069, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029,
                                        0xfeff, 0x061c };
        for (size_t i = 0; i < ELEMENTSOF(cps); i++) {
                char in[8], expected[32];
                uint32_t c = cps[i];

                if (c < 0x800) {
                        snprintf(in, sizeof(in), "%c%c", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
                        snprintf(expected, sizeof(expected), "\\x%02x\\x%02x", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
                } else {
                        snprintf(in, sizeof(in), "%c%c%c", 0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f),
                                 0x80 | (c & 0x3f));
                        snprintf(expected, sizeof(expected), "\\x%02x\\x%02x\\x%02x", 0xe0 | (c >> 12),
                                 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
                }
                ASSERT_TRUE(escapes_to(in, expected));
        }
        /* Neighbours that are ordinary text stay: U+2010 HYPHEN, U+2030 PER MILLE, U+2065 (unassigned
         * but not a format control here), U+FEFE... */
        ASSERT_TRUE(escapes_to("\xe2\x80\x90\xe2\x80\xb0", "\xe2\x80\x90\xe2\x80\xb0"));
        ASSERT_TRUE(escapes_to("\xe2\x80\xa9x", "\\xe2\\x80\\xa9x"));
}

TEST(json_quote_bidi) {
        _cleanup_free_ char *a = json_quote("a\xe2\x80\xae" "b\xef\xbb\xbf");
        ASSERT_STREQ(a, "\"a\\u202eb\\ufeff\"");
}

TEST(escape_output_never_has_control_bytes) {
        char all[256];
        for (int i = 1; i < 256; i++)
                all[i - 1] = (char) i;
        all[255] = 0;
        _cleanup_free_ char *e = escape_untrusted(all);
        ASSERT_TRUE(e != NULL);
        ASSERT_TRUE(has_no_control_bytes(e));
        ASSERT_TRUE(strstr(e, "\xc2\x9b") == NULL);
}

TEST(json_quote) {
        _cleanup_free_ char *a = json_quote("plain");
        _cleanup_free_ char *b = json_quote("q\"b\\n\nt\t\033[1m");
        _cleanup_free_ char *c = json_quote("bad\xff\xc2\x9b" "ü");
        _cleanup_free_ char *d = json_quote("");
        ASSERT_STREQ(a, "\"plain\"");
        ASSERT_STREQ(b, "\"q\\\"b\\\\n\\nt\\t\\u001b[1m\"");
        ASSERT_STREQ(c, "\"bad\xef\xbf\xbd\\u009bü\"");
        ASSERT_STREQ(d, "\"\"");
}

TEST(utf8_width) {
        ASSERT_EQ(utf8_width(""), 0);
        ASSERT_EQ(utf8_width("abc"), 3);
        ASSERT_EQ(utf8_width("grüße"), 5);
        ASSERT_EQ(utf8_width("…"), 1);
}

TEST(table_format) {
        static const char *const headers[] = { "MACHINE", "CLASS", "OS" };
        static const char *const r1[] = { "a", "container", "debian" };
        static const char *const r2[] = { "long-name", "vm", NULL };
        _cleanup_(table_freep) Table *t = table_new(3, headers);
        _cleanup_free_ char *with = NULL, *without = NULL;

        ASSERT_TRUE(t != NULL);
        ASSERT_OK(table_add_row(t, r1));
        ASSERT_OK(table_add_row(t, r2));
        ASSERT_EQ(table_rows(t), 2);
        ASSERT_OK(table_format(t, true, &with));
        ASSERT_STREQ(with,
                     "MACHINE   CLASS     OS\n"
                     "a         container debian\n"
                     "long-name vm        -\n");
        ASSERT_OK(table_format(t, false, &without));
        ASSERT_STREQ(without,
                     "a         container debian\n"
                     "long-name vm        -\n");
}

TEST(table_escapes_and_aligns_utf8) {
        static const char *const headers[] = { "A", "B" };
        static const char *const r1[] = { "x\033[31m", "1" };
        static const char *const r2[] = { "grüße…", "2" };
        _cleanup_(table_freep) Table *t = table_new(2, headers);
        _cleanup_free_ char *s = NULL;

        ASSERT_TRUE(t != NULL);
        ASSERT_OK(table_add_row(t, r1));
        ASSERT_OK(table_add_row(t, r2));
        ASSERT_OK(table_format(t, true, &s));
        ASSERT_STREQ(s,
                     "A       B\n"
                     "x\\e[31m 1\n"
                     "grüße…  2\n");
}

TEST(table_empty) {
        static const char *const headers[] = { "A", "B" };
        _cleanup_(table_freep) Table *t = table_new(2, headers);
        _cleanup_free_ char *s = NULL, *n = NULL;

        ASSERT_TRUE(t != NULL);
        ASSERT_EQ(table_rows(t), 0);
        ASSERT_OK(table_format(t, true, &s));
        ASSERT_STREQ(s, "A B\n");
        ASSERT_OK(table_format(t, false, &n));
        ASSERT_STREQ(n, "");
}

TEST(format_ago) {
        char buf[64];
        uint64_t now = UINT64_C(1700000000) * USEC_PER_SEC;

        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - 5 * USEC_PER_SEC), "5s ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - 185 * USEC_PER_SEC), "3min 5s ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - 3600 * USEC_PER_SEC), "1h ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - (86400 + 7200 + 60) * USEC_PER_SEC),
                     "1 day 2h ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - (3 * 86400 + 7200) * USEC_PER_SEC), "3 days 2h ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - (7 * 86400 + 60) * USEC_PER_SEC), "1 week ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - (14 * 86400 + 86400) * USEC_PER_SEC),
                     "2 weeks 1 day ago");
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now - 1500), "1ms ago");
        /* A timestamp in the future (clock change) is not a negative age. */
        ASSERT_STREQ(format_ago(buf, sizeof(buf), now, now + USEC_PER_SEC), "0ms ago");
        char small[4];
        ASSERT_TRUE(strlen(format_ago(small, sizeof(small), now, now - 185 * USEC_PER_SEC)) < sizeof(small));
}

TEST(format_timestamp) {
        char buf[64];
        ASSERT_STREQ(format_timestamp(buf, sizeof(buf), 0), "n/a");
        setenv("TZ", "UTC", 1);
        ASSERT_STREQ(format_timestamp(buf, sizeof(buf), UINT64_C(1700000000) * USEC_PER_SEC),
                     "Tue 2023-11-14 22:13:20 UTC");
}

TEST(format_in_addr) {
        static const uint8_t v4[4] = { 10, 0, 0, 2 };
        static const uint8_t v6[16] = { 0xfe, 0x80, [15] = 1 };
        char buf[INET6_ADDRSTRLEN];

        ASSERT_OK(format_in_addr(AF_INET, v4, 4, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "10.0.0.2");
        ASSERT_OK(format_in_addr(AF_INET6, v6, 16, buf, sizeof(buf)));
        ASSERT_STREQ(buf, "fe80::1");
        ASSERT_ERROR(format_in_addr(AF_INET, v6, 16, buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(format_in_addr(AF_INET6, v4, 4, buf, sizeof(buf)), EINVAL);
        ASSERT_ERROR(format_in_addr(99, v4, 4, buf, sizeof(buf)), EINVAL);
}

DEFINE_TEST_MAIN
