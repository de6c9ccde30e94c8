/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-remote.h"
#include "string-util.h"
#include "strv.h"

static bool is_port(const char *s) {
        size_t n = strspn(s, "0123456789");
        return n > 0 && n <= 5 && !s[n] && atoi(s) > 0 && atoi(s) <= 65535;
}

int remote_host_split(const char *host, char **ret_destination, char **ret_port) {
        _cleanup_free_ char *destination = NULL, *port = NULL;
        const char *at = strrchr(host, '@'), *h = at ? at + 1 : host, *colon = NULL, *end;
        size_t user_len = (size_t) (h - host);

        if (h[0] == '[') {
                /* ssh takes the address without brackets. */
                const char *close = strchr(h, ']');
                if (!close || close == h + 1 || (close[1] && close[1] != ':'))
                        return -EINVAL;
                colon = close[1] == ':' ? close + 1 : NULL;
                destination = malloc(user_len + (size_t) (close - h));
                if (!destination)
                        return -ENOMEM;
                memcpy(destination, host, user_len);
                memcpy(destination + user_len, h + 1, (size_t) (close - h - 1));
                destination[user_len + (size_t) (close - h - 1)] = 0;
        } else {
                colon = strchr(h, ':');
                /* Two colons or more: a bare IPv6 address, no port. */
                if (colon && strchr(colon + 1, ':'))
                        colon = NULL;
                end = colon ?: h + strlen(h);
                if (end == h)
                        return -EINVAL;
                destination = strndup(host, (size_t) (end - host));
                if (!destination)
                        return -ENOMEM;
        }
        if (colon) {
                if (!is_port(colon + 1))
                        return -EINVAL;
                port = strdup(colon + 1);
                if (!port)
                        return -ENOMEM;
        }
        *ret_destination = TAKE_PTR(destination);
        *ret_port = TAKE_PTR(port);
        return 0;
}

char *remote_command_line(char **argv) {
        size_t n = 1;
        char *line, *p;

        STRV_FOREACH(a, argv) {
                n += 3;
                for (const char *c = *a; *c; c++)
                        n += *c == '\'' ? 4 : 1;
        }
        line = p = malloc(n);
        if (!line)
                return NULL;
        STRV_FOREACH(a, argv) {
                if (p != line)
                        *p++ = ' ';
                *p++ = '\'';
                for (const char *c = *a; *c; c++)
                        if (*c == '\'') {
                                memcpy(p, "'\\''", 4);
                                p += 4;
                        } else
                                *p++ = *c;
                *p++ = '\'';
        }
        *p = 0;
        return line;
}

int remote_machinectl_argv(const Args *args, char ***ret) {
        _cleanup_strv_free_ char **v = NULL;

        if (strv_extend(&v, "machinectl") < 0)
                return -ENOMEM;
        if (args->quiet && strv_extend(&v, "-q") < 0)
                return -ENOMEM;
        if (args->uid && (strv_extend(&v, "--uid") < 0 || strv_extend(&v, args->uid) < 0))
                return -ENOMEM;
        STRV_FOREACH(e, args->setenv) {
                _cleanup_free_ char *assignment = NULL;

                /* "-E NAME" takes the value from our environment, not from the remote one. */
                if (!strchr(*e, '=')) {
                        const char *value = getenv(*e);
                        if (!value)
                                continue;
                        assignment = strjoin(*e, "=", value);
                        if (!assignment)
                                return -ENOMEM;
                }
                if (strv_extend(&v, "-E") < 0 || strv_extend(&v, assignment ?: *e) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(a, args->verb_args)
                if (strv_extend(&v, *a) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(v);
        return 0;
}

int remote_exec_verb(const Args *args) {
        _cleanup_free_ char *destination = NULL, *port = NULL, *line = NULL;
        _cleanup_strv_free_ char **remote = NULL, **ssh = NULL;
        int r;

        r = remote_host_split(args->host, &destination, &port);
        if (r < 0)
                return log_error_errno(r, _("Invalid host '%s': expected [USER@]HOST[:PORT]."), args->host);
        r = remote_machinectl_argv(args, &remote);
        if (r < 0)
                return log_oom();
        line = remote_command_line(remote);
        if (!line)
                return log_oom();
        /* A terminal on the far side only when there is one here: piped input stays a pipe. */
        if (strv_extend(&ssh, "ssh") < 0 || strv_extend(&ssh, "-x") < 0 ||
            strv_extend(&ssh, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? "-t" : "-T") < 0 ||
            (port && (strv_extend(&ssh, "-p") < 0 || strv_extend(&ssh, port) < 0)) ||
            strv_extend(&ssh, "--") < 0 || strv_extend(&ssh, destination) < 0 || strv_extend(&ssh, line) < 0)
                return log_oom();
        execvp("ssh", ssh);
        return log_error_errno(-errno, _("Failed to execute ssh for host %s: %m"), args->host);
}
