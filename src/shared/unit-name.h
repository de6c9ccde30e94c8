/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Names systemd gives things, for the code that talks to PID 1 (machined's systemd back end, nspawn
 * on systemd hosts). Pure string work, no bus. */

#define SYSTEMD1_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD1_PATH "/org/freedesktop/systemd1"
#define SYSTEMD1_MANAGER_INTERFACE "org.freedesktop.systemd1.Manager"
#define SYSTEMD1_UNIT_INTERFACE "org.freedesktop.systemd1.Unit"
#define SYSTEMD1_UNIT_PATH_PREFIX "/org/freedesktop/systemd1/unit/"

/* "machine-<escaped name>.scope", the transient scope of a machine. */
char *machine_scope_unit_name(const char *machine);
/* The object path of a unit: its name in sd-bus's label escaping (every byte that is not
 * [A-Za-z0-9] becomes _xx), below SYSTEMD1_UNIT_PATH_PREFIX. */
char *unit_dbus_path_from_name(const char *unit);
/* The reverse: -EINVAL for a path that is not a unit's or not escaped as systemd escapes. */
int unit_name_from_dbus_path(const char *path, char **ret);
/* A unit in this ActiveState has stopped: its machine is gone. */
bool unit_active_state_is_stopped(const char *state);
/* JobRemoved's result as an errno: 0 for "done", negative for the rest ("canceled" -ECANCELED,
 * "timeout" -ETIMEDOUT, "dependency" -ENOLINK, "unsupported" -EOPNOTSUPP, anything else -EIO). */
int job_result_to_errno(const char *result);
/* The slice's cgroup path: "machine.slice" -> "/machine.slice", "a-b.slice" -> "/a.slice/a-b.slice";
 * "-.slice" -> "". -EINVAL for a name that is not a valid slice. */
int slice_cgroup_path(const char *slice, char **ret);
