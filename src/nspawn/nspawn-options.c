/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <signal.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cap-list.h"
#include "i18n.h"
#include "log.h"
#include "machine-name.h"
#include "netlink-link.h"
#include "nspawn-bind.h"
#include "nspawn-layer-options.h"
#include "nspawn-options.h"
#include "nspawn-port.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unit-property.h"

enum {
        ARG_VERSION = 0x100,
        ARG_HOSTNAME,
        ARG_UUID,
        ARG_CHDIR,
        ARG_BIND,
        ARG_BIND_RO,
        ARG_TMPFS,
        ARG_READ_ONLY,
        ARG_PRIVATE_NETWORK,
        ARG_NETWORK_VETH,
        ARG_NETWORK_BRIDGE,
        ARG_NETWORK_ZONE,
        ARG_NETWORK_VETH_EXTRA,
        ARG_NETWORK_INTERFACE,
        ARG_NETWORK_MACVLAN,
        ARG_NETWORK_IPVLAN,
        ARG_NETWORK_NAMESPACE_PATH,
        ARG_PRIVATE_USERS,
        ARG_PRIVATE_USERS_OWNERSHIP,
        ARG_CAPABILITY,
        ARG_DROP_CAPABILITY,
        ARG_AMBIENT_CAPABILITY,
        ARG_NO_NEW_PRIVILEGES,
        ARG_KILL_SIGNAL,
        ARG_CONSOLE,
        ARG_NOTIFY_READY,
        ARG_REGISTER,
        ARG_KEEP_UNIT,
        ARG_PROPERTY,
        ARG_SLICE,
        ARG_SYSTEM_CALL_FILTER,
        ARG_PRIVATE_TIME,
        ARG_TIME_OFFSET,
        ARG_EPHEMERAL,
        ARG_VOLATILE,
        ARG_OVERLAY,
        ARG_OVERLAY_RO,
        ARG_TEMPLATE,
        ARG_INACCESSIBLE,
};

static void help(void) {
        printf(_("%s [OPTIONS...] [--] [COMMAND [ARGS...]]\n\n"
                 "Run a command in a light-weight container.\n\n"
                 "  -h --help                 Show this help\n"
                 "     --version              Print the version\n"
                 "  -q --quiet                Do not show status information\n"
                 "\nImage:\n"
                 "  -D --directory=PATH       Root directory for the container\n"
                 "  -i --image=PATH           Disk image (file or block device) for the container\n"
                 "  -x --ephemeral            Run on a throw-away overlay of the tree (or image)\n"
                 "     --template=PATH        Create the directory from this template first\n"
                 "\nExecution:\n"
                 "  -b --boot                 Boot the tree: run its init as PID 1\n"
                 "  -a --as-pid2              Run the command as PID 2 under a minimal init\n"
                 "     --notify-ready=BOOL    Report readiness only when the guest's init does\n"
                 "     --chdir=PATH           Working directory inside the container\n"
                 "  -E --setenv=NAME=VALUE    Pass an environment variable to PID 1\n"
                 "  -u --user=USER            Run the command as this user of the container\n"
                 "     --kill-signal=SIGNAL   Signal that stops the container\n"
                 "     --no-new-privileges[=BOOL]\n"
                 "                            Set the no_new_privs flag for the payload\n"
                 "\nIdentity:\n"
                 "  -M --machine=NAME         Name of the container (default: directory name)\n"
                 "     --hostname=NAME        Hostname of the container (default: machine name)\n"
                 "     --uuid=UUID            Machine UUID of the container\n"
                 "     --register=MODE        Register with machined: yes, no or auto\n"
                 "     --keep-unit            Register the caller's unit instead of a new scope\n"
                 "\nResources:\n"
                 "     --slice=SLICE          Place the container's scope in this slice\n"
                 "     --property=NAME=VALUE  Set a resource limit of the scope (MemoryMax=,\n"
                 "                            TasksMax=, CPUQuota=, AllowedCPUs=, ...)\n"
                 "\nSecurity:\n"
                 "     --capability=CAP       Keep this capability in addition to the defaults\n"
                 "     --drop-capability=CAP  Drop this capability from the defaults\n"
                 "     --ambient-capability=CAP\n"
                 "                            Pass this capability to the command in its\n"
                 "                            inheritable and ambient sets (also as non-root)\n"
                 "     --system-call-filter=[~]LIST\n"
                 "                            Allow (or with ~ deny) system calls and @groups\n"
                 "     --private-users=MODE   Run in a user namespace: no, yes, pick, identity\n"
                 "                            or UID[:65536]\n"
                 "  -U                        Same as --private-users=pick\n"
                 "     --private-users-ownership=MODE\n"
                 "                            Ownership of the tree in the user namespace: off,\n"
                 "                            chown, map (id-mapped mounts) or auto\n"
                 "\nTime:\n"
                 "     --private-time         Own monotonic and boot clocks, starting near zero\n"
                 "     --time-offset=CLOCK:SECONDS\n"
                 "                            Run monotonic or boottime this far ahead of the\n"
                 "                            host's clock (implies --private-time)\n"
                 "\nNetworking:\n"
                 "     --private-network      Disconnect from the host network (only lo)\n"
                 "  -n --network-veth         Add a virtual Ethernet link between host and\n"
                 "                            container (host side ve-NAME, container side host0)\n"
                 "     --network-veth-extra=HOSTIF[:CONTAINERIF]\n"
                 "                            Add another virtual Ethernet link\n"
                 "     --network-bridge=BRIDGE\n"
                 "                            Add the host side (vb-NAME) to an existing bridge\n"
                 "     --network-zone=ZONE    Add the host side to the bridge vz-ZONE (made and\n"
                 "                            removed as containers come and go)\n"
                 "     --network-interface=IF[:NAME]\n"
                 "                            Move a host network interface into the container\n"
                 "     --network-macvlan=IF[:NAME]\n"
                 "                            Give the container a macvlan (mv-IF) on IF\n"
                 "     --network-ipvlan=IF[:NAME]\n"
                 "                            Give the container an ipvlan (iv-IF) on IF\n"
                 "     --network-namespace-path=PATH\n"
                 "                            Run in an existing network namespace\n"
                 "  -p --port=[PROTOCOL:]HOSTPORT[:CONTAINERPORT]\n"
                 "                            Forward a port of the host (tcp or udp) to the\n"
                 "                            container (with a veth, bridge or zone network)\n"
                 "\nFiles:\n"
                 "     --read-only            Mount the root directory (or image) read-only\n"
                 "     --bind=SRC[:DST[:OPTS]]\n"
                 "                            Bind-mount a host path into the container\n"
                 "     --bind-ro=SRC[:DST[:OPTS]]\n"
                 "                            Same, read-only\n"
                 "     --tmpfs=PATH[:OPTS]    Mount a tmpfs on a path of the container\n"
                 "     --volatile[=MODE]      Run with a volatile root: no, yes (tmpfs root with\n"
                 "                            the tree's /usr), state (tmpfs /var) or overlay\n"
                 "     --overlay=PATH[:PATH...]:PATH\n"
                 "                            Mount an overlay of host paths (\"+\": inside the\n"
                 "                            tree) into the container; the last source is the\n"
                 "                            writable layer (empty: a tmpfs)\n"
                 "     --overlay-ro=PATH[:PATH...]:PATH\n"
                 "                            Same, read-only\n"
                 "     --inaccessible=PATH    Make a path inside the container inaccessible\n"
                 "\nInput/output:\n"
                 "     --console=MODE         interactive, read-only, passive, pipe or autopipe\n"
                 "  -P --pipe                 Same as --console=pipe\n"),
               program_invocation_short_name);
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

/* Returns 1 when the list asked for help (the names are printed: nspawn exits with success). */
static int parse_cap_option(const char *arg, const char *option, uint64_t *mask) {
        _cleanup_free_ char *bad = NULL;
        uint64_t m;
        int r = capability_mask_from_string(arg, &m, &bad);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                _cleanup_free_ char *b = escape_for_terminal(bad, ESCAPE_MESSAGE_MAX);
                return log_error_errno(r, _("Unknown capability in %s=: %s (see %s=help)"), option, strna(b), option);
        }
        if (r == CAPABILITY_LIST_HELP) {
                capability_list_print();
                return 1;
        }
        *mask |= m;
        return 0;
}

/* --property=NAME=VALUE and --slice=SLICE (Slice=SLICE): one list, in the order given. */
static int parse_property(Settings *s, const char *option, const char *arg, const char *escaped) {
        _cleanup_free_ char *assignment = streq(option, "--slice") ? strjoin("Slice=", arg) : strdup(arg);
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
                                       option, strna(escaped));
        if (r < 0)
                return log_error_errno(r, streq(option, "--slice") ? _("Invalid slice name in %s=%s: expected a unit name like foo.slice.")
                                                                  : _("Invalid value in %s=%s."),
                                       option, strna(escaped));
        return 0;
}

static int parse_system_call_filter(Settings *s, const char *arg) {
        _cleanup_free_ char *bad = NULL;
        int r = syscall_filter_add(&s->syscall_filter, arg, &bad);

        if (r == -ENOMEM)
                return log_oom();
        if (r == -ENODATA)
                return log_error_errno(r, _("Empty list in %s=: name at least one system call or group."),
                                       "--system-call-filter");
        if (r < 0) {
                _cleanup_free_ char *b = escape_for_terminal(bad, ESCAPE_MESSAGE_MAX);
                return log_error_errno(r, _("Unknown system call or group in %s=: %s"), "--system-call-filter", strna(b));
        }
        return 0;
}

static int parse_one(int c, const char *arg, Settings *s) {
        /* Arguments are quoted in errors escaped and capped: they may hold control characters. */
        _cleanup_free_ char *a = arg ? escape_for_terminal(arg, ESCAPE_MESSAGE_MAX) : NULL;
        int r;

        switch (c) {
        case 'D':
                free(s->directory);
                s->directory = strdup(arg);
                return s->directory ? 0 : log_oom();
        case 'i':
                if (isempty(arg))
                        return log_error_errno(-EINVAL, _("Image path must not be empty."));
                free(s->image);
                s->image = strdup(arg);
                return s->image ? 0 : log_oom();
        case 'M':
                if (!machine_name_is_valid(arg))
                        return log_error_errno(-EINVAL, _("Invalid machine name: %s"), strna(a));
                free(s->machine);
                s->machine = strdup(arg);
                return s->machine ? 0 : log_oom();
        case ARG_HOSTNAME:
                if (!hostname_is_valid(arg))
                        return log_error_errno(-EINVAL, _("Invalid hostname: %s"), strna(a));
                free(s->hostname);
                s->hostname = strdup(arg);
                return s->hostname ? 0 : log_oom();
        case ARG_UUID:
                if (id128_from_string(arg, &s->uuid) < 0 || id128_is_null(&s->uuid))
                        return log_error_errno(-EINVAL, _("Invalid UUID: %s"), strna(a));
                s->uuid_set = true;
                return 0;
        case 'u':
                if (isempty(arg) || string_has_cc(arg) || strchr(arg, ':') || strlen(arg) > 256)
                        return log_error_errno(-EINVAL, _("Invalid user name: %s"), strna(a));
                free(s->user);
                s->user = strdup(arg);
                return s->user ? 0 : log_oom();
        case ARG_CHDIR: {
                _cleanup_free_ char *p = strdup(arg);
                if (!p)
                        return log_oom();
                if (path_check_container(p) < 0)
                        return log_error_errno(-EINVAL, _("Working directory must be an absolute path: %s"), strna(a));
                free(s->chdir);
                s->chdir = TAKE_PTR(p);
                return 0;
        }
        case 'E': {
                const char *eq = strchr(arg, '=');
                if (!eq || eq == arg)
                        return log_error_errno(-EINVAL, _("Environment assignment must be NAME=VALUE: %s"), strna(a));
                for (const char *p = arg; p < eq; p++)
                        if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                              (p > arg && *p >= '0' && *p <= '9')))
                                return log_error_errno(-EINVAL, _("Invalid environment variable name: %s"), strna(a));
                /* As the man page says: a newline or an escape sequence in a value would reach the
                 * payload's environment and, printed, the terminal. */
                if (string_has_cc(eq + 1))
                        return log_error_errno(-EINVAL, _("Environment variable value contains control characters: %s"),
                                               strna(a));
                r = strv_env_set(&s->environment, arg);
                return r < 0 ? log_oom() : 0;
        }
        case ARG_BIND:
        case ARG_BIND_RO: {
                BindMount b;
                r = bind_mount_parse(arg, c == ARG_BIND_RO, &b);
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
        case ARG_TMPFS: {
                TmpfsMount t;
                r = tmpfs_mount_parse(arg, &t);
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
        case ARG_READ_ONLY:
                s->read_only = true;
                return 0;
        case 'x':
        case ARG_EPHEMERAL:
                return option_parse_ephemeral(s, arg);
        case ARG_VOLATILE:
                return option_parse_volatile(s, arg);
        case ARG_OVERLAY:
                return option_parse_overlay(s, arg);
        case ARG_OVERLAY_RO:
                return option_parse_overlay_ro(s, arg);
        case ARG_TEMPLATE:
                return option_parse_template(s, arg);
        case ARG_INACCESSIBLE:
                return option_parse_inaccessible(s, arg);
        case ARG_PRIVATE_NETWORK:
                s->private_network = true;
                return 0;
        case 'n':
        case ARG_NETWORK_VETH:
                s->network_veth = true;
                s->private_network = true;
                return 0;
        case ARG_NETWORK_BRIDGE:
        case ARG_NETWORK_ZONE: {
                const char *opt = c == ARG_NETWORK_BRIDGE ? "--network-bridge" : "--network-zone";
                char name[IFNAMSIZ + 8];
                /* The zone's bridge is vz-ZONE: the zone name gets what is left of a link name. */
                snprintf(name, sizeof(name), "%s%s", c == ARG_NETWORK_ZONE ? "vz-" : "", arg);
                if (strlen(arg) >= IFNAMSIZ || !ifname_valid(name))
                        return log_error_errno(-EINVAL, _("Invalid %s=%s: not a valid network interface name%s."), opt, strna(a),
                                               c == ARG_NETWORK_ZONE ? _(" (at most 12 characters: the bridge is vz-ZONE)") : "");
                char **dst = c == ARG_NETWORK_BRIDGE ? &s->network_bridge : &s->network_zone;
                free(*dst);
                *dst = strdup(arg);
                if (!*dst)
                        return log_oom();
                s->network_veth = true;
                s->private_network = true;
                return 0;
        }
        case ARG_NETWORK_VETH_EXTRA: {
                const char *colon = strchr(arg, ':');
                _cleanup_free_ char *host = colon ? strndup(arg, (size_t) (colon - arg)) : strdup(arg);
                const char *cont = colon ? colon + 1 : NULL;
                if (!host)
                        return log_oom();
                if (!ifname_valid(host) || (cont && !ifname_valid(cont)))
                        return log_error_errno(-EINVAL, _("Invalid %s=%s: not a valid network interface name%s."),
                                               "--network-veth-extra", strna(a), "");
                _cleanup_free_ char *pair = strjoin(host, ":", cont ?: host);
                if (!pair || strv_consume(&s->network_veth_extra, TAKE_PTR(pair)) < 0)
                        return log_oom();
                s->private_network = true;
                return 0;
        }
        case ARG_NETWORK_INTERFACE:
        case ARG_NETWORK_MACVLAN:
        case ARG_NETWORK_IPVLAN: {
                const char *opt = c == ARG_NETWORK_INTERFACE ? "--network-interface" :
                                  c == ARG_NETWORK_MACVLAN ? "--network-macvlan" : "--network-ipvlan";
                /* IF, or IF:NAME (its name in the container), as systemd-nspawn takes them. */
                const char *colon = strchr(arg, ':');
                _cleanup_free_ char *host = colon ? strndup(arg, (size_t) (colon - arg)) : strdup(arg);
                if (!host)
                        return log_oom();
                if (!ifname_valid(host) || (colon && !ifname_valid(colon + 1)))
                        return log_error_errno(-EINVAL, _("Invalid %s=%s: not a valid network interface name%s."), opt, strna(a), "");
                char ***dst = c == ARG_NETWORK_INTERFACE ? &s->network_interfaces :
                              c == ARG_NETWORK_MACVLAN ? &s->network_macvlan : &s->network_ipvlan;
                if (strv_extend(dst, arg) < 0)
                        return log_oom();
                s->private_network = true;
                return 0;
        }
        case ARG_NETWORK_NAMESPACE_PATH:
                if (!path_is_absolute(arg))
                        return log_error_errno(-EINVAL, _("Invalid %s=%s: not an absolute path."), "--network-namespace-path", strna(a));
                free(s->network_namespace_path);
                s->network_namespace_path = strdup(arg);
                if (!s->network_namespace_path)
                        return log_oom();
                return 0;
        case 'p': {
                PortForward f;
                r = port_forward_parse(arg, &f);
                if (r == -ERANGE)
                        return log_error_errno(r, _("Invalid %s=%s: ports are 1-65535."), "--port", strna(a));
                if (r < 0)
                        return log_error_errno(r, _("Invalid %s=%s: expected [tcp|udp:]HOSTPORT[:CONTAINERPORT]."), "--port", strna(a));
                r = port_forward_add(&s->ports, &s->n_ports, &f);
                if (r == -EEXIST)
                        return log_error_errno(r, _("Invalid %s=%s: host port %s:%u is forwarded twice."), "--port", strna(a),
                                               port_protocol_to_string(f.protocol), (unsigned) f.host_port);
                if (r < 0)
                        return log_oom();
                return 0;
        }
        case ARG_CAPABILITY:
                return parse_cap_option(arg, "--capability", &s->capability_add);
        case ARG_DROP_CAPABILITY:
                return parse_cap_option(arg, "--drop-capability", &s->capability_drop);
        case ARG_AMBIENT_CAPABILITY:
                r = parse_cap_option(arg, "--ambient-capability", &s->capability_ambient);
                if (r == 0 && s->capability_ambient == UINT64_MAX)
                        return log_error_errno(-EINVAL, _("%s= does not take \"all\": name the capabilities."),
                                               "--ambient-capability");
                return r;
        case ARG_NO_NEW_PRIVILEGES:
                if (!arg) {
                        s->no_new_privileges = true;
                        return 0;
                }
                r = parse_boolean(arg);
                if (r < 0)
                        return log_error_errno(r, _("Invalid boolean for %s: %s"), "--no-new-privileges", strna(a));
                s->no_new_privileges = r;
                return 0;
        case ARG_PRIVATE_TIME:
                s->time.enabled = true;
                return 0;
        case ARG_TIME_OFFSET: {
                TimeClock clock;
                int64_t seconds;
                r = time_offset_parse(arg, &clock, &seconds);
                if (r < 0)
                        return log_error_errno(r, _("Invalid time offset %s: %s"), strna(a),
                                               r == -ERANGE ? _("the number of seconds is out of range")
                                                            : _("expected monotonic:SECONDS or boottime:SECONDS"));
                s->time.enabled = true;
                s->time.offset_set[clock] = true;
                s->time.offset[clock] = seconds;
                return 0;
        }
        case ARG_PRIVATE_USERS:
                r = private_users_parse(arg, &s->private_users, &s->uid_shift);
                if (r == -ERANGE)
                        return log_error_errno(r, _("Invalid range in %s=%s: UID must be a multiple of 65536, at least 65536 (above the host's users), and COUNT 65536."),
                                               "--private-users", strna(a));
                if (r < 0)
                        return log_error_errno(r, _("Invalid value for %s: %s (expected no, yes, pick, identity or UID[:COUNT])."),
                                               "--private-users", strna(a));
                return 0;
        case 'U':
                s->private_users = PRIVATE_USERS_PICK;
                if (s->users_ownership < 0)
                        s->users_ownership = USERS_OWNERSHIP_AUTO;
                return 0;
        case ARG_PRIVATE_USERS_OWNERSHIP:
                s->users_ownership = users_ownership_from_string(arg);
                if (s->users_ownership < 0)
                        return log_error_errno(-EINVAL, _("Invalid value for %s: %s (expected off, chown, map or auto)."),
                                               "--private-users-ownership", strna(a));
                return 0;
        case 'a':
                s->as_pid2 = true;
                return 0;
        case 'b':
                s->boot = true;
                return 0;
        case ARG_REGISTER:
                if (streq(arg, "auto"))
                        s->register_mode = REGISTER_AUTO;
                else {
                        r = parse_boolean(arg);
                        if (r < 0)
                                return log_error_errno(r, _("Invalid value for %s: %s"), "--register", strna(a));
                        s->register_mode = r ? REGISTER_YES : REGISTER_NO;
                }
                return 0;
        case ARG_KEEP_UNIT:
                s->keep_unit = true;
                return 0;
        case ARG_PROPERTY:
        case ARG_SLICE:
                return parse_property(s, c == ARG_SLICE ? "--slice" : "--property", arg, a);
        case ARG_SYSTEM_CALL_FILTER:
                return parse_system_call_filter(s, arg);
        case ARG_NOTIFY_READY:
                r = parse_boolean(arg);
                if (r < 0)
                        return log_error_errno(r, _("Invalid boolean for %s: %s"), "--notify-ready", strna(a));
                s->notify_ready = r;
                return 0;
        case ARG_KILL_SIGNAL:
                r = signal_from_string(arg);
                if (r < 0 || r == SIGSTOP)
                        return log_error_errno(-EINVAL, _("Invalid signal: %s"), strna(a));
                s->kill_signal = r;
                return 0;
        case ARG_CONSOLE: {
                ConsoleMode m = console_mode_from_string(arg);
                if (m < 0)
                        return log_error_errno(m, _("Invalid console mode: %s"), strna(a));
                if (s->console_mode >= 0 && s->console_mode != m)
                        return log_error_errno(-EINVAL, _("Conflicting console modes: %s and %s"),
                                               console_mode_to_string(s->console_mode), strna(a));
                s->console_mode = m;
                return 0;
        }
        case 'P':
                if (s->console_mode >= 0 && s->console_mode != CONSOLE_PIPE)
                        return log_error_errno(-EINVAL, _("Conflicting console modes: %s and %s"),
                                               console_mode_to_string(s->console_mode), "pipe");
                s->console_mode = CONSOLE_PIPE;
                return 0;
        case 'q':
                s->quiet = true;
                return 0;
        default:
                return -EINVAL;
        }
}

/* A capability by name, or by number where this build knows no name for it. */
static const char *capability_label(int cap, char buf[static 16]) {
        const char *n = capability_to_name(cap);

        if (n)
                return n;
        snprintf(buf, 16, "%i", cap);
        return buf;
}

/* The capability options against each other and the mode, as systemd-nspawn checks them; the
 * capabilities are named as the user wrote them, without the prefix. */
static int settings_verify_capabilities(const Settings *s) {
        uint64_t both = s->capability_add & s->capability_drop;
        char buf[16];

        if (both && s->capability_add != UINT64_MAX)
                return log_error_errno(-EINVAL, _("Capability %s is both kept and dropped."),
                                       capability_label(__builtin_ctzll(both), buf));
        if (s->capability_ambient == 0)
                return 0;
        if (s->boot)
                return log_error_errno(-EINVAL, _("%s= cannot be combined with --boot."),
                                       "--ambient-capability");
        uint64_t outside = s->capability_ambient & ~settings_capability_mask(s);
        if (outside)
                return log_error_errno(-EINVAL, _("Ambient capability %s is not kept for the container: add it with --capability=."),
                                       capability_label(__builtin_ctzll(outside), buf));
        /* A number this kernel does not know cannot be raised (systemd-nspawn drops it silently). */
        int last = capability_last();
        if (last < 63 && (s->capability_ambient >> (last + 1)))
                return log_error_errno(-EINVAL, _("Ambient capability %s is unknown to this kernel."),
                                       capability_label(__builtin_ctzll(s->capability_ambient >> (last + 1)) + last + 1, buf));
        return 0;
}

/* How an error names the option: a long option as written ("--quiet=1", not "-q"), a short one by
 * its letter (not its cluster); escaped, as it may hold anything. */
static char *option_name_for_error(const char *current, int opt) {
        char buf[3] = { '-', (char) opt, 0 };

        return escape_for_terminal(startswith(current, "--") ? current : buf, ESCAPE_MESSAGE_MAX);
}

int settings_parse_argv(int argc, char *argv[], Settings *ret) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "quiet", no_argument, NULL, 'q' },
                { "directory", required_argument, NULL, 'D' },
                { "image", required_argument, NULL, 'i' },
                { "machine", required_argument, NULL, 'M' },
                { "hostname", required_argument, NULL, ARG_HOSTNAME },
                { "uuid", required_argument, NULL, ARG_UUID },
                { "user", required_argument, NULL, 'u' },
                { "chdir", required_argument, NULL, ARG_CHDIR },
                { "setenv", required_argument, NULL, 'E' },
                { "bind", required_argument, NULL, ARG_BIND },
                { "bind-ro", required_argument, NULL, ARG_BIND_RO },
                { "tmpfs", required_argument, NULL, ARG_TMPFS },
                { "read-only", no_argument, NULL, ARG_READ_ONLY },
                { "ephemeral", no_argument, NULL, 'x' },
                { "volatile", optional_argument, NULL, ARG_VOLATILE },
                { "overlay", required_argument, NULL, ARG_OVERLAY },
                { "overlay-ro", required_argument, NULL, ARG_OVERLAY_RO },
                { "template", required_argument, NULL, ARG_TEMPLATE },
                { "inaccessible", required_argument, NULL, ARG_INACCESSIBLE },
                { "private-network", no_argument, NULL, ARG_PRIVATE_NETWORK },
                { "network-veth", no_argument, NULL, ARG_NETWORK_VETH },
                { "network-bridge", required_argument, NULL, ARG_NETWORK_BRIDGE },
                { "network-zone", required_argument, NULL, ARG_NETWORK_ZONE },
                { "network-veth-extra", required_argument, NULL, ARG_NETWORK_VETH_EXTRA },
                { "network-interface", required_argument, NULL, ARG_NETWORK_INTERFACE },
                { "network-macvlan", required_argument, NULL, ARG_NETWORK_MACVLAN },
                { "network-ipvlan", required_argument, NULL, ARG_NETWORK_IPVLAN },
                { "network-namespace-path", required_argument, NULL, ARG_NETWORK_NAMESPACE_PATH },
                { "port", required_argument, NULL, 'p' },
                { "private-users", required_argument, NULL, ARG_PRIVATE_USERS },
                { "private-users-ownership", required_argument, NULL, ARG_PRIVATE_USERS_OWNERSHIP },
                { "capability", required_argument, NULL, ARG_CAPABILITY },
                { "drop-capability", required_argument, NULL, ARG_DROP_CAPABILITY },
                { "ambient-capability", required_argument, NULL, ARG_AMBIENT_CAPABILITY },
                { "no-new-privileges", optional_argument, NULL, ARG_NO_NEW_PRIVILEGES },
                { "as-pid2", no_argument, NULL, 'a' },
                { "boot", no_argument, NULL, 'b' },
                { "register", required_argument, NULL, ARG_REGISTER },
                { "keep-unit", no_argument, NULL, ARG_KEEP_UNIT },
                { "property", required_argument, NULL, ARG_PROPERTY },
                { "system-call-filter", required_argument, NULL, ARG_SYSTEM_CALL_FILTER },
                { "slice", required_argument, NULL, ARG_SLICE },
                { "private-time", no_argument, NULL, ARG_PRIVATE_TIME },
                { "time-offset", required_argument, NULL, ARG_TIME_OFFSET },
                { "notify-ready", required_argument, NULL, ARG_NOTIFY_READY },
                { "kill-signal", required_argument, NULL, ARG_KILL_SIGNAL },
                { "console", required_argument, NULL, ARG_CONSOLE },
                { "pipe", no_argument, NULL, 'P' },
                {}
        };
        Settings s = { .console_mode = _CONSOLE_MODE_INVALID, .users_ownership = _USERS_OWNERSHIP_INVALID };
        int c, r;

        optind = 0;
        opterr = 0;
        /* The argument getopt works on: with "+" nothing is permuted, and a short option cluster keeps
         * optind until it is done, so this is the one an error is about. */
        for (int current = 1; (c = getopt_long(argc, argv, "+:hqD:i:M:u:E:p:abnPUx", options, NULL)) >= 0;
             current = optind) {
                switch (c) {
                case 'h':
                        help();
                        settings_done(&s);
                        return 0;
                case ARG_VERSION:
                        printf("nspawn %s\n", PROJECT_VERSION);
                        settings_done(&s);
                        return 0;
                case ':':
                case '?': {
                        _cleanup_free_ char *o = option_name_for_error(argv[current], optopt);
                        if (c == ':')
                                log_error(_("Option %s needs an argument. See --help."), strna(o));
                        else
                                log_error(_("Unknown option %s. See --help."), strna(o));
                        settings_done(&s);
                        return -EINVAL;
                }
                default:
                        r = parse_one(c, optarg, &s);
                        if (r != 0) {
                                /* > 0: done, as after --help (a capability list of "help"). */
                                settings_done(&s);
                                return r < 0 ? r : 0;
                        }
                }
        }

        r = settings_verify_capabilities(&s);
        if (r < 0) {
                settings_done(&s);
                return r;
        }

        if (s.directory && s.image) {
                settings_done(&s);
                return log_error_errno(-EINVAL, _("--directory and --image cannot be combined."));
        }
        if (s.boot && s.as_pid2) {
                settings_done(&s);
                return log_error_errno(-EINVAL, _("--boot and --as-pid2 cannot be combined."));
        }
        if (s.boot && s.user) {
                settings_done(&s);
                return log_error_errno(-EINVAL, _("--boot and --user cannot be combined."));
        }

        if (s.network_bridge && s.network_zone) {
                settings_done(&s);
                return log_error_errno(-EINVAL, _("--network-bridge and --network-zone cannot be combined."));
        }
        if (s.network_namespace_path && s.private_network) {
                settings_done(&s);
                return log_error_errno(-EINVAL, _("--network-namespace-path cannot be combined with --private-network or the other --network-* options."));
        }
        /* As systemd-nspawn: a forward needs a link of the host's into the container to go through. */
        if (s.n_ports > 0 && !s.network_veth) {
                settings_done(&s);
                return log_error_errno(-EINVAL, _("--port= needs a veth network: --network-veth, --network-bridge= or --network-zone=."));
        }
        for (size_t i = 0; i < s.n_binds; i++)
                if (s.binds[i].idmap && s.private_users == PRIVATE_USERS_NO) {
                        _cleanup_free_ char *e = escape_for_terminal(s.binds[i].source, ESCAPE_MESSAGE_MAX);
                        settings_done(&s);
                        return log_error_errno(-EINVAL, _("Bind mount option idmap of %s needs a user namespace (--private-users=)."), strna(e));
                }
        /* The container's root sets up its mounts in its own mount namespace, so it can clear their
         * read-only flag (the kernel locks mount flags only on mounts copied in from a namespace of
         * another user namespace). On an id-mapped bind that would let it write the host's files as
         * their owners: refused until the binds are made where their flags get locked. */
        for (size_t i = 0; i < s.n_binds; i++)
                if (s.binds[i].idmap && s.binds[i].read_only) {
                        _cleanup_free_ char *e = escape_for_terminal(s.binds[i].source, ESCAPE_MESSAGE_MAX);
                        settings_done(&s);
                        return log_error_errno(-EOPNOTSUPP, _("Read-only bind mount %s with option idmap is not supported: the container's root could make it writable."), strna(e));
                }
        /* As in systemd-nspawn: -U gives the tree the container's ids (auto: id-mapped where the file
         * system can, else shifted on disk), an explicit --private-users= leaves it alone unless
         * asked. */
        if (s.users_ownership < 0 || s.private_users == PRIVATE_USERS_NO)
                s.users_ownership = USERS_OWNERSHIP_OFF;

        r = settings_verify_layers(&s);
        if (r < 0) {
                settings_done(&s);
                return r;
        }

        if (optind < argc) {
                s.parameters = strv_copy(argv + optind);
                if (!s.parameters) {
                        settings_done(&s);
                        return log_oom();
                }
        }

        *ret = s;
        return 1;
}

/* Where -M NAME alone looks, in this order, as systemd-nspawn does: a directory NAME or an image
 * NAME.raw in each. */
const char *const machine_search_path[] = {
        "/var/lib/machines",
        "/usr/local/lib/machines",
        "/usr/lib/machines",
        NULL,
};

int settings_find_machine(Settings *s, const char *const *search_path) {
        struct stat st;

        if (s->directory || s->image)
                return 0;
        if (!s->machine)
                return log_error_errno(-EINVAL, _("No container directory or image given: use -D PATH or -i PATH."));
        for (const char *const *p = search_path; *p; p++) {
                _cleanup_free_ char *d = strjoin(*p, "/", s->machine);
                _cleanup_free_ char *raw = strjoin(*p, "/", s->machine, ".raw");
                if (!d || !raw)
                        return log_oom();
                if (stat(d, &st) >= 0 && S_ISDIR(st.st_mode)) {
                        s->directory = TAKE_PTR(d);
                        return 0;
                }
                if (stat(raw, &st) >= 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
                        s->image = TAKE_PTR(raw);
                        return 0;
                }
        }
        _cleanup_free_ char *where = strv_join((char **) search_path, ", ");
        return log_error_errno(-ENOENT, _("No directory %s and no image %s.raw in %s."),
                               s->machine, s->machine, strna(where));
}

int settings_resolve_directory(Settings *s) {
        return settings_find_machine(s, machine_search_path);
}

int settings_resolve(Settings *s) {
        int r = settings_resolve_directory(s);
        if (r < 0)
                return r;
        if (!s->machine) {
                const char *from = s->image ?: s->directory;
                _cleanup_free_ char *b = path_basename_dup(from);
                /* An image's name without its ".raw", as systemd-nspawn names it. */
                if (b && s->image && endswith(b, ".raw") && strlen(b) > 4)
                        b[strlen(b) - 4] = 0;
                Id128 rnd;
                if (b && s->ephemeral && id128_randomize(&rnd) >= 0) {
                        r = ephemeral_machine_name(b, &rnd, &s->machine);
                        if (r == -ENOMEM)
                                return log_oom();
                } else
                        s->machine = b ? machine_name_from_string(b) : NULL;
                if (!s->machine) {
                        _cleanup_free_ char *e = escape_for_terminal(b ?: from, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(-EINVAL,
                                               s->image ? _("Image name '%s' is not a valid machine name; pass one with -M NAME.")
                                                        : _("Directory name '%s' is not a valid machine name; pass one with -M NAME."),
                                               strna(e));
                }
        }
        if (!s->hostname) {
                s->hostname = strdup(s->machine);
                if (!s->hostname)
                        return log_oom();
        }
        return 0;
}
