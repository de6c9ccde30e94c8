/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>

/* --resolv-conf=, --timezone= and --link-journal= as systemd-nspawn(1) defines them, and the pure part
 * of carrying them out: which action a mode comes to, given what the host has. Nothing here touches a
 * file; the facts are gathered by the launcher (etc_host_facts_get()) and the actions carried out by
 * the child (etc_setup()). */

typedef enum ResolvConfMode {
        RESOLV_CONF_AUTO,       /* first: the default of a zeroed Settings */
        RESOLV_CONF_OFF,
        RESOLV_CONF_COPY_HOST,
        RESOLV_CONF_COPY_STATIC,
        RESOLV_CONF_COPY_UPLINK,
        RESOLV_CONF_COPY_STUB,
        RESOLV_CONF_REPLACE_HOST,
        RESOLV_CONF_REPLACE_STATIC,
        RESOLV_CONF_REPLACE_UPLINK,
        RESOLV_CONF_REPLACE_STUB,
        RESOLV_CONF_BIND_HOST,
        RESOLV_CONF_BIND_STATIC,
        RESOLV_CONF_BIND_UPLINK,
        RESOLV_CONF_BIND_STUB,
        RESOLV_CONF_DELETE,
        _RESOLV_CONF_MODE_MAX,
        _RESOLV_CONF_MODE_INVALID = -EINVAL,
} ResolvConfMode;

typedef enum TimezoneMode {
        TIMEZONE_AUTO,
        TIMEZONE_OFF,
        TIMEZONE_COPY,
        TIMEZONE_BIND,
        TIMEZONE_SYMLINK,
        TIMEZONE_DELETE,
        _TIMEZONE_MODE_MAX,
        _TIMEZONE_MODE_INVALID = -EINVAL,
} TimezoneMode;

typedef enum LinkJournal {
        LINK_JOURNAL_AUTO,
        LINK_JOURNAL_NO,
        LINK_JOURNAL_HOST,
        LINK_JOURNAL_GUEST,
        _LINK_JOURNAL_MAX,
        _LINK_JOURNAL_INVALID = -EINVAL,
} LinkJournal;

const char *resolv_conf_mode_to_string(ResolvConfMode m);
ResolvConfMode resolv_conf_mode_from_string(const char *s);
const char *timezone_mode_to_string(TimezoneMode m);
TimezoneMode timezone_mode_from_string(const char *s);
/* "no", "host", "try-host", "guest", "try-guest", "auto". */
int link_journal_from_string(const char *s, LinkJournal *ret_mode, bool *ret_try);

/* The files the resolv.conf modes take from the host. */
#define RESOLV_CONF_HOST "/etc/resolv.conf"
#define RESOLV_CONF_STATIC "/usr/lib/systemd/resolv.conf"
#define RESOLV_CONF_UPLINK "/run/systemd/resolve/resolv.conf"
#define RESOLV_CONF_STUB "/run/systemd/resolve/stub-resolv.conf"

typedef enum LocaltimeKind {
        LOCALTIME_MISSING,      /* the host has no /etc/localtime */
        LOCALTIME_REGULAR,      /* a file (or a symlink that does not point into zoneinfo/) */
        LOCALTIME_ZONE,         /* a symlink into .../zoneinfo/: zone names the zone */
        LOCALTIME_UNREADABLE,
} LocaltimeKind;

/* What the host has, gathered once by the launcher before clone(). */
typedef struct EtcHostFacts {
        bool resolved_stub;             /* systemd-resolved's stub file exists and is not empty */
        bool host_resolv_conf;          /* /etc/resolv.conf exists and is not empty */
        LocaltimeKind localtime;
        char zone[128];                 /* LOCALTIME_ZONE: "Europe/Berlin" */
} EtcHostFacts;

typedef enum EtcAction {
        ETC_KEEP,               /* leave the tree's file as it is */
        ETC_COPY,               /* copy the source in, unless the tree has a non-regular file there */
        ETC_REPLACE,            /* copy the source in, replacing whatever inode is there */
        ETC_BIND,               /* bind the source read-only over the file */
        ETC_SYMLINK,            /* timezone: a symlink to the zone's file in the tree */
        ETC_DELETE,
        _ETC_ACTION_MAX,
} EtcAction;

typedef struct EtcFileAction {
        EtcAction action;
        const char *source;     /* host path, for COPY, REPLACE, BIND */
} EtcFileAction;

const char *etc_action_to_string(EtcAction a);

/* systemd-nspawn's choice: auto is nothing with a private network, else the resolved stub where
 * resolved runs, else the host's file (copied into a writable /etc, bound over a read-only one),
 * else deletion in a writable /etc. */
EtcFileAction resolv_conf_decide(ResolvConfMode mode, const EtcHostFacts *f, bool private_network, bool writable);
/* auto: a host symlink into zoneinfo/ becomes a symlink, a host file a copy (bound in a read-only
 * /etc), no host file deletion (nothing in a read-only /etc). symlink needs the host's symlink. */
EtcFileAction timezone_decide(TimezoneMode mode, const EtcHostFacts *f, bool writable);

/* What --link-journal= comes to, given the host's /var/log/journal/ID (p) and the tree. */
typedef enum JournalHostState {
        JOURNAL_HOST_MISSING,           /* p does not exist */
        JOURNAL_HOST_DIRECTORY,
        JOURNAL_HOST_LINK_TO_TREE,      /* p is a symlink to this tree's directory */
        JOURNAL_HOST_LINK_ELSEWHERE,
        JOURNAL_HOST_OTHER,             /* a file, a device... */
} JournalHostState;

typedef enum JournalAction {
        JOURNAL_NOTHING,
        JOURNAL_REFUSE,                 /* an error: the mode cannot be carried out (not "try") */
        JOURNAL_GUEST_DIR,              /* only make sure the tree's directory exists */
        JOURNAL_LINK_GUEST,             /* (re)make p a symlink to the tree's directory */
        JOURNAL_BIND_HOST,              /* make p (mkdir) and bind it over the tree's directory */
} JournalAction;

JournalAction journal_decide(LinkJournal mode, bool try, JournalHostState host, bool ids_equal, bool is_image);
