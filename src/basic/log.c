/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;
static const char *prefix;

void log_set_prefix(const char *p) {
        prefix = p;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_parse_environment(const char *var) {
        static const char *const names[] = {
                [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
                [LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
                [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
        };
        const char *e = getenv(var);

        if (!e)
                return;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(e, names[i]) == 0) {
                        max_level = (int) i;
                        return;
                }
}

/* stderr may be non-blocking: nspawn's supervisor gives it a description of its own with
 * O_NONBLOCK, and one shared with a shell may be. Wait a little for a slow reader, never long: a
 * reader that stalls must not freeze the program, which loses the rest of the line instead. */
#define LOG_WAIT_MSEC 200

static void write_stderr(const char *p, size_t n) {
        int waited = 0;

        while (n > 0) {
                ssize_t k = write(STDERR_FILENO, p, n);
                if (k > 0) {
                        p += k;
                        n -= (size_t) k;
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN && waited < LOG_WAIT_MSEC) {
                        struct pollfd pfd = { .fd = STDERR_FILENO, .events = POLLOUT };
                        (void) poll(&pfd, 1, 20);
                        waited += 20;
                        continue;
                }
                return;
        }
}

int log_internal(int level, int error, const char *format, ...) {
        int saved = errno;
        va_list ap;

        if (level > max_level) {
                errno = saved;
                return -abs(error);
        }

        /* One write per message, so that lines from the parent and the child do not interleave. */
        char buf[2048];
        int p = prefix ? snprintf(buf, sizeof(buf) / 2, "%s", prefix) : 0;
        if (p < 0)
                p = 0;
        if ((size_t) p >= sizeof(buf) / 2)
                p = sizeof(buf) / 2 - 1;
        errno = abs(error);
        va_start(ap, format);
        int n = vsnprintf(buf + p, sizeof(buf) - 1 - (size_t) p, format, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        n += p;
        if ((size_t) n > sizeof(buf) - 2)
                n = sizeof(buf) - 2;
        buf[n++] = '\n';
        write_stderr(buf, (size_t) n);

        errno = saved;
        return -abs(error);
}
