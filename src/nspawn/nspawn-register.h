/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "nspawn-settings.h"

typedef struct Registration Registration;

/* Registers the machine with machined (org.freedesktop.machine1) for leader: RegisterMachine with
 * --keep-unit, CreateMachine otherwise. libsystemd is loaded only here, on demand, so that a run
 * without registration pays nothing for it. Returns 1 when registered, 0 when no registry answers
 * and registration is not required (--register=auto: the caller says so once the container runs, so
 * that a failed start prints its error alone), or a negative
 * errno after logging ("Machine 'x' already exists", no registry with --register=yes). */
int registration_register(const Settings *s, const Id128 *uuid, const char *root, pid_t leader,
                          const int *ifindices, size_t n_ifindices, Registration **ret);
/* Unregisters (ignoring a machine that is already gone) and frees. NULL is fine. */
void registration_free(Registration *r);
/* Where PID 1 is systemd and no registry places the container: asks systemd (through the dlopen()ed
 * libsystemd) for the transient scope machine-NAME.scope in machine.slice (or --slice=), Delegate=yes,
 * the default tasks limit and --property=, with pid in it (PIDFDs where systemd takes them, PIDs
 * otherwise), and waits for its start job. Logs its failures. */
int scope_start_transient(const Settings *s, pid_t pid, int pidfd);
