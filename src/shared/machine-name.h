/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#define MACHINE_NAME_MAX 64

/* Hostname rules as systemd has them (letters, digits, '-' and '.', no empty labels, no leading or trailing '-'
 * or '.'), at most 64 characters; ".host" is reserved for the host. */
bool hostname_is_valid(const char *s);
bool machine_name_is_valid(const char *s);
/* A valid machine name made from s as systemd-nspawn does for directory names: characters that
 * hostnames do not allow are dropped, at most 64 are kept. NULL when nothing usable is left. */
char *machine_name_from_string(const char *s);
