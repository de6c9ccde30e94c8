/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "leader.h"
#include "machine-addresses.h"
#include "machine-state.h"
#include "machine-validate.h"
#include "machine.h"
#include "machined-cgroup.h"
#include "os-release.h"
#include "process-util.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

TEST(machine_class) {
        ASSERT_EQ(machine_class_from_string(""), MACHINE_CONTAINER);
        ASSERT_EQ(machine_class_from_string(NULL), MACHINE_CONTAINER);
        ASSERT_EQ(machine_class_from_string("container"), MACHINE_CONTAINER);
        ASSERT_EQ(machine_class_from_string("vm"), MACHINE_VM);
        ASSERT_EQ(machine_class_from_string("host"), _MACHINE_CLASS_INVALID);
        ASSERT_EQ(machine_class_from_string("Container"), _MACHINE_CLASS_INVALID);
        ASSERT_STREQ(machine_class_to_string(MACHINE_VM), "vm");
        ASSERT_TRUE(machine_class_to_string(_MACHINE_CLASS_MAX) == NULL);
}

TEST(kill_whom) {
        ASSERT_EQ(kill_whom_from_string(""), KILL_ALL);
        ASSERT_EQ(kill_whom_from_string("all"), KILL_ALL);
        ASSERT_EQ(kill_whom_from_string("leader"), KILL_LEADER);
        ASSERT_EQ(kill_whom_from_string("everyone"), _KILL_WHOM_INVALID);
}

TEST(machine_id) {
        uint8_t bytes[16];
        Id128 id;

        for (size_t i = 0; i < sizeof(bytes); i++)
                bytes[i] = (uint8_t) (i + 1);
        ASSERT_OK(machine_id_from_bytes(NULL, 0, &id));
        ASSERT_TRUE(id128_is_null(&id));
        ASSERT_OK(machine_id_from_bytes(bytes, 16, &id));
        ASSERT_EQ(id.bytes[15], 16);
        ASSERT_ERROR(machine_id_from_bytes(bytes, 3, &id), EINVAL);
        ASSERT_ERROR(machine_id_from_bytes(bytes, 15, &id), EINVAL);
}

TEST(root_directory) {
        ASSERT_TRUE(machine_root_directory_is_valid(""));
        ASSERT_TRUE(machine_root_directory_is_valid("/"));
        ASSERT_TRUE(machine_root_directory_is_valid("/var/lib/machines/x"));
        ASSERT_TRUE(machine_root_directory_is_valid("/with space"));
        ASSERT_FALSE(machine_root_directory_is_valid("relative"));
        ASSERT_FALSE(machine_root_directory_is_valid("/a/../b"));
        ASSERT_FALSE(machine_root_directory_is_valid("/a/./b"));
        ASSERT_FALSE(machine_root_directory_is_valid("/a/"));
        ASSERT_FALSE(machine_root_directory_is_valid("//a"));
        ASSERT_FALSE(machine_root_directory_is_valid("/a\nb"));
}

TEST(service_signal_ifindex) {
        char big[300];
        int32_t good[] = { 1, 7 }, bad[] = { 3, 0 };

        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        ASSERT_TRUE(machine_service_is_valid(""));
        ASSERT_TRUE(machine_service_is_valid("nspawn"));
        ASSERT_FALSE(machine_service_is_valid("a\nSCOPE=x"));
        ASSERT_FALSE(machine_service_is_valid(big));
        ASSERT_FALSE(machine_signal_is_valid(0));
        ASSERT_FALSE(machine_signal_is_valid(-9));
        ASSERT_TRUE(machine_signal_is_valid(SIGKILL));
        ASSERT_TRUE(machine_signal_is_valid(_NSIG - 1));
        ASSERT_FALSE(machine_signal_is_valid(_NSIG));
        ASSERT_TRUE(machine_ifindices_are_valid(good, 2));
        ASSERT_TRUE(machine_ifindices_are_valid(NULL, 0));
        ASSERT_FALSE(machine_ifindices_are_valid(bad, 2));
}

static Machine *sample_machine(void) {
        Machine *m = NULL;
        int netif[] = { 3, 5 };

        if (machine_new("md-x.y", &m) < 0)
                return NULL;
        m->leader = 4242;
        m->class = MACHINE_VM;
        m->realtime = 1700000000000000ULL;
        m->monotonic = 123456;
        m->leader_starttime = 987;
        m->own_cgroup = true;
        for (int i = 0; i < 16; i++)
                m->id.bytes[i] = (uint8_t) (0xa0 + i);
        if (machine_set_string(&m->service, "my \"service\" $x\\") < 0 ||
            machine_set_string(&m->root_directory, "/srv/with space") < 0 ||
            machine_set_string(&m->unit, "machine-md\\x2dx.y.scope") < 0 ||
            machine_set_netif(m, netif, 2) < 0) {
                machine_free(m);
                return NULL;
        }
        m->cgroup = strdup("/machine.slice/machine-md\\x2dx.y.scope");
        return m;
}

TEST(state_roundtrip) {
        _cleanup_(machine_freep) Machine *m = sample_machine(), *back = NULL;
        _cleanup_free_ char *text = NULL;

        ASSERT_TRUE(m);
        ASSERT_OK(machine_state_format(m, &text));
        ASSERT_TRUE(strstr(text, "\nNAME=md-x.y\n"));
        ASSERT_TRUE(strstr(text, "\nID=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\n"));
        ASSERT_TRUE(strstr(text, "\nLEADER=4242\n"));
        ASSERT_TRUE(strstr(text, "\nCLASS=vm\n"));
        ASSERT_TRUE(strstr(text, "\nNETIF=3 5\n"));
        ASSERT_TRUE(strstr(text, "\nROOT=\"/srv/with space\"\n"));
        ASSERT_OK(machine_state_parse("md-x.y", text, &back));
        ASSERT_STREQ(back->service, m->service);
        ASSERT_STREQ(back->root_directory, m->root_directory);
        ASSERT_STREQ(back->unit, m->unit);
        ASSERT_STREQ(back->cgroup, m->cgroup);
        ASSERT_EQ(back->leader, 4242);
        ASSERT_EQ(back->class, MACHINE_VM);
        ASSERT_EQ(back->realtime, m->realtime);
        ASSERT_EQ(back->monotonic, m->monotonic);
        ASSERT_EQ(back->leader_starttime, 987);
        ASSERT_TRUE(back->own_cgroup);
        ASSERT_EQ(back->n_netif, 2);
        ASSERT_EQ(back->netif[1], 5);
        ASSERT_TRUE(memcmp(&back->id, &m->id, sizeof(Id128)) == 0);
}

TEST(state_parse_refuses) {
        Machine *m = NULL;

        ASSERT_ERROR(machine_state_parse("a", "NAME=b\nLEADER=5\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("../x", "NAME=../x\nLEADER=5\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=1\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nSCOPE=../x\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCLASS=host\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nROOT=rel\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/a/../b\n", &m), EINVAL);
        ASSERT_TRUE(m == NULL);
        /* systemd's own keys that we do not use are fine. */
        ASSERT_OK(machine_state_parse("a", "NAME=a\nLEADER=5\nSCOPE_JOB=/x\n", &m));
        machine_free(m);
}

/* A state file decides what terminate kills: its cgroup is accepted only where it can be the
 * machine's own. */
TEST(state_parse_cgroup_trust) {
        Machine *m = NULL;

        /* OWN_CGROUP only for machine.slice/machine-<escaped name>.scope. */
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/\nOWN_CGROUP=yes\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nOWN_CGROUP=yes\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nSCOPE=x.scope\nCGROUP=/x.scope\nOWN_CGROUP=yes\n", &m),
                     EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/machine.slice/machine-b.scope\nOWN_CGROUP=yes\n",
                                         &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/machine.slice/machine-a.scope/payload\nOWN_CGROUP=yes\n",
                                         &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("md-x", "NAME=md-x\nLEADER=5\nCGROUP=/machine.slice/machine-md-x.scope\nOWN_CGROUP=yes\n",
                                         &m), EINVAL); /* unescaped */
        /* Any other cgroup: exactly the unit that SCOPE names. */
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/system.slice\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nSCOPE=x.scope\nCGROUP=/y.scope\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nSCOPE=x.scope\nCGROUP=/x.scope/sub\n", &m), EINVAL);
        ASSERT_ERROR(machine_state_parse("a", "NAME=a\nLEADER=5\nCGROUP=/x.scope\n", &m), EINVAL);
        ASSERT_TRUE(m == NULL);

        ASSERT_OK(machine_state_parse("md-x", "NAME=md-x\nLEADER=5\nSCOPE=\"machine-md\\\\x2dx.scope\"\n"
                                              "CGROUP=\"/machine.slice/machine-md\\\\x2dx.scope\"\nOWN_CGROUP=yes\n", &m));
        ASSERT_TRUE(m->own_cgroup);
        m = machine_free(m);
        ASSERT_OK(machine_state_parse("a", "NAME=a\nLEADER=5\nSCOPE=x.service\nCGROUP=/system.slice/x.service\nOWN_CGROUP=no\n",
                                      &m));
        ASSERT_FALSE(m->own_cgroup);
        ASSERT_STREQ(m->cgroup, "/system.slice/x.service");
        m = machine_free(m);
        ASSERT_OK(machine_state_parse("a", "NAME=a\nLEADER=5\n", &m));
        ASSERT_TRUE(m->cgroup == NULL);
        machine_free(m);
}

TEST(state_files) {
        char dir[] = "/tmp/test-machined-XXXXXX";
        _cleanup_(machine_freep) Machine *m = sample_machine(), *back = NULL;
        _cleanup_close_ int fd = -EBADF;
        char target[64];
        ssize_t n;

        ASSERT_TRUE(m);
        ASSERT_TRUE(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(machine_state_save(fd, m));
        ASSERT_OK(machine_state_save(fd, m)); /* replaces, atomically */
        n = readlinkat(fd, "unit:machine-md\\x2dx.y.scope", target, sizeof(target) - 1);
        ASSERT_EQ(n, 6);
        target[n] = 0;
        ASSERT_STREQ(target, "md-x.y");
        ASSERT_OK(machine_state_load(fd, "md-x.y", &back));
        ASSERT_STREQ(back->root_directory, "/srv/with space");
        ASSERT_OK(machine_state_remove(fd, m));
        ASSERT_TRUE(faccessat(fd, "md-x.y", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
        ASSERT_TRUE(faccessat(fd, "unit:machine-md\\x2dx.y.scope", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
        ASSERT_OK(rmdir(dir)); /* nothing else (no temporary file) was left */
}

/* The temporary names do not come from random(): a process that computes the unseeded sequence (or a
 * second machined, which would draw the same one) cannot make a write fail. */
TEST(state_tempnames_unpredictable) {
        char dir[] = "/tmp/test-machined-XXXXXX", name[128];
        _cleanup_(machine_freep) Machine *m = sample_machine();
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        int n_entries = 0;

        ASSERT_TRUE(m);
        ASSERT_TRUE(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        /* What random() gives without a seed, as the old writer named its files. */
        srandom(1);
        snprintf(name, sizeof(name), ".#%s.%08x", m->name, (unsigned) random());
        ASSERT_OK(mkdirat(fd, name, 0700));
        srandom(1);
        ASSERT_OK(machine_state_save(fd, m));
        srandom(1);
        ASSERT_OK(machine_state_save(fd, m));
        /* Nothing but the planted name, the file and its unit link: no temporary file is left. */
        ASSERT_OK(opendir_fd(fd, &d));
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' || (de->d_name[1] != 0 && de->d_name[1] != '.'))
                        n_entries++;
        closedir(d);
        ASSERT_EQ(n_entries, 3);
        ASSERT_OK(machine_state_remove(fd, m));
        ASSERT_OK(unlinkat(fd, name, AT_REMOVEDIR));
        ASSERT_OK(rmdir(dir));
}

TEST(os_release) {
        _cleanup_strv_free_ char **l = NULL;
        const char *text =
                "# comment\n"
                "NAME=\"Debian GNU/Linux\"\n"
                "  ID=debian\n"
                "PRETTY_NAME='It''s \"odd\"'\n"
                "ESC=\"a\\\"b\\\\c\\$\"\n"
                "BAD=\"\xff\xfe\"\n"
                "not an assignment\n"
                "1X=no\n"
                "EMPTY=\n";

        ASSERT_OK(os_release_parse(text, &l));
        ASSERT_EQ(strv_length(l), 10);
        ASSERT_STREQ(l[0], "NAME");
        ASSERT_STREQ(l[1], "Debian GNU/Linux");
        ASSERT_STREQ(l[2], "ID");
        ASSERT_STREQ(l[3], "debian");
        ASSERT_STREQ(l[5], "Its \"odd\"");
        ASSERT_STREQ(l[7], "a\"b\\c$");
        ASSERT_STREQ(l[8], "EMPTY");
        ASSERT_STREQ(l[9], "");
}

TEST(os_release_self) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int pidfd = pidfd_open_(getpid());
        int r;

        ASSERT_TRUE(pidfd >= 0);
        r = os_release_read_pid(getpid(), pidfd, &text);
        ASSERT_TRUE(r >= 0 || r == -ENOENT);
        ASSERT_ERROR(os_release_read_pid(0x3fffffff, -EBADF, &text), ESRCH);
}

TEST(cgroup_parse) {
        _cleanup_free_ char *p = NULL, *unit = NULL, *unit_path = NULL;

        ASSERT_OK(cgroup_parse_proc_unified("9:name=systemd:/\n1:cpu:/\n0::/machine.slice/x.scope/payload\n", &p));
        ASSERT_STREQ(p, "/machine.slice/x.scope/payload");
        ASSERT_ERROR(cgroup_parse_proc_unified("1:cpu:/\n", &unit), ENOMEDIUM);

        ASSERT_OK(cgroup_path_get_unit(p, &unit, &unit_path));
        ASSERT_STREQ(unit, "x.scope");
        ASSERT_STREQ(unit_path, "/machine.slice/x.scope");
        free(unit);
        free(unit_path);
        ASSERT_OK(cgroup_path_get_unit("/system.slice/nspawn@a.service/supervisor", &unit, &unit_path));
        ASSERT_STREQ(unit, "nspawn@a.service");
        ASSERT_STREQ(unit_path, "/system.slice/nspawn@a.service");
        free(unit);
        free(unit_path);
        ASSERT_OK(cgroup_path_get_unit("/foo/bar", &unit, &unit_path));
        ASSERT_STREQ(unit, "bar");
        ASSERT_STREQ(unit_path, "/foo/bar");
        free(unit);
        free(unit_path);
        unit = unit_path = NULL;
        ASSERT_OK(cgroup_path_get_unit("/machine.slice/machine-a.scope/payload/init.scope", &unit, &unit_path));
        ASSERT_STREQ(unit, "machine-a.scope");
        ASSERT_STREQ(unit_path, "/machine.slice/machine-a.scope");
        free(unit);
        free(unit_path);
        unit = unit_path = NULL;
        ASSERT_ERROR(cgroup_path_get_unit("/user.slice/user-0.slice", &unit, &unit_path), ENXIO);
        ASSERT_ERROR(cgroup_path_get_unit("/", &unit, &unit_path), ENXIO);
        ASSERT_ERROR(cgroup_path_get_unit("relative", &unit, &unit_path), EINVAL);
}

TEST(cgroup_prefix) {
        ASSERT_TRUE(cgroup_path_startswith("/a/b", "/a/b"));
        ASSERT_TRUE(cgroup_path_startswith("/a/b/c", "/a/b"));
        ASSERT_FALSE(cgroup_path_startswith("/a/bc", "/a/b"));
        ASSERT_FALSE(cgroup_path_startswith("/a", "/a/b"));
        ASSERT_FALSE(cgroup_path_startswith(NULL, "/a"));
}

TEST(proc_stat) {
        uint64_t t = 0;
        char buf[4096];
        _cleanup_free_ char *own = NULL;

        snprintf(buf, sizeof(buf), "42 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 7777 20\n");
        ASSERT_OK(proc_stat_parse_starttime(buf, &t));
        ASSERT_EQ(t, 7777);
        ASSERT_ERROR(proc_stat_parse_starttime("42 (x) S 1 2", &t), EIO);
        ASSERT_ERROR(proc_stat_parse_starttime("garbage", &t), EIO);
        ASSERT_OK(leader_get_starttime(getpid(), -EBADF, &t));
        ASSERT_TRUE(t > 0);
}

/* Appends one RTM_NEWADDR message with the given attributes to buf. */
static size_t put_addr(char *buf, size_t off, int family, unsigned char scope, int type1, const void *a1,
                       int type2, const void *a2) {
        size_t alen = family == AF_INET ? 4 : 16;
        struct nlmsghdr *h = (struct nlmsghdr *) (buf + off);
        struct ifaddrmsg *ifa = NLMSG_DATA(h);
        struct rtattr *rta;

        memset(h, 0, NLMSG_SPACE(sizeof(*ifa)) + 2 * RTA_SPACE(alen));
        h->nlmsg_type = RTM_NEWADDR;
        h->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
        ifa->ifa_family = (unsigned char) family;
        ifa->ifa_scope = scope;
        rta = (struct rtattr *) ((char *) h + NLMSG_ALIGN(h->nlmsg_len));
        rta->rta_type = (unsigned short) type1;
        rta->rta_len = (unsigned short) RTA_LENGTH(alen);
        memcpy(RTA_DATA(rta), a1, alen);
        h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(alen);
        if (a2) {
                rta = (struct rtattr *) ((char *) h + h->nlmsg_len);
                rta->rta_type = (unsigned short) type2;
                rta->rta_len = (unsigned short) RTA_LENGTH(alen);
                memcpy(RTA_DATA(rta), a2, alen);
                h->nlmsg_len += RTA_SPACE(alen);
        }
        return off + NLMSG_ALIGN(h->nlmsg_len);
}

TEST(rtnl_addresses) {
        _Alignas(struct nlmsghdr) char buf[1024];
        _cleanup_free_ MachineAddress *l = NULL;
        uint8_t lo[4] = { 127, 0, 0, 1 }, a[4] = { 10, 0, 0, 1 }, peer[4] = { 10, 0, 0, 2 }, six[16] = { 0xfd, [15] = 5 };
        size_t off = 0, n = 0;
        struct nlmsghdr *done;

        off = put_addr(buf, off, AF_INET, RT_SCOPE_HOST, IFA_ADDRESS, lo, 0, NULL);
        off = put_addr(buf, off, AF_INET, RT_SCOPE_UNIVERSE, IFA_ADDRESS, peer, IFA_LOCAL, a);
        off = put_addr(buf, off, AF_INET6, RT_SCOPE_UNIVERSE, IFA_ADDRESS, six, 0, NULL);
        ASSERT_EQ(rtnl_parse_addresses(buf, off, &l, &n), 0);
        ASSERT_EQ(n, 2);
        ASSERT_EQ(l[0].family, AF_INET);
        ASSERT_TRUE(memcmp(l[0].bytes, a, 4) == 0); /* IFA_LOCAL wins over the peer */
        ASSERT_EQ(l[1].family, AF_INET6);
        ASSERT_EQ(l[1].bytes[15], 5);

        done = (struct nlmsghdr *) buf;
        *done = (struct nlmsghdr) { .nlmsg_len = NLMSG_LENGTH(0), .nlmsg_type = NLMSG_DONE };
        ASSERT_EQ(rtnl_parse_addresses(buf, NLMSG_LENGTH(0), &l, &n), 1);
        ASSERT_EQ(rtnl_parse_addresses(buf, 3, &l, &n), 0); /* truncated: nothing */
        ASSERT_EQ(n, 2);
}

TEST(addresses_of_own_netns) {
        _cleanup_close_ int pidfd = pidfd_open_(getpid());
        MachineAddress *l = NULL;
        size_t n = 1;

        ASSERT_TRUE(pidfd >= 0);
        ASSERT_OK(machine_get_addresses(getpid(), pidfd, &l, &n));
        ASSERT_EQ(n, 0); /* sharing machined's network namespace: nothing of its own */
        ASSERT_TRUE(l == NULL);
}

DEFINE_TEST_MAIN
