/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "machinectl-pty.h"
#include "process-util.h"
#include "string-util.h"

#define ESCAPE_CHAR 0x1d /* ^] */
#define ESCAPE_COUNT 3
#define ESCAPE_WINDOW_MS 1000
/* After the exit status came, output still in flight through the pty is drained until it stays quiet
 * this long (a process the command left behind may hold the pty open for good). */
#define DRAIN_QUIET_MS 100
/* login: the guest's login(1) calls vhangup() and reopens the pty; only an EIO that lasts this long
 * means that nobody is on the other side any more. */
#define LOGIN_EIO_GRACE_MS 1000

typedef struct Forward {
        int master, status_fd, sigfd;
        bool in_tty, out_tty, login;
        bool in_eof, eof_sent, master_eof, out_broken, status_done;
        int exit_status; /* -1: unknown */
        int signal;      /* the signal that ended the session, or 0 */
        char in_buf[4096];
        size_t in_len;
        char out_buf[16384];
        size_t out_len;
        char last_in; /* the last byte written to the master, for the EOF that ends a line */
        unsigned escapes;
        uint64_t escape_first_ms;
        uint64_t eio_since_ms;
} Forward;

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void pass_window_size(Forward *f) {
        struct winsize ws;

        if (ioctl(f->out_tty ? STDOUT_FILENO : STDIN_FILENO, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(f->master, TIOCSWINSZ, &ws);
}

/* Not a terminal on our side: no echo of what is piped in, no "\r\n" in what comes out, and no signal
 * characters; canonical mode stays, so that the end of the input can be passed on as an EOF (^D). */
static void setup_pty_modes(Forward *f) {
        struct termios t;

        if (tcgetattr(f->master, &t) < 0)
                return;
        if (!f->in_tty) {
                t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ISIG);
                t.c_iflag &= ~(ICRNL | IXON);
        }
        if (!f->out_tty)
                t.c_oflag &= ~OPOST;
        (void) tcsetattr(f->master, TCSANOW, &t);
}

/* 1 when the escape sequence is complete. */
static int count_escapes(Forward *f, const char *buf, size_t n) {
        for (size_t i = 0; i < n; i++) {
                uint64_t t;

                if (buf[i] != ESCAPE_CHAR) {
                        f->escapes = 0;
                        continue;
                }
                t = now_ms();
                if (f->escapes == 0 || t - f->escape_first_ms > ESCAPE_WINDOW_MS) {
                        f->escapes = 1;
                        f->escape_first_ms = t;
                } else if (++f->escapes >= ESCAPE_COUNT)
                        return 1;
        }
        return 0;
}

static int read_stdin(Forward *f) {
        ssize_t k = read(STDIN_FILENO, f->in_buf + f->in_len, sizeof(f->in_buf) - f->in_len);

        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        if (k == 0) {
                f->in_eof = true;
                return 0;
        }
        if (f->in_tty && count_escapes(f, f->in_buf + f->in_len, (size_t) k))
                return 1;
        f->in_len += (size_t) k;
        return 0;
}

static int write_master(Forward *f) {
        ssize_t k = write(f->master, f->in_buf, f->in_len);

        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : errno == EIO ? 0 : -errno;
        if (k > 0)
                f->last_in = f->in_buf[k - 1];
        memmove(f->in_buf, f->in_buf + k, f->in_len - (size_t) k);
        f->in_len -= (size_t) k;
        return 0;
}

/* The end of piped input: ^D at the start of a line is an EOF for the reader; a line without its
 * newline needs one ^D to be passed on first. */
static void send_eof(Forward *f) {
        char eof[2] = { 4, 4 };
        size_t n = f->last_in == 0 || f->last_in == '\n' ? 1 : 2;

        (void) loop_write(f->master, eof, n);
        f->last_in = '\n';
}

static void read_master(Forward *f) {
        ssize_t k;

        if (f->out_len == sizeof(f->out_buf))
                return; /* stdout first */
        k = read(f->master, f->out_buf + f->out_len, sizeof(f->out_buf) - f->out_len);
        if (k > 0) {
                f->out_len += (size_t) k;
                f->eio_since_ms = 0;
                return;
        }
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
                f->eio_since_ms = 0; /* somebody holds the other side (again) */
                return;
        }
        /* EIO: nobody has the pty's other side open any more. */
        if (f->login) {
                uint64_t t = now_ms();
                if (f->eio_since_ms == 0)
                        f->eio_since_ms = t;
                if (t - f->eio_since_ms < LOGIN_EIO_GRACE_MS)
                        return;
        }
        f->master_eof = true;
}

static void write_stdout(Forward *f) {
        ssize_t k = write(STDOUT_FILENO, f->out_buf, f->out_len);

        if (k < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return;
                f->out_broken = true; /* a closed pipe: the output goes nowhere, the command runs on */
                f->out_len = 0;
                return;
        }
        memmove(f->out_buf, f->out_buf + k, f->out_len - (size_t) k);
        f->out_len -= (size_t) k;
}

static void read_status(Forward *f) {
        char buf[128] = {};
        ssize_t k = recv(f->status_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        const char *code, *st;

        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        f->status_done = true;
        if (k <= 0)
                return; /* machined went away without a word */
        code = strstr(buf, "EXIT_CODE=");
        st = strstr(buf, "EXIT_STATUS=");
        if (!code || !st)
                return;
        int v = atoi(st + strlen("EXIT_STATUS="));
        if (startswith(code + strlen("EXIT_CODE="), "exited"))
                f->exit_status = v & 0xff;
        else
                f->exit_status = 128 + v;
}

static bool finished(const Forward *f) {
        return f->master_eof && f->out_len == 0 && (f->status_fd < 0 || f->status_done);
}

static int forward_loop(Forward *f) {
        for (;;) {
                struct pollfd p[5] = {};
                int timeout = -1, r;
                size_t n = 0;
                ssize_t i_in = -1, i_master = -1, i_out = -1, i_status = -1, i_sig = -1;

                if (finished(f))
                        return 0;
                if (!f->in_eof && f->in_len < sizeof(f->in_buf) && !f->master_eof) {
                        i_in = (ssize_t) n;
                        p[n++] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
                }
                /* login, while nobody holds the other side: polled by reading again after a while
                 * (poll() would report the hangup at once, over and over). */
                if (!f->master_eof && f->eio_since_ms == 0) {
                        i_master = (ssize_t) n;
                        p[n++] = (struct pollfd) {
                                .fd = f->master,
                                .events = (f->out_len < sizeof(f->out_buf) ? POLLIN : 0) | (f->in_len > 0 ? POLLOUT : 0),
                        };
                }
                if (f->out_len > 0) {
                        i_out = (ssize_t) n;
                        p[n++] = (struct pollfd) { .fd = STDOUT_FILENO, .events = POLLOUT };
                }
                if (f->status_fd >= 0 && !f->status_done) {
                        i_status = (ssize_t) n;
                        p[n++] = (struct pollfd) { .fd = f->status_fd, .events = POLLIN };
                }
                i_sig = (ssize_t) n;
                p[n++] = (struct pollfd) { .fd = f->sigfd, .events = POLLIN };
                /* The status is in: what the pty still holds is drained until it stays quiet. */
                if (f->status_done && !f->master_eof)
                        timeout = DRAIN_QUIET_MS;
                if (f->eio_since_ms != 0)
                        timeout = 50; /* login: look again whether the other side came back */

                r = poll(p, n, timeout);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0 && f->status_done && !f->master_eof && f->eio_since_ms == 0) {
                        f->master_eof = true;
                        f->out_len = f->out_broken ? 0 : f->out_len;
                        continue;
                }
                if (p[i_sig].revents) {
                        struct signalfd_siginfo si;
                        if (read(f->sigfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH)
                                        pass_window_size(f);
                                else {
                                        f->signal = (int) si.ssi_signo;
                                        return -EINTR;
                                }
                        }
                }
                if (i_in >= 0 && p[i_in].revents) {
                        r = read_stdin(f);
                        if (r != 0)
                                return r; /* 1: ^]^]^] */
                }
                if ((i_master >= 0 && (p[i_master].revents & (POLLIN | POLLHUP | POLLERR))) ||
                    (f->eio_since_ms != 0 && !f->master_eof))
                        read_master(f);
                if (i_master >= 0 && (p[i_master].revents & POLLOUT) && f->in_len > 0) {
                        r = write_master(f);
                        if (r < 0)
                                return r;
                }
                if (f->in_eof && f->in_len == 0 && !f->in_tty && !f->eof_sent) {
                        send_eof(f);
                        f->eof_sent = true;
                }
                if (i_out >= 0 && p[i_out].revents)
                        write_stdout(f);
                if (i_status >= 0 && p[i_status].revents)
                        read_status(f);
        }
}

int pty_forward(int master, int status_fd, bool login, const char *machine, int *ret_exit_status) {
        sigset_t mask;
        struct termios saved, raw;
        bool restore = false;
        Forward f = {
                .master = master,
                .status_fd = status_fd,
                .sigfd = -EBADF,
                .login = login,
                .in_tty = isatty(STDIN_FILENO),
                .out_tty = isatty(STDOUT_FILENO),
                .exit_status = -1,
        };
        int r;

        r = fd_nonblock(master, true);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up the pty: %m"));
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, _("Failed to block signals: %m"));
        f.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (f.sigfd < 0)
                return log_error_errno(-errno, _("Failed to watch signals: %m"));

        setup_pty_modes(&f);
        pass_window_size(&f);
        if (f.in_tty && tcgetattr(STDIN_FILENO, &saved) >= 0) {
                raw = saved;
                cfmakeraw(&raw);
                /* Output processing stays: our own messages still start a fresh line. */
                raw.c_oflag = saved.c_oflag;
                restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) >= 0;
        }
        if (f.in_tty && !login)
                log_info(_("Connected to machine %s. Press ^] three times within 1s to exit session."), machine);

        r = forward_loop(&f);

        if (restore)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        safe_close(f.sigfd);
        if (r == 1) {
                if (f.in_tty)
                        fputc('\n', stderr);
                log_info(_("Connection to machine %s terminated."), machine);
                *ret_exit_status = -1;
                return 0;
        }
        if (r == -EINTR) {
                log_info(_("Connection to machine %s terminated by a signal."), machine);
                *ret_exit_status = 128 + f.signal;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to forward the pty of machine %s: %m"), machine);
        *ret_exit_status = f.exit_status;
        return 0;
}
