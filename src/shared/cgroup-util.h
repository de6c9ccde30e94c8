/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on
 * hybrid ones. -ENOMEDIUM when the host has no cgroup2 at all; another statfs error as it is. */
int cgroup_unified_root(const char **ret);
/* systemd's unit-name escaping: "a-b" -> "a\x2db". */
char *unit_name_escape(const char *s);
/* "machine.slice/machine-<escaped name>.scope" */
char *machine_cgroup_path(const char *machine);

/* Creates dir below root (mkdir -p), then the last component. An existing, empty cgroup is reused
 * (a leftover from a killed launcher); one with processes gives -EBUSY. Returns an O_DIRECTORY fd. */
int cgroup_create(const char *root, const char *path, int *ret_fd);
/* Like cgroup_create(), and takes an exclusive flock on the cgroup's directory, held for as long as
 * *ret_fd is open: -EBUSY when another process holds it. Sub-cgroups left by a killed owner are
 * removed. */
int cgroup_create_owned(const char *root, const char *path, int *ret_fd);
/* Kills everything in the cgroup (cgroup.kill where there is one) and removes the directory. */
int cgroup_kill_and_remove(const char *root, const char *path);
int cgroup_attach(const char *root, const char *path, pid_t pid);
bool cgroup_v1_controller_mounted(const char *controller);
/* Device policy for the v1 devices controller: deny all, then allow the API devices. */
int cgroup_v1_devices_setup(const char *path);
