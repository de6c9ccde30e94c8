/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-options.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

enum {
        ARG_VERSION = 0x100,
        ARG_NO_LEGEND,
        ARG_NO_PAGER,
        ARG_VALUE,
        ARG_KILL_WHOM,
        ARG_MKDIR,
        ARG_READ_ONLY,
        ARG_FORCE,
        ARG_UID,
};

static void help(void) {
        printf(_("%s [OPTIONS...] COMMAND ...\n\n"
                 "Send control commands to or query the virtual machine and container\n"
                 "registration manager.\n\n"
                 "Machine Commands:\n"
                 "  list                        List running VMs and containers\n"
                 "  status NAME...              Show VM/container details\n"
                 "  show [NAME...]              Show properties of one or more VMs/containers\n"
                 "  poweroff NAME...            Power off one or more containers\n"
                 "  reboot NAME...              Reboot one or more containers\n"
                 "  terminate NAME...           Terminate one or more VMs/containers\n"
                 "  kill NAME...                Send signal to processes of a VM/container\n"
                 "  freeze NAME...              Freeze all processes of one or more VMs/containers\n"
                 "  thaw NAME...                Thaw frozen VMs/containers\n"
                 "  bind NAME PATH [PATH]       Bind mount a path from the host into a container\n"
                 "  copy-to NAME PATH [PATH]    Copy files from the host to a container\n"
                 "  copy-from NAME PATH [PATH]  Copy files from a container to the host\n"
                 "  start NAME...               Start container as a service (needs systemd)\n"
                 "  stop NAME...                Stop container (same as poweroff)\n"
                 "  enable NAME...              Enable automatic container start at boot (needs systemd)\n"
                 "  disable NAME...             Disable automatic container start at boot (needs systemd)\n"
                 "  login NAME                  Get a login prompt in a container\n"
                 "  shell [[USER@]NAME [COMMAND...]]\n"
                 "                              Invoke a shell (or other command) in a container;\n"
                 "                              exits with the command's exit status\n\n"
                 "Image Commands:\n"
                 "  list-images                 Show available container and VM images\n"
                 "  image-status NAME...        Show image details\n"
                 "  show-image [NAME...]        Show properties of image\n"
                 "  clone NAME NAME             Clone an image\n"
                 "  rename NAME NAME            Rename an image\n"
                 "  read-only NAME [BOOL]       Mark or unmark image read-only\n"
                 "  remove NAME...              Remove an image\n"
                 "  clean                       Remove hidden (or all) images\n\n"
                 "Options:\n"
                 "  -h --help                   Show this help\n"
                 "     --version                Show package version\n"
                 "     --no-pager               Do not pipe output into a pager\n"
                 "     --no-legend              Do not show the headers and footers\n"
                 "  -p --property=NAME          Show only properties by this name\n"
                 "  -P NAME                     Equivalent to --value --property=NAME\n"
                 "     --value                  When showing properties, only print the value\n"
                 "  -a --all                    Show all properties, including empty ones; list and\n"
                 "                              clean hidden images too\n"
                 "     --kill-whom=WHOM         Whom to send signal to (leader or all)\n"
                 "  -s --signal=SIGNAL          Which signal to send\n"
                 "     --uid=USER               Specify user ID to invoke shell as\n"
                 "  -E --setenv=VAR[=VALUE]     Add an environment variable for shell\n"
                 "  -o --output=MODE            Output mode (short or json)\n"
                 "     --read-only              Create a read-only bind mount or clone\n"
                 "     --mkdir                  Create directory before bind mounting, if missing;\n"
                 "                              with copy-to/copy-from, the destination's parents\n"
                 "     --force                  Replace the destination of copy-to/copy-from\n"
                 "  -q --quiet                  Suppress informational messages\n"
                 "  -H --host=[USER@]HOST[:PORT]\n"
                 "                              Operate on a remote host (through ssh)\n"),
               program_invocation_short_name);
}

OutputMode output_mode_from_string(const char *s) {
        if (streq(s, "short"))
                return OUTPUT_SHORT;
        if (streq(s, "json") || streq(s, "json-pretty") || streq(s, "json-short"))
                return OUTPUT_JSON;
        return _OUTPUT_INVALID;
}

bool remote_host_is_valid(const char *s) {
        const char *host = s, *at;

        if (!s || !s[0] || s[0] == '-' || strlen(s) > 1024)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f || strchr("/,;'\"\\`$", *p))
                        return false;
        at = strrchr(s, '@');
        if (at) {
                if (at == s)
                        return false;
                host = at + 1;
        }
        /* The host itself may not be empty or look like an option either. */
        return host[0] && host[0] != '-' && host[0] != ':';
}

static int add_properties(Args *a, const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        char *saveptr = NULL;

        if (!copy)
                return log_oom();
        for (char *p = strtok_r(copy, ",", &saveptr); p; p = strtok_r(NULL, ",", &saveptr))
                if (strv_extend(&a->properties, p) < 0)
                        return log_oom();
        return 0;
}

static int parse_option(Args *a, int c, const char *arg) {
        int r;

        switch (c) {
        case ARG_NO_LEGEND:
                a->legend = false;
                return 0;
        case ARG_NO_PAGER: /* no pager is ever used */
                return 0;
        case 'P':
                a->value = true;
                __attribute__((fallthrough));
        case 'p':
                return add_properties(a, arg);
        case ARG_VALUE:
                a->value = true;
                return 0;
        case 'a':
                a->all = true;
                return 0;
        case 'q':
                a->quiet = true;
                return 0;
        case ARG_MKDIR:
                a->mkdir = true;
                return 0;
        case ARG_READ_ONLY:
                a->read_only = true;
                return 0;
        case ARG_FORCE:
                a->force = true;
                return 0;
        case ARG_KILL_WHOM:
                if (!streq(arg, "leader") && !streq(arg, "all"))
                        return log_error_errno(-EINVAL, _("Invalid --kill-whom= value '%s': expected 'leader' or 'all'."), arg);
                a->kill_whom = arg;
                return 0;
        case 's':
                r = signal_from_string(arg);
                if (r < 0)
                        return log_error_errno(-EINVAL, _("Failed to parse signal string '%s'."), arg);
                a->signal = r;
                return 0;
        case 'E':
                if (!arg[0] || arg[0] == '=')
                        return log_error_errno(-EINVAL, _("Invalid environment assignment '%s'."), arg);
                return strv_extend(&a->setenv, arg) < 0 ? log_oom() : 0;
        case ARG_UID:
                if (!arg[0])
                        return log_error_errno(-EINVAL, _("Invalid --uid= value: empty."));
                a->uid = arg;
                return 0;
        case 'H':
                if (!remote_host_is_valid(arg))
                        return log_error_errno(-EINVAL, _("Invalid host '%s': expected [USER@]HOST[:PORT]."), arg);
                a->host = arg;
                return 0;
        case 'o':
                a->output = output_mode_from_string(arg);
                if (a->output < 0)
                        return log_error_errno(-EINVAL, _("Unknown output mode '%s'."), arg);
                return 0;
        default:
                return -EINVAL;
        }
}

static const struct option options[] = {
        { "help",      no_argument,       NULL, 'h'           },
        { "version",   no_argument,       NULL, ARG_VERSION   },
        { "no-legend", no_argument,       NULL, ARG_NO_LEGEND },
        { "no-pager",  no_argument,       NULL, ARG_NO_PAGER  },
        { "property",  required_argument, NULL, 'p'           },
        { "value",     no_argument,       NULL, ARG_VALUE     },
        { "all",       no_argument,       NULL, 'a'           },
        { "kill-whom", required_argument, NULL, ARG_KILL_WHOM },
        { "signal",    required_argument, NULL, 's'           },
        { "output",    required_argument, NULL, 'o'           },
        { "quiet",     no_argument,       NULL, 'q'           },
        { "setenv",    required_argument, NULL, 'E'           },
        { "uid",       required_argument, NULL, ARG_UID       },
        { "mkdir",     no_argument,       NULL, ARG_MKDIR     },
        { "read-only", no_argument,       NULL, ARG_READ_ONLY },
        { "force",     no_argument,       NULL, ARG_FORCE     },
        { "host",      required_argument, NULL, 'H'           },
        {}
};

/* Runs getopt_long() until it returns -1: 0 then, > 0 when --help or --version was handled, < 0 on
 * error (logged). */
static int parse_options(int argc, char *argv[], const char *optstring, Args *a) {
        int c, r;

        while ((c = getopt_long(argc, argv, optstring, options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("machinectl %s\n", PROJECT_VERSION);
                        return 1;
                case '?':
                        if (optopt != 0 && optopt < 0x100 && strchr("pPsoEH", optopt))
                                log_error(_("Option '-%c' requires an argument."), optopt);
                        else
                                log_error(_("Unknown option '%s'."), argv[optind - 1]);
                        return -EINVAL;
                default:
                        r = parse_option(a, c, optarg);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int args_parse(int argc, char *argv[], Args *ret) {
        Args a = { .legend = true, .output = OUTPUT_SHORT };
        int r;

        /* Options may follow the verb ("machinectl show x -p Name"), as with systemd's machinectl; but
         * for shell only up to the machine name: what follows is the command's ("shell x ls -l"). So
         * the options before the verb are read first, in order; for any other verb all of them are
         * then read again, in any order. */
        optind = 0;
        opterr = 0;
        r = parse_options(argc, argv, "+hp:P:aqs:o:E:H:", &a);
        if (r == 0 && optind < argc && streq(argv[optind], "shell")) {
                int verb = optind++;

                r = parse_options(argc, argv, "+hp:P:aqs:o:E:H:", &a);
                if (r == 0) {
                        /* The verb goes next to its arguments, after the options that followed it. */
                        char *v = argv[verb];
                        memmove(argv + verb, argv + verb + 1, (size_t) (optind - verb - 1) * sizeof(char *));
                        argv[optind - 1] = v;
                        optind--;
                }
        } else if (r == 0) {
                args_done(&a);
                a = (Args) { .legend = true, .output = OUTPUT_SHORT };
                optind = 0;
                r = parse_options(argc, argv, "hp:P:aqs:o:E:H:", &a);
        }
        if (r != 0) {
                args_done(&a);
                return r < 0 ? r : 0;
        }
        a.verb_args = argv + optind;
        *ret = a;
        return 1;
}

void args_done(Args *a) {
        strv_free(a->properties);
        a->properties = NULL;
        strv_free(a->setenv);
        a->setenv = NULL;
}
