/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "log.h"
#include "machine-state.h"
#include "manager.h"
#include "string-util.h"

/* FreezeMachine and ThawMachine (extensions of machine1): the manager's side. The back end does the
 * work and says, through machine->frozen, where the freezer ended up; the manager keeps the
 * transitional states (freezing, thawing) that systemd's FreezerState also shows, one operation at a
 * time per machine. */

void manager_notify_freezer(Manager *m, Machine *machine) {
        for (MachineObserver *o = m->observers; o; o = o->next)
                if (o->ops->freezer_changed)
                        o->ops->freezer_changed(m, machine, o->userdata);
}

static void set_freezer_state(Manager *m, Machine *machine, FreezerState s) {
        if (machine->freezer_state == s)
                return;
        machine->freezer_state = s;
        manager_notify_freezer(m, machine);
}

static void on_backend_frozen(const char *name, int error, void *userdata) {
        Machine *machine = userdata;
        Manager *m = machine->manager;
        MachineDone done = machine->freeze_done;
        void *done_userdata = machine->freeze_userdata;
        bool freezing = machine->freezer_state == FREEZER_FREEZING;
        int r;

        machine->freeze_done = NULL;
        machine->freeze_userdata = NULL;
        set_freezer_state(m, machine, machine->frozen ? FREEZER_FROZEN : FREEZER_RUNNING);
        /* A restarted machined shows the machine as it was left. */
        r = machine_state_save(m->state_dir_fd, machine);
        if (r < 0)
                log_warning_errno(r, "Failed to write the state file of machine %s, ignoring: %m", name);
        if (error < 0)
                log_warning_errno(error, "Failed to %s machine %s: %m", freezing ? "freeze" : "thaw", name);
        else
                log_info("Machine %s %s.", name, machine->frozen ? "frozen" : "thawed");
        if (done)
                done(name, error, done_userdata);
}

int manager_freeze_machine(Manager *m, Machine *machine, bool freeze, MachineDone done, void *userdata) {
        FreezerState previous = machine->freezer_state;
        int r;

        if (!m->cgroup->freeze)
                return -EOPNOTSUPP;
        if (machine->freeze_done)
                return -EALREADY;
        if (machine->state == MACHINE_OPENING)
                return -EBUSY;
        if (freeze && machine->state == MACHINE_CLOSING)
                return -ESHUTDOWN;
        if (!machine->cgroup || streq(machine->cgroup, "/"))
                return -ENXIO;

        machine->freeze_done = done;
        machine->freeze_userdata = userdata;
        set_freezer_state(m, machine, freeze ? FREEZER_FREEZING : FREEZER_THAWING);
        /* The back end may finish at once, inside this call (on_backend_frozen() then answers). */
        r = m->cgroup->freeze(machine, freeze, on_backend_frozen, machine);
        if (r < 0) {
                machine->freeze_done = NULL;
                machine->freeze_userdata = NULL;
                set_freezer_state(m, machine, previous);
                return r;
        }
        return 0;
}

void manager_freeze_abort(Manager *m, Machine *machine) {
        MachineDone done = machine->freeze_done;

        if (!done)
                return;
        machine->freeze_done = NULL;
        done(machine->name, -ECANCELED, machine->freeze_userdata);
        machine->freeze_userdata = NULL;
}
