/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* "nspawn@NAME.service", NULL when NAME is no valid machine name (or on OOM). */
char *machine_unit_name(const char *machine);
/* True when PID 1 is systemd (as sd_booted()). */
bool systemd_is_pid1(void);
