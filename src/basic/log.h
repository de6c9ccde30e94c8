/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

#include "macro.h"

/* Only programs log; library code returns errors and logs at debug level at most. */
void log_set_max_level(int level);
int log_get_max_level(void);
void log_parse_environment(const char *var);
/* Put before every message until reset with NULL ("FILE:LINE: " while a settings file is parsed).
 * The caller keeps the string alive meanwhile. */
void log_set_prefix(const char *prefix);

/* Logs and returns error (negative errno or 0); "%m" expands to strerror(-error). */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_debug_errno(error, ...) log_internal(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_internal(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...) log_internal(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_internal(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_internal(LOG_ERR, (error), __VA_ARGS__)
#define log_debug(...) (void) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_oom() log_internal(LOG_ERR, -ENOMEM, "Out of memory.")
