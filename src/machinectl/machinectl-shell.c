/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "machinectl-pty.h"
#include "machinectl-verbs.h"
#include "string-util.h"
#include "strv.h"

#define NSPAWN_MACHINE1_MANAGER "io.nspawn.machine1.Manager"
/* OpenMachineShellWithStatus' flags: our side is no terminal (set up before the command starts). */
#define SHELL_PLAIN_INPUT  (UINT64_C(1) << 0)
#define SHELL_PLAIN_OUTPUT (UINT64_C(1) << 1)
/* The helper may wait for the guest (its passwd on a slow disk, its systemd starting a getty). */
#define OPEN_TIMEOUT_USEC (30ULL * 1000000ULL)

/* -E VAR=VALUE as given; -E VAR takes VAR's value from our environment (and is dropped when unset),
 * TERM comes along when stdin or stdout is a terminal (the guest draws on it). */
static int build_env(const Args *args, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const char *term = getenv("TERM");
        int r;

        if (term && (isatty(STDIN_FILENO) || isatty(STDOUT_FILENO))) {
                _cleanup_free_ char *t = NULL;
                if (asprintf(&t, "TERM=%s", term) < 0)
                        return -ENOMEM;
                r = strv_consume(&env, TAKE_PTR(t));
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(e, args->setenv) {
                if (strchr(*e, '=')) {
                        r = strv_env_set(&env, *e);
                } else {
                        const char *v = getenv(*e);
                        _cleanup_free_ char *a = NULL;
                        if (!v)
                                continue;
                        if (asprintf(&a, "%s=%s", *e, v) < 0)
                                return -ENOMEM;
                        r = strv_env_set(&env, a);
                }
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

static int append_call(sd_bus_message *m, const char *name, const char *user, const char *path, char **argv,
                       char **env) {
        int r = sd_bus_message_append(m, "sss", name, user, path);

        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, env);
        return r;
}

/* Our machined's OpenMachineShellWithStatus, else (systemd-machined) OpenMachineShell, whose
 * command's exit status nobody learns. */
static int open_shell(sd_bus *bus, const char *name, const char *user, const char *path, char **argv, char **env,
                      sd_bus_message **ret_reply, bool *ret_with_status) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        for (int with_status = 1; with_status >= 0; with_status--) {
                m = sd_bus_message_unref(m);
                sd_bus_error_free(&error);
                r = sd_bus_message_new_method_call(bus, &m, MACHINE1_SERVICE, MACHINE1_PATH,
                                                   with_status ? NSPAWN_MACHINE1_MANAGER : MACHINE1_MANAGER,
                                                   with_status ? "OpenMachineShellWithStatus" : "OpenMachineShell");
                if (r >= 0)
                        r = append_call(m, name, user, path, argv, env);
                if (r >= 0 && with_status)
                        r = sd_bus_message_append(m, "t", (uint64_t) ((isatty(STDIN_FILENO) ? 0 : SHELL_PLAIN_INPUT) |
                                                                      (isatty(STDOUT_FILENO) ? 0 : SHELL_PLAIN_OUTPUT)));
                if (r < 0)
                        return log_error_errno(r, _("Failed to build the bus call: %m"));
                r = sd_bus_call(bus, m, OPEN_TIMEOUT_USEC, &error, ret_reply);
                if (r >= 0) {
                        *ret_with_status = with_status;
                        return 0;
                }
                if (!with_status || (!sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD) &&
                                     !sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_INTERFACE)))
                        break;
        }
        return log_machine_error(name, &error, r, _("Failed to open a shell in machine"));
}

/* Splits "USER@NAME"; --uid= is the user when none is given there. */
static int parse_target(const char *target, const Args *args, char **ret_user, char **ret_name) {
        const char *at = strrchr(target, '@');
        _cleanup_free_ char *user = NULL, *name = NULL;

        user = at ? strndup(target, (size_t) (at - target)) : strdup(args->uid ?: "");
        name = strdup(at ? at + 1 : target);
        if (!user || !name)
                return log_oom();
        if (isempty(name))
                return log_error_errno(-EINVAL, _("A machine name is required: shell [USER@]NAME [COMMAND...]"));
        if (streq(name, ".host"))
                return log_error_errno(-EOPNOTSUPP, _("The .host pseudo-machine is not supported by 'shell'."));
        *ret_user = TAKE_PTR(user);
        *ret_name = TAKE_PTR(name);
        return 0;
}

static int finish(int master, int status_fd, bool login, const char *name) {
        _cleanup_free_ char *e = escape_untrusted(name);
        int exit_status, r;

        if (!e)
                return log_oom();
        r = pty_forward(master, status_fd, login, e, &exit_status);
        if (r < 0)
                return r;
        if (exit_status < 0)
                return 0;
        return exit_status;
}

int verb_shell(sd_bus *bus, char **argv, const Args *args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *user = NULL, *name = NULL;
        const char *path = argv[1] ?: "", *pty_path;
        int master, status_fd = -EBADF, r;
        bool with_status = false;

        r = parse_target(argv[0], args, &user, &name);
        if (r < 0)
                return r;
        r = build_env(args, &env);
        if (r < 0)
                return log_oom();
        r = open_shell(bus, name, user, path, argv[1] ? argv + 1 : NULL, env, &reply, &with_status);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "hs", &master, &pty_path);
        if (r >= 0 && with_status)
                r = sd_bus_message_read(reply, "h", &status_fd);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of OpenMachineShell: %m"));
        return finish(master, status_fd, false, name);
}

int verb_login(sd_bus *bus, char **argv, const Args *args) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *pty_path;
        int master, r;

        r = sd_bus_message_new_method_call(bus, &m, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                           "OpenMachineLogin");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", argv[0]);
        if (r < 0)
                return log_error_errno(r, _("Failed to build the bus call: %m"));
        r = sd_bus_call(bus, m, OPEN_TIMEOUT_USEC, &error, &reply);
        if (r < 0)
                return log_machine_error(argv[0], &error, r, _("Failed to get login PTY of machine"));
        r = sd_bus_message_read(reply, "hs", &master, &pty_path);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of OpenMachineLogin: %m"));
        r = finish(master, -EBADF, true, argv[0]);
        return r < 0 ? r : 0;
}
