/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "i18n.h"
#include "log.h"
#include "nspawn-cgroup.h"
#include "nspawn-register.h"
#include "string-util.h"
#include "unit-name.h"
#include "unit-property.h"

/* The part of sd-bus we use, resolved from libsystemd.so.0 at run time. */
typedef struct BusApi {
        void *dl;
        typeof(sd_bus_open_system) *open_system;
        typeof(sd_bus_set_method_call_timeout) *set_timeout;
        typeof(sd_bus_message_new_method_call) *new_method_call;
        typeof(sd_bus_message_append) *append;
        typeof(sd_bus_message_append_array) *append_array;
        typeof(sd_bus_message_open_container) *open_container;
        typeof(sd_bus_message_close_container) *close_container;
        typeof(sd_bus_call) *call;
        typeof(sd_bus_call_method) *call_method;
        typeof(sd_bus_error_free) *error_free;
        typeof(sd_bus_message_read) *read;
        typeof(sd_bus_error_has_name) *error_has_name;
        typeof(sd_bus_message_unref) *message_unref;
        typeof(sd_bus_flush_close_unref) *flush_close_unref;
        typeof(sd_bus_get_property_trivial) *get_property_trivial;
        typeof(sd_bus_match_signal) *match_signal;
        typeof(sd_bus_process) *process;
        typeof(sd_bus_wait) *wait;
        typeof(sd_bus_slot_unref) *slot_unref;
} BusApi;

struct Registration {
        BusApi api;
        sd_bus *bus;
        char *machine;
        pid_t leader;
};

static int bus_api_load(BusApi *a) {
        a->dl = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!a->dl)
                return -EOPNOTSUPP;
#define SYM(field, name) if (!(a->field = (typeof(a->field)) dlsym(a->dl, name))) return -EOPNOTSUPP
        SYM(open_system, "sd_bus_open_system");
        SYM(set_timeout, "sd_bus_set_method_call_timeout");
        SYM(new_method_call, "sd_bus_message_new_method_call");
        SYM(append, "sd_bus_message_append");
        SYM(append_array, "sd_bus_message_append_array");
        SYM(open_container, "sd_bus_message_open_container");
        SYM(close_container, "sd_bus_message_close_container");
        SYM(call, "sd_bus_call");
        SYM(call_method, "sd_bus_call_method");
        SYM(error_free, "sd_bus_error_free");
        SYM(read, "sd_bus_message_read");
        SYM(error_has_name, "sd_bus_error_has_name");
        SYM(message_unref, "sd_bus_message_unref");
        SYM(flush_close_unref, "sd_bus_flush_close_unref");
        SYM(get_property_trivial, "sd_bus_get_property_trivial");
        SYM(match_signal, "sd_bus_match_signal");
        SYM(process, "sd_bus_process");
        SYM(wait, "sd_bus_wait");
        SYM(slot_unref, "sd_bus_slot_unref");
#undef SYM
        return 0;
}

/* Cheap check before loading anything: is there a system bus socket at all? */
static bool system_bus_present(void) {
        const char *e = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        const char *path = "/run/dbus/system_bus_socket";
        char buf[256];
        struct stat st;

        if (e) {
                const char *p = strstr(e, "unix:path=");
                if (!p)
                        return true;    /* some other transport: let sd-bus try */
                p += strlen("unix:path=");
                size_t l = strcspn(p, ",;");
                if (l >= sizeof(buf))
                        return true;
                memcpy(buf, p, l);
                buf[l] = 0;
                path = buf;
        }
        return stat(path, &st) >= 0 && S_ISSOCK(st.st_mode);
}

/* machined drops the machine by itself when its leader dies; by the time we unregister, the name may
 * belong to another launcher's newer machine. Only a machine whose leader is still ours is ours. */
static bool registration_still_ours(Registration *r) {
        uint32_t leader = 0;

        /* The object path needs escaping: ask the manager for it instead of building it. */
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *obj = NULL;
        int k = r->api.call_method(r->bus, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                                   "org.freedesktop.machine1.Manager", "GetMachine", &err, &reply, "s", r->machine);
        if (k >= 0)
                k = r->api.read(reply, "o", &obj);
        if (k >= 0 && obj)
                k = r->api.get_property_trivial(r->bus, "org.freedesktop.machine1", obj,
                                                "org.freedesktop.machine1.Machine", "Leader", &err, 'u', &leader);
        r->api.message_unref(reply);
        r->api.error_free(&err);
        return k >= 0 && leader == (uint32_t) r->leader;
}

void registration_free(Registration *r) {
        if (!r)
                return;
        if (r->bus && registration_still_ours(r)) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                int k = r->api.call_method(r->bus, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                                           "org.freedesktop.machine1.Manager", "UnregisterMachine", &e, NULL,
                                           "s", r->machine);
                if (k < 0 && !r->api.error_has_name(&e, "org.freedesktop.machine1.NoSuchMachine"))
                        log_debug_errno(k, "Failed to unregister machine %s: %s", r->machine, e.message ?: "");
                r->api.error_free(&e);
                r->api.flush_close_unref(r->bus);
        }
        if (r->api.dl)
                dlclose(r->api.dl);
        free(r->machine);
        free(r);
}

static int call_register(Registration *r, const Settings *s, const Id128 *uuid, const char *root, pid_t leader,
                         const int *ifindices, size_t n_ifindices, sd_bus_error *error) {
        BusApi *a = &r->api;
        sd_bus_message *m = NULL, *reply = NULL;
        int k;

        k = a->new_method_call(r->bus, &m, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                               "org.freedesktop.machine1.Manager",
                               n_ifindices > 0 ? (s->keep_unit ? "RegisterMachineWithNetwork" : "CreateMachineWithNetwork")
                                               : (s->keep_unit ? "RegisterMachine" : "CreateMachine"));
        if (k >= 0)
                k = a->append(m, "s", s->machine);
        if (k >= 0)
                k = a->append_array(m, 'y', uuid->bytes, sizeof(uuid->bytes));
        if (k >= 0)
                k = a->append(m, "ssus", "nspawn", "container", (uint32_t) leader, root);
        if (k >= 0 && n_ifindices > 0)
                k = a->append_array(m, 'i', ifindices, n_ifindices * sizeof(int));
        if (k >= 0 && !s->keep_unit) {
                /* The scope properties: machined applies them to the scope (cgroupfs) or has systemd
                 * apply them. DeviceAllow= is in nspawn's own device policy already. */
                const UnitPropertyBusApi props_api = {
                        .append = a->append,
                        .open_container = a->open_container,
                        .close_container = a->close_container,
                };
                k = a->open_container(m, 'a', "(sv)");
                if (k >= 0)
                        k = unit_properties_append_bus_full(&props_api, m, s->properties, UNIT_APPLY_DEVICES_DONE);
                if (k >= 0)
                        k = a->close_container(m);
        }
        if (k >= 0)
                k = a->call(r->bus, m, 0, error, &reply);
        a->message_unref(m);
        a->message_unref(reply);
        return k;
}

int registration_register(const Settings *s, const Id128 *uuid, const char *root, pid_t leader,
                          const int *ifindices, size_t n_ifindices, Registration **ret) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        Registration *r;
        int k;

        *ret = NULL;
        if (s->register_mode == REGISTER_NO)
                return 0;

        bool required = s->register_mode == REGISTER_YES;
        if (!system_bus_present()) {
                if (required)
                        return log_error_errno(-EHOSTUNREACH,
                                               _("No machine registry on the system bus, and --register=yes was given: %s"),
                                               _("no system bus"));
                return 0;
        }

        r = calloc(1, sizeof(*r));
        if (!r)
                return log_oom();
        r->machine = strdup(s->machine);
        if (!r->machine) {
                registration_free(r);
                return log_oom();
        }
        k = bus_api_load(&r->api);
        if (k < 0) {
                registration_free(r);
                if (!required)
                        return 0;
                return log_error_errno(k, _("Cannot register the machine: libsystemd.so.0 is not available."));
        }
        k = r->api.open_system(&r->bus);
        if (k >= 0)
                (void) r->api.set_timeout(r->bus, 5 * 1000 * 1000);
        if (k >= 0)
                k = call_register(r, s, uuid, root, leader, ifindices, n_ifindices, &error);
        if (k >= 0) {
                r->api.error_free(&error);
                r->leader = leader;
                *ret = r;
                return 1;
        }

        bool unreachable = r->bus == NULL ||
                r->api.error_has_name(&error, "org.freedesktop.DBus.Error.ServiceUnknown") ||
                r->api.error_has_name(&error, "org.freedesktop.DBus.Error.NameHasNoOwner") ||
                r->api.error_has_name(&error, "org.freedesktop.DBus.Error.NoReply") ||
                k == -ECONNREFUSED || k == -ENOENT || k == -ETIMEDOUT;
        if (r->api.error_has_name(&error, "org.freedesktop.machine1.MachineExists"))
                k = log_error_errno(-EEXIST, _("Machine '%s' already exists."), s->machine);
        else if (unreachable && !required)
                k = 0;
        else if (unreachable)
                k = log_error_errno(k < 0 ? k : -EHOSTUNREACH,
                                    _("No machine registry on the system bus, and --register=yes was given: %s"),
                                    error.message ?: strerror(-k));
        else
                k = log_error_errno(k, _("Failed to register machine %s: %s"), s->machine,
                                    error.message ?: strerror(-k));
        r->api.error_free(&error);
        if (r->bus) {
                r->api.flush_close_unref(r->bus);
                r->bus = NULL;
        }
        registration_free(r);
        return k;
}

/* How long systemd may take to start the scope. */
#define SCOPE_JOB_TIMEOUT_USEC (30ULL * 1000 * 1000)

typedef struct ScopeJob {
        BusApi *api;
        char *path;             /* the job to wait for; NULL until StartTransientUnit answered */
        char result[32];        /* its result, once JobRemoved came */
} ScopeJob;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ScopeJob *j = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        (void) error;
        if (j->path && !j->result[0] && j->api->read(m, "uoss", &id, &path, &unit, &result) >= 0 &&
            streq(path, j->path))
                snprintf(j->result, sizeof(j->result), "%s", result);
        return 0;
}

static int append_scope_properties(BusApi *a, sd_bus_message *m, const Settings *s, const char *unit,
                                   pid_t pid, int pidfd, bool pidfds) {
        char description[128];
        int k;

        snprintf(description, sizeof(description), "Container %s", s->machine);
        k = a->append(m, "ss", unit, "fail");
        if (k >= 0)
                k = a->open_container(m, 'a', "(sv)");
        /* --slice= comes with the properties (below): one Slice= in the message. */
        if (k >= 0 && !unit_properties_get_slice(s->properties))
                k = a->append(m, "(sv)", "Slice", "s", "machine.slice");
        if (k >= 0)
                k = a->append(m, "(sv)(sv)(sv)(sv)",
                              "Description", "s", description,
                              "Delegate", "b", 1,
                              "CollectMode", "s", "inactive-or-failed",
                              "TasksMax", "t", (uint64_t) CONTAINER_TASKS_MAX_DEFAULT);
        if (k >= 0 && pidfds)
                k = a->append(m, "(sv)", "PIDFDs", "ah", 1, pidfd);
        else if (k >= 0)
                k = a->append(m, "(sv)", "PIDs", "au", 1, (uint32_t) pid);
        /* The caller's --property= and --slice= after the defaults: theirs win. DeviceAllow= is in
         * nspawn's own device policy. */
        if (k >= 0)
                k = unit_properties_append_bus_full(&(const UnitPropertyBusApi) {
                                .append = a->append,
                                .open_container = a->open_container,
                                .close_container = a->close_container,
                        }, m, s->properties, UNIT_APPLY_DEVICES_DONE);
        if (k >= 0)
                k = a->close_container(m);
        if (k >= 0)
                k = a->append(m, "a(sa(sv))", 0);
        return k;
}

/* StartTransientUnit; systemd before 253 does not take PIDFDs ("Cannot set property PIDFDs, or
 * unknown property"): then again with PIDs. Returns the job's path. */
static int start_scope(BusApi *a, sd_bus *bus, const Settings *s, const char *unit, pid_t pid, int pidfd,
                       char **ret_job) {
        for (bool pidfds = pidfd >= 0;; pidfds = false) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *m = NULL, *reply = NULL;
                const char *job = NULL;
                int k;

                k = a->new_method_call(bus, &m, SYSTEMD1_BUS_NAME, SYSTEMD1_PATH, SYSTEMD1_MANAGER_INTERFACE,
                                       "StartTransientUnit");
                if (k >= 0)
                        k = append_scope_properties(a, m, s, unit, pid, pidfd, pidfds);
                if (k >= 0)
                        k = a->call(bus, m, 0, &error, &reply);
                if (k >= 0)
                        k = a->read(reply, "o", &job);
                if (k >= 0) {
                        *ret_job = strdup(job);
                        if (!*ret_job)
                                k = -ENOMEM;
                }
                bool retry = k < 0 && pidfds &&
                        (a->error_has_name(&error, "org.freedesktop.DBus.Error.PropertyReadOnly") ||
                         a->error_has_name(&error, "org.freedesktop.DBus.Error.UnknownProperty"));
                if (k < 0 && !retry)
                        log_error_errno(k, _("Failed to ask systemd for the scope %s of the container: %s"), unit,
                                        error.message ?: strerror(-k));
                a->message_unref(m);
                a->message_unref(reply);
                a->error_free(&error);
                if (!retry)
                        return k;
        }
}

static int wait_for_job(BusApi *a, sd_bus *bus, ScopeJob *j) {
        struct timespec ts;
        uint64_t deadline;
        int k;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        deadline = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000 + SCOPE_JOB_TIMEOUT_USEC;
        while (!j->result[0]) {
                k = a->process(bus, NULL);
                if (k < 0)
                        return k;
                if (k > 0)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                uint64_t now = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
                if (now >= deadline)
                        return -ETIMEDOUT;
                k = a->wait(bus, deadline - now);
                if (k < 0)
                        return k;
        }
        return 0;
}

int scope_start_transient(const Settings *s, pid_t pid, int pidfd) {
        _cleanup_free_ char *unit = machine_scope_unit_name(s->machine);
        BusApi api = {};
        ScopeJob j = { .api = &api };
        sd_bus *bus = NULL;
        sd_bus_slot *slot = NULL;
        int k;

        if (!unit)
                return log_oom();
        k = bus_api_load(&api);
        if (k < 0) {
                if (api.dl)
                        dlclose(api.dl);
                return log_error_errno(k, _("Cannot ask systemd for the container's scope: libsystemd.so.0 is not available."));
        }
        k = api.open_system(&bus);
        if (k >= 0)
                (void) api.set_timeout(bus, 5 * 1000 * 1000);
        /* Watched before the call: the job may finish before we read the reply. */
        if (k >= 0)
                k = api.match_signal(bus, &slot, SYSTEMD1_BUS_NAME, SYSTEMD1_PATH, SYSTEMD1_MANAGER_INTERFACE,
                                     "JobRemoved", on_job_removed, &j);
        if (k < 0)
                log_error_errno(k, _("Failed to reach systemd on the system bus: %m"));
        if (k >= 0)
                k = start_scope(&api, bus, s, unit, pid, pidfd, &j.path);
        if (k >= 0) {
                k = wait_for_job(&api, bus, &j);
                if (k < 0)
                        log_error_errno(k, _("Failed to wait for systemd to start the scope %s: %m"), unit);
                else if (!streq(j.result, "done"))
                        k = log_error_errno(job_result_to_errno(j.result),
                                            _("systemd failed to start the scope %s of the container (job result: %s)."),
                                            unit, j.result);
        }
        if (k >= 0)
                log_debug("Container %s runs in systemd's transient scope %s.", s->machine, unit);
        if (slot)
                api.slot_unref(slot);
        if (bus)
                api.flush_close_unref(bus);
        free(j.path);
        dlclose(api.dl);
        return k < 0 ? k : 0;
}
