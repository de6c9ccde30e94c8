/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-settings.h"

/* Fills *ret from argv. Returns 1 to go on, 0 when the invocation is complete (--help, --version),
 * a negative errno after logging what is wrong. */
int settings_parse_argv(int argc, char *argv[], Settings *ret);
/* The directory -M NAME alone names: /var/lib/machines/NAME. */
int settings_resolve_directory(Settings *s);
/* Fills in what the command line left to defaults: the directory, the machine name from the
 * directory, hostname. nspawn opens and checks the root (root_stage_open()) between the two: "-D /" is
 * wrong for that reason first, not for its name. */
int settings_resolve(Settings *s);
