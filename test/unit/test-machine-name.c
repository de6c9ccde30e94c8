/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap-list.h"
#include "cgroup-util.h"
#include "machine-name.h"
#include "tests.h"

static char *repeat_char(char c, size_t n) {
        char *s = malloc(n + 1);
        if (!s)
                return NULL;
        memset(s, c, n);
        s[n] = 0;
        return s;
}

TEST(hostname_valid) {
        ASSERT_TRUE(hostname_is_valid("foo"));
        ASSERT_TRUE(hostname_is_valid("a"));
        ASSERT_TRUE(hostname_is_valid("A1"));
        ASSERT_TRUE(hostname_is_valid("1foo"));
        ASSERT_TRUE(hostname_is_valid("foo-bar"));
        ASSERT_TRUE(hostname_is_valid("foo--bar"));
        ASSERT_TRUE(hostname_is_valid("foo.bar"));
        ASSERT_TRUE(hostname_is_valid("x.y.z"));
        ASSERT_TRUE(hostname_is_valid("debian-bookworm.example"));
        ASSERT_TRUE(machine_name_is_valid("foo"));
        ASSERT_TRUE(machine_name_is_valid("foo-bar.baz"));
        ASSERT_TRUE(machine_name_is_valid("bookworm1"));
}

TEST(hostname_length) {
        _cleanup_free_ char *n64 = repeat_char('a', 64), *n65 = repeat_char('a', 65);
        ASSERT_TRUE(n64 && n65);
        ASSERT_TRUE(hostname_is_valid(n64));
        ASSERT_TRUE(machine_name_is_valid(n64));
        ASSERT_FALSE(hostname_is_valid(n65));
        ASSERT_FALSE(machine_name_is_valid(n65));

        /* Length counts the whole name, dots included. */
        n64[10] = '.';
        n65[10] = '.';
        ASSERT_TRUE(machine_name_is_valid(n64));
        ASSERT_FALSE(machine_name_is_valid(n65));
}

TEST(hostname_invalid) {
        static const char *const bad[] = {
                "", "/", "foo/bar", "/foo", "..", ".", "...", ".foo", "foo.", "foo..bar",
                "-foo", "foo-", "-", "foo-.bar", "foo.-bar", "foo.bar-", "foo.bar.", "-.", ".-",
                "a-.", "a\nb", "a\tb", "\x01", "a\x7f", "a b", " a", "a ", "a\xff", "caf\xc3\xa9",
                "a:b", "a@b", "a*b", ".host",
        };
        ASSERT_FALSE(hostname_is_valid(NULL));
        ASSERT_FALSE(machine_name_is_valid(NULL));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (hostname_is_valid(bad[i]) || machine_name_is_valid(bad[i]))
                        fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
                ASSERT_FALSE(hostname_is_valid(bad[i]));
                ASSERT_FALSE(machine_name_is_valid(bad[i]));
        }
}

TEST(dot_host_reserved) {
        ASSERT_FALSE(machine_name_is_valid(".host"));
        ASSERT_FALSE(hostname_is_valid(".host"));
        /* Only the exact name is special. */
        ASSERT_TRUE(machine_name_is_valid("host"));
        ASSERT_TRUE(machine_name_is_valid("my.host"));
}

TEST(unit_name_escape) {
        static const struct { const char *in, *out; } cases[] = {
                { "foo", "foo" },
                { "a-b", "a\\x2db" },
                { "foo.bar", "foo.bar" },
                { ".foo", "\\x2efoo" },
                { "a/b", "a-b" },
                { "a b", "a\\x20b" },
                { "a\\b", "a\\x5cb" },
                { "a_b:c", "a_b:c" },
                { "\xc3\xa9", "\\xc3\\xa9" },
                { "", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *e = unit_name_escape(cases[i].in);
                ASSERT_STREQ(e, cases[i].out);
        }
}

TEST(machine_cgroup_path) {
        _cleanup_free_ char *a = machine_cgroup_path("a-b");
        ASSERT_STREQ(a, "machine.slice/machine-a\\x2db.scope");
        _cleanup_free_ char *b = machine_cgroup_path("foo.bar");
        ASSERT_STREQ(b, "machine.slice/machine-foo.bar.scope");
        _cleanup_free_ char *c = machine_cgroup_path("bookworm");
        ASSERT_STREQ(c, "machine.slice/machine-bookworm.scope");
}

TEST(capability_from_name) {
        ASSERT_EQ(capability_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
        ASSERT_EQ(capability_from_name("cap_sys_admin"), CAP_SYS_ADMIN);
        ASSERT_EQ(capability_from_name("sys_admin"), CAP_SYS_ADMIN);
        ASSERT_EQ(capability_from_name("SYS_ADMIN"), CAP_SYS_ADMIN);
        ASSERT_EQ(capability_from_name("CAP_CHOWN"), CAP_CHOWN);
        ASSERT_EQ(capability_from_name("net_admin"), CAP_NET_ADMIN);
        ASSERT_EQ(capability_from_name("audit_read"), 37);
        ASSERT_EQ(capability_from_name("checkpoint_restore"), 40);
        ASSERT_EQ(capability_from_name("0"), 0);
        ASSERT_EQ(capability_from_name("21"), CAP_SYS_ADMIN);
        ASSERT_ERROR(capability_from_name("64"), EINVAL);
        ASSERT_ERROR(capability_from_name("-1"), EINVAL);
        ASSERT_ERROR(capability_from_name("foo"), EINVAL);
        ASSERT_ERROR(capability_from_name("CAP_FOO"), EINVAL);
        ASSERT_ERROR(capability_from_name("cap_"), EINVAL);
        ASSERT_ERROR(capability_from_name(""), EINVAL);
        ASSERT_ERROR(capability_from_name("all"), EINVAL);

        ASSERT_STREQ(capability_to_name(CAP_SYS_ADMIN), "sys_admin");
        ASSERT_STREQ(capability_to_name(0), "chown");
        ASSERT_TRUE(capability_to_name(-1) == NULL);
        ASSERT_TRUE(capability_to_name(63) == NULL);
        ASSERT_TRUE(capability_last() >= CAP_AUDIT_READ);
        ASSERT_TRUE(capability_last() < 64);
}

TEST(capability_mask_from_string) {
        uint64_t m = 0;

        ASSERT_OK(capability_mask_from_string("chown,kill", &m, NULL));
        ASSERT_EQ(m, (UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_KILL));
        ASSERT_OK(capability_mask_from_string("CAP_NET_ADMIN, cap_sys_module", &m, NULL));
        ASSERT_EQ(m, (UINT64_C(1) << CAP_NET_ADMIN) | (UINT64_C(1) << CAP_SYS_MODULE));
        ASSERT_OK(capability_mask_from_string("sys_admin", &m, NULL));
        ASSERT_EQ(m, UINT64_C(1) << CAP_SYS_ADMIN);
        ASSERT_OK(capability_mask_from_string("all", &m, NULL));
        for (int c = 0; c <= capability_last(); c++)
                ASSERT_TRUE(m & (UINT64_C(1) << c));
        /* Empty lists and empty words are nothing, as in systemd-nspawn. */
        ASSERT_OK(capability_mask_from_string("", &m, NULL));
        ASSERT_EQ(m, 0);
        ASSERT_OK(capability_mask_from_string("kill,,chown,", &m, NULL));
        ASSERT_EQ(m, (UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_KILL));

        /* On failure the output is left alone, and the first unknown word is named. */
        m = 42;
        char *bad = NULL;
        ASSERT_ERROR(capability_mask_from_string("chown,bogus,worse", &m, &bad), EINVAL);
        ASSERT_EQ(m, 42);
        ASSERT_STREQ(bad, "bogus");
        free(bad);
        bad = NULL;
        ASSERT_ERROR(capability_mask_from_string("bogus", &m, NULL), EINVAL);
        ASSERT_EQ(m, 42);
        ASSERT_ERROR(capability_mask_from_string("64", &m, &bad), EINVAL);
        ASSERT_STREQ(bad, "64");
        free(bad);

        /* "help" anywhere asks for the names, even after an unknown one; nothing is parsed. */
        ASSERT_EQ(capability_mask_from_string("help", &m, NULL), CAPABILITY_LIST_HELP);
        ASSERT_EQ(capability_mask_from_string("bogus,help", &m, NULL), CAPABILITY_LIST_HELP);
        ASSERT_EQ(m, 42);
        ASSERT_ERROR(capability_mask_from_string("HELP", &m, NULL), EINVAL);
}

TEST(capability_default_mask) {
        uint64_t m = capability_default_mask();

        /* systemd-nspawn's DEFAULT_CAPABILITIES (systemd 252, src/nspawn/nspawn.c): 0xfdecafff.
         * Running systemd-nspawn here shows CapBnd 0xfcecafff only because this VM's own bounding set
         * lacks CAP_SYS_RESOURCE (CapBnd of root here: 0x1fffeffffff); the set nspawn asks to keep
         * still contains it, and the kernel intersects it with the bounding set at run time. */
        ASSERT_EQ(m, UINT64_C(0xfdecafff));
        ASSERT_TRUE(m & (UINT64_C(1) << CAP_SYS_ADMIN));
        ASSERT_TRUE(m & (UINT64_C(1) << CAP_SYS_RESOURCE));
        ASSERT_TRUE(m & (UINT64_C(1) << CAP_MKNOD));
        ASSERT_TRUE(m & (UINT64_C(1) << CAP_AUDIT_CONTROL));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_NET_ADMIN));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_SYS_MODULE));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_SYS_RAWIO));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_SYS_TIME));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_SYS_PACCT));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_IPC_LOCK));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_MAC_ADMIN));
        ASSERT_FALSE(m & (UINT64_C(1) << CAP_SYSLOG));
        ASSERT_FALSE(m >> 32);
}

TEST(machine_name_from_string) {
        char *n;
        ASSERT_STREQ((n = machine_name_from_string("foo bar")), "foobar");
        free(n);
        ASSERT_STREQ((n = machine_name_from_string("a..b")), "a.b");
        free(n);
        ASSERT_STREQ((n = machine_name_from_string("-lead-")), "lead");
        free(n);
        ASSERT_STREQ((n = machine_name_from_string("my_tree!")), "mytree");
        free(n);
        n = machine_name_from_string("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        ASSERT_EQ(strlen(n), 64);
        free(n);
        ASSERT_TRUE(machine_name_from_string("---") == NULL);
        ASSERT_TRUE(machine_name_from_string("") == NULL);
        ASSERT_TRUE(machine_name_from_string("...") == NULL);
}

DEFINE_TEST_MAIN
