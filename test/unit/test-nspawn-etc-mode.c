/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "nspawn-etc-mode.h"
#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "string-util.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))
#define PARSE(s, ...) settings_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (s))

#define SAME(a, act, src) ((a).action == (act) && streq_ptr((a).source, (src)))

TEST(resolv_conf_names) {
        /* Every mode of systemd-nspawn(1), and back. */
        static const char *const names[] = {
                "off", "copy-host", "copy-static", "copy-uplink", "copy-stub", "replace-host", "replace-static",
                "replace-uplink", "replace-stub", "bind-host", "bind-static", "bind-uplink", "bind-stub",
                "delete", "auto",
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                ResolvConfMode m = resolv_conf_mode_from_string(names[i]);
                ASSERT_TRUE(m >= 0);
                ASSERT_STREQ(resolv_conf_mode_to_string(m), names[i]);
        }
        ASSERT_EQ(resolv_conf_mode_from_string("copy"), -EINVAL);
        ASSERT_EQ(resolv_conf_mode_from_string("bind-Host"), -EINVAL);
        ASSERT_EQ(resolv_conf_mode_from_string(""), -EINVAL);
        ASSERT_EQ(resolv_conf_mode_from_string(NULL), -EINVAL);
        ASSERT_TRUE(resolv_conf_mode_to_string(_RESOLV_CONF_MODE_MAX) == NULL);
}

TEST(timezone_and_journal_names) {
        static const char *const names[] = { "off", "copy", "bind", "symlink", "delete", "auto" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                ASSERT_STREQ(timezone_mode_to_string(timezone_mode_from_string(names[i])), names[i]);
        ASSERT_EQ(timezone_mode_from_string("link"), -EINVAL);

        LinkJournal m = LINK_JOURNAL_AUTO;
        bool try = false;
        ASSERT_EQ(link_journal_from_string("try-guest", &m, &try), 0);
        ASSERT_EQ(m, LINK_JOURNAL_GUEST);
        ASSERT_TRUE(try);
        ASSERT_EQ(link_journal_from_string("host", &m, &try), 0);
        ASSERT_EQ(m, LINK_JOURNAL_HOST);
        ASSERT_FALSE(try);
        ASSERT_EQ(link_journal_from_string("try-host", &m, &try), 0);
        ASSERT_TRUE(try);
        ASSERT_EQ(link_journal_from_string("no", &m, &try), 0);
        ASSERT_EQ(m, LINK_JOURNAL_NO);
        ASSERT_EQ(link_journal_from_string("auto", &m, &try), 0);
        ASSERT_EQ(m, LINK_JOURNAL_AUTO);
        ASSERT_FALSE(try);
        /* Outputs untouched on failure. */
        ASSERT_EQ(link_journal_from_string("try-auto", &m, &try), -EINVAL);
        ASSERT_EQ(link_journal_from_string("yes", &m, &try), -EINVAL);
        ASSERT_EQ(m, LINK_JOURNAL_AUTO);
}

TEST(resolv_conf_auto) {
        EtcHostFacts none = {}, host = { .host_resolv_conf = true }, both = { .host_resolv_conf = true, .resolved_stub = true };

        /* A private network: the tree's file, whatever the host has. */
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &both, true, true), ETC_KEEP, NULL));
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &both, true, false), ETC_KEEP, NULL));
        /* resolved runs: its stub file; copied into a writable /etc, bound over a read-only one. */
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &both, false, true), ETC_COPY, RESOLV_CONF_STUB));
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &both, false, false), ETC_BIND, RESOLV_CONF_STUB));
        /* It does not (this VM): the host's /etc/resolv.conf. */
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &host, false, true), ETC_COPY, RESOLV_CONF_HOST));
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &host, false, false), ETC_BIND, RESOLV_CONF_HOST));
        /* Nothing on the host: deleted where it can be. */
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &none, false, true), ETC_DELETE, NULL));
        ASSERT_TRUE(SAME(resolv_conf_decide(RESOLV_CONF_AUTO, &none, false, false), ETC_KEEP, NULL));
}

TEST(resolv_conf_explicit) {
        static const struct {
                ResolvConfMode mode;
                EtcAction action;
                const char *source;
        } table[] = {
                { RESOLV_CONF_OFF, ETC_KEEP, NULL },
                { RESOLV_CONF_COPY_HOST, ETC_COPY, RESOLV_CONF_HOST },
                { RESOLV_CONF_COPY_STATIC, ETC_COPY, RESOLV_CONF_STATIC },
                { RESOLV_CONF_COPY_UPLINK, ETC_COPY, RESOLV_CONF_UPLINK },
                { RESOLV_CONF_COPY_STUB, ETC_COPY, RESOLV_CONF_STUB },
                { RESOLV_CONF_REPLACE_HOST, ETC_REPLACE, RESOLV_CONF_HOST },
                { RESOLV_CONF_REPLACE_STATIC, ETC_REPLACE, RESOLV_CONF_STATIC },
                { RESOLV_CONF_REPLACE_UPLINK, ETC_REPLACE, RESOLV_CONF_UPLINK },
                { RESOLV_CONF_REPLACE_STUB, ETC_REPLACE, RESOLV_CONF_STUB },
                { RESOLV_CONF_BIND_HOST, ETC_BIND, RESOLV_CONF_HOST },
                { RESOLV_CONF_BIND_STATIC, ETC_BIND, RESOLV_CONF_STATIC },
                { RESOLV_CONF_BIND_UPLINK, ETC_BIND, RESOLV_CONF_UPLINK },
                { RESOLV_CONF_BIND_STUB, ETC_BIND, RESOLV_CONF_STUB },
                { RESOLV_CONF_DELETE, ETC_DELETE, NULL },
        };
        EtcHostFacts none = {};

        /* An explicit mode does what it says, also with a private network and whatever the host has:
         * a missing source is the launcher's warning and the child's no-op, not a change of mode. */
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                for (int pn = 0; pn < 2; pn++)
                        for (int w = 0; w < 2; w++) {
                                EtcFileAction a = resolv_conf_decide(table[i].mode, &none, pn, w);
                                if (!SAME(a, table[i].action, table[i].source)) {
                                        fprintf(stderr, "mode %s: %s %s\n", resolv_conf_mode_to_string(table[i].mode),
                                                etc_action_to_string(a.action), strna(a.source));
                                        ASSERT_TRUE(false);
                                }
                        }
}

TEST(timezone_decide) {
        EtcHostFacts missing = { .localtime = LOCALTIME_MISSING }, file = { .localtime = LOCALTIME_REGULAR },
                     zone = { .localtime = LOCALTIME_ZONE, .zone = "Europe/Berlin" },
                     bad = { .localtime = LOCALTIME_UNREADABLE };

        /* auto, as systemd-nspawn(1): symlink for a host symlink, copy for a file (bind where /etc is
         * read-only), delete where the host has none (nothing where read-only). */
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &zone, true), ETC_SYMLINK, "/etc/localtime"));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &zone, false), ETC_BIND, "/etc/localtime"));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &file, true), ETC_REPLACE, "/etc/localtime"));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &file, false), ETC_BIND, "/etc/localtime"));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &missing, true), ETC_DELETE, NULL));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &missing, false), ETC_KEEP, NULL));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_AUTO, &bad, true), ETC_KEEP, NULL));

        /* symlink needs the host's zone name. */
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_SYMLINK, &zone, true), ETC_SYMLINK, "/etc/localtime"));
        ASSERT_EQ(timezone_decide(TIMEZONE_SYMLINK, &file, true).action, ETC_KEEP);
        ASSERT_EQ(timezone_decide(TIMEZONE_SYMLINK, &missing, true).action, ETC_KEEP);
        /* copy replaces whatever the tree has (systemd-nspawn copies over a symlink too). */
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_COPY, &zone, true), ETC_REPLACE, "/etc/localtime"));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_BIND, &file, true), ETC_BIND, "/etc/localtime"));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_DELETE, &zone, true), ETC_DELETE, NULL));
        ASSERT_TRUE(SAME(timezone_decide(TIMEZONE_OFF, &zone, true), ETC_KEEP, NULL));
}

TEST(journal_decide) {
        /* no: nothing, ever. */
        ASSERT_EQ(journal_decide(LINK_JOURNAL_NO, false, JOURNAL_HOST_DIRECTORY, true, true), JOURNAL_NOTHING);

        /* The host's own machine ID: refused unless try or auto. */
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_MISSING, true, false), JOURNAL_REFUSE);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_HOST, false, JOURNAL_HOST_MISSING, true, false), JOURNAL_REFUSE);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, true, JOURNAL_HOST_MISSING, true, false), JOURNAL_NOTHING);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_AUTO, false, JOURNAL_HOST_DIRECTORY, true, false), JOURNAL_NOTHING);

        /* guest: a symlink on the host; an image's mount would leave it dangling. */
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_MISSING, false, false), JOURNAL_LINK_GUEST);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_LINK_ELSEWHERE, false, false), JOURNAL_LINK_GUEST);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_DIRECTORY, false, false), JOURNAL_LINK_GUEST);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_LINK_TO_TREE, false, false), JOURNAL_GUEST_DIR);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_OTHER, false, false), JOURNAL_REFUSE);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, false, JOURNAL_HOST_MISSING, false, true), JOURNAL_REFUSE);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_GUEST, true, JOURNAL_HOST_MISSING, false, true), JOURNAL_NOTHING);

        /* host: a directory on the host bound in. */
        ASSERT_EQ(journal_decide(LINK_JOURNAL_HOST, false, JOURNAL_HOST_MISSING, false, true), JOURNAL_BIND_HOST);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_HOST, false, JOURNAL_HOST_LINK_TO_TREE, false, false), JOURNAL_BIND_HOST);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_HOST, false, JOURNAL_HOST_OTHER, false, false), JOURNAL_REFUSE);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_HOST, true, JOURNAL_HOST_OTHER, false, false), JOURNAL_NOTHING);

        /* auto: picks up what host or guest made earlier, makes nothing new. */
        ASSERT_EQ(journal_decide(LINK_JOURNAL_AUTO, false, JOURNAL_HOST_DIRECTORY, false, false), JOURNAL_BIND_HOST);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_AUTO, false, JOURNAL_HOST_LINK_TO_TREE, false, false), JOURNAL_GUEST_DIR);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_AUTO, false, JOURNAL_HOST_MISSING, false, false), JOURNAL_NOTHING);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_AUTO, false, JOURNAL_HOST_LINK_ELSEWHERE, false, false), JOURNAL_NOTHING);
        ASSERT_EQ(journal_decide(LINK_JOURNAL_AUTO, false, JOURNAL_HOST_OTHER, false, false), JOURNAL_NOTHING);
}

TEST(options) {
        Settings s = {};

        ASSERT_EQ(PARSE(&s, "--resolv-conf=bind-stub", "--timezone=symlink", "--link-journal=try-host"), 1);
        ASSERT_EQ(s.resolv_conf, RESOLV_CONF_BIND_STUB);
        ASSERT_EQ(s.timezone, TIMEZONE_SYMLINK);
        ASSERT_EQ(s.link_journal, LINK_JOURNAL_HOST);
        ASSERT_TRUE(s.link_journal_try);
        settings_done(&s);

        /* Defaults: auto everywhere. */
        ASSERT_EQ(PARSE(&s, "-D", "/x"), 1);
        ASSERT_EQ(s.resolv_conf, RESOLV_CONF_AUTO);
        ASSERT_EQ(s.timezone, TIMEZONE_AUTO);
        ASSERT_EQ(s.link_journal, LINK_JOURNAL_AUTO);
        ASSERT_FALSE(s.link_journal_try);
        settings_done(&s);

        /* -j is try-guest, also in a cluster; the last one given wins. */
        ASSERT_EQ(PARSE(&s, "-qj"), 1);
        ASSERT_EQ(s.link_journal, LINK_JOURNAL_GUEST);
        ASSERT_TRUE(s.link_journal_try);
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "-j", "--link-journal=host"), 1);
        ASSERT_EQ(s.link_journal, LINK_JOURNAL_HOST);
        ASSERT_FALSE(s.link_journal_try);
        settings_done(&s);

        /* --machine-id= and --uuid= are one setting. */
        ASSERT_EQ(PARSE(&s, "--uuid=0123456789abcdef0123456789abcdef", "--machine-id=fedcba98-7654-3210-fedc-ba9876543210"), 1);
        ASSERT_TRUE(s.uuid_set);
        char buf[33];
        ASSERT_STREQ(id128_to_string(&s.uuid, buf), "fedcba9876543210fedcba9876543210");
        settings_done(&s);

        ASSERT_TRUE(PARSE(&s, "--resolv-conf=copy") < 0);
        ASSERT_TRUE(PARSE(&s, "--resolv-conf=") < 0);
        ASSERT_TRUE(PARSE(&s, "--timezone=yes") < 0);
        ASSERT_TRUE(PARSE(&s, "--link-journal=try-no") < 0);
        ASSERT_TRUE(PARSE(&s, "--machine-id=00000000000000000000000000000000") < 0);
        ASSERT_TRUE(PARSE(&s, "--machine-id=0123") < 0);
        ASSERT_TRUE(PARSE(&s, "--machine-id") < 0);
}

DEFINE_TEST_MAIN;
