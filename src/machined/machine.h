/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "parse-util.h"

/* The machine object: what the registry knows about one machine. It knows nothing of D-Bus. */

typedef enum MachineClass {
        MACHINE_CONTAINER,
        MACHINE_VM,
        _MACHINE_CLASS_MAX,
        _MACHINE_CLASS_INVALID = -EINVAL,
} MachineClass;

typedef enum KillWhom {
        KILL_LEADER,
        KILL_ALL,
        _KILL_WHOM_MAX,
        _KILL_WHOM_INVALID = -EINVAL,
} KillWhom;

/* Where a machine is in its life, as systemd-machined has it: opening from its registration until
 * the cgroup back end has placed it (at once on cgroupfs; when systemd's job finishes on systemd),
 * running, closing from a terminate request until it is gone. */
typedef enum MachineState {
        MACHINE_OPENING,
        MACHINE_RUNNING,
        MACHINE_CLOSING,
        _MACHINE_STATE_MAX,
        _MACHINE_STATE_INVALID = -EINVAL,
} MachineState;

/* The end of an operation on a machine that may have to wait (for a systemd job, say): error is 0 or a
 * negative errno, name the machine's. The machine itself may be gone by the time this runs. */
typedef void (*MachineDone)(const char *name, int error, void *userdata);

/* The most network interfaces a machine may have: registration refuses more, and the state file
 * reader holds as many, so that what was accepted survives a restart of machined. */
#define MACHINE_NETIF_MAX 4096

typedef struct Manager Manager;
typedef struct sd_event_source sd_event_source;

typedef struct Machine {
        Manager *manager;
        struct Machine *prev, *next;

        char *name;
        Id128 id;
        char *service;
        char *root_directory;
        MachineClass class;
        /* The unit ("machine-x.scope" or the leader's own unit), "" when there is none. */
        char *unit;
        /* The unit's cgroup2 path ("/machine.slice/machine-x.scope"), NULL when there is none. */
        char *cgroup;
        /* machined made the cgroup, so it kills and removes it when the machine goes. */
        bool own_cgroup;
        pid_t leader;
        int leader_pidfd;
        uint64_t leader_starttime;
        int *netif;
        size_t n_netif;
        uint64_t realtime;
        uint64_t monotonic;
        MachineState state;
        /* Frozen through the back end's freeze (FreezeMachine). */
        bool frozen;
        /* CreateMachine's scope properties (Slice=, MemoryMax=, ...), NULL when none were given. */
        struct UnitProperties *properties;
        /* create_scope failed: the back end's one line on why (a property it cannot apply), or NULL. */
        char *opening_error;

        sd_event_source *leader_event;
        /* While opening: who waits for the registration to complete (manager_register_machine()). */
        MachineDone opening_done;
        void *opening_userdata;
} Machine;

/* Takes a copy of name; everything else starts empty (the strings are "", not NULL). */
int machine_new(const char *name, Machine **ret);
Machine *machine_free(Machine *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Machine *, machine_free);

int machine_set_string(char **field, const char *value);
int machine_set_netif(Machine *m, const int *ifindices, size_t n);

const char *machine_class_to_string(MachineClass c);
/* "" means container, as in systemd. */
MachineClass machine_class_from_string(const char *s);
const char *machine_state_to_string(MachineState s);
MachineState machine_state_from_string(const char *s);
const char *kill_whom_to_string(KillWhom w);
/* "" means all, as in systemd. */
KillWhom kill_whom_from_string(const char *s);
