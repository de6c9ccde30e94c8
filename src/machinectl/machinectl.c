/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-options.h"
#include "machinectl-remote.h"
#include "machinectl-unit.h"
#include "machinectl-verbs.h"
#include "string-util.h"
#include "strv.h"

#define ARGS_MAX ((size_t) -1)

typedef struct Verb {
        const char *name;
        size_t min_args, max_args; /* after the verb */
        int (*run)(sd_bus *bus, char **names, const Args *args);
        /* Talks to systemd (PID 1), not to the registry. */
        bool systemd;
        /* run's non-negative return is machinectl's exit status (shell: the command's). */
        bool exit_status;
        /* Hands fds around, which cannot cross to another host: with -H it runs there (ssh). */
        bool local_fds;
} Verb;

static const Verb verbs[] = {
        { "list",      0, 0,        verb_list      },
        { "status",    1, ARGS_MAX, verb_status    },
        { "show",      0, ARGS_MAX, verb_show      },
        { "terminate", 1, ARGS_MAX, verb_terminate },
        { "kill",      1, ARGS_MAX, verb_kill      },
        { "poweroff",  1, ARGS_MAX, verb_poweroff  },
        { "stop",      1, ARGS_MAX, verb_poweroff  },
        { "reboot",    1, ARGS_MAX, verb_reboot    },
        { "restart",   1, ARGS_MAX, verb_reboot    },
        { "freeze",    1, ARGS_MAX, verb_freeze    },
        { "thaw",      1, ARGS_MAX, verb_thaw      },
        { "copy-to",   2, 3,        verb_copy_to   },
        { "copy-from", 2, 3,        verb_copy_from },
        { "bind",      2, 3,        verb_bind      },
        { "list-images",  0, 0,        verb_list_images      },
        { "image-status", 1, ARGS_MAX, verb_image_status     },
        { "show-image",   0, ARGS_MAX, verb_show_image       },
        { "clone",        2, 2,        verb_clone_image      },
        { "rename",       2, 2,        verb_rename_image     },
        { "remove",       1, ARGS_MAX, verb_remove_image     },
        { "read-only",    1, 2,        verb_read_only_image  },
        { "clean",        0, 0,        verb_clean_images     },
        { "start",     1, ARGS_MAX, verb_start,   true },
        { "enable",    1, ARGS_MAX, verb_enable,  true },
        { "disable",   1, ARGS_MAX, verb_disable, true },
        { "shell",     1, ARGS_MAX, verb_shell,   false, true, true },
        { "login",     1, 1,        verb_login,   false, false, true },
};

/* start, enable, disable: the machine's unit is systemd's. */
static int systemd_connect(const char *verb, const char *host, sd_bus **ret) {
        int r;

        /* On another host, its systemd answers for itself (or the bus says there is none). */
        if (!host && !systemd_is_pid1())
                return log_error_errno(-EOPNOTSUPP,
                                       _("'%s' needs systemd as PID 1 (it starts and enables nspawn@.service); this system runs without it."),
                                       verb);
        r = bus_open_system_at(host, ret);
        if (r < 0)
                return log_error_errno(r, _("Failed to connect to the system bus: %m"));
        return 0;
}

static const Verb *verb_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static int dispatch(const Args *args) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        const char *name = args->verb_args[0] ?: "list";
        size_t n = args->verb_args[0] ? strv_length(args->verb_args) - 1 : 0;
        const Verb *v = verb_find(name);
        int r;

        if (!v)
                return log_error_errno(-EINVAL, _("Unknown command verb '%s'."), name);
        if (n < v->min_args)
                return log_error_errno(-EINVAL, _("Too few arguments for '%s'."), name);
        if (n > v->max_args)
                return log_error_errno(-EINVAL, _("Too many arguments for '%s'."), name);

        if (args->host && v->local_fds)
                return remote_exec_verb(args);
        r = v->systemd ? systemd_connect(name, args->host, &bus) : machine1_connect(args->host, &bus);
        if (r < 0)
                return r;
        r = v->run(bus, args->verb_args[0] ? args->verb_args + 1 : NULL, args);
        return r < 0 || v->exit_status ? r : 0;
}

int main(int argc, char *argv[]) {
        Args args;
        int r;

        /* Before any output: a locale set on the first translated message would format the first
         * machine's timestamps in one locale and the next ones in another. */
        i18n_init();
        log_parse_environment("MACHINECTL_LOG_LEVEL");
        /* Output cut short by a closed pipe ("machinectl list | head -1") is no error worth a signal. */
        (void) signal(SIGPIPE, SIG_IGN);

        r = args_parse(argc, argv, &args);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (args.quiet && log_get_max_level() == LOG_INFO)
                log_set_max_level(LOG_WARNING);

        r = dispatch(&args);
        args_done(&args);
        return r < 0 ? EXIT_FAILURE : r;
}
