/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fd-util.h"
#include "log.h"
#include "machine-dbus-pty.h"
#include "machine-join.h"
#include "machine-login.h"
#include "machined-bus.h"
#include "string-util.h"
#include "strv.h"

/* Into a machine through the bus: marshal, validate, authorize, call machine-join/machine-login,
 * reply (later, when the helper has the pty). */

#define SHELL_ARGS_MAX 4096
#define SHELL_ENV_MAX 4096
#define SHELL_STRING_MAX (64U * 1024U)

typedef struct PtyCall {
        BusPending *pending;
        char *machine;
        int status_fd; /* the client's end of the status socket, sent with the reply */
} PtyCall;

static void pty_call_free(PtyCall *c) {
        if (!c)
                return;
        bus_pending_free(c->pending);
        safe_close(c->status_fd);
        free(c->machine);
        free(c);
}

static int pty_call_new(sd_bus_message *msg, Machine *machine, PtyCall **ret) {
        PtyCall *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->status_fd = -EBADF;
        c->machine = strdup(machine->name);
        r = c->machine ? bus_pending_new(msg, &c->pending) : -ENOMEM;
        if (r < 0) {
                pty_call_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

/* The failures of a join, worded for the bus. */
static int join_error(sd_bus_error *error, int r, JoinStep step, const char *name, const char *user) {
        switch (step == JOIN_STEP_PREPARE ? r : 0) {
        case -EOPNOTSUPP:
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "Opening a pty or shell is only supported on container machines.");
        case -EBUSY:
                return sd_bus_error_setf(error, BUS_ERROR_MACHINE_BUSY, "Machine '%s' is still opening", name);
        case -ESHUTDOWN:
                return sd_bus_error_setf(error, BUS_ERROR_MACHINE_BUSY, "Machine '%s' is closing", name);
        case -EDEADLK:
                return sd_bus_error_setf(error, BUS_ERROR_MACHINE_BUSY, "Machine '%s' is frozen (thaw it first)", name);
        case -ESRCH:
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_MACHINE, "Machine '%s' is gone.", name);
        case -ENXIO:
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No user '%s' in machine '%s'",
                                         BUS_ARG(user), name);
        }
        if (step == JOIN_STEP_SECCOMP_READ && r == -EACCES)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                         "Failed to read the seccomp filter of machine '%s': machined runs under a "
                                         "seccomp filter itself, and the kernel shows filters only to unfiltered "
                                         "callers", name);
        if (step == JOIN_STEP_EXEC)
                return sd_bus_error_set_errnof(error, r, "Failed to execute the program in machine '%s': %m", name);
        return sd_bus_error_set_errnof(error, r, "Failed to %s ('%s'): %m", join_step_to_string(step), name);
}

static void on_ready(int error, JoinStep step, int master, const char *pty_path, unsigned pty_number, int bus_fd,
                     void *userdata) {
        PtyCall *c = userdata;
        _cleanup_close_ int m = master;
        int r;

        safe_close(bus_fd);
        if (error < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                /* The user was looked up before the helper ran: no "No user" here. */
                (void) join_error(&e, error, step, c->machine, NULL);
                bus_pending_reply_error(c->pending, &e);
        } else {
                if (c->status_fd >= 0)
                        r = sd_bus_reply_method_return(c->pending->msg, "hsh", m, pty_path, c->status_fd);
                else
                        r = sd_bus_reply_method_return(c->pending->msg, "hs", m, pty_path);
                if (r < 0)
                        log_warning_errno(r, "Failed to reply with the pty of machine %s, ignoring: %m", c->machine);
        }
        pty_call_free(c);
}

int bus_machine_open_pty(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        PtyCall *c;
        JoinStep step;
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        r = pty_call_new(msg, machine, &c);
        if (r < 0)
                return r;
        JoinRequest req = { .mode = JOIN_PTY, .status_fd = -EBADF };
        r = machine_join_start(machine, &req, on_ready, c, &step);
        if (r < 0) {
                pty_call_free(c);
                return join_error(error, r, step, machine->name, NULL);
        }
        return 1;
}

int bus_machine_open_login(sd_bus_message *msg, Machine *machine, sd_bus_error *error) {
        PtyCall *c;
        JoinStep step;
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        r = pty_call_new(msg, machine, &c);
        if (r < 0)
                return r;
        r = machine_login_start(machine, on_ready, c, &step);
        if (r < 0) {
                pty_call_free(c);
                return join_error(error, r, step, machine->name, NULL);
        }
        return 1;
}

/* A user name as useradd and systemd take them (or a decimal uid); "" is root. */
static bool user_name_is_valid(const char *u) {
        size_t n = strlen(u);

        if (n > 256 || u[0] == '-' || streq(u, ".") || streq(u, ".."))
                return false;
        for (const char *p = u; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("._-", *p) || (*p == '$' && p[1] == 0)))
                        return false;
        return true;
}

static bool env_assignment_is_valid(const char *e) {
        const char *eq = strchr(e, '=');

        if (!eq || eq == e || strlen(e) > SHELL_STRING_MAX)
                return false;
        if (e[0] >= '0' && e[0] <= '9')
                return false;
        for (const char *p = e; p < eq; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        return true;
}

static int validate_shell_args(const char *user, const char *path, char **args, char **env, sd_bus_error *error) {
        if (!user_name_is_valid(user))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid user name '%s'", BUS_ARG(user));
        if (!isempty(path) && (path[0] != '/' || strlen(path) > 4096))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The program must be an absolute path: '%s'", BUS_ARG(path));
        if (isempty(path) && strv_length(args) > 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Arguments given without a program");
        if (strv_length(args) > SHELL_ARGS_MAX || strv_length(env) > SHELL_ENV_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Too many arguments or environment variables");
        STRV_FOREACH(a, args)
                if (strlen(*a) > SHELL_STRING_MAX)
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Argument too long");
        STRV_FOREACH(e, env)
                if (!env_assignment_is_valid(*e))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Invalid environment assignment '%s'", BUS_ARG(*e));
        return 0;
}

int bus_machine_open_shell(sd_bus_message *msg, Machine *machine, bool with_status, sd_bus_error *error) {
        _cleanup_strv_free_ char **args = NULL, **env = NULL;
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        const char *user, *path;
        uint64_t flags = 0;
        PtyCall *c;
        JoinStep step;
        int r;

        r = sd_bus_message_read(msg, "ss", &user, &path);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &args);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &env);
        if (r < 0)
                return r;
        if (with_status) {
                r = sd_bus_message_read(msg, "t", &flags);
                if (r < 0)
                        return r;
                if (flags & ~_JOIN_PTY_FLAGS_ALL)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown flags 0x%" PRIx64,
                                                 flags & ~_JOIN_PTY_FLAGS_ALL);
        }
        r = validate_shell_args(user, path, args, env, error);
        if (r < 0)
                return r;
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        if (with_status && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        r = pty_call_new(msg, machine, &c);
        if (r < 0)
                return r;
        c->status_fd = TAKE_FD(pair[0]);
        JoinRequest req = { .mode = JOIN_SHELL, .user = user, .path = path, .args = args, .env = env,
                            .pty_flags = (unsigned) flags, .status_fd = TAKE_FD(pair[1]) };
        r = machine_join_start(machine, &req, on_ready, c, &step);
        if (r < 0) {
                pty_call_free(c);
                return join_error(error, r, step, machine->name, user);
        }
        return 1;
}

static int method_open_pty(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_open_pty(msg, userdata, error);
}

static int method_open_login(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_open_login(msg, userdata, error);
}

static int method_open_shell(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_machine_open_shell(msg, userdata, false, error);
}

#define U SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable machine_pty_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("OpenPTY", SD_BUS_NO_ARGS, SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_pty, U),
        SD_BUS_METHOD_WITH_ARGS("OpenLogin", SD_BUS_NO_ARGS, SD_BUS_RESULT("h", pty, "s", pty_path),
                                method_open_login, U),
        SD_BUS_METHOD_WITH_ARGS("OpenShell", SD_BUS_ARGS("s", user, "s", path, "as", args, "as", environment),
                                SD_BUS_RESULT("h", pty, "s", pty_path), method_open_shell, U),
        SD_BUS_VTABLE_END
};

int machine_dbus_pty_register(Manager *m) {
        return sd_bus_add_fallback_vtable(m->bus, NULL, MACHINE1_MACHINE_PREFIX, MACHINE1_MACHINE_INTERFACE,
                                          machine_pty_vtable, machine_object_find, m);
}
