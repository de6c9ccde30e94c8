/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stdint.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup-util.h"

/* nspawn@.service's TasksMax=: the default tasks limit of every container. */
#define CONTAINER_TASKS_MAX_DEFAULT 16384

/* The container's cgroup when no registry creates it: the "scope", machine.slice/machine-<name>.scope
 * (in the slice of --slice= instead, nested as systemd nests slices; with --keep-unit: the caller's own
 * cgroup), in every mounted hierarchy: cgroup2 and each cgroup v1
 * hierarchy, the named systemd one included. The payload runs in the scope's "payload" child, which is
 * also the root of its cgroup namespace: the device policy and the tasks limit on the scope stay out of
 * the guest's reach, and no hierarchy's root (with its release_agent, CVE-2022-0492) is visible
 * inside. Where the kernel cannot attach the BPF device program, the v1 devices hierarchy carries the
 * policy, on the scope as well. */
typedef struct ContainerCgroup {
        const char *unified_root;
        char *scope;
        char *path;             /* <scope>/payload, relative to each hierarchy's mount point */
        bool keep_unit;
        /* PID 1 is systemd: the scope is systemd's (made by machined's CreateMachine, or by nspawn's
         * own StartTransientUnit when unregistered), and nspawn only adds the payload child below it
         * (container_cgroup_adopt_scope()) once the child was placed there. */
        bool systemd;
        int fd;                 /* the payload cgroup2 directory, for CLONE_INTO_CGROUP */
        int lock_fd;            /* flock()ed: the name is ours while it is open */
        int policy_fd;          /* the cgroup2 directory our BPF device program is attached to */
        int prog_fd;            /* that program */
        CgroupV1Hierarchy *v1;
        unsigned *v1_made;      /* per hierarchy: levels of the scope path nspawn created there */
        size_t n_v1;
} ContainerCgroup;

#define CONTAINER_CGROUP_NULL ((ContainerCgroup) { .fd = -EBADF, .lock_fd = -EBADF, .policy_fd = -EBADF, .prog_fd = -EBADF })

/* Gives the payload cgroup (its directory and the files that manage it) in every hierarchy to uid
 * (and gid) shift: the root of a user-namespaced container. Files that do not exist are skipped. */
int container_cgroup_chown(const ContainerCgroup *c, uint32_t shift);

/* True where PID 1 is systemd (/run/systemd/system exists): there the container's scope is systemd's. */
bool cgroup_host_is_systemd(void);

/* With keep_unit the payload runs in <own cgroup>/payload and nspawn moves into <own cgroup>/supervisor.
 * On systemd hosts without keep_unit nothing is made yet (ret->systemd, ret->fd is -EBADF: the child
 * starts in nspawn's cgroup and waits until it was placed). */
/* props (may be NULL): Slice= places the scope (machine.slice otherwise), DeviceAllow= extends the device
 * policy; the limits are applied later, by whoever owns them (container_cgroup_apply_properties()). */
struct UnitProperties;
int container_cgroup_create(const char *machine, bool keep_unit, const struct UnitProperties *props, ContainerCgroup *ret);
/* Systemd hosts: pid sits in the scope systemd made for it; makes <scope>/payload there, moves pid into
 * it, and installs the device policy (with props' DeviceAllow=) and the v1 side as
 * container_cgroup_create() does elsewhere. */
int container_cgroup_adopt_scope(ContainerCgroup *c, pid_t pid, int pidfd, const struct UnitProperties *props);
/* The limits of props on the container's scope (with --keep-unit: on nspawn's own cgroup), where nobody
 * (machined) applied them: one line and an error for what cannot be applied. Nothing on systemd's
 * scope: systemd applied them. */
int container_cgroup_apply_properties(ContainerCgroup *c, const struct UnitProperties *props);
/* Moves pid into the v1 hierarchies (clone3 put it into the cgroup2 one), before it makes its cgroup
 * namespace, and checks that it sits in no hierarchy's root. */
/* -ESRCH (not logged) when the child exited meanwhile: the caller reports the child's own error. */
int container_cgroup_attach_v1(ContainerCgroup *c, pid_t pid, int pidfd);
void container_cgroup_destroy(ContainerCgroup *c);
