/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-settings.h"

/* Fills *ret from argv. Returns 1 to go on, 0 when the invocation is complete (--help, --version),
 * a negative errno after logging what is wrong. */
int settings_parse_argv(int argc, char *argv[], Settings *ret);
/* /var/lib/machines, /usr/local/lib/machines, /usr/lib/machines; NULL-terminated. */
extern const char *const machine_search_path[];
/* Without -D and -i: the first directory NAME or image NAME.raw (-M NAME) in search_path (a
 * NULL-terminated list), as systemd-nspawn looks for them; a one-line error naming the places when
 * there is none. */
int settings_find_machine(Settings *s, const char *const *search_path);
/* settings_find_machine() in machine_search_path. */
int settings_resolve_directory(Settings *s);
/* Fills in what the command line left to defaults: the directory, the machine name from the
 * directory, hostname. nspawn opens and checks the root (root_stage_open()) between the two: "-D /" is
 * wrong for that reason first, not for its name. */
int settings_resolve(Settings *s);
