/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The clocks a time namespace offsets (time_namespaces(7)). */
typedef enum TimeClock {
        TIME_CLOCK_MONOTONIC,
        TIME_CLOCK_BOOTTIME,
        _TIME_CLOCK_MAX,
        _TIME_CLOCK_INVALID = -EINVAL,
} TimeClock;

const char *time_clock_to_string(TimeClock c);
TimeClock time_clock_from_string(const char *s);

/* --private-time and --time-offset=: a clock with an explicit offset runs that many seconds ahead of
 * (negative: behind) the host's; one without starts near zero when the container starts. */
typedef struct TimeNamespace {
        bool enabled;
        bool offset_set[_TIME_CLOCK_MAX];
        int64_t offset[_TIME_CLOCK_MAX];
} TimeNamespace;

/* "CLOCK:SECONDS" (monotonic or boottime; a signed integer). -EINVAL for an unknown clock or a
 * malformed number, -ERANGE for a number that does not fit. */
int time_offset_parse(const char *arg, TimeClock *ret_clock, int64_t *ret_seconds);

/* The text written to /proc/PID/timens_offsets for t, given the host's clocks now (now[clock]): one
 * line per clock. -ENOBUFS if it does not fit in buf. Pure: unit-tested. */
int time_namespace_format_offsets(const TimeNamespace *t, const struct timespec now[_TIME_CLOCK_MAX],
                                  char *buf, size_t size);

/* Makes a new time namespace for nspawn's next children (unshare(CLONE_NEWTIME) applies to
 * children only) and writes its offsets, before any process is in it: the offsets of a namespace
 * freeze when its first process enters. *ret_saved is nspawn's own time namespace, for
 * time_namespace_restore() right after the container's clone. Logs its failures; on failure nothing
 * is changed. Does nothing (and sets *ret_saved to -EBADF) when t is not enabled. */
int time_namespace_prepare(const TimeNamespace *t, int *ret_saved);
/* Later children of nspawn (none today, but whatever a library forks) stay in the host's time. */
int time_namespace_restore(int saved);
