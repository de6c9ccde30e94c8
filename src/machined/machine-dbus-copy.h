/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "machined-bus.h"

/* Reads (source, destination[, flags]) or (source, destination, read_only, mkdir) from msg and starts
 * the operation, which answers later (1), or fails at once (< 0, error set). */
int bus_machine_copy(sd_bus_message *msg, Machine *machine, bool to_machine, bool with_flags, sd_bus_error *error);
int bus_machine_bind(sd_bus_message *msg, Machine *machine, sd_bus_error *error);
/* Replies with an fd of the machine's root directory (containers only, root only). */
int bus_machine_open_root_directory(sd_bus_message *msg, Machine *machine, sd_bus_error *error);

/* The Machine objects' copy and bind methods, found as machine-dbus.c finds its objects. */
int machine_dbus_copy_register(Manager *m, sd_bus_object_find_t find);
/* The Manager's CopyFromMachine, CopyToMachine, ...WithFlags and BindMountMachine. */
int manager_dbus_copy_register(Manager *m);
