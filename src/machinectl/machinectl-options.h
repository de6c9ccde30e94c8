/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>

typedef enum OutputMode {
        OUTPUT_SHORT,
        OUTPUT_JSON,
        _OUTPUT_MAX,
        _OUTPUT_INVALID = -EINVAL,
} OutputMode;

typedef struct Args {
        bool legend;
        bool quiet;
        bool all;
        bool value;
        bool mkdir;            /* --mkdir: copy-to, copy-from, bind */
        bool read_only;        /* --read-only: bind, clone */
        bool force;            /* --force: copy-to, copy-from replace an existing destination */
        OutputMode output;
        char **properties;     /* -p/--property, comma-separated lists split */
        const char *kill_whom; /* NULL: the verb's default */
        int signal;            /* 0: the verb's default */
        char **setenv;         /* -E/--setenv: "VAR=VALUE" or "VAR" */
        const char *uid;       /* --uid: the shell's user when NAME has no "USER@" */
        const char *host;      /* -H/--host: [USER@]HOST[:PORT], the bus reached through ssh */
        char **verb_args;      /* points into argv: the verb and its arguments */
} Args;

/* Returns > 0 to go on, 0 when done (--help, --version), < 0 on error (logged). */
int args_parse(int argc, char *argv[], Args *ret);
void args_done(Args *a);
OutputMode output_mode_from_string(const char *s);
/* -H's argument: [USER@]HOST[:PORT] with no ssh option in disguise (a leading '-'), no spaces or
 * control characters, no '/' (a container on the remote host is not supported). */
bool remote_host_is_valid(const char *s);
