/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "fd-util.h"
#include "log.h"
#include "machined-systemd.h"
#include "manager.h"
#include "process-util.h"
#include "string-util.h"
#include "unit-name.h"
#include "unit-property.h"

/* The systemd back end: a machine's processes live in a unit of PID 1's. CreateMachine asks for the
 * transient scope machine-NAME.scope and answers when its start job finished; the machine leaves the
 * registry when its unit stops (ActiveState inactive or failed) or is unloaded. The tasks limit every
 * container gets is the scope's TasksMax= (the caller's properties come after it, so theirs wins). */

#define SCOPE_TASKS_MAX_DEFAULT UINT64_C(16384)

typedef enum SystemdOpKind {
        OP_START,
        OP_STOP,
        OP_KILL,
        OP_FREEZE,
        OP_THAW,
} SystemdOpKind;

/* A call to PID 1 for a machine, until it (and for a start, its job) is done. */
typedef struct SystemdOp {
        struct SystemdOp *next;
        SystemdBackend *backend;
        Machine *machine;
        SystemdOpKind kind;
        sd_bus_slot *slot;
        char *job;              /* OP_START: the start job's path, once StartTransientUnit answered */
        bool pidfds;            /* OP_START: the leader went as PIDFDs */
        MachineDone done;
        void *userdata;
} SystemdOp;

struct SystemdBackend {
        Manager *manager;
        sd_bus *bus;
        sd_bus_slot *matches[3];
        SystemdOp *ops;
        /* PID 1 refused PIDFDs once (systemd < 253, say): the leader goes as PIDs from then on. */
        bool no_pidfds;
};

static SystemdBackend *backend_of(Machine *m) {
        return m->manager ? m->manager->systemd : NULL;
}

static void op_unlink(SystemdOp *op) {
        for (SystemdOp **i = &op->backend->ops; *i; i = &(*i)->next)
                if (*i == op) {
                        *i = op->next;
                        break;
                }
        op->next = NULL;
}

static void op_free(SystemdOp *op) {
        if (!op)
                return;
        sd_bus_slot_unref(op->slot);
        free(op->job);
        free(op);
}

/* The op ends: out of the list and freed first, since done may remove the machine (and cancel). */
static void op_finish(SystemdOp *op, int error) {
        MachineDone done = op->done;
        void *userdata = op->userdata;
        _cleanup_free_ char *name = strdup(op->machine->name);

        op_unlink(op);
        op_free(op);
        done(name ?: "", error, userdata);
}

static int op_new(Machine *m, SystemdOpKind kind, MachineDone done, void *userdata, SystemdOp **ret) {
        SystemdBackend *b = backend_of(m);
        SystemdOp *op;

        if (!b)
                return -ENOTCONN;
        op = calloc(1, sizeof(*op));
        if (!op)
                return -ENOMEM;
        *op = (SystemdOp) { .backend = b, .machine = m, .kind = kind, .done = done, .userdata = userdata };
        *ret = op;
        return 0;
}

static void op_link(SystemdOp *op) {
        op->next = op->backend->ops;
        op->backend->ops = op;
}

static int error_from_reply(sd_bus_message *reply, const char *what, const char *unit) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int r = sd_bus_error_get_errno(e);

        log_warning("Failed to %s unit %s: %s", what, unit, e && e->message ? e->message : strerror(r));
        return r > 0 ? -r : -EIO;
}

static const UnitPropertyBusApi bus_api = {
        .append = sd_bus_message_append,
        .open_container = sd_bus_message_open_container,
        .close_container = sd_bus_message_close_container,
};

static int append_leader(sd_bus_message *msg, Machine *m, bool pidfds) {
        int r;

        if (!pidfds)
                return sd_bus_message_append(msg, "(sv)", "PIDs", "au", 1, (uint32_t) m->leader);
        r = sd_bus_message_open_container(msg, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", "PIDFDs");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'v', "ah");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ah", 1, m->leader_pidfd);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        return r;
}

static int start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error);

/* StartTransientUnit for the machine's scope, as systemd-machined asks for it. */
static int start_send(SystemdOp *op) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        Machine *m = op->machine;
        const char *slice = unit_properties_get_slice(m->properties) ?: "machine.slice";
        _cleanup_free_ char *description = strjoin(m->class == MACHINE_VM ? "Virtual Machine " : "Container ",
                                                   m->name);
        int r;

        if (!description)
                return -ENOMEM;
        op->slot = sd_bus_slot_unref(op->slot);
        r = sd_bus_message_new_method_call(op->backend->bus, &msg, SYSTEMD1_BUS_NAME, SYSTEMD1_PATH,
                                           SYSTEMD1_MANAGER_INTERFACE, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", m->unit, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "(sv)");
        /* The caller's Slice= comes with its properties (below): one Slice= in the message. */
        if (r >= 0 && !unit_properties_get_slice(m->properties))
                r = sd_bus_message_append(msg, "(sv)", "Slice", "s", slice);
        if (r >= 0)
                r = sd_bus_message_append(msg, "(sv)(sv)(sv)(sv)(sv)",
                                          "Description", "s", description,
                                          "Delegate", "b", 1,
                                          "CollectMode", "s", "inactive-or-failed",
                                          "AddRef", "b", 1,
                                          "TasksMax", "t", SCOPE_TASKS_MAX_DEFAULT);
        if (r >= 0)
                r = append_leader(msg, m, op->pidfds);
        if (r >= 0)
                r = unit_properties_append_bus(&bus_api, msg, m->properties);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r >= 0)
                r = sd_bus_call_async(op->backend->bus, &op->slot, msg, start_reply, op, 0);
        return r;
}

static bool error_is_unknown_property(const sd_bus_error *e) {
        /* What systemd answers for a transient property it does not know. */
        return sd_bus_error_has_name(e, SD_BUS_ERROR_PROPERTY_READ_ONLY) ||
               sd_bus_error_has_name(e, SD_BUS_ERROR_UNKNOWN_PROPERTY);
}

static int start_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        SystemdOp *op = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *job;
        int r;

        op->slot = sd_bus_slot_unref(op->slot);
        if (e && op->pidfds && error_is_unknown_property(e)) {
                log_debug("systemd does not take PIDFDs (%s), passing the leader as PIDs.", e->message ?: e->name);
                op->backend->no_pidfds = true;
                op->pidfds = false;
                r = start_send(op);
                if (r < 0)
                        op_finish(op, r);
                return 0;
        }
        if (e) {
                op_finish(op, error_from_reply(reply, "start", op->machine->unit));
                return 0;
        }
        r = sd_bus_message_read(reply, "o", &job);
        if (r >= 0) {
                op->job = strdup(job);
                if (!op->job)
                        r = -ENOMEM;
        }
        if (r < 0)
                op_finish(op, r);
        /* Else JobRemoved finishes it. */
        return 0;
}

/* The start job is over: with "done" the leader lives in the scope. */
static void start_job_done(SystemdOp *op, const char *result) {
        Machine *m = op->machine;
        int r = job_result_to_errno(result);

        if (r < 0) {
                log_warning("Start job for unit %s finished with result '%s'.", m->unit, result);
                op_finish(op, r);
                return;
        }
        _cleanup_free_ char *slice = NULL;
        r = slice_cgroup_path(unit_properties_get_slice(m->properties) ?: "machine.slice", &slice);
        if (r >= 0) {
                free(m->cgroup);
                m->cgroup = strjoin(slice, "/", m->unit);
                r = m->cgroup ? 0 : -ENOMEM;
        }
        /* The unit is PID 1's: it goes when it stops, machined neither kills nor removes it. */
        m->own_cgroup = false;
        op_finish(op, r);
}

static int systemd_create_scope(Machine *m, MachineDone done, void *userdata) {
        _cleanup_free_ char *unit = machine_scope_unit_name(m->name);
        SystemdOp *op;
        int r;

        if (!unit)
                return -ENOMEM;
        r = op_new(m, OP_START, done, userdata, &op);
        if (r < 0)
                return r;
        free(m->unit);
        m->unit = TAKE_PTR(unit);
        op->pidfds = !op->backend->no_pidfds && m->leader_pidfd >= 0;
        r = start_send(op);
        if (r < 0) {
                op_free(op);
                return r;
        }
        op_link(op);
        return 0;
}

static int simple_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        static const char *const what[] = {
                [OP_STOP] = "stop", [OP_KILL] = "kill", [OP_FREEZE] = "freeze", [OP_THAW] = "thaw",
        };
        SystemdOp *op = userdata;
        Machine *m = op->machine;
        int r = 0;

        op->slot = sd_bus_slot_unref(op->slot);
        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);
                if (op->kind == OP_STOP && sd_bus_error_has_name(e, "org.freedesktop.systemd1.NoSuchUnit")) {
                        /* The unit is gone already: what is left of the machine is its leader. */
                        r = pidfd_send_signal_(m->leader_pidfd, SIGKILL);
                        if (r == -ESRCH)
                                r = 0;
                } else
                        r = error_from_reply(reply, what[op->kind], m->unit);
        } else if (op->kind == OP_FREEZE || op->kind == OP_THAW)
                m->frozen = op->kind == OP_FREEZE;
        op_finish(op, r);
        return 0;
}

/* A method of systemd's Manager that takes the unit name first, answered by simple_reply(). */
static int call_unit_method(Machine *m, SystemdOpKind kind, MachineDone done, void *userdata,
                            const char *method, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL;
        SystemdOp *op;
        va_list ap;
        int r;

        if (isempty(m->unit))
                return -ENXIO;
        r = op_new(m, kind, done, userdata, &op);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(op->backend->bus, &msg, SYSTEMD1_BUS_NAME, SYSTEMD1_PATH,
                                           SYSTEMD1_MANAGER_INTERFACE, method);
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", m->unit);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(msg, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call_async(op->backend->bus, &op->slot, msg, simple_reply, op, 0);
        if (r < 0) {
                op_free(op);
                return r;
        }
        op_link(op);
        return 0;
}

static int systemd_terminate(Machine *m, MachineDone done, void *userdata) {
        _cleanup_free_ char *scope = machine_scope_unit_name(m->name);
        int r;

        if (!scope)
                return -ENOMEM;
        r = call_unit_method(m, OP_STOP, done, userdata, "StopUnit", "s", "replace");
        if (r < 0)
                return r;
        /* The stop sends SIGTERM, which a container's PID 1 may ignore (a plain payload as PID 1 of
         * its namespace does), and waits 90 s before SIGKILL: the machine's own scope gets what the
         * cgroupfs back end gives it, SIGKILL to the leader, which ends its PID namespace. A unit
         * that is not the machine's scope (RegisterMachine's service) stops as its unit file says. */
        if (streq(m->unit, scope)) {
                r = pidfd_send_signal_(m->leader_pidfd, SIGKILL);
                if (r < 0 && r != -ESRCH)
                        log_debug_errno(r, "Failed to kill the leader of machine %s, ignoring: %m", m->name);
        }
        return 0;
}

static int systemd_kill(Machine *m, int sig, MachineDone done, void *userdata) {
        /* The manager sends KILL_LEADER through the leader's pidfd; this is KILL_ALL. */
        return call_unit_method(m, OP_KILL, done, userdata, "KillUnit", "si", "all", (int32_t) sig);
}

static int systemd_freeze(Machine *m, bool freeze, MachineDone done, void *userdata) {
        return call_unit_method(m, freeze ? OP_FREEZE : OP_THAW, done, userdata,
                                freeze ? "FreezeUnit" : "ThawUnit", NULL);
}

/* The machine goes: a start in flight is dropped (the manager answers its caller); the other calls are
 * answered now, since their reply would never come through: a stop or a kill has what it asked for
 * (often it is why the machine went: the leader's exit may be seen before systemd's reply), a freeze
 * or thaw did not happen to a machine that exists. */
static void systemd_cancel(Machine *m) {
        SystemdBackend *b = backend_of(m);

        if (!b)
                return;
        for (SystemdOp *op = b->ops, *next; op; op = next) {
                next = op->next;
                if (op->machine != m)
                        continue;
                /* A start is decided by the manager; a freeze or thaw is answered by
                 * manager_freeze_abort() (-ECANCELED), as on cgroupfs. */
                if (op->kind == OP_START || op->kind == OP_FREEZE || op->kind == OP_THAW) {
                        op_unlink(op);
                        op_free(op);
                } else
                        op_finish(op, 0);
        }
}

/* The unit stopped or went: its machine (unless it is still opening, which its start job decides)
 * leaves the registry. */
static void unit_gone(SystemdBackend *b, const char *unit, const char *why) {
        for (Machine *m = b->manager->machines; m; m = m->next)
                if (m->state != MACHINE_OPENING && streq(m->unit, unit)) {
                        log_debug("Unit %s of machine %s %s.", unit, m->name, why);
                        manager_remove_machine(b->manager, m, false);
                        return;
                }
}

static int on_job_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        SystemdBackend *b = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(msg, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        for (SystemdOp *op = b->ops; op; op = op->next)
                if (op->kind == OP_START && op->job && streq(op->job, path)) {
                        start_job_done(op, result);
                        break;
                }
        return 0;
}

static int on_unit_removed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        const char *unit, *path;

        if (sd_bus_message_read(msg, "so", &unit, &path) >= 0)
                unit_gone(userdata, unit, "was unloaded");
        return 0;
}

static int on_properties_changed(sd_bus_message *msg, void *userdata, sd_bus_error *ret_error) {
        _cleanup_free_ char *unit = NULL;
        const char *interface, *name, *state;

        if (sd_bus_message_read(msg, "s", &interface) < 0 || !streq(interface, SYSTEMD1_UNIT_INTERFACE) ||
            unit_name_from_dbus_path(sd_bus_message_get_path(msg), &unit) < 0)
                return 0;
        if (sd_bus_message_enter_container(msg, 'a', "{sv}") <= 0)
                return 0;
        while (sd_bus_message_enter_container(msg, 'e', "sv") > 0) {
                if (sd_bus_message_read(msg, "s", &name) < 0)
                        return 0;
                if (!streq(name, "ActiveState")) {
                        if (sd_bus_message_skip(msg, "v") < 0)
                                return 0;
                } else if (sd_bus_message_read(msg, "v", "s", &state) >= 0) {
                        if (unit_active_state_is_stopped(state))
                                unit_gone(userdata, unit, state);
                        return 0;
                } else
                        return 0;
                if (sd_bus_message_exit_container(msg) < 0)
                        return 0;
        }
        return 0;
}

static int systemd_adopt_unit(Machine *m) {
        return cgroup_backend_cgroupfs.adopt_unit(m);
}

static int systemd_leader_in_unit(Machine *m) {
        return cgroup_backend_cgroupfs.leader_in_unit(m);
}

static int systemd_remove_scope(Machine *m, bool kill) {
        /* Never ours: PID 1 removes its units' cgroups. */
        return 0;
}

static int systemd_pid_get_cgroup(pid_t pid, int pidfd, char **ret) {
        return cgroup_backend_cgroupfs.pid_get_cgroup(pid, pidfd, ret);
}

static int systemd_scope_is_ours(const char *cgroup) {
        return 0;
}

static void systemd_shutdown(Manager *manager) {
        SystemdBackend *b = manager->systemd;

        if (!b)
                return;
        while (b->ops) {
                SystemdOp *op = b->ops;
                op_unlink(op);
                op_free(op);
        }
        for (size_t i = 0; i < ELEMENTSOF(b->matches); i++)
                sd_bus_slot_unref(b->matches[i]);
        sd_bus_flush_close_unref(b->bus);
        free(b);
        manager->systemd = NULL;
}

const CgroupBackend cgroup_backend_systemd = {
        .name = "systemd",
        .create_scope = systemd_create_scope,
        .terminate = systemd_terminate,
        .kill = systemd_kill,
        .cancel = systemd_cancel,
        .freeze = systemd_freeze,
        .adopt_unit = systemd_adopt_unit,
        .leader_in_unit = systemd_leader_in_unit,
        .remove_scope = systemd_remove_scope,
        .pid_get_cgroup = systemd_pid_get_cgroup,
        .scope_is_ours = systemd_scope_is_ours,
        .shutdown = systemd_shutdown,
};

static int backend_connect(SystemdBackend *b, sd_event *event) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_open_system(&b->bus);
        if (r < 0)
                return r;
        /* The signals first, then Subscribe: nothing that happens after it is missed. */
        r = sd_bus_match_signal(b->bus, &b->matches[0], SYSTEMD1_BUS_NAME, SYSTEMD1_PATH,
                                SYSTEMD1_MANAGER_INTERFACE, "JobRemoved", on_job_removed, b);
        if (r >= 0)
                r = sd_bus_match_signal(b->bus, &b->matches[1], SYSTEMD1_BUS_NAME, SYSTEMD1_PATH,
                                        SYSTEMD1_MANAGER_INTERFACE, "UnitRemoved", on_unit_removed, b);
        if (r >= 0)
                r = sd_bus_add_match(b->bus, &b->matches[2],
                                     "type='signal',sender='" SYSTEMD1_BUS_NAME "',"
                                     "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                                     "path_namespace='/org/freedesktop/systemd1/unit',"
                                     "arg0='" SYSTEMD1_UNIT_INTERFACE "'",
                                     on_properties_changed, b);
        if (r < 0)
                return r;
        /* Also the proof that PID 1 answers on the bus. */
        r = sd_bus_call_method(b->bus, SYSTEMD1_BUS_NAME, SYSTEMD1_PATH, SYSTEMD1_MANAGER_INTERFACE,
                               "Subscribe", &e, NULL, NULL);
        if (r < 0)
                return log_debug_errno(r, "systemd does not answer on the bus: %s", e.message ?: strerror(-r));
        return sd_bus_attach_event(b->bus, event, SD_EVENT_PRIORITY_NORMAL);
}

int manager_setup_systemd(Manager *m) {
        _cleanup_free_ SystemdBackend *b = NULL;
        int r;

        if (access("/run/systemd/system", F_OK) < 0) {
                log_debug("Using the cgroupfs back end: PID 1 is not systemd (no /run/systemd/system).");
                return 0;
        }
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->manager = m;
        r = backend_connect(b, m->event);
        if (r < 0) {
                for (size_t i = 0; i < ELEMENTSOF(b->matches); i++)
                        sd_bus_slot_unref(b->matches[i]);
                sd_bus_flush_close_unref(b->bus);
                log_debug_errno(r, "Using the cgroupfs back end: systemd is not reachable on the bus: %m");
                return 0;
        }
        m->systemd = TAKE_PTR(b);
        m->cgroup = &cgroup_backend_systemd;
        log_debug("Using the systemd back end: PID 1 is systemd and answers on the bus.");
        return 1;
}
