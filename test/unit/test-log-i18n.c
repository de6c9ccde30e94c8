/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "tests.h"

/* Runs log_error_errno(-errno, _("Failed to resolve: %m")) with errno set to error and stderr
 * redirected into buf. */
static int log_captured(int error, char *buf, size_t size) {
        int pipefd[2], saved_stderr, r;

        if (pipe(pipefd) < 0)
                return -errno;
        saved_stderr = dup(STDERR_FILENO);
        (void) dup2(pipefd[1], STDERR_FILENO);
        errno = error;
        /* As the callers write it: errno is read in the same argument list as _(). */
        r = log_error_errno(-errno, _("Failed to resolve: %m"));
        (void) dup2(saved_stderr, STDERR_FILENO);
        safe_close(saved_stderr);
        safe_close(pipefd[1]);
        ssize_t n = read(pipefd[0], buf, size - 1);
        safe_close(pipefd[0]);
        buf[n > 0 ? n : 0] = 0;
        return r;
}

/* The first translated string loads the locale and looks for catalogues; that must not change errno
 * (a symlink loop was reported as "No such file or directory"). */
TEST(gettext_keeps_errno) {
        char buf[256];

        (void) unsetenv("LANGUAGE");
        (void) unsetenv("LC_ALL");
        (void) unsetenv("LC_MESSAGES");
        ASSERT_OK(setenv("LANG", "C.UTF-8", 1));
        ASSERT_OK(setenv("NSPAWN_LOCALEDIR", "/nonexistent/locale", 1));

        ASSERT_EQ(log_captured(ELOOP, buf, sizeof(buf)), -ELOOP);
        ASSERT_STREQ(buf, "Failed to resolve: Too many levels of symbolic links\n");

        errno = EACCES;
        (void) _("Another message");
        ASSERT_EQ(errno, EACCES);
}

/* %m is the error passed in, whatever errno holds, and errno is left as it was. */
TEST(log_percent_m_uses_argument) {
        char buf[256];
        int pipefd[2], saved_stderr;

        ASSERT_OK(pipe(pipefd));
        saved_stderr = dup(STDERR_FILENO);
        (void) dup2(pipefd[1], STDERR_FILENO);
        errno = ENOENT;
        int r = log_error_errno(-EIO, "x: %m");
        int after = errno;
        (void) dup2(saved_stderr, STDERR_FILENO);
        safe_close(saved_stderr);
        safe_close(pipefd[1]);
        ssize_t n = read(pipefd[0], buf, sizeof(buf) - 1);
        safe_close(pipefd[0]);
        buf[n > 0 ? n : 0] = 0;
        ASSERT_EQ(r, -EIO);
        ASSERT_EQ(after, ENOENT);
        ASSERT_STREQ(buf, "x: Input/output error\n");
}

DEFINE_TEST_MAIN
