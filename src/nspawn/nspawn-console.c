/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-console.h"

#define ESCAPE_CHAR 0x1d        /* ^] */
#define ESCAPE_WINDOW_USEC 1000000ULL

void pty_forward_init(PtyForward *f, int master, int in_fd, int out_fd, OutputKind out_kind) {
        *f = (PtyForward) { .master = master, .in_fd = in_fd, .out_fd = out_fd, .out_kind = out_kind };
}

/* The supervisor must never block on its output: a reader that stalls (a pipeline that stopped
 * reading, a terminal on ^S or an ssh connection that hangs) would otherwise freeze it in write(),
 * and SIGTERM, the stop timer and ^]^]^] would wait for the reader. Setting O_NONBLOCK on our stdout
 * is no way out: the file description is shared with the operator's shell or the other processes of
 * the pipeline, and they would see EAGAIN too. So terminals and pipes are opened again through
 * /proc/self/fd, which gives a file description of our own for the same terminal or pipe, with
 * O_NONBLOCK on it alone; nothing needs restoring. Sockets (journald's stream, say) take
 * MSG_DONTWAIT on each send(). Regular files cannot stall on a reader, and a description of our own
 * would lose the shared offset, so they keep theirs. */
int output_open(int fd, int *ret_fd, OutputKind *ret_kind) {
        char path[64];
        OutputKind kind = OUTPUT_SHARED;
        struct stat st;
        int nfd = -EBADF;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
                snprintf(path, sizeof(path), "/proc/self/fd/%i", fd);
                nfd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
                if (nfd >= 0)
                        kind = OUTPUT_NONBLOCK;
        } else if (S_ISSOCK(st.st_mode))
                kind = OUTPUT_SOCKET;
        else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
                kind = OUTPUT_FILE;
        /* Anything else, or a reopen that failed (a FIFO whose reader is gone gives ENXIO, a hung-up
         * terminal EIO): the shared description, written in pieces that fit whenever it polls
         * writable. */
        if (nfd < 0)
                nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (nfd < 0)
                return -errno;
        *ret_fd = nfd;
        *ret_kind = kind;
        return 0;
}

int pty_forward_set_raw(PtyForward *f) {
        struct termios raw;

        if (f->in_fd < 0 || !isatty(f->in_fd))
                return 0;
        if (tcgetattr(f->in_fd, &f->saved) < 0)
                return -errno;
        f->saved_valid = true;
        raw = f->saved;
        cfmakeraw(&raw);
        return RET_NERRNO(tcsetattr(f->in_fd, TCSANOW, &raw));
}

void pty_forward_restore(PtyForward *f) {
        if (f->saved_valid)
                (void) tcsetattr(f->in_fd, TCSANOW, &f->saved);
        f->saved_valid = false;
}

void pty_forward_update_size(PtyForward *f, int tty_fd) {
        struct winsize ws;

        if (tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(f->master, TIOCSWINSZ, &ws);
}

static ssize_t output_write(PtyForward *f, const char *p, size_t n) {
        switch (f->out_kind) {
        case OUTPUT_SOCKET:
                return send(f->out_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        case OUTPUT_SHARED:
                /* A pipe that polls writable takes PIPE_BUF bytes without blocking (a terminal
                 * usually does): the best we can do on a description we may not make non-blocking. */
                return write(f->out_fd, p, MIN(n, (size_t) PIPE_BUF));
        default:
                return write(f->out_fd, p, n);
        }
}

/* out_fd stays open (the supervisor may still watch it in epoll, and removes it by fd). */
void pty_forward_drop_output(PtyForward *f) {
        f->out_broken = true;
        f->out_start = f->out_len = 0;
}

size_t pty_forward_flush_output(PtyForward *f) {
        while (f->out_len > 0 && f->out_fd >= 0 && !f->out_broken) {
                ssize_t k = output_write(f, f->out_buf + f->out_start, f->out_len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN && f->out_kind != OUTPUT_FILE)
                        break;
                if (k <= 0) {
                        /* The reader went away (EPIPE, EIO on a hung-up terminal) or the file
                         * cannot take more: keep draining the guest, drop its output. */
                        pty_forward_drop_output(f);
                        break;
                }
                f->out_start += (size_t) k;
                f->out_len -= (size_t) k;
                if (f->out_kind == OUTPUT_SHARED)
                        break;  /* one piece per wake-up */
        }
        if (f->out_len == 0)
                f->out_start = 0;
        return f->out_len;
}

int pty_forward_drain_master(PtyForward *f) {
        /* A guest that writes as fast as the reader reads would keep us here for ever, deaf to
         * signals: after a few rounds, return to the event loop (EPOLLIN is level-triggered). */
        for (unsigned round = 0;; round++) {
                if (round >= 16)
                        return 1;
                if (pty_forward_flush_output(f) > 0 && pty_forward_output_full(f))
                        return 1;
                if (f->out_start > 0 && f->out_len > 0) {
                        memmove(f->out_buf, f->out_buf + f->out_start, f->out_len);
                        f->out_start = 0;
                }
                ssize_t n = read(f->master, f->out_buf + f->out_len, sizeof(f->out_buf) - f->out_len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                (void) pty_forward_flush_output(f);
                                return 0;
                        }
                        f->master_hup = true;
                        (void) pty_forward_flush_output(f);
                        return -EIO;    /* EIO: every slave fd is closed */
                }
                if (n == 0) {
                        f->master_hup = true;
                        (void) pty_forward_flush_output(f);
                        return -EIO;
                }
                f->out_len += (size_t) n;
                if (f->out_fd < 0 || f->out_broken)
                        f->out_start = f->out_len = 0;  /* nobody to pass it to: read and drop */
        }
}

EscapeAction pty_forward_escape_feed(PtyForward *f, char c, uint64_t now_usec) {
        /* Keep the ^] presses of the last second only, oldest first. */
        size_t kept = 0;
        for (size_t i = 0; i < f->n_escape; i++)
                if (now_usec - f->escape_usec[i] <= ESCAPE_WINDOW_USEC)
                        f->escape_usec[kept++] = f->escape_usec[i];
        f->n_escape = kept;

        if (c != ESCAPE_CHAR) {
                EscapeAction a = ESCAPE_NONE;
                if (kept >= 2 && (c == 'p' || c == 'r'))
                        a = c == 'p' ? ESCAPE_POWEROFF : ESCAPE_REBOOT;
                f->n_escape = 0;
                return a;
        }
        if (kept == ELEMENTSOF(f->escape_usec)) {
                memmove(f->escape_usec, f->escape_usec + 1, (kept - 1) * sizeof(uint64_t));
                kept--;
        }
        f->escape_usec[kept++] = now_usec;
        f->n_escape = kept;
        if (kept < 3)
                return ESCAPE_NONE;
        f->n_escape = 0;
        return ESCAPE_KILL;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

int pty_forward_read_input(PtyForward *f) {
        size_t room = sizeof(f->in_buf) - f->in_len;
        ssize_t n;

        if (f->in_fd < 0 || room == 0)
                return 0;
        n = read(f->in_fd, f->in_buf + f->in_len, room);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0) {
                f->in_fd = -EBADF;      /* EOF: stop reading, the container keeps running */
                return 0;
        }
        uint64_t t = now_usec();
        for (ssize_t i = 0; i < n; i++) {
                EscapeAction a = pty_forward_escape_feed(f, f->in_buf[f->in_len + (size_t) i], t);
                if (a != ESCAPE_NONE)
                        return (int) a;
        }
        f->in_len += (size_t) n;
        return pty_forward_flush_input(f);
}

int pty_forward_flush_input(PtyForward *f) {
        while (f->in_len > 0) {
                ssize_t k = write(f->master, f->in_buf, f->in_len);
                if (k < 0)
                        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
                memmove(f->in_buf, f->in_buf + k, f->in_len - (size_t) k);
                f->in_len -= (size_t) k;
        }
        return 0;
}
