/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's system call filter, on whatever architecture the tests run: installed in a child
 * process (with no_new_privs, so no privilege is needed), the denied calls fail with EPERM and the
 * rest of the system keeps working. The integration test test-seccomp covers the x86 compat ABIs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nspawn-seccomp-table.h"
#include "nspawn-seccomp.h"
#include "nspawn-syscall-filter.h"
#include "strv.h"
#include "tests.h"

/* The result of a call, as a small exit code: 0 success, 1 EPERM, 2 anything else. */
static int outcome(long r) {
        return r >= 0 ? 0 : errno == EPERM ? 1 : 2;
}

/* Runs probe() in a child under the filter; returns its exit status. */
static int under_filter_with(bool host_terminal, const SyscallFilter *f, int (*probe)(void)) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install_container_filter(host_terminal, f) < 0)
                        _exit(99);
                _exit(probe());
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static int under_filter(bool host_terminal, int (*probe)(void)) {
        return under_filter_with(host_terminal, NULL, probe);
}

static int probe_keyctl(void) {
        return outcome(syscall(SYS_keyctl, 0, 0, 0, 0, 0));
}
static int probe_vhangup(void) {
        return outcome(syscall(SYS_vhangup));
}
static int probe_getpid(void) {
        return outcome(syscall(SYS_getpid));
}
static int ioctl_on_null(unsigned long request, unsigned long arg) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return 3;
        /* On /dev/null a request that passes the filter fails with ENOTTY: 2. */
        return outcome(ioctl(fd, request, arg));
}
static int probe_tiocsti(void) {
        char c = 'x';
        return ioctl_on_null(TIOCSTI, (unsigned long) &c);
}
static int probe_tiocsti_high_bits(void) {
        char c = 'x';
        /* The kernel takes the request as an unsigned int: high bits do not get it past. */
        return ioctl_on_null((unsigned long) TIOCSTI | (sizeof(long) > 4 ? 1UL << (sizeof(long) * 4) : 0), (unsigned long) &c);
}
static int probe_tiocvhangup(void) {
        return ioctl_on_null(TIOCVHANGUP, 0);
}
static int probe_tiocsctty_force(void) {
        return ioctl_on_null(TIOCSCTTY, 1);
}
static int probe_tiocsctty(void) {
        return ioctl_on_null(TIOCSCTTY, 0);
}
static int probe_fioclex(void) {
        /* Handled for every fd by the VFS: succeeds on /dev/null. */
        return ioctl_on_null(FIOCLEX, 0);
}

TEST(denied_calls) {
        ASSERT_EQ(under_filter(false, probe_keyctl), 1);
        ASSERT_EQ(under_filter(false, probe_vhangup), 1);
        ASSERT_EQ(under_filter(false, probe_tiocsti), 1);
        ASSERT_EQ(under_filter(false, probe_tiocsti_high_bits), 1);
        ASSERT_EQ(under_filter(false, probe_tiocvhangup), 1);
}

TEST(allowed_calls) {
        ASSERT_EQ(under_filter(false, probe_getpid), 0);
        ASSERT_EQ(under_filter(true, probe_getpid), 0);
        /* Without the filter, too: the probes can tell. */
        ASSERT_EQ(probe_keyctl(), 2);
        ASSERT_EQ(probe_tiocsti(), 2);
        ASSERT_EQ(probe_fioclex(), 0);
        ASSERT_EQ(under_filter(false, probe_fioclex), 0);
}

TEST(tiocsctty_only_in_pipe_mode) {
        /* With the host's terminal (pipe mode), TIOCSCTTY with force is refused, without force it
         * reaches the kernel; with a console of its own, both reach the kernel. */
        ASSERT_EQ(under_filter(true, probe_tiocsctty_force), 1);
        ASSERT_EQ(under_filter(true, probe_tiocsctty), 2);
        ASSERT_EQ(under_filter(false, probe_tiocsctty_force), 2);
        ASSERT_EQ(under_filter(false, probe_tiocsctty), 2);
}

TEST(tables) {
#if defined(__x86_64__) || defined(__i386__)
        const SeccompTable *t[] = { &seccomp_table_x86_64, &seccomp_table_x32, &seccomp_table_i386 };
        ASSERT_EQ(t[0]->arch, AUDIT_ARCH_X86_64);
        ASSERT_EQ(t[1]->arch, AUDIT_ARCH_X86_64);
        ASSERT_EQ(t[2]->arch, AUDIT_ARCH_I386);
        for (size_t i = 0; i < t[1]->n_deny; i++)
                ASSERT_TRUE(t[1]->deny[i] & 0x40000000U);
        for (size_t i = 0; i < t[0]->n_deny; i++)
                ASSERT_FALSE(t[0]->deny[i] & 0x40000000U);
        ASSERT_EQ(t[0]->n_deny, 15U);
        ASSERT_EQ(t[1]->n_deny, 15U);
        ASSERT_EQ(t[2]->n_deny, 14U); /* no kexec_file_load on i386 */
#else
        const SeccompTable *t[] = { &seccomp_table_native };
        ASSERT_TRUE(t[0]->arch != 0);
        ASSERT_TRUE(t[0]->n_deny >= 10);
#endif
}

static int probe_none(void) {
        return 0;
}
static bool in_members(const char *group, const char *name) {
        for (const char *const *m = syscall_group_find(group)->members; *m; m++)
                if (strcmp(*m, name) == 0)
                        return true;
        return false;
}
static int probe_clock_settime(void) {
        /* Unprivileged: the kernel says EPERM itself, so ask for something that fails otherwise: an
         * invalid clock gives EINVAL when the call gets through. */
        struct timespec ts = {};
        return outcome(syscall(SYS_clock_settime, -1, &ts));
}
static int probe_adjtimex(void) {
        struct timex tx = {}; /* modes 0: a read, allowed to anyone */
        return outcome(syscall(SYS_adjtimex, &tx));
}
static int probe_mkdir_null(void) {
        /* NULL path: EFAULT when the call gets through. */
        return outcome(syscall(SYS_mkdirat, AT_FDCWD, NULL, 0700));
}

/* The entries are valid: the parse test covers errors (a failure leaves an empty filter, which the
 * EPERM assertions then catch). */
static SyscallFilter filter_of(const char *a, const char *b) {
        SyscallFilter f = {};
        if (syscall_filter_add(&f, a, NULL) < 0 || (b && syscall_filter_add(&f, b, NULL) < 0))
                syscall_filter_done(&f);
        return f;
}

TEST(parse) {
        SyscallFilter f = {};
        char *bad = NULL;

        ASSERT_EQ(syscall_filter_add(&f, "~@clock mkdir", NULL), 0);
        ASSERT_EQ(syscall_filter_add(&f, "keyctl\t@swap", NULL), 0);
        ASSERT_EQ(strv_length(f.deny), 2U);
        ASSERT_STREQ(f.deny[0], "@clock");
        ASSERT_STREQ(f.deny[1], "mkdir");
        ASSERT_EQ(strv_length(f.allow), 2U);
        ASSERT_STREQ(f.allow[1], "@swap");

        /* Bad input: the first unknown entry is named, nothing is added. */
        ASSERT_EQ(syscall_filter_add(&f, "~mkdir frobnicate rmdir", &bad), -EINVAL);
        ASSERT_STREQ(bad, "frobnicate");
        free(bad);
        ASSERT_EQ(syscall_filter_add(&f, "@nonsense", &bad), -EINVAL);
        ASSERT_STREQ(bad, "@nonsense");
        free(bad);
        bad = NULL;
        ASSERT_EQ(syscall_filter_add(&f, "~", &bad), -ENODATA);
        ASSERT_TRUE(!bad);
        ASSERT_EQ(syscall_filter_add(&f, " ", &bad), -ENODATA);
        ASSERT_TRUE(!bad);
        ASSERT_EQ(syscall_filter_add(&f, "@known", &bad), -EINVAL);
        free(bad);
        ASSERT_EQ(strv_length(f.deny), 2U);
        ASSERT_EQ(strv_length(f.allow), 2U);
        syscall_filter_done(&f);
        ASSERT_TRUE(f.deny == NULL);
}

TEST(groups) {
        static const char *const required[] = {
                "@basic-io", "@clock", "@cpu-emulation", "@debug", "@file-system", "@io-event", "@ipc",
                "@keyring", "@memlock", "@module", "@mount", "@network-io", "@obsolete", "@privileged",
                "@process", "@raw-io", "@reboot", "@resources", "@setuid", "@signal", "@swap", "@sync",
                "@system-service", "@timer",
        };
        for (size_t i = 0; i < ELEMENTSOF(required); i++)
                ASSERT_TRUE(syscall_group_find(required[i]) != NULL);
        /* Every member of every group is a known name or an existing group. */
        for (const SyscallGroup *g = syscall_groups; g->name; g++)
                for (const char *const *m = g->members; *m; m++)
                        if ((*m)[0] == '@')
                                ASSERT_TRUE(syscall_group_find(*m) != NULL);
        ASSERT_TRUE(in_members("@clock", "settimeofday"));
        ASSERT_TRUE(in_members("@privileged", "@clock"));
        ASSERT_TRUE(syscall_name_known("mkdir"));
        ASSERT_FALSE(syscall_name_known("frobnicate"));
}

TEST(option_deny) {
        /* ~@clock: adjtimex (a read with modes 0, allowed to anyone otherwise) and clock_settime are
         * refused with EPERM; @privileged contains @clock: the nesting is expanded. */
        SyscallFilter f = filter_of("~@clock", NULL);
        ASSERT_EQ(under_filter(false, probe_adjtimex), 0);
        ASSERT_EQ(under_filter_with(false, &f, probe_adjtimex), 1);
        ASSERT_EQ(under_filter(false, probe_clock_settime), 2);
        ASSERT_EQ(under_filter_with(false, &f, probe_clock_settime), 1);
        ASSERT_EQ(under_filter_with(false, &f, probe_getpid), 0);
        ASSERT_EQ(under_filter_with(false, &f, probe_keyctl), 1);      /* the default still holds */
        syscall_filter_done(&f);

        f = filter_of("~@privileged", NULL);
        ASSERT_EQ(under_filter_with(false, &f, probe_adjtimex), 1);
        syscall_filter_done(&f);

        f = filter_of("~mkdir mkdirat", NULL);
        ASSERT_EQ(under_filter(false, probe_mkdir_null), 2);
        ASSERT_EQ(under_filter_with(false, &f, probe_mkdir_null), 1);
        ASSERT_EQ(under_filter_with(false, &f, probe_tiocsti), 1);     /* ioctl checks still reached */
        ASSERT_EQ(under_filter_with(false, &f, probe_fioclex), 0);
        syscall_filter_done(&f);

        /* The biggest group fits the kernel's limit on every ABI: installed (not 99). The group holds
         * exit_group and exit, so the probe's _exit() ends in a crash of glibc's last resort. */
        f = filter_of("~@system-service", NULL);
        ASSERT_TRUE(strv_length(f.deny) == 1);
        ASSERT_TRUE(under_filter_with(false, &f, probe_none) != 99);
        syscall_filter_done(&f);
}

TEST(option_deny_long) {
        /* More than one run of jumps per ABI (250 calls share one return): the first and the last
         * entries are refused, what is not listed passes. */
        SyscallFilter f = filter_of("~@file-system @network-io @ipc @obsolete @debug @raw-io @mount @module @swap "
                                    "@reboot @cpu-emulation @keyring @memlock @resources @sync @timer @aio @chown "
                                    "@pkey @clock", NULL);
        ASSERT_TRUE(strv_length(f.deny) == 20);
        ASSERT_EQ(under_filter_with(false, &f, probe_mkdir_null), 1);
        ASSERT_EQ(under_filter_with(false, &f, probe_clock_settime), 1);
        ASSERT_EQ(under_filter_with(false, &f, probe_adjtimex), 1);
        ASSERT_EQ(under_filter_with(false, &f, probe_getpid), 0);
        ASSERT_EQ(under_filter_with(false, &f, probe_vhangup), 1);     /* the default list holds */
        syscall_filter_done(&f);

        /* Every group at once still fits the kernel's limit (installed: not 99). */
        SyscallFilter all = {};
        for (const SyscallGroup *g = syscall_groups; g->name; g++) {
                char e[64];
                snprintf(e, sizeof(e), "~%s", g->name);
                ASSERT_EQ(syscall_filter_add(&all, e, NULL), 0);
        }
        ASSERT_TRUE(under_filter_with(false, &all, probe_none) != 99);
        syscall_filter_done(&all);
}

TEST(option_allow) {
        /* An allow entry takes a call off the default list; a denial wins over it. */
        SyscallFilter f = filter_of("keyctl", NULL);
        ASSERT_EQ(under_filter_with(false, &f, probe_keyctl), 2);
        ASSERT_EQ(under_filter_with(false, &f, probe_vhangup), 1);
        syscall_filter_done(&f);

        f = filter_of("@keyring", "~keyctl");
        ASSERT_EQ(under_filter_with(false, &f, probe_keyctl), 1);
        syscall_filter_done(&f);
}

DEFINE_TEST_MAIN
