/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "machine-name.h"
#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "machinectl-unit.h"
#include "machinectl-verbs.h"
#include "string-util.h"
#include "strv.h"

/* start, enable, disable: machines as units of systemd (nspawn@NAME.service), through
 * org.freedesktop.systemd1, as systemd's machinectl does it. */

#define SYSTEMD1_SERVICE "org.freedesktop.systemd1"
#define SYSTEMD1_PATH "/org/freedesktop/systemd1"
#define SYSTEMD1_MANAGER "org.freedesktop.systemd1.Manager"

char *machine_unit_name(const char *machine) {
        /* The instance is the name as it is (nspawn@.service runs "-M %i"); a valid machine name
         * is a valid instance. */
        if (!machine_name_is_valid(machine))
                return NULL;
        return strjoin("nspawn@", machine, ".service");
}

bool systemd_is_pid1(void) {
        /* As sd_booted(): systemd creates this directory early at boot; nothing else does. */
        return access("/run/systemd/system/", F_OK) >= 0;
}

static int units_from_names(char **names, char ***ret) {
        _cleanup_strv_free_ char **units = NULL;

        STRV_FOREACH(name, names) {
                char *u = machine_unit_name(*name);

                if (!u) {
                        _cleanup_free_ char *e = escape_untrusted(*name);
                        return log_error_errno(-EINVAL, _("Invalid machine name '%s'."), e ?: "");
                }
                if (strv_consume(&units, u) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(units);
        return 0;
}

typedef struct JobWait {
        const char *job;
        char *result;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && streq(path, w->job) && !w->result)
                w->result = strdup(result);
        return 0;
}

/* Waits for JobRemoved of job. The signal may have come while StartUnit was answered: it waits in
 * the bus's queue and is dispatched here. */
static int wait_for_job(sd_bus *bus, JobWait *w) {
        int r;

        while (!w->result) {
                r = bus_process_or_wait(bus);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int start_one(sd_bus *bus, const char *unit) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        JobWait w = {};
        int r;

        r = sd_bus_match_signal(bus, &slot, SYSTEMD1_SERVICE, SYSTEMD1_PATH, SYSTEMD1_MANAGER, "JobRemoved",
                                on_job_removed, &w);
        if (r < 0)
                return log_error_errno(r, _("Failed to watch systemd's jobs: %m"));
        r = sd_bus_call_method(bus, SYSTEMD1_SERVICE, SYSTEMD1_PATH, SYSTEMD1_MANAGER, "StartUnit", &error,
                               &reply, "ss", unit, "replace");
        if (r < 0) {
                log_error(_("Failed to start %s: %s"), unit, error.message ?: strerror(-r));
                return r;
        }
        r = sd_bus_message_read(reply, "o", &w.job);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of StartUnit: %m"));
        r = wait_for_job(bus, &w);
        if (r < 0) {
                free(w.result);
                return r;
        }
        if (!streq(w.result, "done")) {
                log_error(_("Job for %s failed (%s). See \"systemctl status %s\" and \"journalctl -u %s\" for details."),
                          unit, w.result, unit, unit);
                free(w.result);
                return -EIO;
        }
        free(w.result);
        return 0;
}

int verb_start(sd_bus *bus, char **names, const Args *args) {
        _cleanup_strv_free_ char **units = NULL;
        int r, ret = 0;

        r = units_from_names(names, &units);
        if (r < 0)
                return r;
        STRV_FOREACH(u, units) {
                r = start_one(bus, *u);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

static const char *arrow(void) {
        return streq(nl_langinfo(CODESET), "UTF-8") ? "→" : "->";
}

/* As systemctl says them: one line per symlink created or removed. */
static int dump_changes(sd_bus_message *reply, bool quiet) {
        const char *type, *path, *source;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "(sss)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sss)", &type, &path, &source)) > 0) {
                if (quiet)
                        continue;
                if (streq(type, "symlink"))
                        log_info(_("Created symlink %s %s %s."), path, arrow(), source);
                else if (streq(type, "unlink"))
                        log_info(_("Removed \"%s\"."), path);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static int enable_disable(sd_bus *bus, char **names, bool enable, const Args *args) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_strv_free_ char **units = NULL;
        int carries_install_info;
        int r;

        r = units_from_names(names, &units);
        if (r < 0)
                return r;
        /* machines.target pulls the enabled machines in at boot: it is enabled with them (and stays
         * when they are disabled, as with systemd's machinectl). */
        if (enable && strv_extend(&units, "machines.target") < 0)
                return log_oom();
        r = sd_bus_message_new_method_call(bus, &m, SYSTEMD1_SERVICE, SYSTEMD1_PATH, SYSTEMD1_MANAGER,
                                           enable ? "EnableUnitFiles" : "DisableUnitFiles");
        if (r >= 0)
                r = sd_bus_message_append_strv(m, units);
        if (r >= 0)
                r = enable ? sd_bus_message_append(m, "bb", 0, 0) : sd_bus_message_append(m, "b", 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to build the method call: %m"));
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0) {
                log_error(enable ? _("Failed to enable: %s") : _("Failed to disable: %s"),
                          error.message ?: strerror(-r));
                return r;
        }
        if (enable) {
                r = sd_bus_message_read(reply, "b", &carries_install_info);
                if (r < 0)
                        return log_error_errno(r, _("Failed to parse the reply of systemd: %m"));
        }
        r = dump_changes(reply, args->quiet);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of systemd: %m"));
        sd_bus_error_free(&error);
        r = sd_bus_call_method(bus, SYSTEMD1_SERVICE, SYSTEMD1_PATH, SYSTEMD1_MANAGER, "Reload", &error, NULL, NULL);
        if (r < 0) {
                log_error(_("Failed to reload systemd: %s"), error.message ?: strerror(-r));
                return r;
        }
        return 0;
}

int verb_enable(sd_bus *bus, char **names, const Args *args) {
        return enable_disable(bus, names, true, args);
}

int verb_disable(sd_bus *bus, char **names, const Args *args) {
        return enable_disable(bus, names, false, args);
}
