/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* The cgroup2 path of a process ("/machine.slice/machine-x.scope/payload"), from /proc/PID/cgroup. */
int cgroup_pid_get_path(pid_t pid, char **ret);
/* Cuts path after the component named unit: the leader may sit in a sub-cgroup of its scope, and
 * "status" shows the whole scope. Returns false (path untouched) when no component is the unit. */
bool cgroup_path_trim_to_unit(char *path, const char *unit);
/* Prints the processes of the cgroup and its children as a tree, one line per process with its
 * (escaped) command line, each line starting with prefix. */
int cgroup_show_tree(FILE *f, const char *root, const char *path, const char *prefix);
