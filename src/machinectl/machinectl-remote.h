/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "machinectl-options.h"

/* shell and login hand fds around (the pty, the exit status socket), which sd-bus's ssh transport
 * cannot carry: with -H they run on the other host, as "machinectl VERB ..." through ssh (with a
 * terminal when we have one), whose exit status is the command's. */

/* Splits -H's [USER@]HOST[:PORT] into what ssh takes: "[USER@]HOST" and the port (NULL if none). An
 * IPv6 address may be bracketed ("[::1]:22"); a bare one has no port. */
int remote_host_split(const char *host, char **ret_destination, char **ret_port);
/* The remote command line: each argument single-quoted for the remote user's shell. */
char *remote_command_line(char **argv);
/* The remote machinectl's arguments for this verb: the options that matter to it (-q, --uid, -E with
 * values taken from our environment where only a name was given), then the verb and its arguments. */
int remote_machinectl_argv(const Args *args, char ***ret);
/* Executes ssh; returns only on failure (logged). */
int remote_exec_verb(const Args *args);
