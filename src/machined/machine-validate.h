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
/* A valid machine name that is not "self": /org/freedesktop/machine1/machine/self is the caller's
 * own machine, so no machine may have that name (neither registered nor re-adopted from a file). */
bool machine_name_is_registrable(const char *name);
bool machine_ifindices_are_valid(const int32_t *ifindices, size_t n);
