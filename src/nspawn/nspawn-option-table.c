/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cap-list.h"
#include "i18n.h"
#include "log.h"
#include "machine-name.h"
#include "netlink-link.h"
#include "nspawn-bind.h"
#include "nspawn-layer-options.h"
#include "nspawn-option-table.h"
#include "nspawn-options.h"
#include "nspawn-port.h"
#include "nspawn-settings-file.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unit-property.h"

/* Arguments are quoted in errors escaped and capped: they may hold control characters. */
static char *escaped(const char *arg) {
        return arg ? escape_for_terminal(arg, ESCAPE_MESSAGE_MAX) : NULL;
}

/* A switch: NULL on the command line means yes; a settings file gives a boolean. */
static int parse_switch(const char *arg, const char *option, bool *ret) {
        if (!arg) {
                *ret = true;
                return 0;
        }
        int r = parse_boolean(arg);
        if (r < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(r, _("Invalid boolean for %s: %s"), option, strna(a));
        }
        *ret = r;
        return 0;
}

static int set_string(char **dst, const char *arg) {
        char *n = strdup(arg);

        if (!n)
                return log_oom();
        free(*dst);
        *dst = n;
        return 0;
}

static int parse_help(Settings *s, const char *arg, const OptionContext *ctx) {
        options_help();
        return 1;
}

static int parse_version(Settings *s, const char *arg, const OptionContext *ctx) {
        printf("nspawn %s\n", PROJECT_VERSION);
        return 1;
}

static int parse_quiet(Settings *s, const char *arg, const OptionContext *ctx) {
        s->quiet = true;
        return 0;
}

static int parse_settings_mode(Settings *s, const char *arg, const OptionContext *ctx) {
        SettingsMode m = settings_mode_from_string(arg);

        if (m < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid value for %s: %s (expected yes, no, override or trusted)."),
                                       "--settings", strna(a));
        }
        s->settings_mode = m;
        return 0;
}

static int parse_directory(Settings *s, const char *arg, const OptionContext *ctx) {
        return set_string(&s->directory, arg);
}

static int parse_image(Settings *s, const char *arg, const OptionContext *ctx) {
        if (isempty(arg))
                return log_error_errno(-EINVAL, _("Image path must not be empty."));
        return set_string(&s->image, arg);
}

static int parse_machine(Settings *s, const char *arg, const OptionContext *ctx) {
        if (!machine_name_is_valid(arg)) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid machine name: %s"), strna(a));
        }
        return set_string(&s->machine, arg);
}

static int parse_hostname(Settings *s, const char *arg, const OptionContext *ctx) {
        if (!hostname_is_valid(arg)) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid hostname: %s"), strna(a));
        }
        return set_string(&s->hostname, arg);
}

/* --uuid= and --machine-id= (MachineID= of systemd.nspawn(5)): one setting. */
static int parse_uuid(Settings *s, const char *arg, const OptionContext *ctx) {
        Id128 id;

        if (id128_from_string(arg, &id) < 0 || id128_is_null(&id)) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid machine ID: %s (expected 32 hexadecimal digits, not all zero)"),
                                       strna(a));
        }
        s->uuid = id;
        s->uuid_set = true;
        return 0;
}

static int parse_resolv_conf(Settings *s, const char *arg, const OptionContext *ctx) {
        ResolvConfMode m = resolv_conf_mode_from_string(arg);

        if (m < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s= mode: %s (expected off, auto, delete, or copy-, replace- or bind- followed by host, static, uplink or stub)"),
                                       "--resolv-conf", strna(a));
        }
        s->resolv_conf = m;
        return 0;
}

static int parse_timezone(Settings *s, const char *arg, const OptionContext *ctx) {
        TimezoneMode m = timezone_mode_from_string(arg);

        if (m < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s= mode: %s (expected off, copy, bind, symlink, delete or auto)"),
                                       "--timezone", strna(a));
        }
        s->timezone = m;
        return 0;
}

static int parse_link_journal(Settings *s, const char *arg, const OptionContext *ctx) {
        LinkJournal m;
        bool try;

        if (link_journal_from_string(arg, &m, &try) < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s= mode: %s (expected no, host, try-host, guest, try-guest or auto)"),
                                       "--link-journal", strna(a));
        }
        s->link_journal = m;
        s->link_journal_try = try;
        return 0;
}

static int parse_link_journal_try_guest(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_link_journal(s, "try-guest", ctx);
}

static int parse_user(Settings *s, const char *arg, const OptionContext *ctx) {
        if (isempty(arg) || string_has_cc(arg) || strchr(arg, ':') || strlen(arg) > 256) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid user name: %s"), strna(a));
        }
        return set_string(&s->user, arg);
}

static int parse_chdir(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *p = strdup(arg);

        if (!p)
                return log_oom();
        if (path_check_container(p) < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Working directory must be an absolute path: %s"), strna(a));
        }
        free(s->chdir);
        s->chdir = TAKE_PTR(p);
        return 0;
}

static int parse_setenv(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *a = escaped(arg);
        const char *eq = strchr(arg, '=');

        if (!eq || eq == arg)
                return log_error_errno(-EINVAL, _("Environment assignment must be NAME=VALUE: %s"), strna(a));
        for (const char *p = arg; p < eq; p++)
                if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                      (p > arg && *p >= '0' && *p <= '9')))
                        return log_error_errno(-EINVAL, _("Invalid environment variable name: %s"), strna(a));
        /* As the man page says: a newline or an escape sequence in a value would reach the payload's
         * environment and, printed, the terminal. */
        if (string_has_cc(eq + 1))
                return log_error_errno(-EINVAL, _("Environment variable value contains control characters: %s"),
                                       strna(a));
        return strv_env_set(&s->environment, arg) < 0 ? log_oom() : 0;
}

static int parse_bind(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *a = escaped(arg);
        BindMount b;
        int r = bind_mount_parse(arg, streq(ctx->option->long_name, "bind-ro"), &b);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, _("Invalid bind mount specification %s: %s"), strna(a),
                                       _("expected absolute SRC[:DST[:OPTIONS]], options rbind, norbind, idmap, noidmap"));
        if (streq(b.destination, "/")) {
                /* "/", "//", "/./": a mount over the container's root itself does nothing. */
                bind_mount_done(&b);
                return log_error_errno(-EINVAL, _("Invalid bind mount specification %s: %s"), strna(a),
                                       _("the destination may not be the container's root directory"));
        }
        BindMount *n = realloc(s->binds, (s->n_binds + 1) * sizeof(BindMount));
        if (!n) {
                bind_mount_done(&b);
                return log_oom();
        }
        s->binds = n;
        s->binds[s->n_binds++] = b;
        return 0;
}

static int parse_tmpfs(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *a = escaped(arg);
        TmpfsMount t;
        int r = tmpfs_mount_parse(arg, &t);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, _("Invalid tmpfs specification %s: %s"), strna(a),
                                       _("expected absolute PATH[:OPTIONS]"));
        if (streq(t.path, "/")) {
                tmpfs_mount_done(&t);
                return log_error_errno(-EINVAL, _("Invalid tmpfs specification %s: %s"), strna(a),
                                       _("the path may not be the container's root directory"));
        }
        TmpfsMount *n = realloc(s->tmpfs, (s->n_tmpfs + 1) * sizeof(TmpfsMount));
        if (!n) {
                tmpfs_mount_done(&t);
                return log_oom();
        }
        s->tmpfs = n;
        s->tmpfs[s->n_tmpfs++] = t;
        return 0;
}

static int parse_read_only(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_switch(arg, "--read-only", &s->read_only);
}

/* Private=no in a file turns off only what it turned on: the other network keys imply it anyway. */
static int parse_private_network(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_switch(arg, "--private-network", &s->private_network);
}

static int parse_network_veth(Settings *s, const char *arg, const OptionContext *ctx) {
        int r = parse_switch(arg, "--network-veth", &s->network_veth);

        if (r == 0 && s->network_veth)
                s->private_network = true;
        return r;
}

static int parse_network_bridge_or_zone(Settings *s, const char *arg, const OptionContext *ctx) {
        bool zone = streq(ctx->option->long_name, "network-zone");
        const char *opt = zone ? "--network-zone" : "--network-bridge";
        char name[IFNAMSIZ + 8];

        /* The zone's bridge is vz-ZONE: the zone name gets what is left of a link name. */
        snprintf(name, sizeof(name), "%s%s", zone ? "vz-" : "", arg);
        if (strlen(arg) >= IFNAMSIZ || !ifname_valid(name)) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s=%s: not a valid network interface name%s."), opt, strna(a),
                                       zone ? _(" (at most 12 characters: the bridge is vz-ZONE)") : "");
        }
        int r = set_string(zone ? &s->network_zone : &s->network_bridge, arg);
        if (r < 0)
                return r;
        s->network_veth = true;
        s->private_network = true;
        return 0;
}

static int parse_network_veth_extra(Settings *s, const char *arg, const OptionContext *ctx) {
        const char *colon = strchr(arg, ':');
        _cleanup_free_ char *host = colon ? strndup(arg, (size_t) (colon - arg)) : strdup(arg);
        const char *cont = colon ? colon + 1 : NULL;

        if (!host)
                return log_oom();
        if (!ifname_valid(host) || (cont && !ifname_valid(cont))) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s=%s: not a valid network interface name%s."),
                                       "--network-veth-extra", strna(a), "");
        }
        _cleanup_free_ char *pair = strjoin(host, ":", cont ?: host);
        if (!pair || strv_consume(&s->network_veth_extra, TAKE_PTR(pair)) < 0)
                return log_oom();
        s->private_network = true;
        return 0;
}

/* --network-interface=, --network-macvlan=, --network-ipvlan=: IF, or IF:NAME (its name in the
 * container), as systemd-nspawn takes them. */
static int parse_network_link(Settings *s, const char *arg, const OptionContext *ctx) {
        const char *name = ctx->option->long_name;
        const char *colon = strchr(arg, ':');
        _cleanup_free_ char *host = colon ? strndup(arg, (size_t) (colon - arg)) : strdup(arg);
        char opt[64];

        if (!host)
                return log_oom();
        if (!ifname_valid(host) || (colon && !ifname_valid(colon + 1))) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s=%s: not a valid network interface name%s."),
                                       option_display_name(ctx->option, opt), strna(a), "");
        }
        char ***dst = streq(name, "network-interface") ? &s->network_interfaces :
                      streq(name, "network-macvlan") ? &s->network_macvlan : &s->network_ipvlan;
        if (strv_extend(dst, arg) < 0)
                return log_oom();
        s->private_network = true;
        return 0;
}

static int parse_network_namespace_path(Settings *s, const char *arg, const OptionContext *ctx) {
        if (!path_is_absolute(arg)) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid %s=%s: not an absolute path."), "--network-namespace-path", strna(a));
        }
        return set_string(&s->network_namespace_path, arg);
}

static int parse_port(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *a = escaped(arg);
        PortForward f;
        int r = port_forward_parse(arg, &f);

        if (r == -ERANGE)
                return log_error_errno(r, _("Invalid %s=%s: ports are 1-65535."), "--port", strna(a));
        if (r < 0)
                return log_error_errno(r, _("Invalid %s=%s: expected [tcp|udp:]HOSTPORT[:CONTAINERPORT]."), "--port", strna(a));
        r = port_forward_add(&s->ports, &s->n_ports, &f);
        if (r == -EEXIST)
                return log_error_errno(r, _("Invalid %s=%s: host port %s:%u is forwarded twice."), "--port", strna(a),
                                       port_protocol_to_string(f.protocol), (unsigned) f.host_port);
        return r < 0 ? log_oom() : 0;
}

static void capability_list_print(void) {
        for (int c = 0; c <= capability_last(); c++) {
                const char *n = capability_to_name(c);
                if (n)
                        printf("cap_%s\n", n);
                else
                        printf("%i\n", c);
        }
}

/* Returns 1 when the list asked for help (the names are printed: nspawn exits with success). In a
 * settings file "help" is just a wrong name. */
static int parse_cap_option(const char *arg, const OptionContext *ctx, uint64_t *mask) {
        _cleanup_free_ char *bad = NULL;
        char option[64];
        uint64_t m;
        int r = capability_mask_from_string(arg, &m, &bad);

        (void) option_display_name(ctx->option, option);
        if (r == -ENOMEM)
                return log_oom();
        if (r == CAPABILITY_LIST_HELP && ctx->from_file)
                return log_error_errno(-EINVAL, _("Unknown capability in %s=: %s (see %s=help)"), option, "help", option);
        if (r < 0) {
                _cleanup_free_ char *b = escaped(bad);
                return log_error_errno(r, _("Unknown capability in %s=: %s (see %s=help)"), option, strna(b), option);
        }
        if (r == CAPABILITY_LIST_HELP) {
                capability_list_print();
                return 1;
        }
        *mask |= m;
        return 0;
}

static int parse_capability(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_cap_option(arg, ctx, &s->capability_add);
}

static int parse_drop_capability(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_cap_option(arg, ctx, &s->capability_drop);
}

static int parse_ambient_capability(Settings *s, const char *arg, const OptionContext *ctx) {
        int r = parse_cap_option(arg, ctx, &s->capability_ambient);

        if (r == 0 && s->capability_ambient == UINT64_MAX)
                return log_error_errno(-EINVAL, _("%s= does not take \"all\": name the capabilities."),
                                       "--ambient-capability");
        return r;
}

static int parse_no_new_privileges(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_switch(arg, "--no-new-privileges", &s->no_new_privileges);
}

static int parse_private_time(Settings *s, const char *arg, const OptionContext *ctx) {
        s->time.enabled = true;
        return 0;
}

static int parse_time_offset(Settings *s, const char *arg, const OptionContext *ctx) {
        TimeClock clock;
        int64_t seconds;
        int r = time_offset_parse(arg, &clock, &seconds);

        if (r < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(r, _("Invalid time offset %s: %s"), strna(a),
                                       r == -ERANGE ? _("the number of seconds is out of range")
                                                    : _("expected monotonic:SECONDS or boottime:SECONDS"));
        }
        s->time.enabled = true;
        s->time.offset_set[clock] = true;
        s->time.offset[clock] = seconds;
        return 0;
}

/* Every boolean spelling systemd takes ("on", "off", ...), besides pick, identity and UID[:COUNT]. */
static int private_users_parse_any(const char *arg, PrivateUsersMode *ret_mode, uint32_t *ret_shift) {
        int b = parse_boolean(arg);

        return private_users_parse(b < 0 ? arg : b ? "yes" : "no", ret_mode, ret_shift);
}

static int parse_private_users(Settings *s, const char *arg, const OptionContext *ctx) {
        int r = private_users_parse_any(arg, &s->private_users, &s->uid_shift);

        if (r < 0) {
                _cleanup_free_ char *a = escaped(arg);
                if (r == -ERANGE)
                        return log_error_errno(r, _("Invalid range in %s=%s: UID must be a multiple of 65536, at least 65536 (above the host's users), and COUNT 65536."),
                                               "--private-users", strna(a));
                return log_error_errno(r, _("Invalid value for %s: %s (expected no, yes, pick, identity or UID[:COUNT])."),
                                       "--private-users", strna(a));
        }
        return 0;
}

/* Turning the user namespace off, or mapping the container's root to the host's, gives the
 * container more than the default: that much of PrivateUsers= is privileged. */
static bool private_users_privileged(const char *arg) {
        PrivateUsersMode m;
        uint32_t shift;

        if (private_users_parse_any(arg, &m, &shift) < 0)
                return false;   /* refused by the parser anyway */
        return m == PRIVATE_USERS_NO || m == PRIVATE_USERS_IDENTITY;
}

static int parse_private_users_pick(Settings *s, const char *arg, const OptionContext *ctx) {
        s->private_users = PRIVATE_USERS_PICK;
        if (s->users_ownership < 0)
                s->users_ownership = USERS_OWNERSHIP_AUTO;
        return 0;
}

static int parse_private_users_ownership(Settings *s, const char *arg, const OptionContext *ctx) {
        UsersOwnership o = users_ownership_from_string(arg);

        if (o < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid value for %s: %s (expected off, chown, map or auto)."),
                                       "--private-users-ownership", strna(a));
        }
        s->users_ownership = o;
        return 0;
}

static int parse_as_pid2(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_switch(arg, "--as-pid2", &s->as_pid2);
}

static int parse_boot(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_switch(arg, "--boot", &s->boot);
}

/* [Exec] Parameters=: the command line after the options, as words with systemd's quoting. */
static int parse_parameters(Settings *s, const char *arg, const OptionContext *ctx) {
        char **words = NULL;
        int r = settings_file_split_words(arg, &words);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(r, _("Invalid quoting in %s: %s"), "Parameters=", strna(a));
        }
        strv_free(s->parameters);
        s->parameters = words;
        return 0;
}

static int parse_register(Settings *s, const char *arg, const OptionContext *ctx) {
        if (streq(arg, "auto")) {
                s->register_mode = REGISTER_AUTO;
                return 0;
        }
        int r = parse_boolean(arg);
        if (r < 0) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(r, _("Invalid value for %s: %s"), "--register", strna(a));
        }
        s->register_mode = r ? REGISTER_YES : REGISTER_NO;
        return 0;
}

static int parse_keep_unit(Settings *s, const char *arg, const OptionContext *ctx) {
        s->keep_unit = true;
        return 0;
}

/* --property=NAME=VALUE and --slice=SLICE (Slice=SLICE): one list, in the order given. */
static int parse_property(Settings *s, const char *arg, const OptionContext *ctx) {
        bool slice = streq(ctx->option->long_name, "slice");
        const char *option = slice ? "--slice" : "--property";
        _cleanup_free_ char *assignment = slice ? strjoin("Slice=", arg) : strdup(arg);
        _cleanup_free_ char *a = escaped(arg);
        int r;

        if (!assignment)
                return log_oom();
        if (!s->properties) {
                r = unit_properties_new(&s->properties);
                if (r < 0)
                        return log_oom();
        }
        r = unit_properties_parse(s->properties, assignment);
        if (r == -ENOMEM)
                return log_oom();
        if (r == -EOPNOTSUPP)
                return log_error_errno(r, _("Unknown property in %s=%s (see systemd.resource-control(5) for the names nspawn knows)."),
                                       option, strna(a));
        if (r < 0)
                return log_error_errno(r, slice ? _("Invalid slice name in %s=%s: expected a unit name like foo.slice.")
                                                : _("Invalid value in %s=%s."),
                                       option, strna(a));
        return 0;
}

static int parse_system_call_filter(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *bad = NULL;
        int r = syscall_filter_add(&s->syscall_filter, arg, &bad);

        if (r == -ENOMEM)
                return log_oom();
        if (r == -ENODATA)
                return log_error_errno(r, _("Empty list in %s=: name at least one system call or group."),
                                       "--system-call-filter");
        if (r < 0) {
                _cleanup_free_ char *b = escaped(bad);
                return log_error_errno(r, _("Unknown system call or group in %s=: %s"), "--system-call-filter", strna(b));
        }
        return 0;
}

/* An allow list widens the default filter; a deny list ("~...") only narrows it. */
static bool system_call_filter_privileged(const char *arg) {
        return arg[0] != '~';
}

static int parse_notify_ready(Settings *s, const char *arg, const OptionContext *ctx) {
        return parse_switch(arg, "--notify-ready", &s->notify_ready);
}

static int parse_kill_signal(Settings *s, const char *arg, const OptionContext *ctx) {
        int r = signal_from_string(arg);

        if (r < 0 || r == SIGSTOP) {
                _cleanup_free_ char *a = escaped(arg);
                return log_error_errno(-EINVAL, _("Invalid signal: %s"), strna(a));
        }
        s->kill_signal = r;
        return 0;
}

static int set_console_mode(Settings *s, ConsoleMode m, const char *shown) {
        if (s->console_mode >= 0 && s->console_mode != m)
                return log_error_errno(-EINVAL, _("Conflicting console modes: %s and %s"),
                                       console_mode_to_string(s->console_mode), shown);
        s->console_mode = m;
        return 0;
}

static int parse_console(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *a = escaped(arg);
        ConsoleMode m = console_mode_from_string(arg);

        if (m < 0)
                return log_error_errno(m, _("Invalid console mode: %s"), strna(a));
        return set_console_mode(s, m, strna(a));
}

static int parse_pipe(Settings *s, const char *arg, const OptionContext *ctx) {
        return set_console_mode(s, CONSOLE_PIPE, "pipe");
}

/* The options, each described once: the command line (getopt) and the settings files
 * (nspawn-settings-file.c) are both driven by this table.
 *
 * To add an option: write its parser above (int parse_x(Settings *s, const char *arg, const
 * OptionContext *ctx): log one line and return a negative errno on bad input), then add one entry
 * here with its spellings; when systemd.nspawn(5) has a key for it, its section and key, its SETTING_*
 * group (the unit of precedence between the command line and a file), whether it is privileged (an
 * untrusted file may not set it) and an example value the unit test feeds through both parsers.
 * Switches (OPTION_ARG_NONE) take a boolean in a file: their parser gets NULL for "yes" from the
 * command line. Then: the line in --help (nspawn-options.c), the man page, and cross-option checks
 * in settings_verify(). Remove the key from settings_file_known_keys[] if it was listed there. */
const OptionDef option_table[] = {
        { .long_name = "help", .short_name = 'h', .parse = parse_help },
        { .long_name = "version", .parse = parse_version },
        { .long_name = "quiet", .short_name = 'q', .parse = parse_quiet },
        { .long_name = "settings", .argument = OPTION_ARG_REQUIRED, .parse = parse_settings_mode },

        /* Image */
        { .long_name = "directory", .short_name = 'D', .argument = OPTION_ARG_REQUIRED, .parse = parse_directory },
        { .long_name = "image", .short_name = 'i', .argument = OPTION_ARG_REQUIRED, .parse = parse_image },
        /* Not from an untrusted file (as systemd since v260): an image must not make the user's
         * changes to it vanish when the container stops. */
        { .long_name = "ephemeral", .short_name = 'x', .section = "Exec", .key = "Ephemeral",
          .parse = option_parse_ephemeral, .mask = SETTING_EPHEMERAL, .privileged = true, .example = "yes" },
        /* A host directory copied into the tree: not from an untrusted file. */
        { .long_name = "template", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "Template",
          .parse = option_parse_template, .mask = SETTING_TEMPLATE, .privileged = true, .example = "/var/lib/machines/base" },

        /* Execution */
        { .long_name = "boot", .short_name = 'b', .section = "Exec", .key = "Boot",
          .parse = parse_boot, .mask = SETTING_START_MODE, .example = "yes" },
        { .long_name = "as-pid2", .short_name = 'a', .section = "Exec", .key = "ProcessTwo",
          .parse = parse_as_pid2, .mask = SETTING_START_MODE, .example = "yes" },
        { .section = "Exec", .key = "Parameters",
          .parse = parse_parameters, .mask = SETTING_START_MODE, .example = "/bin/sh -c 'echo hi'" },
        { .long_name = "notify-ready", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "NotifyReady",
          .parse = parse_notify_ready, .mask = SETTING_NOTIFY_READY, .example = "yes" },
        { .long_name = "chdir", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "WorkingDirectory",
          .parse = parse_chdir, .mask = SETTING_WORKING_DIRECTORY, .example = "/home/alice" },
        { .long_name = "setenv", .short_name = 'E', .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "Environment",
          .parse = parse_setenv, .mask = SETTING_ENVIRONMENT, .file_split = true, .example = "LANG=C.UTF-8" },
        { .long_name = "user", .short_name = 'u', .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "User",
          .parse = parse_user, .mask = SETTING_USER, .example = "alice" },
        { .long_name = "kill-signal", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "KillSignal",
          .parse = parse_kill_signal, .mask = SETTING_KILL_SIGNAL, .example = "SIGRTMIN+3" },
        { .long_name = "no-new-privileges", .argument = OPTION_ARG_OPTIONAL, .section = "Exec", .key = "NoNewPrivileges",
          .parse = parse_no_new_privileges, .mask = SETTING_NO_NEW_PRIVILEGES, .example = "yes" },

        /* Identity */
        { .long_name = "machine", .short_name = 'M', .argument = OPTION_ARG_REQUIRED, .parse = parse_machine },
        { .long_name = "hostname", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "Hostname",
          .parse = parse_hostname, .mask = SETTING_HOSTNAME, .example = "web.example" },
        { .long_name = "uuid", .argument = OPTION_ARG_REQUIRED, .parse = parse_uuid, .mask = SETTING_MACHINE_ID },
        { .long_name = "machine-id", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "MachineID",
          .parse = parse_uuid, .mask = SETTING_MACHINE_ID, .example = "0123456789abcdef0123456789abcdef" },
        { .long_name = "register", .argument = OPTION_ARG_REQUIRED, .parse = parse_register },
        { .long_name = "keep-unit", .parse = parse_keep_unit },

        /* Resources */
        { .long_name = "slice", .argument = OPTION_ARG_REQUIRED, .parse = parse_property },
        { .long_name = "property", .argument = OPTION_ARG_REQUIRED, .parse = parse_property },

        /* Security */
        { .long_name = "capability", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "Capability",
          .parse = parse_capability, .mask = SETTING_CAPABILITY, .privileged = true, .example = "CAP_NET_ADMIN,CAP_SYS_TIME" },
        { .long_name = "drop-capability", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "DropCapability",
          .parse = parse_drop_capability, .mask = SETTING_CAPABILITY, .privileged = true, .example = "CAP_SYS_BOOT" },
        { .long_name = "ambient-capability", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "AmbientCapability",
          .parse = parse_ambient_capability, .mask = SETTING_CAPABILITY, .privileged = true, .example = "CAP_CHOWN" },
        { .long_name = "system-call-filter", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "SystemCallFilter",
          .parse = parse_system_call_filter, .mask = SETTING_SYSCALL_FILTER,
          .privileged_value = system_call_filter_privileged, .example = "~@clock mount" },
        { .long_name = "private-users", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "PrivateUsers",
          .parse = parse_private_users, .mask = SETTING_USERNS,
          .privileged_value = private_users_privileged, .example = "pick" },
        { .short_name = 'U', .parse = parse_private_users_pick, .mask = SETTING_USERNS },
        { .long_name = "private-users-ownership", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "PrivateUsersOwnership",
          .parse = parse_private_users_ownership, .mask = SETTING_USERNS, .example = "chown" },

        /* Time */
        { .long_name = "private-time", .parse = parse_private_time },
        { .long_name = "time-offset", .argument = OPTION_ARG_REQUIRED, .parse = parse_time_offset },

        /* Networking: systemd-nspawn ignores all of [Network] in an untrusted file. */
        { .long_name = "private-network", .section = "Network", .key = "Private",
          .parse = parse_private_network, .mask = SETTING_NETWORK, .privileged = true, .example = "yes" },
        { .long_name = "network-veth", .short_name = 'n', .section = "Network", .key = "VirtualEthernet",
          .parse = parse_network_veth, .mask = SETTING_NETWORK, .privileged = true, .example = "yes" },
        { .long_name = "network-veth-extra", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "VirtualEthernetExtra",
          .parse = parse_network_veth_extra, .mask = SETTING_NETWORK, .privileged = true, .example = "vex0:inner0" },
        { .long_name = "network-bridge", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "Bridge",
          .parse = parse_network_bridge_or_zone, .mask = SETTING_NETWORK, .privileged = true, .example = "br0" },
        { .long_name = "network-zone", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "Zone",
          .parse = parse_network_bridge_or_zone, .mask = SETTING_NETWORK, .privileged = true, .example = "lab" },
        { .long_name = "network-interface", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "Interface",
          .parse = parse_network_link, .mask = SETTING_NETWORK, .privileged = true, .file_split = true, .example = "eth1:wan" },
        { .long_name = "network-macvlan", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "MACVLAN",
          .parse = parse_network_link, .mask = SETTING_NETWORK, .privileged = true, .file_split = true, .example = "eth0" },
        { .long_name = "network-ipvlan", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "IPVLAN",
          .parse = parse_network_link, .mask = SETTING_NETWORK, .privileged = true, .file_split = true, .example = "eth0:lan" },
        { .long_name = "network-namespace-path", .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "NetworkNamespacePath",
          .parse = parse_network_namespace_path, .mask = SETTING_NETWORK, .privileged = true, .example = "/run/netns/lab" },
        { .long_name = "port", .short_name = 'p', .argument = OPTION_ARG_REQUIRED, .section = "Network", .key = "Port",
          .parse = parse_port, .mask = SETTING_EXPOSE_PORTS, .privileged = true, .example = "tcp:8080:80" },

        /* Files */
        { .long_name = "read-only", .section = "Files", .key = "ReadOnly",
          .parse = parse_read_only, .mask = SETTING_READ_ONLY, .example = "yes" },
        { .long_name = "bind", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "Bind",
          .parse = parse_bind, .mask = SETTING_CUSTOM_MOUNTS, .privileged = true, .example = "/srv/data:/data:norbind" },
        { .long_name = "bind-ro", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "BindReadOnly",
          .parse = parse_bind, .mask = SETTING_CUSTOM_MOUNTS, .privileged = true, .example = "/etc/resolv.conf:/etc/resolv.host" },
        { .long_name = "tmpfs", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "TemporaryFileSystem",
          .parse = parse_tmpfs, .mask = SETTING_CUSTOM_MOUNTS, .privileged = true, .example = "/scratch:size=10M,mode=0700" },
        { .long_name = "overlay", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "Overlay",
          .parse = option_parse_overlay, .mask = SETTING_CUSTOM_MOUNTS, .privileged = true, .example = "+/etc::/etc" },
        { .long_name = "overlay-ro", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "OverlayReadOnly",
          .parse = option_parse_overlay_ro, .mask = SETTING_CUSTOM_MOUNTS, .privileged = true, .example = "/srv/a:/srv/b:/srv" },
        /* Only takes away: allowed in an untrusted file. */
        { .long_name = "inaccessible", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "Inaccessible",
          .parse = option_parse_inaccessible, .mask = SETTING_CUSTOM_MOUNTS, .example = "/etc/shadow" },
        { .long_name = "volatile", .argument = OPTION_ARG_OPTIONAL, .section = "Files", .key = "Volatile",
          .parse = option_parse_volatile, .mask = SETTING_VOLATILE_MODE, .example = "state" },

        { .long_name = "resolv-conf", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "ResolvConf",
          .parse = parse_resolv_conf, .mask = SETTING_RESOLV_CONF, .example = "bind-static" },
        { .long_name = "timezone", .argument = OPTION_ARG_REQUIRED, .section = "Exec", .key = "Timezone",
          .parse = parse_timezone, .mask = SETTING_TIMEZONE, .example = "symlink" },
        { .long_name = "link-journal", .argument = OPTION_ARG_REQUIRED, .section = "Files", .key = "LinkJournal",
          .parse = parse_link_journal, .mask = SETTING_LINK_JOURNAL, .example = "try-host" },
        { .short_name = 'j', .parse = parse_link_journal_try_guest, .mask = SETTING_LINK_JOURNAL },

        /* Input/output */
        { .long_name = "console", .argument = OPTION_ARG_REQUIRED, .parse = parse_console },
        { .long_name = "pipe", .short_name = 'P', .parse = parse_pipe },
};

const size_t option_table_size = ELEMENTSOF(option_table);

const OptionDef *option_find_long(const char *name) {
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].long_name && streq(option_table[i].long_name, name))
                        return &option_table[i];
        return NULL;
}

const OptionDef *option_find_short(int c) {
        for (size_t i = 0; i < option_table_size; i++)
                if (c != 0 && option_table[i].short_name == c)
                        return &option_table[i];
        return NULL;
}

const OptionDef *option_find_key(const char *section, const char *key) {
        for (size_t i = 0; i < option_table_size; i++)
                if (option_table[i].key && streq(option_table[i].section, section) && streq(option_table[i].key, key))
                        return &option_table[i];
        return NULL;
}

const char *option_display_name(const OptionDef *o, char buf[static 64]) {
        if (o->long_name)
                snprintf(buf, 64, "--%s", o->long_name);
        else if (o->short_name)
                snprintf(buf, 64, "-%c", o->short_name);
        else
                snprintf(buf, 64, "%s", o->key);
        return buf;
}

bool option_is_privileged(const OptionDef *o, const char *arg) {
        if (o->privileged_value && arg)
                return o->privileged_value(arg);
        return o->privileged;
}
