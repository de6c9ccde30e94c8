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

/* How output is written without ever blocking the supervisor (see output_open()). */
typedef enum OutputKind {
        OUTPUT_NONBLOCK,        /* a description of our own, O_NONBLOCK: write what fits */
        OUTPUT_SOCKET,          /* a socket: send() with MSG_DONTWAIT */
        OUTPUT_FILE,            /* a regular file or block device: writes complete, never wait on a reader */
        OUTPUT_SHARED,          /* could not be reopened: at most PIPE_BUF bytes per EPOLLOUT wake-up */
} OutputKind;

/* Output waiting for a slow reader: when it is full, the master is not read (back-pressure on the
 * guest) instead of blocking in write(). */
#define PTY_FORWARD_OUT_MAX (64 * 1024)

/* Forwards between the user's terminal (or stdin/stdout) and the container's pty master. */
typedef struct PtyForward {
        int master;
        int in_fd;              /* -EBADF: input is not forwarded (read-only, passive) */
        int out_fd;             /* -EBADF: output is discarded (passive) */
        OutputKind out_kind;
        bool out_broken;        /* the reader went away: output is discarded */
        char in_buf[4096];      /* input waiting for the master */
        size_t in_len;
        char out_buf[PTY_FORWARD_OUT_MAX];      /* output waiting for out_fd: out_len bytes at out_start */
        size_t out_start, out_len;
        uint64_t escape_usec[3];/* times of the last ^] presses */
        size_t n_escape;
        bool master_hup;
        struct termios saved;
        bool saved_valid;
} PtyForward;

/* A file description for writing to fd that never blocks and leaves fd's own description as it is
 * (its O_NONBLOCK flag is shared with other processes). The new fd is always ours to close. */
int output_open(int fd, int *ret_fd, OutputKind *ret_kind);

void pty_forward_init(PtyForward *f, int master, int in_fd, int out_fd, OutputKind out_kind);
/* Puts the terminal on in_fd into raw mode; restored by pty_forward_restore(). */
int pty_forward_set_raw(PtyForward *f);
void pty_forward_restore(PtyForward *f);
/* Copies the window size of the terminal on tty_fd to the master. */
void pty_forward_update_size(PtyForward *f, int tty_fd);
/* Reads what the container wrote into the output buffer (while it has room) and passes on what
 * out_fd takes now. Returns -EIO once the pty is closed, 0 when the master had nothing more, 1 when
 * it stopped before (the buffer is full, or it read for long enough). With no out_fd, or once the
 * reader went away, output is read and dropped. */
int pty_forward_drain_master(PtyForward *f);
/* Writes buffered output until out_fd would block; a reader that went away (EPIPE, EIO...) sets
 * out_broken and drops the output from then on. Returns the number of bytes still buffered. */
size_t pty_forward_flush_output(PtyForward *f);
/* From now on, output is read and discarded. */
void pty_forward_drop_output(PtyForward *f);
static inline bool pty_forward_output_full(const PtyForward *f) {
        return f->out_len >= sizeof(f->out_buf);
}
/* Reads the user's input; returns an EscapeAction (> 0) when an escape sequence was typed within a
 * second: the bytes read with it are not forwarded. */
int pty_forward_read_input(PtyForward *f);
int pty_forward_flush_input(PtyForward *f);
/* Pure part of the escape detection, for tests: feeds one byte at time now (µs). */
EscapeAction pty_forward_escape_feed(PtyForward *f, char c, uint64_t now_usec);
