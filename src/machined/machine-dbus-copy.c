/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "machine-bind.h"
#include "machine-copy.h"
#include "machine-dbus-copy.h"
#include "machine-root.h"
#include "operation.h"
#include "fd-util.h"
#include "string-util.h"

/* CopyTo, CopyFrom, BindMount (the Machine objects' methods, and the Manager's *Machine ones through
 * bus_machine_copy() and bus_machine_bind()): marshal, validate, authorize, start the operation. A
 * second vtable on the Machine interface: sd-bus merges it with machine-dbus.c's. */

static int check_container(Machine *machine, const char *what, sd_bus_error *error) {
        if (machine->class != MACHINE_CONTAINER)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED, "%s is only supported on container machines.",
                                         what);
        return 0;
}

static int check_path(const char *p, const char *which, sd_bus_error *error) {
        if (!machine_path_is_valid(p))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The %s path '%s' must be absolute and normalized (no \"..\"), and not \"/\"",
                                         which, BUS_ARG(p));
        return 0;
}

static int start_error(int r, sd_bus_error *error) {
        if (r == -EBUSY)
                return sd_bus_error_set(error, BUS_ERROR_MACHINE_BUSY,
                                        "Too many operations are running; try again later.");
        return r;
}

/* The reply, and the temporary copy of a worker that was killed before it could remove it: cancelled
 * (the client left), or dead without a result (-EIO: the OOM killer, say). */
static int copy_done(Operation *o, sd_bus_message *request, int error, const char *message, void *userdata) {
        if (error == -ECANCELED || error == -EIO)
                machine_copy_abandon(userdata);
        if (error == -ECANCELED)
                return 0;
        if (error < 0)
                return operation_reply_error(request, error, message);
        return sd_bus_reply_method_return(request, NULL);
}

int bus_machine_copy(sd_bus_message *msg, Machine *machine, bool to_machine, bool with_flags, sd_bus_error *error) {
        MachineCopy *c = NULL;
        const char *src, *dst;
        uint64_t flags = 0;
        int r;

        r = sd_bus_message_read(msg, "ss", &src, &dst);
        if (r >= 0 && with_flags)
                r = sd_bus_message_read(msg, "t", &flags);
        if (r < 0)
                return r;
        /* As systemd: no destination means the same path on the other side. */
        if (isempty(dst))
                dst = src;
        r = check_container(machine, "Copying files", error);
        if (r >= 0)
                r = check_path(src, "source", error);
        if (r >= 0)
                r = check_path(dst, "destination", error);
        if (r < 0)
                return r;
        if (flags & ~MACHINE_COPY_FLAGS_ALL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid copy flags 0x%" PRIx64,
                                         flags);
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        r = machine_copy_new(machine, to_machine, to_machine ? src : dst, to_machine ? dst : src, flags, &c);
        if (r < 0)
                return r;
        OperationSpec spec = {
                .work = machine_copy_work,
                .done = copy_done,
                .userdata = c,
                .free_userdata = machine_copy_free,
        };
        r = operation_start(machine->manager, msg, &spec, NULL);
        if (r < 0)
                return start_error(r, error);
        return 1;
}

int bus_machine_bind(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        MachineBind *b = NULL;
        const char *src, *dst;
        int read_only, mkdir;
        int r;

        r = sd_bus_message_read(msg, "ssbb", &src, &dst, &read_only, &mkdir);
        if (r < 0)
                return r;
        if (isempty(dst))
                dst = src;
        r = check_container(machine, "Bind mounting", error);
        if (r >= 0)
                r = check_path(src, "source", error);
        if (r >= 0)
                r = check_path(dst, "destination", error);
        if (r < 0)
                return r;
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        r = machine_bind_new(machine, src, dst, read_only, mkdir, &b);
        if (r < 0)
                return r;
        OperationSpec spec = {
                .work = machine_bind_work,
                .userdata = b,
                .free_userdata = machine_bind_free,
        };
        r = operation_start(machine->manager, msg, &spec, NULL);
        if (r < 0)
                return start_error(r, error);
        return 1;
}

int bus_machine_open_root_directory(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = check_container(machine, "Opening the root directory", error);
        if (r < 0)
                return r;
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        r = machine_open_root_directory(machine->leader, machine->leader_pidfd, &fd);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_MACHINE, "Machine '%s' is gone.", machine->name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to open the root directory of machine '%s': %m",
                                               machine->name);
        return sd_bus_reply_method_return(msg, "h", fd);
}

static int method_open_root_directory(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_open_root_directory(msg, userdata, error);
}

static int method_copy_from(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_copy(msg, userdata, false, false, error);
}

static int method_copy_to(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_copy(msg, userdata, true, false, error);
}

static int method_copy_from_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_copy(msg, userdata, false, true, error);
}

static int method_copy_to_with_flags(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_copy(msg, userdata, true, true, error);
}

static int method_bind_mount(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_bind(msg, userdata, error);
}

#define U SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable machine_copy_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("BindMount", SD_BUS_ARGS("s", source, "s", destination, "b", read_only, "b", mkdir),
                                SD_BUS_NO_RESULT, method_bind_mount, U),
        SD_BUS_METHOD_WITH_ARGS("CopyFrom", SD_BUS_ARGS("s", source, "s", destination), SD_BUS_NO_RESULT,
                                method_copy_from, U),
        SD_BUS_METHOD_WITH_ARGS("CopyTo", SD_BUS_ARGS("s", source, "s", destination), SD_BUS_NO_RESULT,
                                method_copy_to, U),
        SD_BUS_METHOD_WITH_ARGS("CopyFromWithFlags", SD_BUS_ARGS("s", source, "s", destination, "t", flags),
                                SD_BUS_NO_RESULT, method_copy_from_with_flags, U),
        SD_BUS_METHOD_WITH_ARGS("CopyToWithFlags", SD_BUS_ARGS("s", source, "s", destination, "t", flags),
                                SD_BUS_NO_RESULT, method_copy_to_with_flags, U),
        SD_BUS_METHOD_WITH_ARGS("OpenRootDirectory", SD_BUS_NO_ARGS, SD_BUS_RESULT("h", fd),
                                method_open_root_directory, U),
        SD_BUS_VTABLE_END
};

int machine_dbus_copy_register(Manager *m, sd_bus_object_find_t find) {
        return sd_bus_add_fallback_vtable(m->bus, NULL, MACHINE1_MACHINE_PREFIX, MACHINE1_MACHINE_INTERFACE,
                                          machine_copy_vtable, find, m);
}
