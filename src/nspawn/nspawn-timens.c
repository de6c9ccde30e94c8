/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-timens.h"
#include "string-util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const time_clock_table[_TIME_CLOCK_MAX] = {
        [TIME_CLOCK_MONOTONIC] = "monotonic",
        [TIME_CLOCK_BOOTTIME] = "boottime",
};

const char *time_clock_to_string(TimeClock c) {
        return c >= 0 && c < _TIME_CLOCK_MAX ? time_clock_table[c] : NULL;
}

TimeClock time_clock_from_string(const char *s) {
        for (TimeClock c = 0; c < _TIME_CLOCK_MAX; c++)
                if (s && streq(s, time_clock_table[c]))
                        return c;
        return _TIME_CLOCK_INVALID;
}

int time_offset_parse(const char *arg, TimeClock *ret_clock, int64_t *ret_seconds) {
        const char *colon = strchr(arg, ':');
        char name[16];
        char *end;

        if (!colon || (size_t) (colon - arg) >= sizeof(name))
                return -EINVAL;
        memcpy(name, arg, colon - arg);
        name[colon - arg] = 0;
        TimeClock c = time_clock_from_string(name);
        if (c < 0)
                return -EINVAL;

        const char *v = colon + 1;
        /* strtoll() would skip leading blanks and take "" as 0. */
        if (!((*v >= '0' && *v <= '9') || ((*v == '-' || *v == '+') && v[1] >= '0' && v[1] <= '9')))
                return -EINVAL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (*end)
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        *ret_clock = c;
        *ret_seconds = n;
        return 0;
}

int time_namespace_format_offsets(const TimeNamespace *t, const struct timespec now[_TIME_CLOCK_MAX],
                                  char *buf, size_t size) {
        size_t used = 0;

        for (TimeClock c = 0; c < _TIME_CLOCK_MAX; c++) {
                /* Whole seconds: the clock starts within a second of zero, and the kernel takes a
                 * negative offset as seconds (signed) plus nanoseconds (0..999999999). */
                int64_t off = t->offset_set[c] ? t->offset[c] : -(int64_t) now[c].tv_sec;
                int n = snprintf(buf + used, size - used, "%s %" PRIi64 " 0\n", time_clock_to_string(c), off);
                if (n < 0 || (size_t) n >= size - used)
                        return -ENOBUFS;
                used += n;
        }
        return 0;
}

static int write_offsets(const TimeNamespace *t) {
        static const clockid_t ids[_TIME_CLOCK_MAX] = {
                [TIME_CLOCK_MONOTONIC] = CLOCK_MONOTONIC,
                [TIME_CLOCK_BOOTTIME] = CLOCK_BOOTTIME,
        };
        struct timespec now[_TIME_CLOCK_MAX];
        char buf[128];
        int r;

        for (TimeClock c = 0; c < _TIME_CLOCK_MAX; c++)
                if (clock_gettime(ids[c], &now[c]) < 0)
                        return -errno;
        r = time_namespace_format_offsets(t, now, buf, sizeof(buf));
        if (r < 0)
                return r;

        _cleanup_close_ int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The kernel takes all lines in one write, or none of them. */
        ssize_t n = write(fd, buf, strlen(buf));
        if (n < 0)
                return -errno;
        return (size_t) n == strlen(buf) ? 0 : -EIO;
}

static void log_offsets_refused(const TimeNamespace *t, int r) {
        char what[96] = "";
        size_t used = 0;

        for (TimeClock c = 0; c < _TIME_CLOCK_MAX; c++)
                if (t->offset_set[c] && used < sizeof(what)) {
                        int n = snprintf(what + used, sizeof(what) - used, "%s%s:%" PRIi64,
                                         used ? ", " : "", time_clock_to_string(c), t->offset[c]);
                        if (n > 0)
                                used += n;
                }
        if (used > 0)
                log_error_errno(r, _("The kernel refused the container's time offsets (%s): %m"), what);
        else
                log_error_errno(r, _("Failed to set the clocks of the container's time namespace: %m"));
}

int time_namespace_prepare(const TimeNamespace *t, int *ret_saved) {
        int r;

        if (!t->enabled) {
                *ret_saved = -EBADF;
                return 0;
        }
        _cleanup_close_ int saved = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
        if (saved < 0) {
                if (errno == ENOENT)
                        return log_error_errno(-EOPNOTSUPP, _("--private-time needs time namespaces, which this kernel does not have (no /proc/self/ns/time)."));
                return log_error_errno(-errno, _("Failed to open nspawn's time namespace: %m"));
        }
        if (unshare(CLONE_NEWTIME) < 0) {
                r = -errno;
                if (r == -EINVAL)
                        return log_error_errno(-EOPNOTSUPP, _("--private-time needs time namespaces, which this kernel does not have."));
                return log_error_errno(r, _("Failed to create the container's time namespace: %m"));
        }
        r = write_offsets(t);
        if (r < 0) {
                log_offsets_refused(t, r);
                /* The namespace nobody entered goes with the last reference to it. */
                (void) time_namespace_restore(saved);
                return r;
        }
        *ret_saved = TAKE_FD(saved);
        return 0;
}

int time_namespace_restore(int saved) {
        if (saved < 0)
                return 0;
        if (setns(saved, CLONE_NEWTIME) < 0)
                return log_error_errno(-errno, _("Failed to return to nspawn's time namespace: %m"));
        return 0;
}
