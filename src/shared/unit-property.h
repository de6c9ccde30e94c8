/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* The resource-control and placement properties of a machine's scope, as systemctl set-property and
 * systemd's StartTransientUnit spell them (MemoryMax=, TasksMax=, CPUQuota=, Slice=, ...): parsed
 * once (nspawn's --property=, --slice=; machined's CreateMachine scope_properties), validated, and
 * then either passed to systemd (the systemd back ends) or applied to cgroupfs (hosts whose PID 1 is
 * not systemd, hybrid v1 hierarchies included). The struct is private to unit-property.c. */
typedef struct UnitProperties UnitProperties;

int unit_properties_new(UnitProperties **ret);
UnitProperties *unit_properties_free(UnitProperties *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitProperties *, unit_properties_free);

/* One "Name=Value" assignment in systemctl set-property syntax. -EINVAL: a bad value, -EOPNOTSUPP: a
 * property this project does not know. The caller logs, naming the assignment. */
int unit_properties_parse(UnitProperties *p, const char *assignment);
/* The slice, NULL when none was given (the caller's default is machine.slice). */
const char *unit_properties_get_slice(const UnitProperties *p);
bool unit_properties_is_empty(const UnitProperties *p);
/* Anything besides Slice=: something to pass to systemd or to apply to cgroupfs. */
bool unit_properties_has_limits(const UnitProperties *p);

/* A deep copy; *ret is NULL when p is empty. */
int unit_properties_copy(const UnitProperties *p, UnitProperties **ret);
/* The machine's scope below its slice (machine.slice unless Slice= says otherwise), relative to the
 * hierarchies: "machine.slice/machine-<escaped name>.scope", "foo.slice/foo-bar.slice/machine-x.scope". */
char *unit_properties_scope_path(const UnitProperties *p, const char *machine);

/* "foo-bar.slice": valid, not the root slice. */
bool unit_slice_name_is_valid(const char *s);
/* Where systemd puts a slice: "foo-bar.slice" -> "foo.slice/foo-bar.slice" (malloc'ed). */
char *unit_slice_cgroup_path(const char *slice);

typedef enum UnitApplyFlags {
        /* DeviceAllow= is in the caller's device policy already (nspawn builds it into its own BPF
         * program): unit_properties_apply_cgroupfs_full() skips it, and unit_properties_append_bus_full()
         * leaves it out (a systemd scope with DeviceAllow= would allow only the devices listed, not the
         * container's API devices). Without the flag the cgroupfs applier refuses DeviceAllow=. */
        UNIT_APPLY_DEVICES_DONE = 1 << 0,
} UnitApplyFlags;

/* The sd-bus calls the bus (de)serialisers use, passed as a table so that nspawn can keep loading
 * libsystemd with dlopen() and machined can link it. */
typedef struct sd_bus_message sd_bus_message;
typedef struct UnitPropertyBusApi {
        int (*append)(sd_bus_message *m, const char *types, ...);
        int (*open_container)(sd_bus_message *m, char type, const char *contents);
        int (*close_container)(sd_bus_message *m);
} UnitPropertyBusApi;

/* Appends one (sv) entry per property set into an a(sv) container the caller has opened (Slice=
 * included when set). */
int unit_properties_append_bus(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitProperties *p);
int unit_properties_append_bus_full(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitProperties *p,
                                    UnitApplyFlags flags);

/* Applies the cgroup limits to the cgroup at path (relative to the hierarchies' mount points, e.g.
 * "/machine.slice/machine-x.scope"): cgroup2 files where the controller is enabled there, else the v1
 * controller's directory of the same path. A property that cannot be applied is an error that names
 * it (logged), never silently dropped. */
int unit_properties_apply_cgroupfs(const UnitProperties *p, const char *path);

/* The same without logging: on failure *ret_error (if not NULL) is the one line that says which
 * property could not be applied and why. Controllers and files are looked up for every property
 * before anything is written; a write the kernel refuses can leave earlier ones in place (the caller
 * removes the cgroup). */
int unit_properties_apply_cgroupfs_full(const UnitProperties *p, const char *path, UnitApplyFlags flags, char **ret_error);
/* DeviceAllow=: the i-th entry (path or "char-NAME"/"block-NAME", access "rwm" subset), false past the end. */
bool unit_properties_get_device(const UnitProperties *p, size_t i, const char **ret_path, const char **ret_access);
