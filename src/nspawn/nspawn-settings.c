/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>

#include "cap-list.h"
#include "nspawn-settings.h"
#include "unit-property.h"
#include "string-util.h"
#include "strv.h"

static const char *const console_mode_table[_CONSOLE_MODE_MAX] = {
        [CONSOLE_INTERACTIVE] = "interactive",
        [CONSOLE_READ_ONLY] = "read-only",
        [CONSOLE_PASSIVE] = "passive",
        [CONSOLE_PIPE] = "pipe",
        [CONSOLE_AUTOPIPE] = "autopipe",
};

const char *console_mode_to_string(ConsoleMode m) {
        return m >= 0 && m < _CONSOLE_MODE_MAX ? console_mode_table[m] : NULL;
}

ConsoleMode console_mode_from_string(const char *s) {
        for (int i = 0; i < _CONSOLE_MODE_MAX; i++)
                if (streq(s, console_mode_table[i]))
                        return (ConsoleMode) i;
        return _CONSOLE_MODE_INVALID;
}

void overlay_mount_done(OverlayMount *o) {
        strv_free(o->lower);
        free(o->upper);
        free(o->destination);
        *o = (OverlayMount) {};
}

static const char *const settings_mode_table[_SETTINGS_MODE_MAX] = {
        [SETTINGS_YES] = "yes",
        [SETTINGS_NO] = "no",
        [SETTINGS_OVERRIDE] = "override",
        [SETTINGS_TRUSTED] = "trusted",
};

const char *settings_mode_to_string(SettingsMode m) {
        return m >= 0 && m < _SETTINGS_MODE_MAX ? settings_mode_table[m] : NULL;
}

SettingsMode settings_mode_from_string(const char *s) {
        for (int i = 0; i < _SETTINGS_MODE_MAX; i++)
                if (streq(s, settings_mode_table[i]))
                        return (SettingsMode) i;
        int r = parse_boolean(s);
        if (r < 0)
                return _SETTINGS_MODE_INVALID;
        return r ? SETTINGS_YES : SETTINGS_NO;
}

void settings_done(Settings *s) {
        free(s->directory);
        free(s->image);
        free(s->machine);
        free(s->hostname);
        free(s->user);
        free(s->chdir);
        strv_free(s->environment);
        strv_free(s->parameters);
        free(s->network_bridge);
        free(s->network_zone);
        strv_free(s->network_veth_extra);
        strv_free(s->network_interfaces);
        strv_free(s->network_macvlan);
        strv_free(s->network_ipvlan);
        free(s->network_namespace_path);
        free(s->ports);
        for (size_t i = 0; i < s->n_binds; i++) {
                free(s->binds[i].source);
                free(s->binds[i].destination);
        }
        free(s->binds);
        for (size_t i = 0; i < s->n_tmpfs; i++) {
                free(s->tmpfs[i].path);
                free(s->tmpfs[i].options);
        }
        free(s->tmpfs);
        free(s->template);
        strv_free(s->inaccessible);
        for (size_t i = 0; i < s->n_overlays; i++)
                overlay_mount_done(&s->overlays[i]);
        free(s->overlays);
        unit_properties_free(s->properties);
        syscall_filter_done(&s->syscall_filter);
        *s = (Settings) {};
}

uint64_t settings_capability_mask(const Settings *s) {
        uint64_t m = capability_default_mask();

        if (s->private_network)
                m |= UINT64_C(1) << CAP_NET_ADMIN;
        m |= s->capability_add;
        m &= ~s->capability_drop;
        return m;
}

ConsoleMode settings_effective_console_mode(const Settings *s, bool stdin_tty, bool stdout_tty) {
        switch (s->console_mode) {
        case CONSOLE_AUTOPIPE:
                return stdin_tty && stdout_tty ? CONSOLE_INTERACTIVE : CONSOLE_PIPE;
        case _CONSOLE_MODE_INVALID:
                return stdin_tty && stdout_tty ? CONSOLE_INTERACTIVE : CONSOLE_READ_ONLY;
        default:
                return s->console_mode;
        }
}
