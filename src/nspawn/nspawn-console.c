/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-console.h"

#define ESCAPE_CHAR 0x1d        /* ^] */
#define ESCAPE_WINDOW_USEC 1000000ULL

void pty_forward_init(PtyForward *f, int master, int in_fd, int out_fd) {
        *f = (PtyForward) { .master = master, .in_fd = in_fd, .out_fd = out_fd };
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

/* The user's stdout may be non-blocking (shared with the shell): wait for it instead of dropping. */
static int write_all_wait(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                (void) poll(&(struct pollfd) { .fd = fd, .events = POLLOUT }, 1, -1);
                                continue;
                        }
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int pty_forward_drain_master(PtyForward *f) {
        char buf[16384];

        for (;;) {
                ssize_t n = read(f->master, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        f->master_hup = true;
                        return -EIO;    /* EIO: every slave fd is closed */
                }
                if (n == 0) {
                        f->master_hup = true;
                        return -EIO;
                }
                if (f->out_fd >= 0 && write_all_wait(f->out_fd, buf, (size_t) n) < 0)
                        f->out_fd = -EBADF;     /* the reader went away: keep draining, drop output */
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
