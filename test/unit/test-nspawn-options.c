/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <signal.h>
#include <stdint.h>

#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))
/* Parses the given arguments into *s; returns what settings_parse_argv() returned. */
#define PARSE(s, ...) settings_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (s))

#define CAP(c) (UINT64_C(1) << (c))

static void settings_donep(Settings *s) {
        settings_done(s);
}
#define _cleanup_settings_ _cleanup_(settings_donep)

/* A parse that must fail: the result must be an error and the output must not be written. */
static bool parse_fails(int argc, char *argv[]) {
        Settings s = { .machine = (char *) "untouched" };
        int r = settings_parse_argv(argc, argv, &s);
        if (r >= 0) {
                if (r > 0)
                        settings_done(&s);
                return false;
        }
        return s.machine && streq(s.machine, "untouched");
}
#define PARSE_FAILS(...) parse_fails(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static bool settings_is_empty(const Settings *s) {
        return !s->directory && !s->image && !s->machine && !s->hostname && !s->uuid_set && !s->user && !s->chdir &&
               !s->environment && !s->parameters && s->n_binds == 0 && s->n_tmpfs == 0 && !s->read_only &&
               !s->private_network && s->capability_add == 0 && s->capability_drop == 0 &&
               s->capability_ambient == 0 &&
               !s->no_new_privileges && !s->as_pid2 && s->kill_signal == 0 &&
               s->console_mode == _CONSOLE_MODE_INVALID && !s->quiet;
}

TEST(defaults) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(settings_parse_argv(1, ARGV(NULL), &s), 1);
        ASSERT_TRUE(settings_is_empty(&s));
}

TEST(help_and_version) {
        Settings s = {};
        ASSERT_EQ(PARSE(&s, "--help"), 0);
        ASSERT_EQ(PARSE(&s, "-h"), 0);
        ASSERT_EQ(PARSE(&s, "--version"), 0);
        ASSERT_EQ(PARSE(&s, "-D", "/srv/x", "--version"), 0);
        fflush(stdout);
}

TEST(long_options) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--quiet", "--directory=/srv/tree", "--machine=foo", "--hostname=bar.example",
                        "--uuid=0123456789abcdef0123456789ABCDEF", "--user=alice", "--chdir=/home/alice",
                        "--setenv=A=1", "--setenv=B=x=y", "--bind=/srv/a", "--bind-ro=/srv/b:/b",
                        "--tmpfs=/scratch", "--read-only", "--private-network", "--capability=sys_module",
                        "--drop-capability=sys_boot", "--no-new-privileges", "--as-pid2",
                        "--kill-signal=SIGRTMIN+3", "--console=passive"), 1);
        ASSERT_TRUE(s.quiet);
        ASSERT_STREQ(s.directory, "/srv/tree");
        ASSERT_STREQ(s.machine, "foo");
        ASSERT_STREQ(s.hostname, "bar.example");
        ASSERT_TRUE(s.uuid_set);
        char buf[33];
        ASSERT_STREQ(id128_to_string(&s.uuid, buf), "0123456789abcdef0123456789abcdef");
        ASSERT_STREQ(s.user, "alice");
        ASSERT_STREQ(s.chdir, "/home/alice");
        ASSERT_EQ(strv_length(s.environment), 2);
        ASSERT_STREQ(strv_env_get(s.environment, "A"), "1");
        ASSERT_STREQ(strv_env_get(s.environment, "B"), "x=y");
        ASSERT_EQ(s.n_binds, 2);
        ASSERT_STREQ(s.binds[0].source, "/srv/a");
        ASSERT_STREQ(s.binds[0].destination, "/srv/a");
        ASSERT_FALSE(s.binds[0].read_only);
        ASSERT_TRUE(s.binds[0].recursive);
        ASSERT_STREQ(s.binds[1].source, "/srv/b");
        ASSERT_STREQ(s.binds[1].destination, "/b");
        ASSERT_TRUE(s.binds[1].read_only);
        ASSERT_EQ(s.n_tmpfs, 1);
        ASSERT_STREQ(s.tmpfs[0].path, "/scratch");
        ASSERT_STREQ(s.tmpfs[0].options, "mode=0755");
        ASSERT_TRUE(s.read_only);
        ASSERT_TRUE(s.private_network);
        ASSERT_EQ(s.capability_add, CAP(CAP_SYS_MODULE));
        ASSERT_EQ(s.capability_drop, CAP(CAP_SYS_BOOT));
        ASSERT_TRUE(s.no_new_privileges);
        ASSERT_TRUE(s.as_pid2);
        ASSERT_EQ(s.kill_signal, SIGRTMIN + 3);
        ASSERT_EQ(s.console_mode, CONSOLE_PASSIVE);
        ASSERT_TRUE(s.parameters == NULL);
}

TEST(short_options) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-q", "-D", "/srv/tree", "-M", "foo", "-u", "1000", "-E", "PATH=/bin", "-a",
                        "-P"), 1);
        ASSERT_TRUE(s.quiet);
        ASSERT_STREQ(s.directory, "/srv/tree");
        ASSERT_STREQ(s.machine, "foo");
        ASSERT_STREQ(s.user, "1000");
        ASSERT_STREQ(strv_env_get(s.environment, "PATH"), "/bin");
        ASSERT_TRUE(s.as_pid2);
        ASSERT_EQ(s.console_mode, CONSOLE_PIPE);
        ASSERT_TRUE(s.parameters == NULL);
}

TEST(short_options_attached) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D/srv/tree", "-Mfoo", "-qa"), 1);
        ASSERT_STREQ(s.directory, "/srv/tree");
        ASSERT_STREQ(s.machine, "foo");
        ASSERT_TRUE(s.quiet);
        ASSERT_TRUE(s.as_pid2);
}

TEST(later_option_wins) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/a", "-D", "/srv/b", "-M", "a", "-M", "b", "--hostname=x",
                        "--hostname=y", "-u", "alice", "-u", "bob", "--chdir=/a", "--chdir=/b", "-E", "A=1",
                        "-E", "A=2", "--kill-signal=TERM", "--kill-signal=9"), 1);
        ASSERT_STREQ(s.directory, "/srv/b");
        ASSERT_STREQ(s.machine, "b");
        ASSERT_STREQ(s.hostname, "y");
        ASSERT_STREQ(s.user, "bob");
        ASSERT_STREQ(s.chdir, "/b");
        ASSERT_EQ(strv_length(s.environment), 1);
        ASSERT_STREQ(strv_env_get(s.environment, "A"), "2");
        ASSERT_EQ(s.kill_signal, SIGKILL);
}

TEST(parameters) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/tree", "/bin/sh", "-c", "echo hi"), 1);
        ASSERT_EQ(strv_length(s.parameters), 3);
        ASSERT_STREQ(s.parameters[0], "/bin/sh");
        ASSERT_STREQ(s.parameters[1], "-c");
        ASSERT_STREQ(s.parameters[2], "echo hi");
}

TEST(parameters_stop_option_parsing) {
        /* Options after the command belong to the command. */
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/tree", "ls", "-M", "foo", "--read-only"), 1);
        ASSERT_TRUE(s.machine == NULL);
        ASSERT_FALSE(s.read_only);
        ASSERT_EQ(strv_length(s.parameters), 4);
        ASSERT_STREQ(s.parameters[0], "ls");
        ASSERT_STREQ(s.parameters[1], "-M");
        ASSERT_STREQ(s.parameters[2], "foo");
        ASSERT_STREQ(s.parameters[3], "--read-only");
}

TEST(double_dash) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/tree", "--", "-D", "--help"), 1);
        ASSERT_STREQ(s.directory, "/srv/tree");
        ASSERT_EQ(strv_length(s.parameters), 2);
        ASSERT_STREQ(s.parameters[0], "-D");
        ASSERT_STREQ(s.parameters[1], "--help");

        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "-D", "/srv/tree", "--"), 1);
        ASSERT_TRUE(t.parameters == NULL || strv_length(t.parameters) == 0);
}

TEST(unknown_options) {
        ASSERT_TRUE(PARSE_FAILS("--frobnicate"));
        ASSERT_TRUE(PARSE_FAILS("-Y"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/srv/tree", "--frobnicate", "/bin/true"));
        ASSERT_TRUE(PARSE_FAILS("--read-only=yes"));
        ASSERT_TRUE(PARSE_FAILS("--private-network=1"));
}

TEST(missing_arguments) {
        ASSERT_TRUE(PARSE_FAILS("-D"));
        ASSERT_TRUE(PARSE_FAILS("--directory"));
        ASSERT_TRUE(PARSE_FAILS("-M"));
        ASSERT_TRUE(PARSE_FAILS("--machine"));
        ASSERT_TRUE(PARSE_FAILS("--hostname"));
        ASSERT_TRUE(PARSE_FAILS("--uuid"));
        ASSERT_TRUE(PARSE_FAILS("-u"));
        ASSERT_TRUE(PARSE_FAILS("--chdir"));
        ASSERT_TRUE(PARSE_FAILS("-E"));
        ASSERT_TRUE(PARSE_FAILS("--bind"));
        ASSERT_TRUE(PARSE_FAILS("--bind-ro"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs"));
        ASSERT_TRUE(PARSE_FAILS("--capability"));
        ASSERT_TRUE(PARSE_FAILS("--drop-capability"));
        ASSERT_TRUE(PARSE_FAILS("--kill-signal"));
        ASSERT_TRUE(PARSE_FAILS("--console"));
}

TEST(invalid_machine_name) {
        ASSERT_TRUE(PARSE_FAILS("-M", "foo/bar"));
        ASSERT_TRUE(PARSE_FAILS("--machine=.host"));
        ASSERT_TRUE(PARSE_FAILS("--machine=-foo"));
        ASSERT_TRUE(PARSE_FAILS("--machine=foo."));
        ASSERT_TRUE(PARSE_FAILS("--machine=a b"));
        ASSERT_TRUE(PARSE_FAILS("--machine=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        ASSERT_TRUE(PARSE_FAILS("--machine=.."));
}

TEST(invalid_hostname) {
        ASSERT_TRUE(PARSE_FAILS("--hostname=-bad"));
        ASSERT_TRUE(PARSE_FAILS("--hostname=a..b"));
        ASSERT_TRUE(PARSE_FAILS("--hostname=a/b"));
        ASSERT_TRUE(PARSE_FAILS("--hostname="));
        ASSERT_TRUE(PARSE_FAILS("--hostname=a\nb"));
}

TEST(uuid) {
        _cleanup_settings_ Settings s = {};
        char buf[33];
        ASSERT_EQ(PARSE(&s, "--uuid=01234567-89ab-cdef-0123-456789abcdef"), 1);
        ASSERT_TRUE(s.uuid_set);
        ASSERT_STREQ(id128_to_string(&s.uuid, buf), "0123456789abcdef0123456789abcdef");

        ASSERT_TRUE(PARSE_FAILS("--uuid=xyz"));
        ASSERT_TRUE(PARSE_FAILS("--uuid=0123456789abcdef0123456789abcde"));
        ASSERT_TRUE(PARSE_FAILS("--uuid=0123456789abcdef0123456789abcdef0"));
        ASSERT_TRUE(PARSE_FAILS("--uuid=0123456789abcdef0123456789abcdeg"));
        /* The null id is not a machine id. */
        ASSERT_TRUE(PARSE_FAILS("--uuid=00000000000000000000000000000000"));
        ASSERT_TRUE(PARSE_FAILS("--uuid="));
}

TEST(user) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--user=root"), 1);
        ASSERT_STREQ(s.user, "root");
        ASSERT_TRUE(PARSE_FAILS("--user="));
        ASSERT_TRUE(PARSE_FAILS("--user=a:b"));
        ASSERT_TRUE(PARSE_FAILS("--user=a\nb"));
}

TEST(capabilities) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--capability=CAP_NET_ADMIN,cap_sys_module", "--capability=sys_time",
                        "--drop-capability=mknod", "--drop-capability=CAP_SYS_BOOT,chown"), 1);
        ASSERT_EQ(s.capability_add, CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_MODULE) | CAP(CAP_SYS_TIME));
        ASSERT_EQ(s.capability_drop, CAP(CAP_MKNOD) | CAP(CAP_SYS_BOOT) | CAP(CAP_CHOWN));

        ASSERT_TRUE(PARSE_FAILS("--capability=bogus"));
        ASSERT_TRUE(PARSE_FAILS("--drop-capability=sys_admin,bogus"));
}

TEST(capability_conflicts) {
        ASSERT_TRUE(PARSE_FAILS("--capability=sys_module", "--drop-capability=sys_module"));
        ASSERT_TRUE(PARSE_FAILS("--drop-capability=net_admin", "--capability=CAP_NET_ADMIN"));
        ASSERT_TRUE(PARSE_FAILS("--capability=chown,kill", "--drop-capability=kill,mknod"));

        /* "all" minus a few is how one asks for nearly everything. */
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--capability=all", "--drop-capability=sys_admin"), 1);
        uint64_t m = settings_capability_mask(&s);
        ASSERT_FALSE(m & CAP(CAP_SYS_ADMIN));
        ASSERT_TRUE(m & CAP(CAP_SYS_MODULE));
        ASSERT_TRUE(m & CAP(CAP_NET_ADMIN));
}

TEST(ambient_capabilities) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--ambient-capability=net_raw", "--ambient-capability=CAP_KILL,chown",
                        "--capability=sys_time", "--ambient-capability=sys_time", "-u", "nobody"), 1);
        ASSERT_EQ(s.capability_ambient, CAP(CAP_NET_RAW) | CAP(CAP_KILL) | CAP(CAP_CHOWN) | CAP(CAP_SYS_TIME));

        /* CAP_NET_ADMIN is kept with a private network, and so may be ambient. */
        _cleanup_settings_ Settings n = {};
        ASSERT_EQ(PARSE(&n, "--private-network", "--ambient-capability=net_admin"), 1);
        ASSERT_EQ(n.capability_ambient, CAP(CAP_NET_ADMIN));
        _cleanup_settings_ Settings e = {};
        ASSERT_EQ(PARSE(&e, "--ambient-capability="), 1);
        ASSERT_EQ(e.capability_ambient, 0);

        ASSERT_TRUE(PARSE_FAILS("--ambient-capability=bogus"));
        ASSERT_TRUE(PARSE_FAILS("--ambient-capability"));
        /* As in systemd-nspawn: not "all", only what the container keeps, not with --boot. */
        ASSERT_TRUE(PARSE_FAILS("--ambient-capability=all"));
        ASSERT_TRUE(PARSE_FAILS("--capability=all", "--ambient-capability=all"));
        ASSERT_TRUE(PARSE_FAILS("--ambient-capability=sys_time"));
        ASSERT_TRUE(PARSE_FAILS("--ambient-capability=net_admin"));
        ASSERT_TRUE(PARSE_FAILS("--ambient-capability=net_raw", "--drop-capability=net_raw"));
        ASSERT_TRUE(PARSE_FAILS("--drop-capability=all", "--ambient-capability=kill"));
        ASSERT_TRUE(PARSE_FAILS("--ambient-capability=net_raw", "-b"));
        /* A number the kernel does not know cannot be raised. */
        ASSERT_TRUE(PARSE_FAILS("--capability=63", "--ambient-capability=63"));
}

TEST(capability_help) {
        /* "help" in any of the lists prints the names and ends the parse with success. */
        Settings s = {};
        ASSERT_EQ(PARSE(&s, "--capability=help"), 0);
        ASSERT_EQ(PARSE(&s, "--drop-capability=kill,help"), 0);
        ASSERT_EQ(PARSE(&s, "-M", "foo", "--ambient-capability=help"), 0);
}

TEST(console_modes) {
        static const struct { const char *arg; ConsoleMode mode; } cases[] = {
                { "--console=interactive", CONSOLE_INTERACTIVE },
                { "--console=read-only", CONSOLE_READ_ONLY },
                { "--console=passive", CONSOLE_PASSIVE },
                { "--console=pipe", CONSOLE_PIPE },
                { "--console=autopipe", CONSOLE_AUTOPIPE },
                { "--pipe", CONSOLE_PIPE },
                { "-P", CONSOLE_PIPE },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_settings_ Settings s = {};
                ASSERT_EQ(PARSE(&s, (char *) cases[i].arg), 1);
                ASSERT_EQ(s.console_mode, cases[i].mode);
        }
        ASSERT_TRUE(PARSE_FAILS("--console=bogus"));
        ASSERT_TRUE(PARSE_FAILS("--console="));
        ASSERT_TRUE(PARSE_FAILS("--console=Interactive"));
}

TEST(console_pipe_conflicts) {
        ASSERT_TRUE(PARSE_FAILS("--console=interactive", "--pipe"));
        ASSERT_TRUE(PARSE_FAILS("--console=read-only", "-P"));
        ASSERT_TRUE(PARSE_FAILS("-P", "--console=passive"));
        ASSERT_TRUE(PARSE_FAILS("--pipe", "--console=autopipe"));

        /* Saying the same thing twice is no conflict. */
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--console=pipe", "-P", "--pipe", "--console=pipe"), 1);
        ASSERT_EQ(s.console_mode, CONSOLE_PIPE);
}

TEST(kill_signal) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--kill-signal=SIGTERM"), 1);
        ASSERT_EQ(s.kill_signal, SIGTERM);
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "--kill-signal=RTMIN+4"), 1);
        ASSERT_EQ(s.kill_signal, SIGRTMIN + 4);
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "--kill-signal=9"), 1);
        ASSERT_EQ(s.kill_signal, SIGKILL);

        ASSERT_TRUE(PARSE_FAILS("--kill-signal=SIGFOO"));
        ASSERT_TRUE(PARSE_FAILS("--kill-signal=0"));
        ASSERT_TRUE(PARSE_FAILS("--kill-signal=99"));
        ASSERT_TRUE(PARSE_FAILS("--kill-signal=-15"));
        ASSERT_TRUE(PARSE_FAILS("--kill-signal="));
        ASSERT_TRUE(PARSE_FAILS("--kill-signal=SIGRTMIN+99"));
}

TEST(setenv) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-E", "EMPTY=", "-E", "_X1=a b", "--setenv=lower=1"), 1);
        ASSERT_STREQ(strv_env_get(s.environment, "EMPTY"), "");
        ASSERT_STREQ(strv_env_get(s.environment, "_X1"), "a b");
        ASSERT_STREQ(strv_env_get(s.environment, "lower"), "1");

        ASSERT_TRUE(PARSE_FAILS("-E", "FOO"));
        ASSERT_TRUE(PARSE_FAILS("--setenv=FOO"));
        ASSERT_TRUE(PARSE_FAILS("-E", "=value"));
        ASSERT_TRUE(PARSE_FAILS("-E", "1FOO=x"));
        ASSERT_TRUE(PARSE_FAILS("-E", "FO O=x"));
        ASSERT_TRUE(PARSE_FAILS("-E", "FO-O=x"));
        ASSERT_TRUE(PARSE_FAILS("-E", ""));
}

TEST(chdir) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--chdir=/"), 1);
        ASSERT_STREQ(s.chdir, "/");
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "--chdir=/srv//data/"), 1);
        ASSERT_STREQ(s.chdir, "/srv/data");

        ASSERT_TRUE(PARSE_FAILS("--chdir=home"));
        ASSERT_TRUE(PARSE_FAILS("--chdir=./home"));
        ASSERT_TRUE(PARSE_FAILS("--chdir="));
        ASSERT_TRUE(PARSE_FAILS("--chdir=/a/../b"));
}

TEST(bind_and_tmpfs_errors) {
        ASSERT_TRUE(PARSE_FAILS("--bind=relative"));
        ASSERT_TRUE(PARSE_FAILS("--bind-ro=/a:relative"));
        ASSERT_TRUE(PARSE_FAILS("--bind=/a:/b:bogus"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs=relative"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs="));
}

TEST(no_new_privileges) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--no-new-privileges"), 1);
        ASSERT_TRUE(s.no_new_privileges);
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "--no-new-privileges=yes"), 1);
        ASSERT_TRUE(s.no_new_privileges);
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "--no-new-privileges=no"), 1);
        ASSERT_FALSE(s.no_new_privileges);
        settings_done(&s);
        ASSERT_EQ(PARSE(&s, "--no-new-privileges", "--no-new-privileges=0"), 1);
        ASSERT_FALSE(s.no_new_privileges);
        settings_done(&s);
        /* An optional argument must be attached: a separate word is the command. */
        ASSERT_EQ(PARSE(&s, "--no-new-privileges", "yes"), 1);
        ASSERT_TRUE(s.no_new_privileges);
        ASSERT_EQ(strv_length(s.parameters), 1);
        ASSERT_STREQ(s.parameters[0], "yes");

        ASSERT_TRUE(PARSE_FAILS("--no-new-privileges=maybe"));
        ASSERT_TRUE(PARSE_FAILS("--no-new-privileges="));
}

TEST(resolve_machine_from_directory) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/var/lib/machines/bookworm/"), 1);
        ASSERT_OK(settings_resolve(&s));
        ASSERT_STREQ(s.machine, "bookworm");
        ASSERT_STREQ(s.hostname, "bookworm");
        ASSERT_STREQ(s.directory, "/var/lib/machines/bookworm/");

        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "-D", "/srv/trees/deb-12.tree"), 1);
        ASSERT_OK(settings_resolve(&t));
        ASSERT_STREQ(t.machine, "deb-12.tree");
        ASSERT_STREQ(t.hostname, "deb-12.tree");
}

TEST(resolve_explicit_names) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/tree", "-M", "foo"), 1);
        ASSERT_OK(settings_resolve(&s));
        ASSERT_STREQ(s.machine, "foo");
        ASSERT_STREQ(s.hostname, "foo");

        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "-D", "/srv/tree", "--hostname=h.example"), 1);
        ASSERT_OK(settings_resolve(&t));
        ASSERT_STREQ(t.machine, "tree");
        ASSERT_STREQ(t.hostname, "h.example");

}

TEST(image_option) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-i", "/srv/images/deb-12.raw", "/bin/true"), 1);
        ASSERT_STREQ(s.image, "/srv/images/deb-12.raw");
        ASSERT_TRUE(!s.directory);
        ASSERT_OK(settings_resolve(&s));
        /* The name without ".raw", as systemd-nspawn gives it. */
        ASSERT_STREQ(s.machine, "deb-12");
        ASSERT_STREQ(s.image, "/srv/images/deb-12.raw");

        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "--image=/dev/vdb"), 1);
        ASSERT_OK(settings_resolve(&t));
        ASSERT_STREQ(t.machine, "vdb");

        /* ".raw" alone is no name. */
        _cleanup_settings_ Settings u = {};
        ASSERT_EQ(PARSE(&u, "-i", "/srv/.raw"), 1);
        ASSERT_OK(settings_resolve(&u));
        ASSERT_STREQ(u.machine, "raw");

        ASSERT_TRUE(PARSE_FAILS("-i", "/a.raw", "-D", "/tree"));
        ASSERT_TRUE(PARSE_FAILS("-D", "/tree", "--image=/a.raw"));
        ASSERT_TRUE(PARSE_FAILS("--image="));
        ASSERT_TRUE(PARSE_FAILS("-i"));
}

static void make_file(const char *dir, const char *name, bool directory) {
        _cleanup_free_ char *p = strjoin(dir, "/", name);
        ASSERT_TRUE(p);
        if (directory)
                ASSERT_EQ(mkdir(p, 0755), 0);
        else {
                int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
                ASSERT_TRUE(fd >= 0);
                close(fd);
        }
}

/* -M NAME alone: a directory NAME or an image NAME.raw, the first found along the search path; a
 * directory before an image in the same place. */
TEST(find_machine_search_path) {
        char base[] = "/tmp/test-nspawn-options.XXXXXX";
        ASSERT_TRUE(mkdtemp(base));
        _cleanup_free_ char *a = strjoin(base, "/a"), *b = strjoin(base, "/b"), *c = strjoin(base, "/c");
        ASSERT_TRUE(a && b && c);
        ASSERT_EQ(mkdir(a, 0755), 0);
        ASSERT_EQ(mkdir(b, 0755), 0);
        ASSERT_EQ(mkdir(c, 0755), 0);
        const char *const path[] = { a, b, c, NULL };

        make_file(b, "deb.raw", false);
        make_file(c, "deb", true);
        make_file(a, "tree", true);
        make_file(a, "tree.raw", false);
        make_file(b, "notdir", false);          /* a file NAME is neither */
        make_file(a, "rawdir.raw", true);       /* nor a directory NAME.raw */

        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-M", "deb"), 1);
        ASSERT_OK(settings_find_machine(&s, path));
        _cleanup_free_ char *want = strjoin(b, "/deb.raw");
        ASSERT_STREQ(s.image, want);
        ASSERT_TRUE(!s.directory);

        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "-M", "tree"), 1);
        ASSERT_OK(settings_find_machine(&t, path));
        _cleanup_free_ char *want2 = strjoin(a, "/tree");
        ASSERT_STREQ(t.directory, want2);
        ASSERT_TRUE(!t.image);

        _cleanup_settings_ Settings u = {};
        ASSERT_EQ(PARSE(&u, "-M", "notdir"), 1);
        ASSERT_EQ(settings_find_machine(&u, path), -ENOENT);
        ASSERT_TRUE(!u.directory && !u.image);

        _cleanup_settings_ Settings v = {};
        ASSERT_EQ(PARSE(&v, "-M", "rawdir"), 1);
        ASSERT_EQ(settings_find_machine(&v, path), -ENOENT);

        /* -D or -i given: no search. */
        _cleanup_settings_ Settings w = {};
        ASSERT_EQ(PARSE(&w, "-M", "deb", "-D", "/elsewhere"), 1);
        ASSERT_OK(settings_find_machine(&w, path));
        ASSERT_STREQ(w.directory, "/elsewhere");
        ASSERT_TRUE(!w.image);

        /* Neither -M nor -D nor -i. */
        _cleanup_settings_ Settings x = {};
        ASSERT_EQ(PARSE(&x, "/bin/true"), 1);
        ASSERT_EQ(settings_find_machine(&x, path), -EINVAL);

        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
        ASSERT_EQ(system(cmd), 0);
}

TEST(resolve_invalid_directory_name) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/---"), 1);
        ASSERT_TRUE(settings_resolve(&s) < 0);

        /* With -M the directory's name does not matter. */
        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(PARSE(&t, "-D", "/srv/---", "-M", "ok"), 1);
        ASSERT_OK(settings_resolve(&t));
        ASSERT_STREQ(t.machine, "ok");
}

TEST(capability_mask) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/tree"), 1);
        ASSERT_EQ(settings_capability_mask(&s), UINT64_C(0xfdecafff));
        settings_done(&s);

        ASSERT_EQ(PARSE(&s, "--private-network"), 1);
        ASSERT_EQ(settings_capability_mask(&s), UINT64_C(0xfdecafff) | CAP(CAP_NET_ADMIN));
        settings_done(&s);

        ASSERT_EQ(PARSE(&s, "--private-network", "--drop-capability=net_admin"), 1);
        ASSERT_FALSE(settings_capability_mask(&s) & CAP(CAP_NET_ADMIN));
        settings_done(&s);

        ASSERT_EQ(PARSE(&s, "--capability=net_admin"), 1);
        ASSERT_TRUE(settings_capability_mask(&s) & CAP(CAP_NET_ADMIN));
        settings_done(&s);

        ASSERT_EQ(PARSE(&s, "--capability=sys_module", "--drop-capability=chown,sys_admin"), 1);
        ASSERT_EQ(settings_capability_mask(&s),
                  (UINT64_C(0xfdecafff) | CAP(CAP_SYS_MODULE)) & ~(CAP(CAP_CHOWN) | CAP(CAP_SYS_ADMIN)));
}

TEST(effective_console_mode) {
        Settings s = { .console_mode = _CONSOLE_MODE_INVALID };

        /* Not chosen: interactive only when both ends are terminals. */
        ASSERT_EQ(settings_effective_console_mode(&s, true, true), CONSOLE_INTERACTIVE);
        ASSERT_EQ(settings_effective_console_mode(&s, true, false), CONSOLE_READ_ONLY);
        ASSERT_EQ(settings_effective_console_mode(&s, false, true), CONSOLE_READ_ONLY);
        ASSERT_EQ(settings_effective_console_mode(&s, false, false), CONSOLE_READ_ONLY);

        s.console_mode = CONSOLE_AUTOPIPE;
        ASSERT_EQ(settings_effective_console_mode(&s, true, true), CONSOLE_INTERACTIVE);
        ASSERT_EQ(settings_effective_console_mode(&s, true, false), CONSOLE_PIPE);
        ASSERT_EQ(settings_effective_console_mode(&s, false, true), CONSOLE_PIPE);
        ASSERT_EQ(settings_effective_console_mode(&s, false, false), CONSOLE_PIPE);

        /* An explicit mode is kept whatever the terminals are. */
        static const ConsoleMode explicit_modes[] = {
                CONSOLE_INTERACTIVE, CONSOLE_READ_ONLY, CONSOLE_PASSIVE, CONSOLE_PIPE,
        };
        for (size_t i = 0; i < ELEMENTSOF(explicit_modes); i++) {
                s.console_mode = explicit_modes[i];
                for (int t = 0; t < 4; t++)
                        ASSERT_EQ(settings_effective_console_mode(&s, t & 1, t & 2), explicit_modes[i]);
        }
}

TEST(console_mode_strings) {
        ASSERT_STREQ(console_mode_to_string(CONSOLE_READ_ONLY), "read-only");
        ASSERT_STREQ(console_mode_to_string(CONSOLE_AUTOPIPE), "autopipe");
        ASSERT_TRUE(console_mode_to_string(_CONSOLE_MODE_INVALID) == NULL);
        ASSERT_TRUE(console_mode_to_string(_CONSOLE_MODE_MAX) == NULL);
        ASSERT_EQ(console_mode_from_string("passive"), CONSOLE_PASSIVE);
        ASSERT_EQ(console_mode_from_string("nope"), _CONSOLE_MODE_INVALID);
}

TEST(settings_done_idempotent) {
        Settings s = {};
        ASSERT_EQ(PARSE(&s, "-D", "/srv/tree", "--bind=/a", "--tmpfs=/t", "-E", "A=1", "cmd"), 1);
        settings_done(&s);
        ASSERT_TRUE(s.directory == NULL && s.binds == NULL && s.tmpfs == NULL && s.parameters == NULL);
        settings_done(&s);
}

/* As the man page says: control characters are refused in the value too (issue 7, item 11). */
TEST(setenv_value_with_control_characters) {
        ASSERT_TRUE(PARSE_FAILS("-E", "A=line1\nline2"));
        ASSERT_TRUE(PARSE_FAILS("-E", "A\nB=1"));
        ASSERT_TRUE(PARSE_FAILS("-E", "A=\033[2J"));
        ASSERT_TRUE(PARSE_FAILS("--setenv=A=\033]0;title\a"));
        ASSERT_TRUE(PARSE_FAILS("-E", "A=tab\there"));
        ASSERT_TRUE(PARSE_FAILS("-E", "A=\r"));
        ASSERT_TRUE(PARSE_FAILS("-E", "A=del\177"));
        ASSERT_TRUE(PARSE_FAILS("-E", "OK=1", "-E", "A=\001"));

        /* Printable text, UTF-8 included, is a value like any other. */
        Settings s;
        ASSERT_EQ(PARSE(&s, "-E", "A=Grüße = \"x\" \\n;$(y)", "-E", "B="), 1);
        ASSERT_STREQ(strv_env_get(s.environment, "A"), "Grüße = \"x\" \\n;$(y)");
        ASSERT_STREQ(strv_env_get(s.environment, "B"), "");
        settings_done(&s);
}

/* A mount onto the container's root does nothing: refused in any spelling (issue 7, item 12). */
TEST(mounts_onto_root_refused) {
        ASSERT_TRUE(PARSE_FAILS("--bind=/srv:/"));
        ASSERT_TRUE(PARSE_FAILS("--bind=/srv://"));
        ASSERT_TRUE(PARSE_FAILS("--bind=/srv:/./"));
        ASSERT_TRUE(PARSE_FAILS("--bind=/srv:/.:norbind"));
        ASSERT_TRUE(PARSE_FAILS("--bind=/srv:///"));
        ASSERT_TRUE(PARSE_FAILS("--bind=/"));
        ASSERT_TRUE(PARSE_FAILS("--bind-ro=/srv:/"));
        ASSERT_TRUE(PARSE_FAILS("--bind-ro=//"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs=/"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs=//"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs=/./:mode=0700"));
        ASSERT_TRUE(PARSE_FAILS("--tmpfs=/.."));

        /* The host's root as a source, and paths just below the root, are fine. */
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(PARSE(&s, "--bind-ro=/:/host", "--bind=/srv:/./srv", "--tmpfs=//tmp/"), 1);
        ASSERT_EQ(s.n_binds, 2);
        ASSERT_STREQ(s.binds[0].source, "/");
        ASSERT_STREQ(s.binds[0].destination, "/host");
        ASSERT_STREQ(s.binds[1].destination, "/srv");
        ASSERT_EQ(s.n_tmpfs, 1);
        ASSERT_STREQ(s.tmpfs[0].path, "/tmp");
}

DEFINE_TEST_MAIN
