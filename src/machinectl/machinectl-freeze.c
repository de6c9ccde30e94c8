/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-verbs.h"
#include "strv.h"

/* FreezeMachine/ThawMachine are extensions of machine1: a registry that lacks them (systemd's
 * machined) answers UnknownMethod, which is said as such. Goes on with the other machines when one
 * fails, and returns the first error. */
static int freeze_all(sd_bus *bus, char **names, bool freeze) {
        int ret = 0;

        STRV_FOREACH(name, names) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                           freeze ? "FreezeMachine" : "ThawMachine", &error, NULL, "s", *name);
                if (r < 0) {
                        if (sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                                log_error(_("The machine registry on this bus cannot freeze or thaw machines."));
                                return r;
                        }
                        r = log_machine_error(*name, &error, r,
                                              freeze ? _("Could not freeze machine") : _("Could not thaw machine"));
                        if (ret == 0)
                                ret = r;
                }
        }
        return ret;
}

int verb_freeze(sd_bus *bus, char **names, const Args *args) {
        return freeze_all(bus, names, true);
}

int verb_thaw(sd_bus *bus, char **names, const Args *args) {
        return freeze_all(bus, names, false);
}
