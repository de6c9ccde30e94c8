/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "nspawn-etc-mode.h"
#include "nspawn-port.h"
#include "nspawn-syscall-filter.h"
#include "nspawn-timens.h"
#include "parse-util.h"
#include "nspawn-userns.h"
#include "nspawn-volatile.h"

typedef enum ConsoleMode {
        CONSOLE_INTERACTIVE,
        CONSOLE_READ_ONLY,
        CONSOLE_PASSIVE,
        CONSOLE_PIPE,
        CONSOLE_AUTOPIPE,
        _CONSOLE_MODE_MAX,
        _CONSOLE_MODE_INVALID = -EINVAL,
} ConsoleMode;

const char *console_mode_to_string(ConsoleMode m);
ConsoleMode console_mode_from_string(const char *s);

static inline bool console_mode_has_pty(ConsoleMode m) {
        return m == CONSOLE_INTERACTIVE || m == CONSOLE_READ_ONLY || m == CONSOLE_PASSIVE;
}

typedef struct BindMount {
        char *source;
        char *destination;
        bool read_only;
        bool recursive;
        bool idmap;             /* id-mapped into the container's user namespace range */
} BindMount;

typedef struct TmpfsMount {
        char *path;
        char *options;
} TmpfsMount;

/* --overlay=, --overlay-ro=: an overlay mount at destination inside the container. */
typedef struct OverlayMount {
        char **lower;           /* top first; "+PATH" is relative to the container's root */
        char *upper;            /* NULL: read-only; "": a tmpfs of the container's own */
        char *destination;
} OverlayMount;

typedef enum RegisterMode {
        REGISTER_AUTO,          /* register when a registry answers; say so when none does */
        REGISTER_YES,
        REGISTER_NO,
        _REGISTER_MODE_MAX,
        _REGISTER_MODE_INVALID = -EINVAL,
} RegisterMode;

/* --settings=: whether and how NAME.nspawn files are used, as in systemd-nspawn. */
typedef enum SettingsMode {
        SETTINGS_YES,           /* trusted files fully, untrusted ones without privileged keys; the command line wins */
        SETTINGS_NO,
        SETTINGS_OVERRIDE,      /* as yes, but the file wins over the command line */
        SETTINGS_TRUSTED,       /* as yes, and a file next to the tree or image is trusted too */
        _SETTINGS_MODE_MAX,
        _SETTINGS_MODE_INVALID = -EINVAL,
} SettingsMode;

const char *settings_mode_to_string(SettingsMode m);
/* Also takes the booleans systemd takes ("1", "on", "false", ...). */
SettingsMode settings_mode_from_string(const char *s);

/* Everything the command line asked for; immutable once parsed and resolved. */
typedef struct Settings {
        char *directory;
        char *image;            /* -i: a disk image (file or block device) instead of a tree */
        char *machine;
        char *hostname;
        Id128 uuid;
        bool uuid_set;
        char *user;
        char *chdir;
        char **environment;     /* -E NAME=VALUE assignments */
        char **parameters;      /* the command and its arguments */

        BindMount *binds;
        size_t n_binds;
        TmpfsMount *tmpfs;
        size_t n_tmpfs;

        bool read_only;
        bool ephemeral;         /* -x: the root is an overlay of the tree with a tmpfs upper layer */
        VolatileMode volatile_mode;
        char *template;         /* --template=: the tree is made from this when it does not exist */
        char **inaccessible;    /* --inaccessible=: paths made inaccessible inside the container */
        OverlayMount *overlays;
        size_t n_overlays;
        bool private_network;
        bool network_veth;      /* -n: a veth pair ve-NAME/host0 (implies private_network) */
        char *network_bridge;   /* --network-bridge=: the veth's host end (vb-NAME) joins it */
        char *network_zone;     /* --network-zone=: the same with the bridge vz-ZONE, made on demand */
        char **network_veth_extra;  /* --network-veth-extra=: "HOST:CONTAINER" pairs */
        char **network_interfaces;  /* --network-interface=: host links moved in (and back) */
        char **network_macvlan;     /* --network-macvlan=: parents of mv-IF */
        char **network_ipvlan;      /* --network-ipvlan=: parents of iv-IF */
        char *network_namespace_path;  /* --network-namespace-path=: join this namespace */
        PortForward *ports;     /* -p/--port= */
        size_t n_ports;
        PrivateUsersMode private_users;  /* --private-users=, -U */
        uint32_t uid_shift;     /* PRIVATE_USERS_FIXED, IDENTITY: the range's first host id */
        UsersOwnership users_ownership;  /* _USERS_OWNERSHIP_INVALID: not given */
        uint64_t capability_add;
        uint64_t capability_drop;
        uint64_t capability_ambient;    /* --ambient-capability=: also in the inheritable set */
        bool no_new_privileges;
        bool as_pid2;
        bool boot;              /* run the tree's init as PID 1; parameters go to it */
        bool notify_ready;      /* READY=1 to our own notify socket only when the guest says so */
        int kill_signal;        /* 0: the default for the mode */
        ConsoleMode console_mode;  /* _CONSOLE_MODE_INVALID: chosen from the terminal */
        bool quiet;
        RegisterMode register_mode;
        bool keep_unit;         /* register the caller's unit (RegisterMachine) instead of a new scope */
        struct UnitProperties *properties;  /* --property=, --slice=; NULL when none were given */
        SyscallFilter syscall_filter;       /* --system-call-filter= */
        TimeNamespace time;     /* --private-time, --time-offset= */
        ResolvConfMode resolv_conf;     /* --resolv-conf= */
        TimezoneMode timezone;          /* --timezone= */
        LinkJournal link_journal;       /* --link-journal=, -j */
        bool link_journal_try;          /* try-host, try-guest: not linking is no error */
        SettingsMode settings_mode;  /* --settings= */
} Settings;

void overlay_mount_done(OverlayMount *o);
void settings_done(Settings *s);
/* The capabilities the container keeps: the default set, CAP_NET_ADMIN with a private network,
 * plus --capability=, minus --drop-capability=. */
uint64_t settings_capability_mask(const Settings *s);
/* Interactive when stdin and stdout are terminals, otherwise read-only (pipe for autopipe). */
ConsoleMode settings_effective_console_mode(const Settings *s, bool stdin_tty, bool stdout_tty);
