/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"

#define _cleanup_bus_error_ _cleanup_(sd_bus_error_free)

#define MACHINE1_SERVICE "org.freedesktop.machine1"
#define MACHINE1_PATH "/org/freedesktop/machine1"
#define MACHINE1_MANAGER "org.freedesktop.machine1.Manager"
#define MACHINE1_MACHINE "org.freedesktop.machine1.Machine"
#define MACHINE1_NO_SUCH_MACHINE "org.freedesktop.machine1.NoSuchMachine"

/* Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured; on host, when not NULL, through
 * ssh) and checks, with a short timeout,
 * that the registry answers: without it every verb would wait for the full method call timeout. Logs
 * one line on failure. */
int machine1_connect(const char *host, sd_bus **ret);
/* The system bus, here (host NULL) or on [USER@]HOST[:PORT] through ssh. */
int bus_open_system_at(const char *host, sd_bus **ret);

/* Logs a failed call about a machine: "No machine 'x' known" for NoSuchMachine, else
 * "<what> 'x': <message>". Returns a negative errno. */
int log_machine_error(const char *name, const sd_bus_error *error, int r, const char *what);

/* Manager.GetMachine(name); logs. */
int machine1_get_machine_path(sd_bus *bus, const char *name, char **ret);

/* Reads GetMachineAddresses' a(iay) into "10.0.0.2"-style strings (unknown families skipped). */
int bus_read_addresses(sd_bus_message *m, char ***ret);
/* Reads GetMachineOSRelease's a{ss} into "KEY=VALUE" strings (for strv_env_get()). */
int bus_read_os_release(sd_bus_message *m, char ***ret);

/* Dispatches one queued message, or waits until one comes (logged errors). The caller loops until
 * what it waits for has been dispatched. */
int bus_process_or_wait(sd_bus *bus);
