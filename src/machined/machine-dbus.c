/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "machine-addresses.h"
#include "machine-dbus-copy.h"
#include "machine-name.h"
#include "machine-validate.h"
#include "machine-dbus-pty.h"
#include "machined-bus.h"
#include "os-release.h"
#include "string-util.h"
#include "strv.h"

/* The org.freedesktop.machine1.Machine objects: marshal, validate, authorize, call, reply.
 * Error messages in replies are not translated: the daemon's locale is not the reader's, and clients
 * (machinectl) show them with their own context, as systemd's do. */

static void on_terminated(const char *name, int error, void *userdata) {
        _cleanup_(bus_pending_freep) BusPending *p = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (error < 0) {
                (void) sd_bus_error_set_errnof(&e, error, "Failed to terminate machine '%s': %m", name);
                bus_pending_reply_error(p, &e);
                return;
        }
        r = sd_bus_reply_method_return(p->msg, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to reply to the termination of machine %s, ignoring: %m", name);
}

static void on_killed(const char *name, int error, void *userdata) {
        _cleanup_(bus_pending_freep) BusPending *p = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (error < 0) {
                (void) sd_bus_error_set_errnof(&e, error, "Failed to kill machine '%s': %m", name);
                bus_pending_reply_error(p, &e);
                return;
        }
        r = sd_bus_reply_method_return(p->msg, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to reply to the kill of machine %s, ignoring: %m", name);
}

int bus_machine_terminate(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        _cleanup_(bus_pending_freep) BusPending *pending = NULL;
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        r = bus_pending_new(msg, &pending);
        if (r < 0)
                return r;
        r = manager_terminate_machine(machine->manager, machine, on_terminated, pending);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to terminate machine '%s': %m", machine->name);
        TAKE_PTR(pending); /* on_terminated() answers. */
        return 1;
}

int bus_machine_kill(sd_bus_message *msg, Machine *machine, const char *whom, int sig, sd_bus_error *error) {
        _cleanup_(bus_pending_freep) BusPending *pending = NULL;
        KillWhom w = kill_whom_from_string(whom);
        int r;

        if (w < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid kill parameter '%s'", BUS_ARG(whom));
        if (!machine_signal_is_valid(sig))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal %i", sig);
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        r = bus_pending_new(msg, &pending);
        if (r < 0)
                return r;
        r = manager_kill_machine(machine->manager, machine, w, sig, on_killed, pending);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to kill machine '%s': %m", machine->name);
        TAKE_PTR(pending); /* on_killed() answers. */
        return 1;
}

static void reply_freeze(BusPending *p, const char *name, int error, bool freeze) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        if (error == -ETIMEDOUT && freeze)
                (void) sd_bus_error_set_errnof(&e, error, "Failed to freeze machine '%s': its processes did not all "
                                               "freeze in time (thawed again)", name);
        else if (error == -ECANCELED)
                (void) sd_bus_error_setf(&e, BUS_ERROR_NO_SUCH_MACHINE, "Machine '%s' went away", name);
        else if (error < 0)
                (void) sd_bus_error_set_errnof(&e, error, "Failed to %s machine '%s': %m",
                                               freeze ? "freeze" : "thaw", name);
        if (error < 0) {
                bus_pending_reply_error(p, &e);
                return;
        }
        r = sd_bus_reply_method_return(p->msg, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to reply to the %s of machine %s, ignoring: %m",
                                  freeze ? "freeze" : "thaw", name);
}

static void on_frozen(const char *name, int error, void *userdata) {
        _cleanup_(bus_pending_freep) BusPending *p = userdata;
        reply_freeze(p, name, error, true);
}

static void on_thawed(const char *name, int error, void *userdata) {
        _cleanup_(bus_pending_freep) BusPending *p = userdata;
        reply_freeze(p, name, error, false);
}

/* The manager's refusals, worded for the bus. */
static int freeze_error(sd_bus_error *error, int r, const Machine *machine, bool freeze) {
        const char *what = freeze ? "freeze" : "thaw";

        switch (r) {
        case -EALREADY:
                return sd_bus_error_setf(error, BUS_ERROR_MACHINE_BUSY,
                                         "Machine '%s' is being frozen or thawed already", machine->name);
        case -EBUSY:
                return sd_bus_error_setf(error, BUS_ERROR_MACHINE_BUSY, "Machine '%s' is still opening",
                                         machine->name);
        case -ESHUTDOWN:
                return sd_bus_error_setf(error, BUS_ERROR_MACHINE_BUSY, "Machine '%s' is closing", machine->name);
        case -ENXIO:
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "Machine '%s' has no cgroup of its own to %s", machine->name, what);
        case -EOPNOTSUPP:
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "The cgroup of machine '%s' has no freezer (neither cgroup.freeze nor "
                                         "a cgroup v1 freezer hierarchy)", machine->name);
        default:
                return sd_bus_error_set_errnof(error, r, "Failed to %s machine '%s': %m", what, machine->name);
        }
}

int bus_machine_freeze(sd_bus_message *msg, Machine *machine, bool freeze, sd_bus_error *error) {
        _cleanup_(bus_pending_freep) BusPending *pending = NULL;
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        r = bus_pending_new(msg, &pending);
        if (r < 0)
                return r;
        r = manager_freeze_machine(machine->manager, machine, freeze, freeze ? on_frozen : on_thawed, pending);
        if (r < 0)
                return freeze_error(error, r, machine, freeze);
        TAKE_PTR(pending); /* on_frozen() or on_thawed() answers. */
        return 1;
}

int bus_machine_get_os_release(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        /* A VM's leader is a host process (qemu): its root says nothing about the guest. */
        if (machine->class != MACHINE_CONTAINER)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "Requesting OS release data is only supported on container machines.");
        r = os_release_read_pid(machine->leader, machine->leader_pidfd, &text);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_MACHINE, "Machine '%s' is gone.", machine->name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the OS release of machine '%s': %m",
                                               machine->name);
        r = os_release_parse(text, &l);
        if (r < 0)
                return r;
        return bus_reply_pairs(msg, l);
}

int bus_machine_get_addresses(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ MachineAddress *list = NULL;
        size_t n = 0;
        int r;

        if (machine->class != MACHINE_CONTAINER)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "Requesting IP address data is only supported on container machines.");
        r = machine_get_addresses(machine->leader, machine->leader_pidfd, &list, &n);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_MACHINE, "Machine '%s' is gone.", machine->name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the addresses of machine '%s': %m",
                                               machine->name);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(iay)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = sd_bus_message_open_container(reply, 'r', "iay");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "i", list[i].family);
                if (r >= 0)
                        r = sd_bus_message_append_array(reply, 'y', list[i].bytes,
                                                        list[i].family == AF_INET ? 4 : 16);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_terminate(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_terminate(msg, userdata, error);
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *whom;
        int32_t sig;
        int r = sd_bus_message_read(msg, "si", &whom, &sig);

        if (r < 0)
                return r;
        return bus_machine_kill(msg, userdata, whom, sig, error);
}

static int method_freeze(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_freeze(msg, userdata, true, error);
}

static int method_thaw(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_freeze(msg, userdata, false, error);
}

static int method_get_os_release(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_get_os_release(msg, userdata, error);
}

static int method_get_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_get_addresses(msg, userdata, error);
}

static int property_get_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                           sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Machine *m = userdata;
        return sd_bus_message_append_array(reply, 'y', m->id.bytes, sizeof(m->id.bytes));
}

static int property_get_class(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Machine *m = userdata;
        return sd_bus_message_append(reply, "s", machine_class_to_string(m->class));
}

static int property_get_netif(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Machine *m = userdata;
        return sd_bus_message_append_array(reply, 'i', m->netif, m->n_netif * sizeof(int));
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Machine *m = userdata;
        return sd_bus_message_append(reply, "s", machine_state_to_string(m->state));
}

static int property_get_freezer_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Machine *m = userdata;
        return sd_bus_message_append(reply, "s", freezer_state_to_string(m->freezer_state));
}

static const sd_bus_vtable machine_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Machine, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "ay", property_get_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Timestamp", "t", NULL, offsetof(Machine, realtime), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("TimestampMonotonic", "t", NULL, offsetof(Machine, monotonic), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "s", NULL, offsetof(Machine, service), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Unit", "s", NULL, offsetof(Machine, unit), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Leader", "u", NULL, offsetof(Machine, leader), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Class", "s", property_get_class, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RootDirectory", "s", NULL, offsetof(Machine, root_directory), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NetworkInterfaces", "ai", property_get_netif, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        /* Not const and not signalled (flags 0: sd-bus introspects EmitsChangedSignal="false"), as
         * in systemd, where it moves from opening to running to closing without a signal. */
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, 0),
        /* Extension of machine1 (systemd's units have it): running, freezing, frozen, thawing. */
        SD_BUS_PROPERTY("FreezerState", "s", property_get_freezer_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Terminate", NULL, NULL, method_terminate, SD_BUS_VTABLE_UNPRIVILEGED),
        /* Extensions of machine1: stop and resume every process of the machine (cgroup freezer). */
        SD_BUS_METHOD("Freeze", NULL, NULL, method_freeze, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Thaw", NULL, NULL, method_thaw, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Kill", SD_BUS_ARGS("s", whom, "i", signal), SD_BUS_NO_RESULT,
                                method_kill, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetAddresses", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(iay)", addresses),
                                method_get_addresses, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetOSRelease", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{ss}", fields),
                                method_get_os_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

/* The machine name in an object path below MACHINE1_MACHINE_PREFIX, or 0 when the path names none.
 * The label must be the canonical escaping of a valid name: "_00" decodes to a NUL that would cut
 * "a_00b" short to "a", and "_61" would be a second path for "a". */
static int machine_name_from_path(const char *path, char **ret) {
        _cleanup_free_ char *name = NULL, *canonical = NULL;
        int r;

        r = sd_bus_path_decode(path, MACHINE1_MACHINE_PREFIX, &name);
        if (r <= 0)
                return r;
        if (!machine_name_is_valid(name) && !streq(name, "self"))
                return 0;
        r = sd_bus_path_encode(MACHINE1_MACHINE_PREFIX, name, &canonical);
        if (r < 0)
                return r;
        if (!streq(canonical, path))
                return 0;
        *ret = TAKE_PTR(name);
        return 1;
}

/* ".../machine/self" is the caller's own machine. */
int machine_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                               void **ret_found, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        Machine *machine = NULL;
        int r;

        r = machine_name_from_path(path, &name);
        if (r <= 0)
                return r;
        if (streq(name, "self")) {
                sd_bus_message *msg = sd_bus_get_current_message(bus);
                pid_t pid;

                if (!msg || bus_sender_pid(msg, &pid) < 0)
                        return 0;
                if (manager_get_machine_by_pid(m, pid, &machine) < 0)
                        return 0;
        } else {
                machine = manager_get_machine(m, name);
                if (!machine || !manager_machine_gc(m, machine))
                        return 0;
        }
        *ret_found = machine;
        return 1;
}

static int machine_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                   sd_bus_error *error) {
        Manager *m = userdata;
        char **l = calloc(m->n_machines + 1, sizeof(char *));
        size_t n = 0;

        if (!l)
                return -ENOMEM;
        for (Machine *i = m->machines; i && n < m->n_machines; i = i->next) {
                int r = bus_machine_path(i->name, &l[n]);
                if (r < 0) {
                        strv_free(l);
                        return r;
                }
                n++;
        }
        *nodes = l;
        return 1;
}

int machine_dbus_register(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, MACHINE1_MACHINE_PREFIX, MACHINE1_MACHINE_INTERFACE,
                                       machine_vtable, machine_object_find, m);
        if (r >= 0)
                r = machine_dbus_copy_register(m, machine_object_find);
        if (r >= 0)
                r = machine_dbus_pty_register(m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, MACHINE1_MACHINE_PREFIX, machine_node_enumerator, m);
}
