/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "machine.h"
#include "manager.h"

/* Our own interface beside org.freedesktop.machine1.Manager on the same object: what systemd's API
 * cannot say (the exit status of a shell's command, systemd issue #4215). */
#define NSPAWN_MACHINE1_MANAGER_INTERFACE "io.nspawn.machine1.Manager"

/* Shared by the Manager methods that take a name and the Machine object's methods: read the
 * remaining arguments, validate, authorize (root), start, reply when the pty is there. */
int bus_machine_open_pty(sd_bus_message *msg, Machine *machine, sd_bus_error *error);
int bus_machine_open_login(sd_bus_message *msg, Machine *machine, sd_bus_error *error);
/* with_status: a flags argument (t, JOIN_PTY_PLAIN_*) follows the environment, and the reply carries a third fd, on which the exit status is written when the shell ends. */
int bus_machine_open_shell(sd_bus_message *msg, Machine *machine, bool with_status, sd_bus_error *error);

/* The second vtables: OpenMachinePTY, OpenMachineLogin, OpenMachineShell on the Manager (plus the
 * extension interface), OpenPTY, OpenLogin, OpenShell on the Machine objects. */
int manager_dbus_pty_register(Manager *m);
int machine_dbus_pty_register(Manager *m);
