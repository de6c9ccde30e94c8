/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "machine.h"
#include "machined-cgroup.h"

#define MACHINES_STATE_DIR "/run/systemd/machines"

typedef struct MachineObserver MachineObserver;
typedef struct SystemdBackend SystemdBackend;

/* The registry: the machines, their leaders' pidfds, their state files. It knows no transport: the bus
 * code (and any other) learns of machines added and removed through the observers, and computes its own
 * names for them (object paths). */
struct Manager {
        sd_event *event;
        /* The bus connection, owned by the bus code (machined.c opens it, manager-dbus.c's observer
         * closes it when the manager goes); manager.c never uses it. */
        sd_bus *bus;
        Machine *machines;
        size_t n_machines;
        char *state_dir;
        int state_dir_fd;
        const CgroupBackend *cgroup;
        /* The systemd back end's state (its bus connection, the calls in flight), NULL on cgroupfs. */
        struct SystemdBackend *systemd;
        /* Scopes machined made that no machine owns any more, removed once empty (scope-gc.c). */
        struct ScopeWatch *scope_watches;
        MachineObserver *observers;
        /* Long work in children of machined's (operation.c). */
        struct Operation *operations;
        size_t n_operations;
};

/* A transport's view of the registry. added: a machine was registered (it may still be opening;
 * machines re-adopted by manager_load_machines(), before any transport is up, are not announced);
 * removed: it is leaving (still readable during the call, freed after). detach: the manager is being
 * freed (the machines are freed after it, without removed). freezer_changed: the machine's
 * freezer_state changed. Any of them may be NULL. */
typedef struct MachineObserverOps {
        void (*added)(Manager *m, Machine *machine, void *userdata);
        void (*removed)(Manager *m, Machine *machine, void *userdata);
        void (*freezer_changed)(Manager *m, Machine *machine, void *userdata);
        void (*detach)(Manager *m, void *userdata);
} MachineObserverOps;

struct MachineObserver {
        const MachineObserverOps *ops;
        void *userdata;
        MachineObserver *next;
};

int manager_new(const char *state_dir, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Observers are called in the order they were added; ops must outlive the manager. */
int manager_add_observer(Manager *m, const MachineObserverOps *ops, void *userdata);

Machine *manager_get_machine(Manager *m, const char *name);
Machine *manager_get_machine_by_leader(Manager *m, pid_t pid);
/* The machine a process belongs to (its leader, or a process in its unit's cgroup); -ENXIO if none,
 * -ESRCH if the process does not exist. */
int manager_get_machine_by_pid(Manager *m, pid_t pid, Machine **ret);

/* True while the leader lives; a machine whose leader died but whose exit event is still queued is
 * collected right away, so that its name and leader are free again. */
bool manager_machine_gc(Manager *m, Machine *machine);

/* A request to register a machine, as a transport has read and checked it (leader 0, "the caller",
 * is resolved by the transport). The strings and the array are the caller's; they are copied. */
typedef struct MachineRequest {
        const char *name;
        Id128 id;
        const char *service;
        MachineClass class;
        pid_t leader;
        const char *root_directory;
        const int *ifindices;
        size_t n_ifindices;
        /* CreateMachine: machined puts the leader into a scope of its own through the cgroup back end.
         * RegisterMachine (false): the machine is the unit the leader lives in already. */
        bool create_scope;
        /* CreateMachine's scope properties (copied), NULL when none: the back end applies them to the
         * scope (cgroupfs) or passes them to systemd. */
        const struct UnitProperties *properties;
} MachineRequest;

/* Where a registration failed: RULES when the errno is one of the rules' codes below, else the step
 * whose errno it is (the same errno, EBUSY say, means one thing from the rules and another from a
 * cgroup write). */
typedef enum RegisterStep {
        REGISTER_STEP_RULES,
        REGISTER_STEP_LEADER,   /* opening a pidfd for the leader */
        REGISTER_STEP_LOOKUP,   /* finding the machine the leader belongs to */
        REGISTER_STEP_ADD,      /* everything after: the machine, its cgroup, its tracking */
} RegisterStep;

/* What a refused registration was refused for, beyond its errno (filled on failure, like an
 * sd_bus_error; other is valid until the manager next changes). */
typedef struct RegisterFailure {
        RegisterStep step;
        /* -EBUSY, -EXDEV: the machine in the way. */
        const char *other;
        /* REGISTER_STEP_ADD: the back end's one line on what it could not do (a scope property it
         * cannot apply), "" when it said nothing. */
        char detail[512];
} RegisterFailure;

/* The rules of registration, for every transport. Refusals, at once (done is not called, nothing is
 * left behind):
 *   -EINVAL       the request is malformed (an invalid or reserved name, service, class, root
 *                 directory or interface list; a leader <= 1 or machined itself): transports check
 *                 these first, with messages of their own
 *   -EEXIST       a machine of that name exists (a dead leader's machine is collected first)
 *   -EBUSY        the leader leads another machine (failure->other)
 *   -ESRCH        the leader does not exist, or died during the registration
 *   -ECHILD       the leader is not a process but a thread (pidfd_open() refuses it)
 *   -EXDEV        the leader is a process of another machine (failure->other)
 *   -EADDRINUSE   the unit (the scope of that name, or the leader's unit) belongs to another machine
 *   other         the step in failure->step could not be done (EMFILE, ENOMEM, a cgroup error, ...)
 * failure->step is REGISTER_STEP_RULES for the codes above. An error given to done later is a rule's
 * code when it is -ESRCH, else an error of the ADD step (-ECANCELED: unregistered while opening).
 * Accepted (0): the machine is in the registry, opening, and the observers know it. done is called
 * exactly once: with 0 when it is running (at once for RegisterMachine and the cgroupfs back end; when
 * systemd's job finishes for a systemd back end), or with an error when it could not be placed or went
 * away before (-ESRCH when its leader died, -ECANCELED when it was unregistered), in which case it is
 * gone again. */
int manager_register_machine(Manager *m, const MachineRequest *req, MachineDone done, void *userdata,
                             RegisterFailure *failure);

/* Forgets the machine: state file, cgroup (when machined made it; with kill, whatever still runs
 * there is killed, without it the cgroup stays while it has processes and is removed once empty),
 * observers, free. */
void manager_remove_machine(Manager *m, Machine *machine, bool kill);

/* The machine goes to closing, and all of it is killed: through the back end (its unit, and for
 * cgroupfs the leader through its pidfd) or, without a cgroup, the leader through its pidfd. It leaves
 * the registry when its leader's exit is seen. Returns < 0 at once, or 0 and calls done once. A leader
 * that is gone already is no failure. */
int manager_terminate_machine(Manager *m, Machine *machine, MachineDone done, void *userdata);
/* KILL_ALL: sig to every process of the machine's cgroup, through the back end (the leader alone when
 * it has none); KILL_LEADER: the leader alone, through its pidfd. Returns like terminate. */
int manager_kill_machine(Manager *m, Machine *machine, KillWhom whom, int sig, MachineDone done,
                         void *userdata);

/* FreezeMachine (freeze) / ThawMachine: stops or resumes every process of the machine's cgroup
 * through the back end. The machine's freezer_state is freezing or thawing meanwhile (the observers
 * hear of each change), frozen or running after; its State does not change. Freezing a frozen machine
 * and thawing a running one succeed and change nothing. Refusals, at once (done is not called):
 *   -EALREADY     a freeze or thaw of the machine is in flight
 *   -EBUSY        the machine is still opening (it has no cgroup yet)
 *   -ESHUTDOWN    freeze of a machine that is closing (a thaw is allowed)
 *   -ENXIO        the machine has no cgroup of its own (RegisterMachine of a leader in the root)
 *   -EOPNOTSUPP   the back end or the cgroup has no freezer
 *   other         the back end's error
 * Accepted (0): done is called once, with 0, or with the back end's error (-ETIMEDOUT: the cgroup did
 * not freeze in time, and was thawed again), or -ECANCELED when the machine goes meanwhile. */
int manager_freeze_machine(Manager *m, Machine *machine, bool freeze, MachineDone done, void *userdata);
/* For manager.c: a machine that goes ends the freeze or thaw in flight with -ECANCELED. */
void manager_freeze_abort(Manager *m, Machine *machine);
void manager_notify_freezer(Manager *m, Machine *machine);

/* Reads the state files: re-adopts machines whose leader still lives and can be proven to be the
 * recorded one, drops those whose leader is gone, keeps (without adopting) those whose leader cannot be
 * checked now. Then collects the scopes machined made that no machine owns. Machines re-adopted are
 * running (closing if they were). */
int manager_load_machines(Manager *m);
