/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "machine.h"

/* Where a machine's processes live. Two back ends: cgroupfs (machined makes the scope directory
 * itself, for hosts whose PID 1 is not systemd) and systemd (a transient scope through PID 1,
 * machined-systemd.c).
 *
 * create_scope, terminate and kill are asynchronous, because systemd answers them with a job that
 * finishes later: each either fails at once (a negative errno, done is not called) or returns 0 and
 * calls done exactly once with the result, at once (cgroupfs) or later (when the job finishes). A back
 * end that can still have an operation in flight for a machine drops it in cancel(), which the manager
 * calls before it frees the machine: done never runs for a machine that is gone. */
typedef struct CgroupBackend {
        const char *name;
        /* CreateMachine: puts the leader into machine.slice/machine-NAME.scope (unless it already lives
         * there or below), sets unit, cgroup and own_cgroup. Fails at once when it cannot even start,
         * with nothing left behind but a scope that goes once empty. */
        int (*create_scope)(Machine *m, MachineDone done, void *userdata);
        /* TerminateMachine: stops the machine's unit, all of it (only called for a machine with a
         * cgroup). cgroupfs: SIGKILL to the cgroup and to the leader through its pidfd. */
        int (*terminate)(Machine *m, MachineDone done, void *userdata);
        /* KillMachine with KILL_ALL: sig to every process in the machine's cgroup, recursively (never to
         * machined itself). */
        int (*kill)(Machine *m, int sig, MachineDone done, void *userdata);
        /* Drops what is in flight for the machine, if anything (the operation may just have
         * completed), without calling done. NULL: nothing ever is in flight. */
        void (*cancel)(Machine *m);
        /* FreezeMachine/ThawMachine (extensions of machine1): stops (freeze) or resumes every process of
         * the machine's cgroup; systemd: FreezeUnit/ThawUnit, cgroupfs: cgroup.freeze on cgroup2,
         * freezer.state on v1. Sets m->frozen when done. */
        int (*freeze)(Machine *m, bool freeze, MachineDone done, void *userdata);
        /* RegisterMachine: records the unit the leader already lives in (may be none). */
        int (*adopt_unit)(Machine *m);
        /* 1 when the leader still lives in the machine's unit, 0 when not, -ESRCH when it is gone
         * (used when re-adopting). */
        int (*leader_in_unit)(Machine *m);
        /* Removes the cgroup that create_scope made: with kill, after killing what is left in it;
         * without, only when it is empty (-EBUSY otherwise). */
        int (*remove_scope)(Machine *m, bool kill);
        /* The cgroup path of a process, checked against its pidfd (so a recycled pid does not count). */
        int (*pid_get_cgroup)(pid_t pid, int pidfd, char **ret);
        /* 1 when machined made the cgroup (create_scope marks it before anything lives there), 0 when
         * not, -ENOENT when it does not exist. This is what lets machined collect its scopes whatever
         * happened (a crash before the state file was written, an unregistered machine). */
        int (*scope_is_ours)(const char *cgroup);
        /* Drops the back end's own state in the Manager (systemd: its bus connection, m->systemd), after
         * the machines went. NULL: it has none. */
        void (*shutdown)(Manager *m);
} CgroupBackend;

extern const CgroupBackend cgroup_backend_cgroupfs;
/* machined-systemd.c: the machine's unit is PID 1's (StartTransientUnit, StopUnit, KillUnit,
 * FreezeUnit/ThawUnit); chosen by manager_setup_systemd(). cancel() answers a stop or kill in flight
 * with success (their replies would never come) and drops a start, freeze or thaw (the manager answers
 * those). */
extern const CgroupBackend cgroup_backend_systemd;

/* The v1 side of a scope machined made (hybrid hosts, a machine with limits): killed (cgroup2's
 * cgroup.kill reached every process) and removed, or only removed when empty; the slices it lay in go
 * too when they are empty (machine.slice stays). */
void cgroupfs_remove_v1(const char *cgroup, bool kill);

/* The extended attribute that marks a scope directory as made by machined. */
#define MACHINED_SCOPE_XATTR "trusted.machined.scope"

/* Pure helpers, exposed for the unit tests. */

/* The path of the "0::" line of /proc/PID/cgroup. */
int cgroup_parse_proc_unified(const char *text, char **ret);
/* The unit of a cgroup path: the first component below the slices when it is a scope or service,
 * else the last component unless that is a slice; ret_unit_path is the path up to and including it.
 * No unit ("/", only slices): -ENXIO. */
int cgroup_path_get_unit(const char *path, char **ret_unit, char **ret_unit_path);
/* path == prefix, or path lies below prefix. */
bool cgroup_path_startswith(const char *path, const char *prefix);
/* The "frozen" line of cgroup.events: 1, 0, or -ENODATA when there is none (a kernel before 5.2). */
int cgroup_events_parse_frozen(const char *text);
/* A v1 freezer.state: FREEZER_RUNNING (THAWED), FREEZER_FREEZING or FREEZER_FROZEN; -EINVAL else. */
int freezer_v1_parse_state(const char *text);
