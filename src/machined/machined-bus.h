/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>

#include "machine.h"
#include "manager.h"

#define BUS_ERROR_NO_SUCH_MACHINE "org.freedesktop.machine1.NoSuchMachine"
#define BUS_ERROR_MACHINE_EXISTS "org.freedesktop.machine1.MachineExists"
#define BUS_ERROR_NO_MACHINE_FOR_PID "org.freedesktop.machine1.NoMachineForPID"
/* Extension: a freeze or thaw cannot start now (another one is in flight, the machine is opening or
 * closing). */
#define BUS_ERROR_MACHINE_BUSY "org.freedesktop.machine1.MachineBusy"

#define MACHINE1_PATH "/org/freedesktop/machine1"
#define MACHINE1_MACHINE_PREFIX "/org/freedesktop/machine1/machine"
#define MACHINE1_MANAGER_INTERFACE "org.freedesktop.machine1.Manager"
#define MACHINE1_MACHINE_INTERFACE "org.freedesktop.machine1.Machine"

/* Allows the call only for a caller whose effective uid (from the bus, never from the message) is 0;
 * fails closed: anything unknown is AccessDenied. */
int bus_verify_root(sd_bus_message *msg, sd_bus_error *error);
/* The caller's pid, from the bus. */
int bus_sender_pid(sd_bus_message *msg, pid_t *ret);

/* Bus errors quote at most this many bytes of an argument: an 8 MiB name must not come back whole. */
#define BUS_ARG_EXCERPT_MAX 64
/* Room for the excerpt with every byte escaped (\xNN), the ellipsis and the NUL. */
#define BUS_ARG_EXCERPT_SIZE (BUS_ARG_EXCERPT_MAX * 4 + 4)
/* The start of s for an error message, in buf: control characters as \xNN, cut at a character
 * boundary and marked with "…" when longer. Returns buf. */
const char *bus_arg_excerpt(const char *s, char buf[static BUS_ARG_EXCERPT_SIZE]);
#define BUS_ARG(s) bus_arg_excerpt((s), (char[BUS_ARG_EXCERPT_SIZE]) {})

/* The object path of the machine called name: only the bus code names machines this way. */
int bus_machine_path(const char *name, char **ret);

/* A method call that is answered later, from a MachineDone: it holds a reference to the call. */
typedef struct BusPending {
        sd_bus_message *msg;
        /* The leader the call named, for the messages of a registration. */
        uint32_t leader;
} BusPending;

int bus_pending_new(sd_bus_message *msg, BusPending **ret);
BusPending *bus_pending_free(BusPending *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(BusPending *, bus_pending_free);
/* Sends error as the reply to the pending call (a reply that cannot be sent is logged). */
void bus_pending_reply_error(BusPending *p, const sd_bus_error *error);

/* Replies to msg with an a{ss} of l's alternating keys and values (os-release, machine-info). */
int bus_reply_pairs(sd_bus_message *msg, char **l);

/* Also registers the bus code as an observer of the registry (MachineNew, MachineRemoved), which
 * closes the connection when the manager is freed. */
int manager_dbus_register(Manager *m);
int machine_dbus_register(Manager *m);
/* The Machine objects' find callback (".../machine/self" is the caller's machine), for more vtables. */
int machine_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **ret_found,
                        sd_bus_error *error);

/* The running machine called name (its leader alive), for a Manager method: InvalidArgs for a bad
 * name, NoSuchMachine for an unknown or dead one. bus_read_machine() reads the name first. */
int bus_lookup_machine(Manager *m, const char *name, Machine **ret, sd_bus_error *error);
int bus_read_machine(sd_bus_message *msg, Manager *m, Machine **ret, sd_bus_error *error);

/* Shared by the Manager methods that take a name and the Machine object's methods. */
int bus_machine_terminate(sd_bus_message *msg, Machine *machine, sd_bus_error *error);
int bus_machine_kill(sd_bus_message *msg, Machine *machine, const char *whom, int sig, sd_bus_error *error);
int bus_machine_freeze(sd_bus_message *msg, Machine *machine, bool freeze, sd_bus_error *error);
int bus_machine_get_os_release(sd_bus_message *msg, Machine *machine, sd_bus_error *error);
int bus_machine_get_addresses(sd_bus_message *msg, Machine *machine, sd_bus_error *error);
