/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* The container's cgroup when no registry creates it: machine.slice/machine-<name>.scope in the
 * cgroup2 hierarchy, and on hybrid hosts the same path in the v1 devices hierarchy, which carries the
 * device policy there. */
typedef struct ContainerCgroup {
        const char *unified_root;
        char *path;
        int fd;                 /* the cgroup2 directory, for CLONE_INTO_CGROUP */
        bool devices_v1;
} ContainerCgroup;

int container_cgroup_create(const char *machine, ContainerCgroup *ret);
/* Moves pid into the v1 hierarchies (clone3 put it into the cgroup2 one). */
int container_cgroup_attach_v1(ContainerCgroup *c, pid_t pid);
void container_cgroup_destroy(ContainerCgroup *c);
