/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The option table, NAME.nspawn settings files and the precedence between them and the command line. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-option-table.h"
#include "nspawn-options.h"
#include "nspawn-settings-file.h"
#include "nspawn-settings.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

static void settings_donep(Settings *s) {
        settings_done(s);
}
#define _cleanup_settings_ _cleanup_(settings_donep)
static void assignments_donep(OptionAssignments *a) {
        option_assignments_done(a);
}
#define _cleanup_assignments_ _cleanup_(assignments_donep)

/* stderr into a memfd, to look at what was logged. */
static int saved_stderr = -1, capture_fd = -1;

static void capture_begin(void) {
        fflush(stderr);
        capture_fd = memfd_create("stderr", MFD_CLOEXEC);
        saved_stderr = dup(STDERR_FILENO);
        dup2(capture_fd, STDERR_FILENO);
}

static char *capture_end(void) {
        static char buf[16384];
        ssize_t n;

        fflush(stderr);
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        n = pread(capture_fd, buf, sizeof(buf) - 1, 0);
        close(capture_fd);
        buf[n > 0 ? n : 0] = 0;
        return buf;
}

static size_t count_lines(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

/* Everything the table's parsers write, as text: two Settings with the same text are the same. A
 * field that a new table option sets must be printed here too: every_option_from_both_parsers checks
 * that each option changes this text, so it fails for an option whose field is missing. */
static char *settings_dump(const Settings *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        char u[33];

        fprintf(f, "dir=%s image=%s machine=%s host=%s uuid=%s user=%s chdir=%s\n", strna(s->directory),
                strna(s->image), strna(s->machine), strna(s->hostname), s->uuid_set ? id128_to_string(&s->uuid, u) : "-",
                strna(s->user), strna(s->chdir));
        STRV_FOREACH(e, s->environment)
                fprintf(f, "env %s\n", *e);
        STRV_FOREACH(e, s->parameters)
                fprintf(f, "param %s\n", *e);
        for (size_t i = 0; i < s->n_binds; i++)
                fprintf(f, "bind %s %s ro=%d r=%d idmap=%d\n", s->binds[i].source, s->binds[i].destination,
                        s->binds[i].read_only, s->binds[i].recursive, s->binds[i].idmap);
        for (size_t i = 0; i < s->n_tmpfs; i++)
                fprintf(f, "tmpfs %s %s\n", s->tmpfs[i].path, strna(s->tmpfs[i].options));
        fprintf(f, "ro=%d privnet=%d veth=%d bridge=%s zone=%s netns=%s\n", s->read_only, s->private_network,
                s->network_veth, strna(s->network_bridge), strna(s->network_zone), strna(s->network_namespace_path));
        STRV_FOREACH(e, s->network_veth_extra)
                fprintf(f, "veth-extra %s\n", *e);
        STRV_FOREACH(e, s->network_interfaces)
                fprintf(f, "interface %s\n", *e);
        STRV_FOREACH(e, s->network_macvlan)
                fprintf(f, "macvlan %s\n", *e);
        STRV_FOREACH(e, s->network_ipvlan)
                fprintf(f, "ipvlan %s\n", *e);
        for (size_t i = 0; i < s->n_ports; i++)
                fprintf(f, "port %d %u %u\n", s->ports[i].protocol, s->ports[i].host_port, s->ports[i].container_port);
        fprintf(f, "userns=%d shift=%u own=%d caps=%llx/%llx/%llx nnp=%d pid2=%d boot=%d ready=%d sig=%d console=%d\n",
                (int) s->private_users, s->uid_shift, (int) s->users_ownership,
                (unsigned long long) s->capability_add, (unsigned long long) s->capability_drop,
                (unsigned long long) s->capability_ambient, s->no_new_privileges, s->as_pid2, s->boot,
                s->notify_ready, s->kill_signal, (int) s->console_mode);
        fprintf(f, "quiet=%d register=%d keep=%d props=%d time=%d\n", s->quiet, (int) s->register_mode, s->keep_unit,
                s->properties != NULL, s->time.enabled);
        STRV_FOREACH(e, s->syscall_filter.allow)
                fprintf(f, "allow %s\n", *e);
        STRV_FOREACH(e, s->syscall_filter.deny)
                fprintf(f, "deny %s\n", *e);
        fprintf(f, "ephemeral=%d volatile=%d template=%s resolv=%d tz=%d journal=%d/%d\n", s->ephemeral,
                (int) s->volatile_mode, strna(s->template), (int) s->resolv_conf, (int) s->timezone,
                (int) s->link_journal, s->link_journal_try);
        STRV_FOREACH(e, s->inaccessible)
                fprintf(f, "inaccessible %s\n", *e);
        for (size_t i = 0; i < s->n_overlays; i++) {
                fprintf(f, "overlay %s %s", strna(s->overlays[i].destination), s->overlays[i].upper ? s->overlays[i].upper : "(ro)");
                STRV_FOREACH(e, s->overlays[i].lower)
                        fprintf(f, " %s", *e);
                fputc('\n', f);
        }
        fclose(f);
        return buf;
}

/* The text of a file through settings_file_parse() and settings_merge() with an empty command line. */
static int parse_file_text(const char *text, bool trusted, Settings *ret) {
        _cleanup_assignments_ OptionAssignments file = {}, none = {};
        Settings empty = {};
        int r = settings_file_parse("test.nspawn", text, strlen(text), trusted, &file);
        if (r < 0)
                return r;
        r = settings_merge(&empty, &none, &file, SETTINGS_YES, ret);
        return r < 0 ? r : 0;
}

static bool section_valid(const char *s) {
        return streq(s, "Exec") || streq(s, "Files") || streq(s, "Network");
}

TEST(table_consistency) {
        for (size_t i = 0; i < option_table_size; i++) {
                const OptionDef *o = &option_table[i];

                ASSERT_TRUE(o->parse);
                ASSERT_TRUE(o->long_name || o->short_name || o->key);
                ASSERT_TRUE(!o->key == !o->section);
                if (o->key) {
                        /* A key belongs to a group (the unit of precedence), has a value to test with,
                         * and is not at the same time in the "not supported yet" list. */
                        ASSERT_TRUE(section_valid(o->section));
                        ASSERT_TRUE(o->mask != 0);
                        ASSERT_TRUE(o->example);
                        ASSERT_FALSE(settings_file_key_unsupported(o->section, o->key));
                        ASSERT_TRUE(option_find_key(o->section, o->key) == o);
                }
                if (o->long_name)
                        ASSERT_TRUE(option_find_long(o->long_name) == o);
                if (o->short_name)
                        ASSERT_TRUE(option_find_short(o->short_name) == o);
        }
}

/* Every option that has both spellings gives the same Settings from the command line and from a
 * trusted file. */
TEST(every_option_from_both_parsers) {
        size_t tested = 0;

        for (size_t i = 0; i < option_table_size; i++) {
                const OptionDef *o = &option_table[i];
                if (!o->key)
                        continue;

                char arg[512], file[600];
                char *argv[8] = { (char *) "nspawn" };
                int argc = 1;
                if (!o->long_name) {
                        /* Parameters=: the words after the options. */
                        ASSERT_TRUE(streq(o->key, "Parameters"));
                        argv[argc++] = (char *) "/bin/sh";
                        argv[argc++] = (char *) "-c";
                        argv[argc++] = (char *) "echo hi";
                } else if (o->argument == OPTION_ARG_NONE) {
                        ASSERT_TRUE(parse_boolean(o->example) == 1);
                        snprintf(arg, sizeof(arg), "--%s", o->long_name);
                        argv[argc++] = arg;
                } else {
                        snprintf(arg, sizeof(arg), "--%s=%s", o->long_name, o->example);
                        argv[argc++] = arg;
                }
                argv[argc] = NULL;
                snprintf(file, sizeof(file), "[%s]\n%s=%s\n", o->section, o->key, o->example);

                _cleanup_settings_ Settings a = {}, b = {};
                if (settings_parse_argv_full(argc, argv, &a, NULL) != 1 || parse_file_text(file, true, &b) != 0) {
                        fprintf(stderr, "option %s (%s=) does not parse\n", arg, o->key);
                        ASSERT_TRUE(false);
                }
                _cleanup_free_ char *da = settings_dump(&a), *db = settings_dump(&b);
                if (!streq(da, db)) {
                        fprintf(stderr, "%s and %s=%s differ:\n%s---\n%s", arg, o->key, o->example, da, db);
                        ASSERT_TRUE(false);
                }
                /* And it did something: not the defaults. */
                _cleanup_settings_ Settings d = {};
                ASSERT_EQ(settings_parse_argv_full(1, (char *[]) { (char *) "nspawn", NULL }, &d, NULL), 1);
                _cleanup_free_ char *dd = settings_dump(&d);
                ASSERT_FALSE(streq(da, dd));
                tested++;
        }
        ASSERT_TRUE(tested >= 30);
}

TEST(booleans) {
        static const char *const yes[] = { "yes", "true", "1", "on", "YES", "True" };
        static const char *const no[] = { "no", "false", "0", "off" };
        char text[64];

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                _cleanup_settings_ Settings s = {};
                snprintf(text, sizeof(text), "[Files]\nReadOnly=%s\n", yes[i]);
                ASSERT_EQ(parse_file_text(text, true, &s), 0);
                ASSERT_TRUE(s.read_only);
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                _cleanup_settings_ Settings s = {};
                snprintf(text, sizeof(text), "[Files]\nReadOnly=%s\n", no[i]);
                ASSERT_EQ(parse_file_text(text, true, &s), 0);
                ASSERT_FALSE(s.read_only);
        }
        Settings s = {};
        capture_begin();
        int r = parse_file_text("[Files]\nReadOnly=maybe\n", true, &s);
        char *err = capture_end();
        ASSERT_TRUE(r < 0);
        ASSERT_TRUE(strstr(err, "test.nspawn:2: ReadOnly: ") && strstr(err, "maybe"));
        ASSERT_EQ(count_lines(err), 1);
}

/* The command line, a file, and what wins, group by group. */
static int merge(char **argv, const char *text, SettingsMode mode, bool trusted, Settings *ret) {
        _cleanup_assignments_ OptionAssignments cl = {}, file = {};
        _cleanup_settings_ Settings c = {};
        int r = settings_parse_argv_full((int) strv_length(argv), argv, &c, &cl);
        if (r != 1)
                return -EINVAL;
        r = settings_file_parse("test.nspawn", text, strlen(text), trusted, &file);
        if (r < 0)
                return r;
        r = settings_merge(&c, &cl, &file, mode, ret);
        if (r < 0)
                return r;
        r = settings_verify(ret);
        if (r < 0)
                settings_done(ret);
        return r;
}
#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })

TEST(precedence_command_line_wins) {
        const char *text = "[Exec]\nHostname=fromfile\nEnvironment=A=file B=file\n"
                           "[Files]\nBind=/srv/file\nReadOnly=yes\n";
        _cleanup_settings_ Settings s = {};

        ASSERT_EQ(merge(ARGV("--hostname=fromargv", "--bind=/srv/argv"), text, SETTINGS_YES, true, &s), 0);
        ASSERT_STREQ(s.hostname, "fromargv");
        /* A group is the command line's or the file's, not both: binds are not appended. */
        ASSERT_EQ(s.n_binds, 1);
        ASSERT_STREQ(s.binds[0].source, "/srv/argv");
        /* What the command line did not set comes from the file. */
        ASSERT_TRUE(s.read_only);
        ASSERT_EQ(strv_length(s.environment), 2);
        ASSERT_STREQ(s.environment[0], "A=file");
}

TEST(precedence_override) {
        const char *text = "[Exec]\nHostname=fromfile\n[Files]\nBind=/srv/file\n";
        _cleanup_settings_ Settings s = {};

        ASSERT_EQ(merge(ARGV("--hostname=fromargv", "--bind=/srv/argv", "--tmpfs=/t", "-E", "X=1"),
                        text, SETTINGS_OVERRIDE, true, &s), 0);
        ASSERT_STREQ(s.hostname, "fromfile");
        /* Bind= took the whole group: --tmpfs= is gone with --bind=, as in systemd-nspawn. */
        ASSERT_EQ(s.n_binds, 1);
        ASSERT_STREQ(s.binds[0].source, "/srv/file");
        ASSERT_EQ(s.n_tmpfs, 0);
        /* Groups the file does not set stay the command line's. */
        ASSERT_STREQ(s.environment[0], "X=1");
}

TEST(precedence_start_mode) {
        _cleanup_settings_ Settings a = {}, b = {}, c = {};

        /* The command line's COMMAND is the start-mode group: the file's Boot= does not apply. */
        ASSERT_EQ(merge(ARGV("/bin/true"), "[Exec]\nBoot=yes\nParameters=a b\n", SETTINGS_YES, true, &a), 0);
        ASSERT_FALSE(a.boot);
        ASSERT_STREQ(a.parameters[0], "/bin/true");
        ASSERT_EQ(merge(ARGV("-M", "x"), "[Exec]\nBoot=yes\nParameters=--unit 'rescue target'\n", SETTINGS_YES, true, &b), 0);
        ASSERT_TRUE(b.boot);
        ASSERT_EQ(strv_length(b.parameters), 2);
        ASSERT_STREQ(b.parameters[1], "rescue target");
        /* nspawn@.service: --boot on the command line, --settings=override lets the file's group win. */
        ASSERT_EQ(merge(ARGV("--boot", "-M", "x"), "[Exec]\nProcessTwo=yes\n", SETTINGS_OVERRIDE, true, &c), 0);
        ASSERT_FALSE(c.boot);
        ASSERT_TRUE(c.as_pid2);
}

/* settings_verify() runs after the merge: a --port= needs the file's veth. */
TEST(verify_after_merge) {
        _cleanup_settings_ Settings s = {};
        Settings t = {};

        ASSERT_EQ(merge(ARGV("--port=8080"), "[Network]\nVirtualEthernet=yes\n", SETTINGS_YES, true, &s), 0);
        ASSERT_EQ(s.n_ports, 1);
        ASSERT_TRUE(s.network_veth);
        capture_begin();
        int r = merge(ARGV("--boot"), "[Exec]\nProcessTwo=yes\n", SETTINGS_YES, true, &t);
        char *err = capture_end();
        ASSERT_EQ(r, 0);        /* ProcessTwo= is in --boot's group: the command line wins it */
        settings_done(&t);
        ASSERT_EQ(count_lines(err), 0);
        capture_begin();
        r = merge(ARGV("-M", "x"), "[Exec]\nBoot=yes\nProcessTwo=yes\n", SETTINGS_YES, true, &t);
        err = capture_end();
        ASSERT_TRUE(r < 0);
        settings_done(&t);
        ASSERT_TRUE(strstr(err, "--boot and --as-pid2 cannot be combined"));
}

static const char *const privileged_file =
        "[Exec]\n"
        "Capability=CAP_NET_ADMIN\nDropCapability=CAP_CHOWN\nAmbientCapability=CAP_CHOWN\n"
        "PrivateUsers=no\nSystemCallFilter=@clock\nHostname=kept\n"
        "[Files]\n"
        "Bind=/srv/a\nBind=/srv/b\nBindReadOnly=/srv/c\nTemporaryFileSystem=/t\nReadOnly=yes\n"
        "[Network]\n"
        "Private=yes\nVirtualEthernet=yes\nVirtualEthernetExtra=vx0\nInterface=eth1\nMACVLAN=eth0\n"
        "IPVLAN=eth0\nBridge=br0\nPort=80\nNetworkNamespacePath=/run/netns/x\n";

TEST(untrusted_filtering) {
        _cleanup_settings_ Settings s = {};
        capture_begin();
        int r = parse_file_text(privileged_file, false, &s);
        char *err = capture_end();

        ASSERT_EQ(r, 0);
        ASSERT_STREQ(s.hostname, "kept");
        ASSERT_TRUE(s.read_only);
        ASSERT_EQ(s.n_binds, 0);
        ASSERT_EQ(s.n_tmpfs, 0);
        ASSERT_EQ(s.capability_add, 0);
        ASSERT_EQ(s.capability_drop, 0);
        ASSERT_EQ(s.capability_ambient, 0);
        ASSERT_FALSE(s.private_network);
        ASSERT_FALSE(s.network_veth);
        ASSERT_EQ(s.n_ports, 0);
        ASSERT_TRUE(!s.network_interfaces && !s.network_macvlan && !s.network_ipvlan && !s.network_veth_extra);
        ASSERT_TRUE(!s.network_bridge && !s.network_namespace_path && !s.syscall_filter.allow);
        /* One warning per key (Bind= twice: once), each naming the key. */
        ASSERT_EQ(count_lines(err), 17);
        ASSERT_TRUE(strstr(err, "test.nspawn:9: Bind= is ignored"));
        ASSERT_FALSE(strstr(err, "test.nspawn:10: Bind="));
        ASSERT_TRUE(strstr(err, "test.nspawn:5: PrivateUsers= is ignored"));
        ASSERT_TRUE(strstr(err, "test.nspawn:22: Port= is ignored"));

        /* The same file trusted: everything applies. */
        _cleanup_settings_ Settings t = {};
        ASSERT_EQ(parse_file_text(privileged_file, true, &t), 0);
        ASSERT_EQ(t.n_binds, 3);
        ASSERT_EQ(t.n_ports, 1);
        ASSERT_TRUE(t.syscall_filter.allow);
}

/* Values that only narrow what the container may do are taken from untrusted files too. */
TEST(untrusted_safe_values) {
        _cleanup_settings_ Settings s = {};

        ASSERT_EQ(parse_file_text("[Exec]\nPrivateUsers=pick\nSystemCallFilter=~@clock\nNoNewPrivileges=yes\n",
                                  false, &s), 0);
        ASSERT_EQ(s.private_users, PRIVATE_USERS_PICK);
        ASSERT_TRUE(s.syscall_filter.deny);
        ASSERT_TRUE(s.no_new_privileges);
}

TEST(warnings_not_errors) {
        _cleanup_settings_ Settings s = {};
        capture_begin();
        int r = parse_file_text("# comment\n; comment\n\n[Exec]\nBoot=yes\nPersonality=x86\nFrobnicate=1\n"
                                "[Files]\nPrivateUsersChown=yes\n[Unknown]\nFoo=bar\n[Network]\nnot an assignment\n",
                                true, &s);
        char *err = capture_end();

        ASSERT_EQ(r, 0);
        ASSERT_TRUE(s.boot);
        ASSERT_TRUE(strstr(err, "test.nspawn:6: Personality= is not supported by nspawn yet"));
        ASSERT_TRUE(strstr(err, "test.nspawn:7: Unknown key Frobnicate= in section [Exec]"));
        ASSERT_TRUE(strstr(err, "test.nspawn:9: PrivateUsersChown= is not supported"));
        ASSERT_TRUE(strstr(err, "test.nspawn:10: Unknown section [Unknown]"));
        ASSERT_TRUE(strstr(err, "test.nspawn:13: Line is neither"));
        /* The line itself is not shown: the file may be anything (see read_bounded). */
        ASSERT_FALSE(strstr(err, "not an assignment"));
        ASSERT_EQ(count_lines(err), 5);
}

TEST(syntax) {
        _cleanup_settings_ Settings s = {};

        /* A BOM, CRLF line ends, blanks around = and the key, continuation lines, list resets. */
        ASSERT_EQ(parse_file_text("\xef\xbb\xbf[Exec]\r\n  Hostname = h1 \r\nEnvironment=A=1 \\\n  B=2\n"
                                  "Environment=\nEnvironment=C=3\n[Network]\nPrivate=on",
                                  true, &s), 0);
        ASSERT_STREQ(s.hostname, "h1");
        ASSERT_EQ(strv_length(s.environment), 1);
        ASSERT_STREQ(s.environment[0], "C=3");
        ASSERT_TRUE(s.private_network);
}

static void assert_refused(const char *text, size_t size, const char *what, const char *line_prefix) {
        OptionAssignments a = {};
        capture_begin();
        int r = settings_file_parse("test.nspawn", text, size, true, &a);
        char *err = capture_end();

        if (r >= 0 || count_lines(err) != 1 || !strstr(err, line_prefix)) {
                fprintf(stderr, "%s: r=%d, logged: %s\n", what, r, err);
                test_failures++;
        }
        option_assignments_done(&a);
}

#define REFUSED(lit, what, prefix) assert_refused(lit, sizeof(lit) - 1, what, prefix)

TEST(bad_input) {
        REFUSED("[Exec]\nHostname=a\0b\n", "NUL byte", "test.nspawn:2: NUL byte");
        REFUSED("[Exec]\nHostname=\xff\xfe\n", "invalid UTF-8", "test.nspawn:2: Invalid UTF-8");
        REFUSED("[Exec]\nHostname=\xc0\xaf\n", "overlong UTF-8", "test.nspawn:2: Invalid UTF-8");
        REFUSED("[Exec\n", "bad section", "test.nspawn:1: Invalid section header");
        REFUSED("[Network]\n\nPort=99999\n", "bad port", "test.nspawn:3: Port: Invalid --port=99999");
        REFUSED("[Exec]\nCapability=help\n", "capability help", "test.nspawn:2: Capability:");
        REFUSED("[Exec]\nEnvironment=\"A=1\n", "open quote", "test.nspawn:2: Environment: Invalid quoting");
        REFUSED("[Exec]\nKillSignal=\x1b[31mRED\n", "escape", "test.nspawn:2: KillSignal: Invalid signal: \\e[31mRED");

        /* A line over the cap, also when built from continuation lines. */
        size_t n = 2 * SETTINGS_FILE_LINE_MAX;
        _cleanup_free_ char *big = malloc(n + 1);
        memset(big, 'x', n);
        memcpy(big, "[Exec]\nHostname=", 16);
        big[n] = 0;
        assert_refused(big, n, "long line", "test.nspawn:2: Line longer than");
        for (size_t i = 100; i + 2 < n; i += 100)
                big[i] = '\\', big[i + 1] = '\n';
        assert_refused(big, n, "long continued line", "test.nspawn:2: Line longer than");
}

static void rm_rf(const char *dir) {
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        int r = system(cmd);
        (void) r;
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        fputs(text, f);
        fclose(f);
}

TEST(read_bounded) {
        char path[256];
        char *buf = NULL;
        size_t size;
        struct timespec t0, t1;
        char tmpdir[] = "/tmp/test-nspawn-settings-file.XXXXXX";

        ASSERT_TRUE(mkdtemp(tmpdir));

        snprintf(path, sizeof(path), "%s/missing.nspawn", tmpdir);
        ASSERT_ERROR(settings_file_read(path, false, &buf, &size), ENOENT);

        snprintf(path, sizeof(path), "%s/ok.nspawn", tmpdir);
        write_file(path, "[Exec]\nBoot=yes\n");
        ASSERT_EQ(settings_file_read(path, false, &buf, &size), 0);
        ASSERT_EQ(size, 16);
        ASSERT_STREQ(buf, "[Exec]\nBoot=yes\n");
        free(buf);

        /* A FIFO without a writer: refused at once, not waited on. */
        snprintf(path, sizeof(path), "%s/fifo.nspawn", tmpdir);
        ASSERT_EQ(mkfifo(path, 0600), 0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        capture_begin();
        int r = settings_file_read(path, false, &buf, &size);
        char *err = capture_end();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ASSERT_ERROR(r, EBADFD);
        ASSERT_TRUE(strstr(err, "is not a regular file"));
        ASSERT_TRUE(t1.tv_sec - t0.tv_sec < 2);

        capture_begin();
        r = settings_file_read("/dev/zero", false, &buf, &size);
        (void) capture_end();
        ASSERT_ERROR(r, EBADFD);
        capture_begin();
        r = settings_file_read(tmpdir, false, &buf, &size);
        (void) capture_end();
        ASSERT_ERROR(r, EBADFD);

        /* A symbolic link: followed in the trusted directories, refused next to the tree (D2: a link
         * to /etc/shadow there would have the host's secrets parsed and shown). */
        char link[300];
        snprintf(link, sizeof(link), "%s/link.nspawn", tmpdir);
        snprintf(path, sizeof(path), "%s/ok.nspawn", tmpdir);
        ASSERT_EQ(symlink(path, link), 0);
        ASSERT_EQ(settings_file_read(link, false, &buf, &size), 0);
        free(buf);
        capture_begin();
        r = settings_file_read(link, true, &buf, &size);
        err = capture_end();
        ASSERT_ERROR(r, ELOOP);
        ASSERT_TRUE(strstr(err, "is a symbolic link"));

        /* Over the size cap. */
        snprintf(path, sizeof(path), "%s/big.nspawn", tmpdir);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_EQ(ftruncate(fd, SETTINGS_FILE_SIZE_MAX + 1), 0);
        capture_begin();
        r = settings_file_read(path, false, &buf, &size);
        err = capture_end();
        ASSERT_ERROR(r, EFBIG);
        ASSERT_TRUE(strstr(err, "is larger than"));
        /* At the cap: read (and then refused by the parser for its NUL bytes, not hung on). */
        ASSERT_EQ(ftruncate(fd, SETTINGS_FILE_SIZE_MAX), 0);
        ASSERT_EQ(settings_file_read(path, false, &buf, &size), 0);
        ASSERT_EQ(size, SETTINGS_FILE_SIZE_MAX);
        free(buf);
        rm_rf(tmpdir);
}

TEST(find) {
        char trusted[256], other[256], tree[256], path[300];
        char *found = NULL;
        bool is_trusted;
        char tmpdir[] = "/tmp/test-nspawn-settings-file.XXXXXX";

        ASSERT_TRUE(mkdtemp(tmpdir));
        snprintf(trusted, sizeof(trusted), "%s/etc", tmpdir);
        snprintf(other, sizeof(other), "%s/run", tmpdir);
        snprintf(tree, sizeof(tree), "%s/machines/box", tmpdir);
        ASSERT_EQ(mkdir(trusted, 0755), 0);
        ASSERT_EQ(mkdir(other, 0755), 0);
        snprintf(path, sizeof(path), "%s/machines", tmpdir);
        ASSERT_EQ(mkdir(path, 0755), 0);
        ASSERT_EQ(mkdir(tree, 0755), 0);
        const char *const dirs[] = { trusted, other, NULL };
        Settings s = { .directory = tree };

        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 0);

        /* Next to the tree, named after its directory: untrusted unless --settings=trusted. */
        snprintf(path, sizeof(path), "%s/machines/box.nspawn", tmpdir);
        write_file(path, "");
        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 1);
        ASSERT_STREQ(found, path);
        ASSERT_FALSE(is_trusted);
        free(found);
        s.settings_mode = SETTINGS_TRUSTED;
        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 1);
        ASSERT_TRUE(is_trusted);
        free(found);

        /* The trusted directories first, in order; the name is -M's when given. */
        s.settings_mode = SETTINGS_YES;
        snprintf(path, sizeof(path), "%s/box.nspawn", other);
        write_file(path, "");
        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 1);
        ASSERT_STREQ(found, path);
        ASSERT_TRUE(is_trusted);
        free(found);
        snprintf(path, sizeof(path), "%s/box.nspawn", trusted);
        write_file(path, "");
        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 1);
        ASSERT_STREQ(found, path);
        free(found);
        s.machine = (char *) "other";
        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 0);
        s.machine = NULL;

        s.settings_mode = SETTINGS_NO;
        ASSERT_EQ(settings_file_find(&s, dirs, &found, &is_trusted, NULL), 0);

        /* An image: NAME.nspawn next to NAME.raw. */
        Settings i = { .image = path };
        snprintf(path, sizeof(path), "%s/machines/disk.raw", tmpdir);
        char expect[300];
        snprintf(expect, sizeof(expect), "%s/machines/disk.nspawn", tmpdir);
        write_file(expect, "");
        ASSERT_EQ(settings_file_find(&i, NULL, &found, &is_trusted, NULL), 1);
        ASSERT_STREQ(found, expect);
        free(found);

        rm_rf(tmpdir);
}

/* nspawn's step: find, read, parse, merge, verify; a conflict the file brings names the file. */
TEST(load) {
        char tmpdir[] = "/tmp/test-nspawn-settings-file.XXXXXX";
        char etc[300], tree[300], path[400];
        ASSERT_TRUE(mkdtemp(tmpdir));
        snprintf(etc, sizeof(etc), "%s/etc", tmpdir);
        snprintf(tree, sizeof(tree), "%s/box", tmpdir);
        ASSERT_EQ(mkdir(etc, 0755), 0);
        ASSERT_EQ(mkdir(tree, 0755), 0);
        const char *const dirs[] = { etc, NULL };
        char *argv[] = { (char *) "nspawn", (char *) "-D", tree, (char *) "--hostname=argv", NULL };

        /* Next to the tree: untrusted, Bind= ignored with a warning, Hostname= loses to the command line. */
        snprintf(path, sizeof(path), "%s/box.nspawn", tmpdir);
        write_file(path, "[Exec]\nHostname=file\nEnvironment=A=1\n[Files]\nBind=/srv\n");
        {
                _cleanup_assignments_ OptionAssignments cl = {};
                _cleanup_settings_ Settings s = {};
                ASSERT_EQ(settings_parse_argv_full(4, argv, &s, &cl), 1);
                capture_begin();
                int r = settings_load(&s, &cl, dirs);
                char *err = capture_end();
                ASSERT_EQ(r, 0);
                ASSERT_STREQ(s.hostname, "argv");
                ASSERT_STREQ(s.environment[0], "A=1");
                ASSERT_STREQ(s.directory, tree);
                ASSERT_EQ(s.n_binds, 0);
                ASSERT_TRUE(strstr(err, "box.nspawn:5: Bind= is ignored"));
        }
        /* In the trusted directory, conflicting keys: one line naming the file. */
        snprintf(path, sizeof(path), "%s/box.nspawn", etc);
        write_file(path, "[Exec]\nBoot=yes\nProcessTwo=yes\n");
        {
                _cleanup_assignments_ OptionAssignments cl = {};
                _cleanup_settings_ Settings s = {};
                ASSERT_EQ(settings_parse_argv_full(4, argv, &s, &cl), 1);
                capture_begin();
                int r = settings_load(&s, &cl, dirs);
                char *err = capture_end();
                ASSERT_TRUE(r < 0);
                ASSERT_EQ(count_lines(err), 1);
                ASSERT_TRUE(startswith(err, path));
                ASSERT_TRUE(strstr(err, ": --boot and --as-pid2 cannot be combined"));
        }
        /* A symbolic link next to the tree is refused, in one line that shows nothing of its target. */
        ASSERT_EQ(unlink(path), 0);
        snprintf(path, sizeof(path), "%s/box.nspawn", tmpdir);
        ASSERT_EQ(unlink(path), 0);
        ASSERT_EQ(symlink("/etc/passwd", path), 0);
        {
                _cleanup_assignments_ OptionAssignments cl = {};
                _cleanup_settings_ Settings s = {};
                ASSERT_EQ(settings_parse_argv_full(4, argv, &s, &cl), 1);
                capture_begin();
                int r = settings_load(&s, &cl, dirs);
                char *err = capture_end();
                ASSERT_ERROR(r, ELOOP);
                ASSERT_EQ(count_lines(err), 1);
                ASSERT_FALSE(strstr(err, "root:"));
        }
        rm_rf(tmpdir);
}

TEST(settings_mode_strings) {
        ASSERT_EQ(settings_mode_from_string("override"), SETTINGS_OVERRIDE);
        ASSERT_EQ(settings_mode_from_string("trusted"), SETTINGS_TRUSTED);
        ASSERT_EQ(settings_mode_from_string("yes"), SETTINGS_YES);
        ASSERT_EQ(settings_mode_from_string("off"), SETTINGS_NO);
        ASSERT_EQ(settings_mode_from_string("1"), SETTINGS_YES);
        ASSERT_TRUE(settings_mode_from_string("maybe") < 0);
        Settings s = {};
        char *argv[] = { (char *) "nspawn", (char *) "--settings=override", NULL };
        ASSERT_EQ(settings_parse_argv(2, argv, &s), 1);
        ASSERT_EQ(s.settings_mode, SETTINGS_OVERRIDE);
        settings_done(&s);
}

TEST(split_words) {
        _cleanup_strv_free_ char **w = NULL;

        ASSERT_EQ(settings_file_split_words("  a 'b c' \"d\\\"e\" f\\ g ", &w), 0);
        ASSERT_EQ(strv_length(w), 4);
        ASSERT_STREQ(w[1], "b c");
        ASSERT_STREQ(w[2], "d\"e");
        ASSERT_STREQ(w[3], "f g");
        char **x = NULL;
        ASSERT_EQ(settings_file_split_words("'open", &x), -EINVAL);
        ASSERT_EQ(settings_file_split_words("trailing\\", &x), -EINVAL);
        ASSERT_EQ(settings_file_split_words("   ", &x), 0);
        ASSERT_TRUE(x == NULL);
}

/* Settings files in the shape public projects use (test/fuzz/corpus/settings-file/realworld-*: written
 * from the facts of their files, see each file's comment) parse, merge and verify; the only
 * messages are warnings about keys of systemd's that nspawn does not have. */
TEST(real_world_files) {
        const char *dir = TEST_SRCDIR "/fuzz/corpus/settings-file";
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t n = 0;

        ASSERT_TRUE(d);
        while ((de = readdir(d))) {
                if (!startswith(de->d_name, "realworld-"))
                        continue;
                char path[512];
                _cleanup_free_ char *buf = NULL;
                _cleanup_assignments_ OptionAssignments file = {}, none = {};
                _cleanup_settings_ Settings s = {};
                Settings empty = {};
                size_t size;

                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                capture_begin();
                int r = settings_file_read(path, false, &buf, &size);
                if (r >= 0)
                        r = settings_file_parse(path, buf, size, true, &file);
                if (r >= 0)
                        r = settings_merge(&empty, &none, &file, SETTINGS_YES, &s);
                bool applied = r > 0;
                if (r >= 0)
                        r = settings_verify(&s);
                char *err = capture_end();
                ASSERT_TRUE(applied);
                if (r < 0)
                        fprintf(stderr, "%s: %s", de->d_name, err);
                ASSERT_EQ(r, 0);
                for (char *l = err; *l; l = strchr(l, '\n') + 1) {
                        if (!strstr(l, "is not supported by nspawn yet") || strstr(l, "\n") == NULL) {
                                fprintf(stderr, "%s: unexpected message: %s", de->d_name, l);
                                ASSERT_TRUE(false);
                        }
                }
                n++;
        }
        closedir(d);
        ASSERT_TRUE(n >= 6);
}

DEFINE_TEST_MAIN
