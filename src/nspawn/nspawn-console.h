/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

typedef enum EscapeAction {
        ESCAPE_NONE,
        ESCAPE_KILL,            /* ^] ^] ^] */
        ESCAPE_POWEROFF,        /* ^] ^] p */
        ESCAPE_REBOOT,          /* ^] ^] r */
} EscapeAction;

/* Forwards between the user's terminal (or stdin/stdout) and the container's pty master. */
typedef struct PtyForward {
        int master;
        int in_fd;              /* -EBADF: input is not forwarded (read-only, passive) */
        int out_fd;             /* -EBADF: output is discarded (passive) */
        char in_buf[4096];      /* input waiting for the master */
        size_t in_len;
        uint64_t escape_usec[3];/* times of the last ^] presses */
        size_t n_escape;
        bool master_hup;
        struct termios saved;
        bool saved_valid;
} PtyForward;

void pty_forward_init(PtyForward *f, int master, int in_fd, int out_fd);
/* Puts the terminal on in_fd into raw mode; restored by pty_forward_restore(). */
int pty_forward_set_raw(PtyForward *f);
void pty_forward_restore(PtyForward *f);
/* Copies the window size of the terminal on tty_fd to the master. */
void pty_forward_update_size(PtyForward *f, int tty_fd);
/* Reads what the container wrote and passes it on; returns -EIO once the pty is closed. */
int pty_forward_drain_master(PtyForward *f);
/* Reads the user's input; returns an EscapeAction (> 0) when an escape sequence was typed within a
 * second: the bytes read with it are not forwarded. */
int pty_forward_read_input(PtyForward *f);
int pty_forward_flush_input(PtyForward *f);
/* Pure part of the escape detection, for tests: feeds one byte at time now (µs). */
EscapeAction pty_forward_escape_feed(PtyForward *f, char c, uint64_t now_usec);
