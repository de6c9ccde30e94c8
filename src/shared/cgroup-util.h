/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on
 * hybrid ones. -ENOMEDIUM when the host has no cgroup2 at all; another statfs error as it is. */
int cgroup_unified_root(const char **ret);
/* The file-system path of cgroup (absolute in the cgroup2 hierarchy, "/machine.slice/...") in *ret. */
int cgroup_unified_path(const char *cgroup, char **ret);
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
/* Kills everything in the cgroup and below through cgroup.kill, where there is one (cgroup2, 5.14+). */
int cgroup_kill(const char *root, const char *path);
/* Kills everything in the cgroup (cgroup.kill where there is one) and removes the directory. */
int cgroup_kill_and_remove(const char *root, const char *path);
int cgroup_attach(const char *root, const char *path, pid_t pid);
/* The pids in cgroup.procs of the cgroup at dir_fd (not below it). *ret_pids is malloc'ed. */
int cgroup_read_pids(int dir_fd, pid_t **ret_pids, size_t *ret_n);

/* The cgroup v1 hierarchies mounted in our mount namespace, one entry per hierarchy, from
 * /proc/self/mountinfo: each controller hierarchy and each named one (name=systemd). */
typedef struct CgroupV1Hierarchy {
        char *mount_point;
        char *controllers;      /* "cpu,cpuacct", "name=systemd": the super options without flags */
        bool whole;             /* the mount shows the hierarchy's root, not a subtree */
} CgroupV1Hierarchy;
int cgroup_v1_hierarchies(CgroupV1Hierarchy **ret, size_t *ret_n);
int cgroup_v1_hierarchies_parse(const char *mountinfo, CgroupV1Hierarchy **ret, size_t *ret_n);
void cgroup_v1_hierarchies_free(CgroupV1Hierarchy *h, size_t n);
bool cgroup_v1_hierarchy_has(const CgroupV1Hierarchy *h, const char *controller);
/* Like cgroup_create() in the v1 hierarchy h, without returning an fd; in the cpuset hierarchy it fills
 * empty cpuset.cpus and cpuset.mems along path from the parents. *made counts the trailing components
 * of path it created, also when it fails, for cgroup_remove_made(). */
int cgroup_v1_create(const CgroupV1Hierarchy *h, const char *path, unsigned *made);
/* Removes the empty slices that path (a scope, already removed) lay in, deepest first, up to the first
 * one that is in use; machine.slice stays, as the default home of every machine. */
void cgroup_trim_slices(const char *root, const char *path);
/* Removes root/path and its parents, made levels in all (empty directories only). */
int cgroup_remove_made(const char *root, const char *path, unsigned made);
/* Device policy for the v1 devices controller on root/path: deny all, then allow the API devices and
 * the extra rules (DeviceAllow=). */
struct DeviceRule;
int cgroup_v1_devices_setup(const char *root, const char *path, const struct DeviceRule *extra, size_t n_extra);
