/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Connects our stdin and stdout with the pty master of a machine until the other side is done: the
 * terminal in raw mode (restored on every way out), its window size passed on (and again on
 * SIGWINCH), ^] three times within a second to leave. With stdin or stdout not a terminal, the pty
 * echoes nothing and translates no newlines, and the end of stdin becomes an EOF (^D) in the guest.
 * status_fd (or -1): where machined writes the exit status; *ret_exit_status is the command's exit
 * status (128+N for signal N), 128+N when signal N (SIGTERM, SIGHUP, SIGINT, SIGQUIT) ended our side,
 * or -1 when unknown (no status fd, or the user left with ^]^]^]). Logs errors. */
int pty_forward(int master, int status_fd, bool login, const char *machine, int *ret_exit_status);
