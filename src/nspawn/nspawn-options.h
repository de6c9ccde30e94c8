/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-settings.h"

/* Fills *ret from argv. Returns 1 to go on, 0 when the invocation is complete (--help, --version),
 * a negative errno after logging what is wrong. */
int settings_parse_argv(int argc, char *argv[], Settings *ret);
/* Fills in what the command line left to defaults: machine name from the directory, hostname. */
int settings_resolve(Settings *s);
