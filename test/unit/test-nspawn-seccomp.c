/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's system call filter, on whatever architecture the tests run: installed in a child
 * process (with no_new_privs, so no privilege is needed), the denied calls fail with EPERM and the
 * rest of the system keeps working. The integration test test-seccomp covers the x86 compat ABIs. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nspawn-seccomp-table.h"
#include "nspawn-seccomp.h"
#include "tests.h"

/* The result of a call, as a small exit code: 0 success, 1 EPERM, 2 anything else. */
static int outcome(long r) {
        return r >= 0 ? 0 : errno == EPERM ? 1 : 2;
}

/* Runs probe() in a child under the filter; returns its exit status. */
static int under_filter(bool host_terminal, int (*probe)(void)) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install_container_filter(host_terminal) < 0)
                        _exit(99);
                _exit(probe());
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
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

DEFINE_TEST_MAIN
