/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse-util.h"

/* Checks for arguments that come from the bus (untrusted). Pure functions: no side effects. */

/* 0 bytes (no id: the null id) or 16 bytes; anything else is -EINVAL. */
int machine_id_from_bytes(const void *p, size_t n, Id128 *ret);
/* Empty, or absolute and normalized, without control characters. */
bool machine_root_directory_is_valid(const char *s);
/* Free text that lands in the state file: no control characters, bounded length. */
bool machine_service_is_valid(const char *s);
bool machine_signal_is_valid(int sig);
bool machine_ifindices_are_valid(const int32_t *ifindices, size_t n);
