/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-verbs.h"
#include "strv.h"

static int kill_one(sd_bus *bus, const char *name, const char *whom, int sig) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "KillMachine", &error,
                               NULL, "ssi", name, whom, sig);
        if (r < 0)
                return log_machine_error(name, &error, r, _("Could not kill machine"));
        return 0;
}

/* Goes on with the other machines when one fails, and returns the first error. */
static int kill_all(sd_bus *bus, char **names, const char *whom, int sig) {
        int ret = 0;

        STRV_FOREACH(name, names) {
                int r = kill_one(bus, *name, whom, sig);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

int verb_kill(sd_bus *bus, char **names, const Args *args) {
        return kill_all(bus, names, args->kill_whom ?: "all", args->signal > 0 ? args->signal : SIGTERM);
}

/* As systemd's machinectl: SIGRTMIN+4 asks systemd (as the container's init) to power off. */
int verb_poweroff(sd_bus *bus, char **names, const Args *args) {
        return kill_all(bus, names, "leader", SIGRTMIN + 4);
}

/* SIGINT is what systemd as init takes for ctrl-alt-del: a reboot. */
int verb_reboot(sd_bus *bus, char **names, const Args *args) {
        return kill_all(bus, names, "leader", SIGINT);
}

int verb_terminate(sd_bus *bus, char **names, const Args *args) {
        int ret = 0;

        STRV_FOREACH(name, names) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                           "TerminateMachine", &error, NULL, "s", *name);
                if (r < 0) {
                        r = log_machine_error(*name, &error, r, _("Could not terminate machine"));
                        if (ret == 0)
                                ret = r;
                }
        }
        return ret;
}
