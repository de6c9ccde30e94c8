/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "machinectl-verbs.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

/* copy-to, copy-from, bind: the work is machined's (CopyToMachine, CopyFromMachine,
 * BindMountMachine); machinectl only makes the host path absolute, since machined has a cwd of its
 * own. */

#define MACHINE_COPY_REPLACE (UINT64_C(1) << 0)
#define MACHINE_COPY_MKDIR (UINT64_C(1) << 1)
/* A copy of a large tree takes as long as it takes: no method call timeout cuts it short. */
#define COPY_TIMEOUT_USEC (UINT64_C(24) * 3600 * 1000000)

/* The host path, absolute and with "." and ".." resolved as words (the host's paths are the
 * caller's own: "../x" means what the shell means). With -H the host is another one, where this
 * cwd means nothing: its paths must be absolute. */
static int host_path_absolute(const char *p, const char *remote, char **ret) {
        _cleanup_free_ char *cwd = NULL, *joined = NULL;
        char *out, *w;

        if (!path_is_absolute(p) && remote) {
                _cleanup_free_ char *e = escape_untrusted(p);
                return log_error_errno(-EINVAL, _("With --host, the host path '%s' must be absolute (it is a path on %s)."),
                                       e ?: p, remote);
        }
        if (!path_is_absolute(p)) {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return log_error_errno(-errno, _("Failed to get the current directory: %m"));
                joined = strjoin(cwd, "/", p);
        } else
                joined = strdup(p);
        out = malloc(strlen(joined ?: "") + 2);
        if (!joined || !out) {
                free(out);
                return log_oom();
        }
        w = out;
        for (const char *c = joined; *c;) {
                const char *e = strchrnul(c, '/');
                size_t l = (size_t) (e - c);

                if (l == 2 && c[0] == '.' && c[1] == '.') {
                        while (w > out && *--w != '/')
                                ;
                } else if (l > 0 && !(l == 1 && c[0] == '.')) {
                        *w++ = '/';
                        memcpy(w, c, l);
                        w += l;
                }
                c = *e ? e + 1 : e;
        }
        if (w == out)
                *w++ = '/';
        *w = 0;
        *ret = out;
        return 0;
}

/* The guest's paths are resolved by machined inside the machine's root: refused here already when
 * they are not absolute or try to climb with "..", with a line that names them. */
static int guest_path_check(const char *p) {
        _cleanup_free_ char *e = escape_untrusted(p);

        if (!e)
                return log_oom();
        if (!path_is_absolute(p) || !path_is_normalized(p))
                return log_error_errno(-EINVAL, _("Path '%s' in the machine must be absolute and normalized (no '..')."), e);
        if (streq(p, "/"))
                return log_error_errno(-EINVAL, _("Cannot copy or bind '/' of the machine."));
        return 0;
}

typedef struct Paths {
        char *host;
        const char *guest;
} Paths;

static void paths_done(Paths *p) {
        free(p->host);
}

/* host and guest are the arguments; a missing one is the other's. */
static int paths_from_args(const char *host, const char *guest, const char *remote, Paths *ret) {
        _cleanup_free_ char *abs = NULL;
        int r;

        r = host_path_absolute(host, remote, &abs);
        if (r < 0)
                return r;
        if (streq(abs, "/"))
                return log_error_errno(-EINVAL, _("Cannot copy or bind the host's '/'."));
        r = guest_path_check(guest ?: abs);
        if (r < 0)
                return r;
        *ret = (Paths) { .guest = guest, .host = TAKE_PTR(abs) };
        if (!ret->guest)
                ret->guest = ret->host;
        return 0;
}

static int copy(sd_bus *bus, char **argv, const Args *args, bool to_machine) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(paths_done) Paths p = {};
        const char *name = argv[0];
        uint64_t flags = (args->force ? MACHINE_COPY_REPLACE : 0) | (args->mkdir ? MACHINE_COPY_MKDIR : 0);
        int r;

        r = to_machine ? paths_from_args(argv[1], argv[2], args->host, &p)
                       : paths_from_args(argv[2] ?: argv[1], argv[1], args->host, &p);
        if (r < 0)
                return r;
        /* Without flags the call systemd's machined has known longest. */
        r = sd_bus_message_new_method_call(bus, &m, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                           to_machine ? (flags ? "CopyToMachineWithFlags" : "CopyToMachine")
                                                      : (flags ? "CopyFromMachineWithFlags" : "CopyFromMachine"));
        if (r >= 0)
                r = sd_bus_message_append(m, "sss", name, to_machine ? p.host : p.guest, to_machine ? p.guest : p.host);
        if (r >= 0 && flags)
                r = sd_bus_message_append(m, "t", flags);
        if (r < 0)
                return log_error_errno(r, _("Failed to build the request: %m"));
        r = sd_bus_call(bus, m, COPY_TIMEOUT_USEC, &error, NULL);
        if (r < 0)
                return log_machine_error(name, &error, r, _("Could not copy files of machine"));
        return 0;
}

int verb_copy_to(sd_bus *bus, char **argv, const Args *args) {
        return copy(bus, argv, args, true);
}

int verb_copy_from(sd_bus *bus, char **argv, const Args *args) {
        return copy(bus, argv, args, false);
}

int verb_bind(sd_bus *bus, char **argv, const Args *args) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(paths_done) Paths p = {};
        int r;

        r = paths_from_args(argv[1], argv[2], args->host, &p);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "BindMountMachine", &error,
                               NULL, "sssbb", argv[0], p.host, p.guest, args->read_only, args->mkdir);
        if (r < 0)
                return log_machine_error(argv[0], &error, r, _("Could not bind mount into machine"));
        return 0;
}
