/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cap-list.h"
#include "i18n.h"
#include "log.h"
#include "machine-name.h"
#include "nspawn-option-table.h"
#include "nspawn-layer-options.h"
#include "nspawn-options.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

void options_help(void) {
        printf(_("%s [OPTIONS...] [--] [COMMAND [ARGS...]]\n\n"
                 "Run a command in a light-weight container.\n\n"
                 "  -h --help                 Show this help\n"
                 "     --version              Print the version\n"
                 "  -q --quiet                Do not show status information\n"
                 "     --settings=MODE        Use NAME.nspawn settings files: yes, no, override\n"
                 "                            (the file wins over the command line) or trusted\n"
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
                 "     --uuid=UUID            Machine ID of the container, where its tree has\n"
                 "                            no /etc/machine-id\n"
                 "     --machine-id=ID        Same as --uuid=\n"
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
                 "     --resolv-conf=MODE     /etc/resolv.conf of the container: off, auto,\n"
                 "                            copy-, replace- or bind- with host, static,\n"
                 "                            uplink or stub, or delete\n"
                 "     --timezone=MODE        /etc/localtime of the container: off, copy, bind,\n"
                 "                            symlink, delete or auto\n"
                 "     --link-journal=MODE    Link the container's journal with the host's: no,\n"
                 "                            host, try-host, guest, try-guest or auto\n"
                 "  -j                        Same as --link-journal=try-guest\n"
                 "\nInput/output:\n"
                 "     --console=MODE         interactive, read-only, passive, pipe or autopipe\n"
                 "  -P --pipe                 Same as --console=pipe\n"),
               program_invocation_short_name);
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

void option_assignments_done(OptionAssignments *a) {
        for (size_t i = 0; i < a->n; i++)
                free(a->items[i].value);
        free(a->items);
        *a = (OptionAssignments) {};
}

int option_assignments_add(OptionAssignments *a, const OptionDef *o, const char *value) {
        _cleanup_free_ char *v = NULL;

        if (value) {
                v = strdup(value);
                if (!v)
                        return -ENOMEM;
        }
        OptionAssignment *n = realloc(a->items, (a->n + 1) * sizeof(OptionAssignment));
        if (!n)
                return -ENOMEM;
        a->items = n;
        a->items[a->n++] = (OptionAssignment) { .option = o, .value = TAKE_PTR(v) };
        a->mask |= o->mask;
        return 0;
}

/* getopt's view of the table: every entry with a long name; the value getopt returns for it is
 * its index in the table plus OPTION_VAL_BASE, above every short letter. */
#define OPTION_VAL_BASE 0x100

static int options_build_getopt(struct option **ret_long, char **ret_short) {
        _cleanup_free_ struct option *l = calloc(option_table_size + 1, sizeof(struct option));
        _cleanup_free_ char *sh = malloc(2 + option_table_size * 3 + 1);
        size_t n = 0, k = 0;

        if (!l || !sh)
                return -ENOMEM;
        /* With "+" nothing is permuted; ":" reports a missing argument apart from an unknown option. */
        sh[k++] = '+';
        sh[k++] = ':';
        for (size_t i = 0; i < option_table_size; i++) {
                const OptionDef *o = &option_table[i];
                int has_arg = o->argument == OPTION_ARG_REQUIRED ? required_argument :
                              o->argument == OPTION_ARG_OPTIONAL ? optional_argument : no_argument;
                if (o->long_name)
                        l[n++] = (struct option) { o->long_name, has_arg, NULL, OPTION_VAL_BASE + (int) i };
                if (o->short_name) {
                        sh[k++] = (char) o->short_name;
                        for (int j = 0; j < has_arg; j++)
                                sh[k++] = ':';
                }
        }
        sh[k] = 0;
        *ret_long = TAKE_PTR(l);
        *ret_short = TAKE_PTR(sh);
        return 0;
}

static const OptionDef *option_from_getopt(int c) {
        if (c >= OPTION_VAL_BASE && (size_t) (c - OPTION_VAL_BASE) < option_table_size)
                return &option_table[c - OPTION_VAL_BASE];
        return option_find_short(c);
}

/* Returns 1 to go on, 0 when done (--help), < 0 after logging. */
static int parse_argv_options(int argc, char *argv[], Settings *s, OptionAssignments *assignments) {
        _cleanup_free_ struct option *longopts = NULL;
        _cleanup_free_ char *shortopts = NULL;
        int c, r;

        if (options_build_getopt(&longopts, &shortopts) < 0)
                return log_oom();

        optind = 0;
        opterr = 0;
        /* A short option cluster keeps optind until it is done, so this is the argument an error is
         * about. */
        for (int current = 1; (c = getopt_long(argc, argv, shortopts, longopts, NULL)) >= 0; current = optind) {
                if (c == ':' || c == '?') {
                        _cleanup_free_ char *o = option_name_for_error(argv[current], optopt);
                        if (c == ':')
                                log_error(_("Option %s needs an argument. See --help."), strna(o));
                        else
                                log_error(_("Unknown option %s. See --help."), strna(o));
                        return -EINVAL;
                }
                const OptionDef *o = option_from_getopt(c);
                if (!o)
                        return -EINVAL;
                r = o->parse(s, optarg, &(OptionContext) { .option = o });
                if (r != 0)
                        return r < 0 ? r : 0;   /* > 0: done, as after --help (a capability list of "help"). */
                if (assignments && option_assignments_add(assignments, o, optarg) < 0)
                        return log_oom();
        }

        if (optind < argc) {
                s->parameters = strv_copy(argv + optind);
                if (!s->parameters)
                        return log_oom();
                if (assignments)
                        assignments->mask |= SETTING_START_MODE;
        }
        return 1;
}

int settings_parse_argv_full(int argc, char *argv[], Settings *ret, OptionAssignments *ret_assignments) {
        Settings s = { .console_mode = _CONSOLE_MODE_INVALID, .users_ownership = _USERS_OWNERSHIP_INVALID };
        OptionAssignments a = {};
        int r = parse_argv_options(argc, argv, &s, ret_assignments ? &a : NULL);

        if (r <= 0) {
                settings_done(&s);
                option_assignments_done(&a);
                return r;
        }
        *ret = s;
        if (ret_assignments)
                *ret_assignments = a;
        return 1;
}

int settings_parse_argv(int argc, char *argv[], Settings *ret) {
        Settings s;
        int r = settings_parse_argv_full(argc, argv, &s, NULL);

        if (r <= 0)
                return r;
        r = settings_verify(&s);
        if (r < 0) {
                settings_done(&s);
                return r;
        }
        *ret = s;
        return 1;
}

/* Checks of options against each other, once the command line and the settings file are merged. */
int settings_verify(Settings *s) {
        int r = settings_verify_capabilities(s);
        if (r < 0)
                return r;

        if (s->directory && s->image)
                return log_error_errno(-EINVAL, _("--directory and --image cannot be combined."));
        if (s->boot && s->as_pid2)
                return log_error_errno(-EINVAL, _("--boot and --as-pid2 cannot be combined."));
        if (s->boot && s->user)
                return log_error_errno(-EINVAL, _("--boot and --user cannot be combined."));

        if (s->network_bridge && s->network_zone)
                return log_error_errno(-EINVAL, _("--network-bridge and --network-zone cannot be combined."));
        if (s->network_namespace_path && s->private_network)
                return log_error_errno(-EINVAL, _("--network-namespace-path cannot be combined with --private-network or the other --network-* options."));
        /* As systemd-nspawn: a forward needs a link of the host's into the container to go through. */
        if (s->n_ports > 0 && !s->network_veth)
                return log_error_errno(-EINVAL, _("--port= needs a veth network: --network-veth, --network-bridge= or --network-zone=."));
        for (size_t i = 0; i < s->n_binds; i++)
                if (s->binds[i].idmap && s->private_users == PRIVATE_USERS_NO) {
                        _cleanup_free_ char *e = escape_for_terminal(s->binds[i].source, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(-EINVAL, _("Bind mount option idmap of %s needs a user namespace (--private-users=)."), strna(e));
                }
        /* The container's root sets up its mounts in its own mount namespace, so it can clear their
         * read-only flag (the kernel locks mount flags only on mounts copied in from a namespace of
         * another user namespace). On an id-mapped bind that would let it write the host's files as
         * their owners: refused until the binds are made where their flags get locked. */
        for (size_t i = 0; i < s->n_binds; i++)
                if (s->binds[i].idmap && s->binds[i].read_only) {
                        _cleanup_free_ char *e = escape_for_terminal(s->binds[i].source, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(-EOPNOTSUPP, _("Read-only bind mount %s with option idmap is not supported: the container's root could make it writable."), strna(e));
                }
        /* As in systemd-nspawn: -U gives the tree the container's ids (auto: id-mapped where the file
         * system can, else shifted on disk), an explicit --private-users= leaves it alone unless
         * asked. */
        if (s->users_ownership < 0 || s->private_users == PRIVATE_USERS_NO)
                s->users_ownership = USERS_OWNERSHIP_OFF;
        return settings_verify_layers(s);
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
