/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-settings.h"

typedef struct OptionDef OptionDef;

/* One option or key as it was given, for replaying it after the merge (nspawn-settings-file.c). */
typedef struct OptionAssignment {
        const OptionDef *option;
        char *value;            /* NULL: a switch on the command line */
} OptionAssignment;

typedef struct OptionAssignments {
        OptionAssignment *items;
        size_t n;
        uint64_t mask;          /* SETTING_*: the groups these set */
} OptionAssignments;

void option_assignments_done(OptionAssignments *a);
int option_assignments_add(OptionAssignments *a, const OptionDef *o, const char *value);

void options_help(void);

/* Fills *ret from argv and checks the options against each other (settings_verify()). Returns 1 to
 * go on, 0 when the invocation is complete (--help, --version), a negative errno after logging what
 * is wrong. */
int settings_parse_argv(int argc, char *argv[], Settings *ret);
/* The same without settings_verify(), for a merge with a settings file; *ret_assignments (may be
 * NULL) records the options in their order. */
int settings_parse_argv_full(int argc, char *argv[], Settings *ret, OptionAssignments *ret_assignments);
/* The cross-option checks, once, on the merged settings; fills in defaults that depend on several
 * options. Logs and returns a negative errno on a conflict. */
int settings_verify(Settings *s);
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
