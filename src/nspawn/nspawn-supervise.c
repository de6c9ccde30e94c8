/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-console.h"
#include "nspawn-notify.h"
#include "nspawn-supervise.h"
#include "nspawn-sync.h"
#include "process-util.h"
#include "string-util.h"

enum { EV_SIGNAL, EV_CHILD, EV_SYNC, EV_MASTER, EV_STDIN, EV_STDOUT, EV_NOTIFY, EV_TIMER, EV_WATCH };

static int epoll_add(int ep, int fd, uint32_t events, uint64_t tag) {
        struct epoll_event ev = { .events = events, .data.u64 = tag };
        return RET_NERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
}

/* Tells our own service manager (a Type=notify unit) about us. */
static void notify_own_manager(const char *message) {
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t l;

        if (isempty(e) || (e[0] != '/' && e[0] != '@') || (l = strlen(e)) >= sizeof(sa.sun_path))
                return;
        memcpy(sa.sun_path, e, l);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd >= 0)
                (void) sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *) &sa,
                              (socklen_t) (offsetof(struct sockaddr_un, sun_path) + l));
}

typedef struct Loop {
        Supervisor *s;
        int ep;
        int timer_fd;
        bool stopping;
        bool guest_ready;
        bool input_paused;
        uint32_t master_events; /* what the master is watched for; 0: not in the epoll set */
        uint32_t out_events;    /* EPOLLOUT while output waits for the reader, else 0 */
        int slave_fd;
        PtyForward fwd;
        bool have_master;
        bool exited;
        siginfo_t exit_info;
} Loop;

static int on_sync(Loop *l) {
        SyncMessage m;
        int fd = -EBADF, r;

        r = sync_receive(l->s->sync_fd, &m, &fd);
        if (r <= 0) {
                /* EOF (the payload runs) or a broken channel: either way the set-up phase is over. */
                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, l->s->sync_fd, NULL);
                l->s->sync_fd = safe_close(l->s->sync_fd);
                if (r == 0 && !l->s->setup_failed && l->s->unregistered && !l->s->quiet) {
                        /* Printed with the terminal in its normal mode, so that the line ends well. */
                        bool raw = l->fwd.saved_valid;
                        if (raw)
                                pty_forward_restore(&l->fwd);
                        log_notice(_("No machine registry on the system bus; %s runs unregistered."), l->s->machine);
                        if (raw)
                                (void) pty_forward_set_raw(&l->fwd);
                }
                if (r == 0 && !l->s->setup_failed && !l->s->notify_ready)
                        notify_own_manager("READY=1\nSTATUS=Container running.");
                return 0;
        }
        if (m.type == SYNC_ERROR) {
                sync_log_child_error(&m);
                l->s->setup_failed = true;
                return 0;
        }
        if (m.type != SYNC_CONSOLE_FD || fd < 0 || l->have_master) {
                safe_close(fd);
                return 0;
        }

        ConsoleMode mode = l->s->console_mode;
        int in = mode == CONSOLE_INTERACTIVE ? STDIN_FILENO : -EBADF, out = -EBADF;
        OutputKind kind = OUTPUT_FILE;
        if (mode != CONSOLE_PASSIVE) {
                r = output_open(STDOUT_FILENO, &out, &kind);
                if (r < 0)
                        log_warning_errno(r, _("Failed to open standard output for the console, dropping the container's output: %m"));
        }
        pty_forward_init(&l->fwd, fd, in, out, kind);
        l->have_master = true;
        /* Hold a slave fd ourselves: a guest that closes and reopens /dev/console (systemd does) would
         * otherwise make the master read EIO in between, and output would stop. */
        l->slave_fd = ioctl(fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        (void) fd_nonblock(fd, true);
        pty_forward_update_size(&l->fwd, isatty(STDOUT_FILENO) ? STDOUT_FILENO : STDIN_FILENO);
        r = epoll_add(l->ep, fd, EPOLLIN, EV_MASTER);
        if (r < 0)
                return log_error_errno(r, _("Failed to watch the console: %m"));
        l->master_events = EPOLLIN;
        if (in >= 0) {
                r = pty_forward_set_raw(&l->fwd);
                if (r < 0)
                        log_warning_errno(r, _("Failed to put the terminal into raw mode, ignoring: %m"));
                if (epoll_add(l->ep, in, EPOLLIN, EV_STDIN) < 0)
                        l->fwd.in_fd = -EBADF;  /* not pollable (a regular file): no input */
        }
        return 0;
}

/* Moves fd's registration in the epoll set from *current to want (0: not in the set). */
static int watch_set(Loop *l, int fd, uint32_t *current, uint32_t want, uint64_t tag) {
        struct epoll_event ev = { .events = want, .data.u64 = tag };
        int op = want == 0 ? EPOLL_CTL_DEL : *current == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;

        if (want == *current)
                return 0;
        if (epoll_ctl(l->ep, op, fd, &ev) < 0)
                return -errno;
        *current = want;
        return 0;
}

/* Back-pressure both ways, so that neither a container that does not read its console nor a reader
 * of our output that does not read makes us spin or block: while input waits for the container, the
 * terminal is not read and the master is watched for room; while the output buffer is full, the
 * master is not read (the guest blocks on its console, not us) and our output is watched for room.
 * A master that is neither read nor written is out of the epoll set: its EPOLLHUP would spin. */
static void update_watches(Loop *l) {
        PtyForward *f = &l->fwd;
        bool pending = f->in_len > 0;
        uint32_t master = 0;
        int r;

        if (f->out_fd >= 0) {
                r = watch_set(l, f->out_fd, &l->out_events, f->out_len > 0 ? EPOLLOUT : 0, EV_STDOUT);
                if (r < 0) {
                        /* Not pollable (outputs that can make us wait, pipes, terminals and sockets,
                         * are): never block on it, drop the output instead. */
                        log_debug_errno(r, "Cannot watch standard output, dropping the container's output: %m");
                        pty_forward_drop_output(f);
                }
        }
        if (!f->master_hup)
                master = (pty_forward_output_full(f) ? 0 : EPOLLIN) | (pending ? EPOLLOUT : 0);
        (void) watch_set(l, f->master, &l->master_events, master, EV_MASTER);

        if (f->in_fd < 0 || pending == l->input_paused)
                return;
        struct epoll_event in = { .events = EPOLLIN, .data.u64 = EV_STDIN };
        if (pending)
                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, f->in_fd, NULL);
        else
                (void) epoll_ctl(l->ep, EPOLL_CTL_ADD, f->in_fd, &in);
        l->input_paused = pending;
}

static void on_master(Loop *l, uint32_t events) {
        PtyForward *f = &l->fwd;

        /* Input that cannot reach the guest any more is dropped, so that it is not retried forever. */
        if ((events & EPOLLOUT) && pty_forward_flush_input(f) < 0)
                f->in_len = 0;
        if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !f->master_hup) {
                if (pty_forward_output_full(f)) {
                        if (events & (EPOLLHUP | EPOLLERR))
                                f->in_len = 0;  /* read again once there is room; nothing goes in */
                } else if (pty_forward_drain_master(f) < 0)
                        f->in_len = 0;          /* nobody will read it now */
        }
        update_watches(l);
}

static void kill_container(Loop *l, int sig) {
        (void) pidfd_send_signal_(l->s->pidfd, sig);
}

static void on_notify(Loop *l) {
        static const char *const why[] = {
                [NOTIFY_NO_CREDENTIALS] = "no sender credentials",
                [NOTIFY_WRONG_SENDER] = "not the container's PID 1",
                [NOTIFY_TOO_LONG] = "too long",
        };
        char buf[NOTIFY_MESSAGE_MAX];

        for (;;) {
                pid_t sender;
                int r = notify_receive(l->s->notify_fd, l->s->pid, buf, sizeof(buf), &sender);
                if (r < 0)
                        return;
                /* Only the guest's init speaks for the guest: any other process could otherwise
                 * report readiness before the system is up. */
                if (r != NOTIFY_ACCEPTED) {
                        log_debug("Ignoring a notification from PID %i: %s.", (int) sender, why[r]);
                        continue;
                }
                for (char *line = buf, *next; line && *line; line = next) {
                        next = strchr(line, '\n');
                        if (next)
                                *next++ = 0;
                        if (streq(line, "READY=1") && !l->guest_ready) {
                                l->guest_ready = true;
                                log_debug("The guest's init reports READY=1.");
                                if (l->s->notify_ready)
                                        notify_own_manager("READY=1\nSTATUS=Container running, guest ready.");
                        } else if (startswith(line, "STATUS=") && !string_has_cc(line))
                                log_debug("Guest status: %s", line + 7);
                }
        }
}

/* The first request to stop asks a booted guest to shut down and gives it BOOT_STOP_TIMEOUT_SEC; a
 * second request, or the timeout, kills it. */
static void stop_container(Loop *l) {
        if (!l->s->boot || l->stopping) {
                kill_container(l, l->stopping ? SIGKILL : l->s->kill_signal);
                l->stopping = true;
                return;
        }
        l->stopping = true;
        kill_container(l, l->s->kill_signal);
        struct itimerspec its = { .it_value.tv_sec = BOOT_STOP_TIMEOUT_SEC };
        if (l->timer_fd >= 0)
                (void) timerfd_settime(l->timer_fd, 0, &its, NULL);
}

static int on_signal(Loop *l) {
        struct signalfd_siginfo si;

        if (read(l->s->signal_fd, &si, sizeof(si)) != (ssize_t) sizeof(si))
                return 0;
        switch (si.ssi_signo) {
        case SIGWINCH:
                if (l->have_master)
                        pty_forward_update_size(&l->fwd, isatty(STDOUT_FILENO) ? STDOUT_FILENO : STDIN_FILENO);
                break;
        case SIGTERM:
        case SIGINT:
        case SIGHUP:
                /* Logged with the output of a reader that stalls: log.c drops what stderr cannot
                 * take soon (see stderr_make_private()). */
                if (!l->s->quiet)
                        log_info(_("Container %s is being stopped."), l->s->machine);
                stop_container(l);
                break;
        }
        return 0;
}

/* Raw mode is on while these are printed: lines end in \r\n. */
static void on_escape(Loop *l, int action) {
        switch (action) {
        case ESCAPE_KILL:
                if (!l->s->quiet)
                        log_info(_("\r\nContainer %s is being killed.\r"), l->s->machine);
                kill_container(l, SIGKILL);
                l->stopping = true;
                break;
        case ESCAPE_POWEROFF:
                if (!l->s->quiet)
                        log_info(_("\r\nContainer %s is being powered off.\r"), l->s->machine);
                /* systemd's SIGRTMIN+4 is "power off"; a payload that is no init gets the kill signal. */
                kill_container(l, l->s->boot ? SIGRTMIN + 4 : l->s->kill_signal);
                break;
        case ESCAPE_REBOOT:
                if (!l->s->boot) {
                        log_info(_("\r\nOnly a booted container can be rebooted.\r"));
                        break;
                }
                if (!l->s->quiet)
                        log_info(_("\r\nContainer %s is being rebooted.\r"), l->s->machine);
                kill_container(l, SIGRTMIN + 5);
                break;
        }
}

static int loop_iterate(Loop *l) {
        struct epoll_event evs[8];
        int n = epoll_wait(l->ep, evs, ELEMENTSOF(evs), -1);

        if (n < 0)
                return errno == EINTR ? 0 : -errno;
        for (int i = 0; i < n; i++)
                switch (evs[i].data.u64) {
                case EV_SIGNAL:
                        (void) on_signal(l);
                        break;
                case EV_CHILD:
                        if (waitid(P_PIDFD, (id_t) l->s->pidfd, &l->exit_info, WEXITED | WNOHANG) >= 0 &&
                            l->exit_info.si_pid != 0)
                                l->exited = true;
                        break;
                case EV_SYNC:
                        if (l->s->sync_fd >= 0)
                                (void) on_sync(l);
                        break;
                case EV_MASTER:
                        on_master(l, evs[i].events);
                        break;
                case EV_STDOUT:
                        (void) pty_forward_flush_output(&l->fwd);
                        update_watches(l);
                        break;
                case EV_NOTIFY:
                        on_notify(l);
                        break;
                case EV_WATCH:
                        l->s->on_watch(l->s->watch_userdata);
                        break;
                case EV_TIMER:
                        if (!l->s->quiet)
                                log_info(_("Container %s did not stop in time, killing it."), l->s->machine);
                        kill_container(l, SIGKILL);
                        (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, l->timer_fd, NULL);
                        break;
                case EV_STDIN:
                        on_escape(l, pty_forward_read_input(&l->fwd));
                        if (l->fwd.in_fd < 0)
                                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
                        else
                                update_watches(l);
                        break;
                }
        return 0;
}

static bool is_stop_signal(int sig) {
        return sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
}

/* PID 1 has exited: pass on what the guest wrote last. A slow reader is waited for, so that
 * `nspawn ... | less` loses nothing; but after a request to stop (SIGTERM, ^]^]^]) only while it
 * keeps taking output (a second at a time), and a stop request now ends the wait at once: a reader
 * that does not read must not keep nspawn, and the cleanup after it, from finishing. */
static void flush_console_at_exit(Loop *l) {
        PtyForward *f = &l->fwd;

        for (;;) {
                int r = pty_forward_drain_master(f);
                if (f->out_len == 0 && r <= 0)
                        return;
                if (!pty_forward_output_full(f) && r > 0)
                        continue;       /* more to read, and room for it */
                struct pollfd p[2] = {
                        { .fd = f->out_fd, .events = POLLOUT },
                        { .fd = l->s->signal_fd, .events = POLLIN },
                };
                int n = poll(p, ELEMENTSOF(p), l->stopping ? 1000 : -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || (p[0].revents & POLLNVAL))
                        return;
                struct signalfd_siginfo si;
                if ((p[1].revents & POLLIN) && read(l->s->signal_fd, &si, sizeof(si)) == (ssize_t) sizeof(si) &&
                    is_stop_signal((int) si.ssi_signo))
                        return;
        }
}

static int exit_status_of(const Loop *l) {
        const siginfo_t *si = &l->exit_info;
        char buf[16];

        if (si->si_code == CLD_EXITED) {
                if (!l->s->quiet && !l->s->setup_failed) {
                        if (si->si_status == 0)
                                log_info(_("Container %s exited successfully."), l->s->machine);
                        else
                                log_info(_("Container %s failed with error code %i."), l->s->machine, si->si_status);
                }
                return si->si_status;
        }
        /* reboot(2) in a PID namespace kills its init with SIGHUP (restart) or SIGINT (power-off, halt). */
        if (l->s->boot && si->si_status == SIGHUP) {
                if (!l->s->quiet)
                        log_info(_("Container %s is being rebooted."), l->s->machine);
                return NSPAWN_EXIT_REBOOT;
        }
        if (l->s->boot && si->si_status == SIGINT) {
                if (!l->s->quiet)
                        log_info(_("Container %s has been shut down."), l->s->machine);
                return 0;
        }
        if (!l->s->quiet)
                log_info(_("Container %s terminated by signal %s."), l->s->machine, signal_to_string(si->si_status, buf));
        return 128 + si->si_status;
}

/* Our log messages go to stderr, which is often the terminal or pipe our output goes to, and stalls
 * with it: a blocking write there would freeze the supervisor as surely as one to stdout. Give fd 2
 * a file description of our own with O_NONBLOCK (the shared one is left alone, see output_open());
 * log.c waits a little for a slow reader and drops what a stalled one does not take. */
static void stderr_make_private(void) {
        _cleanup_close_ int fd = -EBADF;
        OutputKind kind;

        if (output_open(STDERR_FILENO, &fd, &kind) >= 0 && kind == OUTPUT_NONBLOCK)
                (void) dup2(fd, STDERR_FILENO);
}

int supervisor_run(Supervisor *s, int *ret_status) {
        _cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
        _cleanup_close_ int timer_fd = s->boot ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK) : -EBADF;
        Loop l = { .s = s, .ep = ep, .timer_fd = timer_fd, .slave_fd = -EBADF, .fwd.out_fd = -EBADF };
        int r;

        stderr_make_private();

        if (ep < 0)
                return log_error_errno(-errno, _("Failed to create epoll instance: %m"));
        if ((r = epoll_add(ep, s->signal_fd, EPOLLIN, EV_SIGNAL)) < 0 ||
            (r = epoll_add(ep, s->pidfd, EPOLLIN, EV_CHILD)) < 0 ||
            (r = epoll_add(ep, s->sync_fd, EPOLLIN, EV_SYNC)) < 0 ||
            (s->notify_fd >= 0 && (r = epoll_add(ep, s->notify_fd, EPOLLIN, EV_NOTIFY)) < 0) ||
            (timer_fd >= 0 && (r = epoll_add(ep, timer_fd, EPOLLIN, EV_TIMER)) < 0) ||
            (s->on_watch && s->watch_fd >= 0 && (r = epoll_add(ep, s->watch_fd, EPOLLIN, EV_WATCH)) < 0)) {
                kill_container(&l, SIGKILL);
                (void) wait_for_child(s->pid, NULL);
                return log_error_errno(r, _("Failed to set up the event loop: %m"));
        }

        while (!l.exited) {
                r = loop_iterate(&l);
                if (r < 0) {
                        kill_container(&l, SIGKILL);
                        (void) wait_for_child(s->pid, NULL);
                        pty_forward_restore(&l.fwd);
                        safe_close(l.fwd.out_fd);
                        return log_error_errno(r, _("Event loop failed: %m"));
                }
        }

        /* A failure report may still sit in the channel when PID 1 exited right after sending it. */
        while (s->sync_fd >= 0)
                (void) on_sync(&l);
        if (l.have_master) {
                flush_console_at_exit(&l);
                safe_close(l.slave_fd);
                pty_forward_restore(&l.fwd);
                safe_close(l.fwd.master);
                safe_close(l.fwd.out_fd);
        }
        *ret_status = exit_status_of(&l);
        return 0;
}
