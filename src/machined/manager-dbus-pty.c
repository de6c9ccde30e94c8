/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "machine-dbus-pty.h"
#include "machined-bus.h"

/* OpenMachinePTY, OpenMachineLogin, OpenMachineShell on the Manager, as systemd-machined has them, and
 * our extension OpenMachineShellWithStatus on io.nspawn.machine1.Manager. */

static int method_open_machine_pty(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        return r < 0 ? r : bus_machine_open_pty(msg, machine, error);
}

static int method_open_machine_login(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        return r < 0 ? r : bus_machine_open_login(msg, machine, error);
}

static int method_open_machine_shell(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        return r < 0 ? r : bus_machine_open_shell(msg, machine, false, error);
}

static int method_open_machine_shell_with_status(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Machine *machine;
        int r = bus_read_machine(msg, userdata, &machine, error);

        return r < 0 ? r : bus_machine_open_shell(msg, machine, true, error);
}

#define U SD_BUS_VTABLE_UNPRIVILEGED
#define SHELL_ARGS "s", name, "s", user, "s", path, "as", args, "as", environment

static const sd_bus_vtable manager_pty_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("OpenMachinePTY", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_machine_pty, U),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineLogin", SD_BUS_ARGS("s", name), SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_machine_login, U),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineShell", SD_BUS_ARGS(SHELL_ARGS), SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_machine_shell, U),
        SD_BUS_VTABLE_END
};

/* OpenMachineShell plus flags (1: the client's input is no terminal, so the pty neither echoes nor
 * makes signals; 2: its output is none, so "\n" stays "\n"; set before the program starts) and the
 * shell's exit status: "EXIT_CODE=exited|killed\nEXIT_STATUS=N\n" arrives on the status fd (a
 * SOCK_SEQPACKET socket) when machined has reaped the shell; the fd is closed without it when machined
 * could not tell (it went away). */
static const sd_bus_vtable nspawn_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("OpenMachineShellWithStatus", SD_BUS_ARGS(SHELL_ARGS, "t", flags),
                                SD_BUS_RESULT("h", pty, "s", pty_path, "h", status),
                                method_open_machine_shell_with_status, U),
        SD_BUS_VTABLE_END
};

int manager_dbus_pty_register(Manager *m) {
        int r;

        r = sd_bus_add_object_vtable(m->bus, NULL, MACHINE1_PATH, MACHINE1_MANAGER_INTERFACE, manager_pty_vtable, m);
        if (r < 0)
                return r;
        return sd_bus_add_object_vtable(m->bus, NULL, MACHINE1_PATH, NSPAWN_MACHINE1_MANAGER_INTERFACE,
                                        nspawn_manager_vtable, m);
}
