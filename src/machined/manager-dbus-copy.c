/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "machine-dbus-copy.h"

/* The Manager's copy and bind methods: the machine by name, then as its object's methods. A second
 * vtable on the Manager interface: sd-bus merges it with manager-dbus.c's. */

static int copy(sd_bus_message *msg, Manager *m, bool to_machine, bool with_flags, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, m, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_copy(msg, machine, to_machine, with_flags, error);
}

static int method_copy_from_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return copy(msg, userdata, false, false, error);
}

static int method_copy_to_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return copy(msg, userdata, true, false, error);
}

static int method_copy_from_machine_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return copy(msg, userdata, false, true, error);
}

static int method_copy_to_machine_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return copy(msg, userdata, true, true, error);
}

static int method_bind_mount_machine(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_bind(msg, machine, error);
}

static int method_open_machine_root_directory(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        if (r < 0)
                return r;
        return bus_machine_open_root_directory(msg, machine, error);
}

#define U SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable manager_copy_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("BindMountMachine",
                                SD_BUS_ARGS("s", name, "s", source, "s", destination, "b", read_only, "b", mkdir),
                                SD_BUS_NO_RESULT, method_bind_mount_machine, U),
        SD_BUS_METHOD_WITH_ARGS("CopyFromMachine", SD_BUS_ARGS("s", name, "s", source, "s", destination),
                                SD_BUS_NO_RESULT, method_copy_from_machine, U),
        SD_BUS_METHOD_WITH_ARGS("CopyToMachine", SD_BUS_ARGS("s", name, "s", source, "s", destination),
                                SD_BUS_NO_RESULT, method_copy_to_machine, U),
        SD_BUS_METHOD_WITH_ARGS("CopyFromMachineWithFlags",
                                SD_BUS_ARGS("s", name, "s", source, "s", destination, "t", flags),
                                SD_BUS_NO_RESULT, method_copy_from_machine_with_flags, U),
        SD_BUS_METHOD_WITH_ARGS("CopyToMachineWithFlags",
                                SD_BUS_ARGS("s", name, "s", source, "s", destination, "t", flags),
                                SD_BUS_NO_RESULT, method_copy_to_machine_with_flags, U),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineRootDirectory", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", fd),
                                method_open_machine_root_directory, U),
        SD_BUS_VTABLE_END
};

int manager_dbus_copy_register(Manager *m) {
        return sd_bus_add_object_vtable(m->bus, NULL, MACHINE1_PATH, MACHINE1_MANAGER_INTERFACE, manager_copy_vtable, m);
}
