/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "machinectl-cgroup.h"
#include "machinectl-options.h"
#include "machinectl-remote.h"
#include "strv.h"
#include "tests.h"

#define PARSE(a, ...)                                                                     \
        ({                                                                                \
                char *_argv[] = { (char *) "machinectl", __VA_ARGS__, NULL };             \
                args_parse((int) ELEMENTSOF(_argv) - 1, _argv, (a));                      \
        })

TEST(defaults) {
        Args a;
        ASSERT_EQ(PARSE(&a, (char *) "list"), 1);
        ASSERT_TRUE(a.legend);
        ASSERT_FALSE(a.value);
        ASSERT_FALSE(a.all);
        ASSERT_EQ(a.output, OUTPUT_SHORT);
        ASSERT_TRUE(a.properties == NULL);
        ASSERT_TRUE(a.kill_whom == NULL);
        ASSERT_EQ(a.signal, 0);
        ASSERT_STREQ(a.verb_args[0], "list");
        ASSERT_TRUE(a.verb_args[1] == NULL);
        args_done(&a);
}

TEST(options_after_the_verb) {
        Args a;
        ASSERT_EQ(PARSE(&a, (char *) "show", (char *) "mc-a", (char *) "-p", (char *) "Name,Leader",
                        (char *) "--property=Class", (char *) "--value", (char *) "--no-legend",
                        (char *) "-o", (char *) "json"), 1);
        ASSERT_STREQ(a.verb_args[0], "show");
        ASSERT_STREQ(a.verb_args[1], "mc-a");
        ASSERT_TRUE(a.verb_args[2] == NULL);
        ASSERT_EQ(strv_length(a.properties), 3);
        ASSERT_STREQ(a.properties[0], "Name");
        ASSERT_STREQ(a.properties[1], "Leader");
        ASSERT_STREQ(a.properties[2], "Class");
        ASSERT_TRUE(a.value);
        ASSERT_FALSE(a.legend);
        ASSERT_EQ(a.output, OUTPUT_JSON);
        args_done(&a);
}

TEST(capital_p_implies_value) {
        Args a;
        ASSERT_EQ(PARSE(&a, (char *) "-P", (char *) "RootDirectory", (char *) "show", (char *) "x"), 1);
        ASSERT_TRUE(a.value);
        ASSERT_STREQ(a.properties[0], "RootDirectory");
        args_done(&a);
}

TEST(kill_options) {
        Args a;
        ASSERT_EQ(PARSE(&a, (char *) "kill", (char *) "--kill-whom=leader", (char *) "-s", (char *) "SIGTRAP",
                        (char *) "x"), 1);
        ASSERT_STREQ(a.kill_whom, "leader");
        ASSERT_EQ(a.signal, SIGTRAP);
        args_done(&a);
        ASSERT_EQ(PARSE(&a, (char *) "kill", (char *) "--signal=RTMIN+4", (char *) "x"), 1);
        ASSERT_EQ(a.signal, SIGRTMIN + 4);
        args_done(&a);
}

TEST(bad_options) {
        Args a;
        ASSERT_ERROR(PARSE(&a, (char *) "--kill-whom=everyone", (char *) "kill", (char *) "x"), EINVAL);
        ASSERT_ERROR(PARSE(&a, (char *) "-s", (char *) "SIGFOO", (char *) "kill", (char *) "x"), EINVAL);
        ASSERT_ERROR(PARSE(&a, (char *) "-o", (char *) "xml", (char *) "list"), EINVAL);
        ASSERT_ERROR(PARSE(&a, (char *) "--bogus", (char *) "list"), EINVAL);
        ASSERT_ERROR(PARSE(&a, (char *) "list", (char *) "-p"), EINVAL);
}

TEST(host) {
        Args a;
        ASSERT_EQ(PARSE(&a, (char *) "list", (char *) "-H", (char *) "root@10.0.0.1:2222"), 1);
        ASSERT_STREQ(a.host, "root@10.0.0.1:2222");
        args_done(&a);
        ASSERT_EQ(PARSE(&a, (char *) "--host=example.org", (char *) "status", (char *) "x"), 1);
        ASSERT_STREQ(a.host, "example.org");
        args_done(&a);
        ASSERT_TRUE(remote_host_is_valid("user.name@host-1.example:22"));
        ASSERT_TRUE(remote_host_is_valid("[::1]:22"));
        /* An ssh option in disguise, quoting, blanks, a container part, nothing. */
        ASSERT_FALSE(remote_host_is_valid("-oProxyCommand=x"));
        ASSERT_FALSE(remote_host_is_valid("root@-oProxyCommand=x"));
        ASSERT_FALSE(remote_host_is_valid("a b"));
        ASSERT_FALSE(remote_host_is_valid("a\tb"));
        ASSERT_FALSE(remote_host_is_valid("a'b"));
        ASSERT_FALSE(remote_host_is_valid("host/container"));
        ASSERT_FALSE(remote_host_is_valid("@host"));
        ASSERT_FALSE(remote_host_is_valid("root@"));
        ASSERT_FALSE(remote_host_is_valid(":22"));
        ASSERT_FALSE(remote_host_is_valid(""));
        ASSERT_ERROR(PARSE(&a, (char *) "-H", (char *) "-x", (char *) "list"), EINVAL);
        ASSERT_ERROR(PARSE(&a, (char *) "list", (char *) "-H"), EINVAL);
}

TEST(remote_host_split) {
        struct { const char *in, *dest, *port; } ok[] = {
                { "host", "host", NULL },
                { "root@host", "root@host", NULL },
                { "root@10.0.0.1:2222", "root@10.0.0.1", "2222" },
                { "host:22", "host", "22" },
                { "[::1]:2222", "::1", "2222" },
                { "root@[fe80::1]", "root@fe80::1", NULL },
                { "fe80::1", "fe80::1", NULL },
        };
        const char *bad[] = { "host:", "host:x", "host:70000", "host:0", "[::1", "[]:22", "[::1]x", "root@:22" };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_free_ char *dest = NULL, *port = NULL;
                ASSERT_OK(remote_host_split(ok[i].in, &dest, &port));
                ASSERT_STREQ(dest, ok[i].dest);
                if (ok[i].port)
                        ASSERT_STREQ(port, ok[i].port);
                else
                        ASSERT_TRUE(port == NULL);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *dest = NULL, *port = NULL;
                ASSERT_ERROR(remote_host_split(bad[i], &dest, &port), EINVAL);
        }
}

TEST(remote_command_line) {
        char *argv[] = { (char *) "machinectl", (char *) "shell", (char *) "web", (char *) "/bin/sh",
                         (char *) "-c", (char *) "echo 'a b'; exit 7", (char *) "", NULL };
        _cleanup_free_ char *line = remote_command_line(argv);
        ASSERT_STREQ(line, "'machinectl' 'shell' 'web' '/bin/sh' '-c' 'echo '\\''a b'\\''; exit 7' ''");
}

TEST(remote_machinectl_argv) {
        _cleanup_strv_free_ char **v = NULL;
        Args a;

        setenv("NSPAWN_TEST_VAR", "from here", 1);
        unsetenv("NSPAWN_TEST_UNSET");
        ASSERT_EQ(PARSE(&a, (char *) "-H", (char *) "h", (char *) "-q", (char *) "--uid=1000", (char *) "-E",
                        (char *) "A=1", (char *) "-E", (char *) "NSPAWN_TEST_VAR", (char *) "-E",
                        (char *) "NSPAWN_TEST_UNSET", (char *) "shell", (char *) "web", (char *) "ls", (char *) "-l"), 1);
        ASSERT_OK(remote_machinectl_argv(&a, &v));
        _cleanup_free_ char *joined = strv_join(v, "|");
        ASSERT_STREQ(joined, "machinectl|-q|--uid|1000|-E|A=1|-E|NSPAWN_TEST_VAR=from here|shell|web|ls|-l");
        args_done(&a);
}

TEST(output_mode_from_string) {
        ASSERT_EQ(output_mode_from_string("short"), OUTPUT_SHORT);
        ASSERT_EQ(output_mode_from_string("json"), OUTPUT_JSON);
        ASSERT_EQ(output_mode_from_string("json-pretty"), OUTPUT_JSON);
        ASSERT_ERROR(output_mode_from_string("verbose"), EINVAL);
}

TEST(cgroup_path_trim_to_unit) {
        char a[] = "/machine.slice/machine-mc\\x2da.scope/payload/init.scope";
        char b[] = "/machine.slice/machine-mc\\x2da.scope";
        char c[] = "/machine.slice/machine-mc\\x2dab.scope/payload";
        char d[] = "/elsewhere";
        ASSERT_TRUE(cgroup_path_trim_to_unit(a, "machine-mc\\x2da.scope"));
        ASSERT_STREQ(a, "/machine.slice/machine-mc\\x2da.scope");
        ASSERT_TRUE(cgroup_path_trim_to_unit(b, "machine-mc\\x2da.scope"));
        ASSERT_STREQ(b, "/machine.slice/machine-mc\\x2da.scope");
        /* A longer name that starts like the unit is not the unit. */
        ASSERT_FALSE(cgroup_path_trim_to_unit(c, "machine-mc\\x2da.scope"));
        ASSERT_STREQ(c, "/machine.slice/machine-mc\\x2dab.scope/payload");
        ASSERT_FALSE(cgroup_path_trim_to_unit(d, "machine-x.scope"));
        ASSERT_FALSE(cgroup_path_trim_to_unit(d, ""));
        ASSERT_STREQ(d, "/elsewhere");
}

DEFINE_TEST_MAIN
