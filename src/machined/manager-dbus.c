/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "log.h"
#include "machine-name.h"
#include "machine-validate.h"
#include "machine-dbus-copy.h"
#include "machine-dbus-pty.h"
#include "machined-bus.h"
#include "process-util.h"
#include "string-util.h"
#include "unit-property-read.h"

/* The org.freedesktop.machine1.Manager object: marshal, validate, authorize, call, reply. */

static int reply_machine_path(sd_bus_message *msg, const char *name) {
        _cleanup_free_ char *path = NULL;
        int r = bus_machine_path(name, &path);

        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_list_machines(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssso)");
        if (r < 0)
                return r;
        for (Machine *i = m->machines; i; i = i->next) {
                _cleanup_free_ char *path = NULL;

                r = bus_machine_path(i->name, &path);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "(ssso)", i->name, machine_class_to_string(i->class),
                                          i->service, path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        const char *name;
        int r;

        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = bus_lookup_machine(userdata, name, &machine, error);
        if (r < 0)
                return r;
        return reply_machine_path(msg, machine->name);
}

static int method_get_machine_by_pid(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        uint32_t upid;
        pid_t pid;
        int r;

        r = sd_bus_message_read(msg, "u", &upid);
        if (r < 0)
                return r;
        if (upid > INT32_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid PID %u", upid);
        pid = (pid_t) upid;
        if (pid == 0) {
                r = bus_sender_pid(msg, &pid);
                if (r < 0)
                        return r;
        }
        r = manager_get_machine_by_pid(userdata, pid, &machine);
        if (r == -ENXIO || r == -ESRCH)
                return sd_bus_error_setf(error, BUS_ERROR_NO_MACHINE_FOR_PID, "PID %d does not belong to any known machine",
                                         (int) pid);
        if (r < 0)
                return r;
        return reply_machine_path(msg, machine->name);
}

typedef struct CreateArgs {
        const char *name;
        const void *id;
        size_t id_size;
        const char *service;
        const char *class;
        uint32_t leader;
        const char *root_directory;
        const int32_t *ifindices;
        size_t n_ifindices;
        UnitProperties *properties;
} CreateArgs;

static int read_create_args(sd_bus_message *msg, bool with_network, bool with_properties, CreateArgs *a,
                            sd_bus_error *error) {
        size_t sz = 0;
        int r;

        r = sd_bus_message_read(msg, "s", &a->name);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(msg, 'y', &a->id, &a->id_size);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "ssus", &a->service, &a->class, &a->leader, &a->root_directory);
        if (r < 0)
                return r;
        if (with_network) {
                r = sd_bus_message_read_array(msg, 'i', (const void **) &a->ifindices, &sz);
                if (r < 0)
                        return r;
                a->n_ifindices = sz / sizeof(int32_t);
        }
        if (!with_properties)
                return 0;
        /* Validated as they are read: an unknown property or a bad value refuses the call, naming it. */
        return unit_properties_read_bus(msg, &a->properties, error);
}

static void create_args_done(CreateArgs *a) {
        unit_properties_free(a->properties);
}

static int validate_create_args(sd_bus_message *msg, CreateArgs *a, Id128 *ret_id, MachineClass *ret_class,
                                sd_bus_error *error) {
        if (!machine_name_is_valid(a->name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid machine name '%s'", BUS_ARG(a->name));
        if (!machine_name_is_registrable(a->name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The machine name '%s' is reserved (the path of the caller's own machine)",
                                         a->name);
        if (machine_id_from_bytes(a->id, a->id_size, ret_id) < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid machine ID: it must be 0 or 16 bytes");
        if (!machine_service_is_valid(a->service))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid service name");
        *ret_class = machine_class_from_string(a->class);
        if (*ret_class < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid machine class '%s'", BUS_ARG(a->class));
        if (!machine_root_directory_is_valid(a->root_directory))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The root directory must be empty or an absolute, normalized path");
        if (a->n_ifindices > MACHINE_NETIF_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Too many network interfaces (%zu): at most %d are allowed",
                                         a->n_ifindices, MACHINE_NETIF_MAX);
        if (!machine_ifindices_are_valid(a->ifindices, a->n_ifindices))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid network interface index");
        if (a->leader > INT32_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid leader PID %u", a->leader);
        if (a->leader == 0) {
                /* As in systemd: no leader means the caller itself. */
                pid_t pid;
                int r = bus_sender_pid(msg, &pid);
                if (r < 0)
                        return r;
                a->leader = (uint32_t) pid;
        }
        if (a->leader <= 1 || (pid_t) a->leader == getpid())
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "PID %u cannot lead a machine", a->leader);
        return 0;
}

/* The registry's refusals as the bus has always worded them. */
static int register_error(sd_bus_error *error, int r, const RegisterFailure *f, const char *name,
                          uint32_t leader) {
        if (f->step == REGISTER_STEP_RULES)
                switch (r) {
                case -EEXIST:
                        return sd_bus_error_setf(error, BUS_ERROR_MACHINE_EXISTS, "Machine '%s' already exists", name);
                case -EBUSY:
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "PID %u already leads machine '%s'",
                                                 leader, f->other);
                case -ESRCH:
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Leader PID %u does not exist", leader);
                case -ECHILD:
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "PID %u is not a process (a thread?)",
                                                 leader);
                case -EXDEV:
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "PID %u belongs to machine '%s'",
                                                 leader, f->other);
                case -EADDRINUSE:
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "The unit of leader PID %u already belongs to another machine", leader);
                case -EINVAL:
                        /* validate_create_args() said it first; this is what it missed. */
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid registration of machine '%s'",
                                                 BUS_ARG(name));
                }
        if (f->step == REGISTER_STEP_ADD && f->detail[0])
                return sd_bus_error_set(error, r == -EOPNOTSUPP ? SD_BUS_ERROR_NOT_SUPPORTED : SD_BUS_ERROR_INVALID_ARGS,
                                        f->detail);
        switch (f->step) {
        case REGISTER_STEP_LEADER:
                return sd_bus_error_set_errnof(error, r, "Failed to open a pidfd for leader PID %u: %m", leader);
        case REGISTER_STEP_LOOKUP:
                return sd_bus_error_set_errnof(error, r, "Failed to find the machine of PID %u: %m", leader);
        default:
                return sd_bus_error_set_errnof(error, r, "Failed to add machine '%s': %m", name);
        }
}

/* The registration is complete (at once, or when the back end's job finished): the reply. */
static void on_registered(const char *name, int error, void *userdata) {
        _cleanup_(bus_pending_freep) BusPending *p = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (error < 0) {
                RegisterFailure f = { .step = error == -ESRCH ? REGISTER_STEP_RULES : REGISTER_STEP_ADD };

                (void) register_error(&e, error, &f, name, p->leader);
                bus_pending_reply_error(p, &e);
                return;
        }
        r = reply_machine_path(p->msg, name);
        if (r < 0)
                log_warning_errno(r, "Failed to reply to the registration of machine %s, ignoring: %m", name);
}

static int method_create_or_register(sd_bus_message *msg, Manager *m, bool create, bool with_network,
                                     sd_bus_error *error) {
        _cleanup_(bus_pending_freep) BusPending *pending = NULL;
        RegisterFailure failure;
        MachineRequest req;
        _cleanup_(create_args_done) CreateArgs a = {};
        MachineClass class = MACHINE_CONTAINER;
        Id128 id = {};
        int r;

        r = read_create_args(msg, with_network, create, &a, error);
        if (r < 0)
                return r;
        r = validate_create_args(msg, &a, &id, &class, error);
        if (r < 0)
                return r;
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;

        req = (MachineRequest) {
                .name = a.name,
                .id = id,
                .service = a.service,
                .class = class,
                .leader = (pid_t) a.leader,
                .root_directory = a.root_directory,
                .ifindices = a.ifindices,
                .n_ifindices = a.n_ifindices,
                .create_scope = create,
                .properties = a.properties,
        };
        r = bus_pending_new(msg, &pending);
        if (r < 0)
                return r;
        pending->leader = a.leader;
        r = manager_register_machine(m, &req, on_registered, pending, &failure);
        if (r < 0)
                return register_error(error, r, &failure, a.name, a.leader);
        /* Answered by on_registered(), which owns the call from here on. */
        TAKE_PTR(pending);
        return 1;
}

static int method_create_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_create_or_register(msg, userdata, true, false, error);
}

static int method_create_machine_with_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_create_or_register(msg, userdata, true, true, error);
}

static int method_register_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_create_or_register(msg, userdata, false, false, error);
}

static int method_register_machine_with_network(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return method_create_or_register(msg, userdata, false, true, error);
}

/* Reads the name and finds the machine; authorization is left to the caller (before any effect). */
static int method_unregister_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        /* As in systemd: unregistering forgets the machine, it does not stop it. */
        manager_remove_machine(userdata, machine, false);
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_terminate_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_terminate(msg, machine, error);
}

static int method_kill_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *whom;
        Machine *machine;
        int32_t sig;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "si", &whom, &sig);
        if (r < 0)
                return r;
        return bus_machine_kill(msg, machine, whom, sig, error);
}

static int method_freeze_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_freeze(msg, machine, true, error);
}

static int method_thaw_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_freeze(msg, machine, false, error);
}

static int method_get_machine_os_release(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_get_os_release(msg, machine, error);
}

static int method_get_machine_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_get_addresses(msg, machine, error);
}

#define CREATE_ARGS "s", name, "ay", id, "s", service, "s", class, "u", leader, "s", root_directory
#define U SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        /* PoolPath, PoolUsage, PoolLimit and the image methods: manager-dbus-image.c. */
        SD_BUS_METHOD_WITH_ARGS("GetMachine", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", machine),
                                method_get_machine, U),
        SD_BUS_METHOD_WITH_ARGS("GetMachineByPID", SD_BUS_ARGS("u", pid), SD_BUS_RESULT("o", machine),
                                method_get_machine_by_pid, U),
        SD_BUS_METHOD_WITH_ARGS("ListMachines", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssso)", machines),
                                method_list_machines, U),
        SD_BUS_METHOD_WITH_ARGS("CreateMachine", SD_BUS_ARGS(CREATE_ARGS, "a(sv)", scope_properties),
                                SD_BUS_RESULT("o", path), method_create_machine, U),
        SD_BUS_METHOD_WITH_ARGS("CreateMachineWithNetwork",
                                SD_BUS_ARGS(CREATE_ARGS, "ai", ifindices, "a(sv)", scope_properties),
                                SD_BUS_RESULT("o", path), method_create_machine_with_network, U),
        SD_BUS_METHOD_WITH_ARGS("RegisterMachine", SD_BUS_ARGS(CREATE_ARGS), SD_BUS_RESULT("o", path),
                                method_register_machine, U),
        SD_BUS_METHOD_WITH_ARGS("RegisterMachineWithNetwork", SD_BUS_ARGS(CREATE_ARGS, "ai", ifindices),
                                SD_BUS_RESULT("o", path), method_register_machine_with_network, U),
        SD_BUS_METHOD_WITH_ARGS("UnregisterMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_unregister_machine, U),
        SD_BUS_METHOD_WITH_ARGS("TerminateMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_terminate_machine, U),
        SD_BUS_METHOD_WITH_ARGS("KillMachine", SD_BUS_ARGS("s", name, "s", who, "i", signal), SD_BUS_NO_RESULT,
                                method_kill_machine, U),
        /* Extensions of machine1 (cgroup freezer); clients that do not know them never see them. */
        SD_BUS_METHOD_WITH_ARGS("FreezeMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_freeze_machine, U),
        SD_BUS_METHOD_WITH_ARGS("ThawMachine", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_thaw_machine, U),
        SD_BUS_METHOD_WITH_ARGS("GetMachineAddresses", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a(iay)", addresses),
                                method_get_machine_addresses, U),
        SD_BUS_METHOD_WITH_ARGS("GetMachineOSRelease", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a{ss}", fields),
                                method_get_machine_os_release, U),
        SD_BUS_SIGNAL_WITH_ARGS("MachineNew", SD_BUS_ARGS("s", machine, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS("MachineRemoved", SD_BUS_ARGS("s", machine, "o", path), 0),
        SD_BUS_VTABLE_END
};

typedef struct PendingSignal {
        Manager *manager;
        sd_event_source *source;
        bool added;
        char *name;
        char *path;
} PendingSignal;

static void emit_machine_signal(Manager *m, const char *name, const char *path, bool added) {
        int r = sd_bus_emit_signal(m->bus, MACHINE1_PATH, MACHINE1_MANAGER_INTERFACE,
                                   added ? "MachineNew" : "MachineRemoved", "so", name, path);
        if (r < 0)
                log_warning_errno(r, "Failed to send %s for machine %s, ignoring: %m",
                                  added ? "MachineNew" : "MachineRemoved", name);
}

static int on_pending_signal(sd_event_source *s, void *userdata) {
        PendingSignal *p = userdata;

        emit_machine_signal(p->manager, p->name, p->path, p->added);
        /* Not floating: libsystemd 252 keeps a floating one-shot source until the loop ends. */
        sd_event_source_unref(p->source);
        free(p->name);
        free(p->path);
        free(p);
        return 0;
}

/* Sent from a defer source, after the method call that caused it has its reply on the wire: the
 * caller does not wait for the bus daemon to broadcast the signal first. */
static void send_machine_signal(Manager *m, Machine *machine, bool added) {
        _cleanup_free_ char *path = NULL;
        PendingSignal *p;

        if (!m->bus || bus_machine_path(machine->name, &path) < 0)
                return;
        p = calloc(1, sizeof(*p));
        if (p) {
                *p = (PendingSignal) { .manager = m, .added = added,
                                       .name = strdup(machine->name), .path = strdup(path) };
                if (p->name && p->path && m->event &&
                    sd_event_add_defer(m->event, &p->source, on_pending_signal, p) >= 0)
                        return;
                free(p->name);
                free(p->path);
                free(p);
        }
        emit_machine_signal(m, machine->name, path, added);
}

static void on_machine_added(Manager *m, Machine *machine, void *userdata) {
        send_machine_signal(m, machine, true);
}

static void on_machine_removed(Manager *m, Machine *machine, void *userdata) {
        send_machine_signal(m, machine, false);
}

static void on_machine_freezer_changed(Manager *m, Machine *machine, void *userdata) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (!m->bus)
                return;
        r = bus_machine_path(machine->name, &path);
        if (r >= 0)
                r = sd_bus_emit_properties_changed(m->bus, path, MACHINE1_MACHINE_INTERFACE, "FreezerState", NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to send PropertiesChanged for machine %s, ignoring: %m", machine->name);
}

static void on_manager_detach(Manager *m, void *userdata) {
        m->bus = sd_bus_flush_close_unref(m->bus);
}

static const MachineObserverOps bus_observer = {
        .added = on_machine_added,
        .removed = on_machine_removed,
        .freezer_changed = on_machine_freezer_changed,
        .detach = on_manager_detach,
};

int manager_dbus_register(Manager *m) {
        int r;

        r = manager_add_observer(m, &bus_observer, NULL);
        if (r < 0) {
                m->bus = sd_bus_flush_close_unref(m->bus);
                return r;
        }
        r = sd_bus_add_object_vtable(m->bus, NULL, MACHINE1_PATH, MACHINE1_MANAGER_INTERFACE, manager_vtable, m);
        if (r >= 0)
                r = manager_dbus_copy_register(m);
        if (r >= 0)
                r = manager_dbus_pty_register(m);
        return r;
}
