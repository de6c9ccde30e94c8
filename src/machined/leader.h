/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* A leader's start time (field 22 of /proc/PID/stat, in clock ticks since boot): with the pid it
 * names one process for good, which lets a restarted machined tell its leader from a recycled pid. */
int proc_stat_parse_starttime(const char *text, uint64_t *ret);
/* Reads it and checks the pidfd afterwards, so that the answer is the pidfd's process's. */
int leader_get_starttime(pid_t pid, int pidfd, uint64_t *ret);
