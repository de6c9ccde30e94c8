/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "machine.h"

/* One state file per machine, in the key=value format that sd-login reads
 * (/run/systemd/machines/NAME), plus a "unit:UNIT" symlink pointing to NAME. Only the keys that sd-login
 * knows, and a few private ones (STATE, as systemd-machined's State property has it;
 * LEADER_STARTTIME, CGROUP, OWN_CGROUP, FROZEN, which let a restarted machined check the leader and clean up
 * after itself). */

int machine_state_format(const Machine *m, char **ret);
/* Builds a Machine from the text of the state file called name. Checks the fields, not the leader. */
int machine_state_parse(const char *name, const char *text, Machine **ret);

/* Atomic: a temporary file renamed over the old one. */
int machine_state_save(int dir_fd, const Machine *m);
/* Removes the file and the unit symlink (when it still points to this machine). */
int machine_state_remove(int dir_fd, const Machine *m);
int machine_state_load(int dir_fd, const char *name, Machine **ret);
