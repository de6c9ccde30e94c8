/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "nspawn-etc-mode.h"
#include "string-util.h"

static const char *const resolv_conf_mode_table[_RESOLV_CONF_MODE_MAX] = {
        [RESOLV_CONF_AUTO] = "auto",
        [RESOLV_CONF_OFF] = "off",
        [RESOLV_CONF_COPY_HOST] = "copy-host",
        [RESOLV_CONF_COPY_STATIC] = "copy-static",
        [RESOLV_CONF_COPY_UPLINK] = "copy-uplink",
        [RESOLV_CONF_COPY_STUB] = "copy-stub",
        [RESOLV_CONF_REPLACE_HOST] = "replace-host",
        [RESOLV_CONF_REPLACE_STATIC] = "replace-static",
        [RESOLV_CONF_REPLACE_UPLINK] = "replace-uplink",
        [RESOLV_CONF_REPLACE_STUB] = "replace-stub",
        [RESOLV_CONF_BIND_HOST] = "bind-host",
        [RESOLV_CONF_BIND_STATIC] = "bind-static",
        [RESOLV_CONF_BIND_UPLINK] = "bind-uplink",
        [RESOLV_CONF_BIND_STUB] = "bind-stub",
        [RESOLV_CONF_DELETE] = "delete",
};

static const char *const timezone_mode_table[_TIMEZONE_MODE_MAX] = {
        [TIMEZONE_AUTO] = "auto",
        [TIMEZONE_OFF] = "off",
        [TIMEZONE_COPY] = "copy",
        [TIMEZONE_BIND] = "bind",
        [TIMEZONE_SYMLINK] = "symlink",
        [TIMEZONE_DELETE] = "delete",
};

static const char *const etc_action_table[_ETC_ACTION_MAX] = {
        [ETC_KEEP] = "keep",
        [ETC_COPY] = "copy",
        [ETC_REPLACE] = "replace",
        [ETC_BIND] = "bind",
        [ETC_SYMLINK] = "symlink",
        [ETC_DELETE] = "delete",
};

static int lookup(const char *const *table, int n, const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return i;
        return -EINVAL;
}

const char *resolv_conf_mode_to_string(ResolvConfMode m) {
        return m >= 0 && m < _RESOLV_CONF_MODE_MAX ? resolv_conf_mode_table[m] : NULL;
}

ResolvConfMode resolv_conf_mode_from_string(const char *s) {
        return (ResolvConfMode) lookup(resolv_conf_mode_table, _RESOLV_CONF_MODE_MAX, s);
}

const char *timezone_mode_to_string(TimezoneMode m) {
        return m >= 0 && m < _TIMEZONE_MODE_MAX ? timezone_mode_table[m] : NULL;
}

TimezoneMode timezone_mode_from_string(const char *s) {
        return (TimezoneMode) lookup(timezone_mode_table, _TIMEZONE_MODE_MAX, s);
}

const char *etc_action_to_string(EtcAction a) {
        return a >= 0 && a < _ETC_ACTION_MAX ? etc_action_table[a] : NULL;
}

int link_journal_from_string(const char *s, LinkJournal *ret_mode, bool *ret_try) {
        static const struct {
                const char *name;
                LinkJournal mode;
                bool try;
        } table[] = {
                { "no", LINK_JOURNAL_NO, false },
                { "auto", LINK_JOURNAL_AUTO, false },
                { "host", LINK_JOURNAL_HOST, false },
                { "try-host", LINK_JOURNAL_HOST, true },
                { "guest", LINK_JOURNAL_GUEST, false },
                { "try-guest", LINK_JOURNAL_GUEST, true },
        };

        for (size_t i = 0; s && i < ELEMENTSOF(table); i++)
                if (streq(table[i].name, s)) {
                        *ret_mode = table[i].mode;
                        *ret_try = table[i].try;
                        return 0;
                }
        return -EINVAL;
}

EtcFileAction resolv_conf_decide(ResolvConfMode mode, const EtcHostFacts *f, bool private_network, bool writable) {
        static const char *const source[] = { RESOLV_CONF_HOST, RESOLV_CONF_STATIC, RESOLV_CONF_UPLINK, RESOLV_CONF_STUB };

        switch (mode) {
        case RESOLV_CONF_AUTO:
                if (private_network)
                        return (EtcFileAction) { ETC_KEEP };
                if (f->resolved_stub)
                        return (EtcFileAction) { writable ? ETC_COPY : ETC_BIND, RESOLV_CONF_STUB };
                if (f->host_resolv_conf)
                        return (EtcFileAction) { writable ? ETC_COPY : ETC_BIND, RESOLV_CONF_HOST };
                return (EtcFileAction) { writable ? ETC_DELETE : ETC_KEEP };
        case RESOLV_CONF_COPY_HOST ... RESOLV_CONF_COPY_STUB:
                return (EtcFileAction) { ETC_COPY, source[mode - RESOLV_CONF_COPY_HOST] };
        case RESOLV_CONF_REPLACE_HOST ... RESOLV_CONF_REPLACE_STUB:
                return (EtcFileAction) { ETC_REPLACE, source[mode - RESOLV_CONF_REPLACE_HOST] };
        case RESOLV_CONF_BIND_HOST ... RESOLV_CONF_BIND_STUB:
                return (EtcFileAction) { ETC_BIND, source[mode - RESOLV_CONF_BIND_HOST] };
        case RESOLV_CONF_DELETE:
                return (EtcFileAction) { ETC_DELETE };
        default:
                return (EtcFileAction) { ETC_KEEP };
        }
}

EtcFileAction timezone_decide(TimezoneMode mode, const EtcHostFacts *f, bool writable) {
        switch (mode) {
        case TIMEZONE_AUTO:
                switch (f->localtime) {
                case LOCALTIME_MISSING:
                        return (EtcFileAction) { writable ? ETC_DELETE : ETC_KEEP };
                case LOCALTIME_REGULAR:
                        return (EtcFileAction) { writable ? ETC_REPLACE : ETC_BIND, "/etc/localtime" };
                case LOCALTIME_ZONE:
                        return (EtcFileAction) { writable ? ETC_SYMLINK : ETC_BIND, "/etc/localtime" };
                default:
                        return (EtcFileAction) { ETC_KEEP };
                }
        case TIMEZONE_SYMLINK:
                /* Without the host's symlink there is no zone name to link to. */
                return (EtcFileAction) { f->localtime == LOCALTIME_ZONE ? ETC_SYMLINK : ETC_KEEP, "/etc/localtime" };
        case TIMEZONE_COPY:
                /* systemd-nspawn copies the zone over whatever is there, a symlink too. */
                return (EtcFileAction) { ETC_REPLACE, "/etc/localtime" };
        case TIMEZONE_BIND:
                return (EtcFileAction) { ETC_BIND, "/etc/localtime" };
        case TIMEZONE_DELETE:
                return (EtcFileAction) { ETC_DELETE };
        default:
                return (EtcFileAction) { ETC_KEEP };
        }
}

JournalAction journal_decide(LinkJournal mode, bool try, JournalHostState host, bool ids_equal, bool is_image) {
        bool lenient = try || mode == LINK_JOURNAL_AUTO;

        if (mode == LINK_JOURNAL_NO)
                return JOURNAL_NOTHING;
        /* The host's own journal directory would be handed to (or replaced by) the guest's. */
        if (ids_equal)
                return lenient ? JOURNAL_NOTHING : JOURNAL_REFUSE;

        switch (mode) {
        case LINK_JOURNAL_GUEST:
                /* A symlink into an image's mount would point nowhere once the container ends. */
                if (is_image || host == JOURNAL_HOST_OTHER)
                        return lenient ? JOURNAL_NOTHING : JOURNAL_REFUSE;
                return host == JOURNAL_HOST_LINK_TO_TREE ? JOURNAL_GUEST_DIR : JOURNAL_LINK_GUEST;
        case LINK_JOURNAL_HOST:
                if (host == JOURNAL_HOST_OTHER)
                        return lenient ? JOURNAL_NOTHING : JOURNAL_REFUSE;
                return JOURNAL_BIND_HOST;
        case LINK_JOURNAL_AUTO:
                /* What an earlier run with host or guest left behind is picked up; nothing else is
                 * made (systemd-nspawn also removes a symlink to another tree here: we leave it). */
                if (host == JOURNAL_HOST_DIRECTORY)
                        return JOURNAL_BIND_HOST;
                if (host == JOURNAL_HOST_LINK_TO_TREE)
                        return JOURNAL_GUEST_DIR;
                return JOURNAL_NOTHING;
        default:
                return JOURNAL_NOTHING;
        }
}
