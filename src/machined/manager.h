/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "machine.h"
#include "machined-cgroup.h"

#define MACHINES_STATE_DIR "/run/systemd/machines"

/* The registry: the machines, their leaders' pidfds, their state files. */
struct Manager {
        sd_event *event;
        sd_bus *bus;
        Machine *machines;
        size_t n_machines;
        char *state_dir;
        int state_dir_fd;
        const CgroupBackend *cgroup;
        /* Scopes machined made that no machine owns any more, removed once empty (scope-gc.c). */
        struct ScopeWatch *scope_watches;
};

int manager_new(const char *state_dir, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

Machine *manager_get_machine(Manager *m, const char *name);
Machine *manager_get_machine_by_leader(Manager *m, pid_t pid);
/* The machine a process belongs to (its leader, or a process in its unit's cgroup); -ENXIO if none,
 * -ESRCH if the process does not exist. */
int manager_get_machine_by_pid(Manager *m, pid_t pid, Machine **ret);

/* True while the leader lives; a machine whose leader died but whose exit event is still queued is
 * collected right away, so that its name and leader are free again. */
bool manager_machine_gc(Manager *m, Machine *machine);

/* Takes ownership of machine (name, id, class, service, root, leader and its pidfd filled in): puts it
 * into its cgroup, watches its leader, writes the state file and announces it. On failure machine is
 * freed and nothing is left behind. */
int manager_add_machine(Manager *m, Machine *machine, bool create_scope);
/* Forgets the machine: state file, cgroup (when machined made it; with kill, whatever still runs
 * there is killed, without it the cgroup stays while it has processes and is removed once empty),
 * MachineRemoved, free. */
void manager_remove_machine(Manager *m, Machine *machine, bool kill);

/* SIGKILL to every process of the machine's cgroup (its unit's: the scope machined made, the scope nspawn
 * made, the unit a RegisterMachine'd leader lives in), and to the leader through its pidfd. */
int manager_terminate_machine(Manager *m, Machine *machine);
/* KILL_ALL: every process of the machine's cgroup (the leader alone when it has none); KILL_LEADER: the
 * leader alone, through its pidfd. */
int manager_kill_machine(Manager *m, Machine *machine, KillWhom whom, int sig);

/* Reads the state files: re-adopts machines whose leader still lives and can be proven to be the
 * recorded one, drops those whose leader is gone, keeps (without adopting) those whose leader cannot be
 * checked now. Then collects the scopes machined made that no machine owns. */
int manager_load_machines(Manager *m);

/* Hooks into the bus layer (manager-dbus.c). */
void manager_send_machine_signal(Manager *m, Machine *machine, bool added);
