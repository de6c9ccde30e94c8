/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The container's cgroup when no registry creates it: machine.slice/machine-<name>.scope in the
 * cgroup2 hierarchy. The payload runs in its "payload" child, which is also the root of its cgroup
 * namespace: the device policy attached to the scope stays out of the guest's reach. Where the kernel
 * cannot attach it, the v1 devices hierarchy carries the policy (same path) on hybrid hosts. */
typedef struct ContainerCgroup {
        const char *unified_root;
        char *path;
        int fd;                 /* the payload cgroup2 directory, for CLONE_INTO_CGROUP */
        int lock_fd;            /* the machine's cgroup, flock()ed: the name is ours while it is open */
        bool devices_v1;
} ContainerCgroup;

/* With keep_unit the payload runs in <own cgroup>/payload and nspawn moves into <own cgroup>/supervisor. */
int container_cgroup_create(const char *machine, bool keep_unit, ContainerCgroup *ret);
/* Moves pid into the v1 hierarchies (clone3 put it into the cgroup2 one). */
int container_cgroup_attach_v1(ContainerCgroup *c, pid_t pid);
void container_cgroup_destroy(ContainerCgroup *c);
