/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

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

int log_internal(int level, int error, const char *format, ...) {
        int saved = errno;
        va_list ap;

        if (level > max_level) {
                errno = saved;
                return -abs(error);
        }

        /* One write per message, so that lines from the parent and the child do not interleave. */
        char buf[2048];
        errno = abs(error);
        va_start(ap, format);
        int n = vsnprintf(buf, sizeof(buf) - 1, format, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        if ((size_t) n > sizeof(buf) - 2)
                n = sizeof(buf) - 2;
        buf[n++] = '\n';
        (void) !write(STDERR_FILENO, buf, (size_t) n);

        errno = saved;
        return -abs(error);
}
