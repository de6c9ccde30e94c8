/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
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

enum { EV_SIGNAL, EV_CHILD, EV_SYNC, EV_MASTER, EV_STDIN, EV_NOTIFY, EV_TIMER };

static void log_child_error(const SyncMessage *m) {
        const char *fmt = child_step_format((ChildStep) m->step);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        (void) log_error_errno(-m->error, fmt, m->detail);
#pragma GCC diagnostic pop
}

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
                log_child_error(&m);
                l->s->setup_failed = true;
                return 0;
        }
        if (m.type != SYNC_CONSOLE_FD || fd < 0 || l->have_master) {
                safe_close(fd);
                return 0;
        }

        ConsoleMode mode = l->s->console_mode;
        int in = mode == CONSOLE_INTERACTIVE ? STDIN_FILENO : -EBADF;
        int out = mode == CONSOLE_PASSIVE ? -EBADF : STDOUT_FILENO;
        pty_forward_init(&l->fwd, fd, in, out);
        l->have_master = true;
        /* Hold a slave fd ourselves: a guest that closes and reopens /dev/console (systemd does) would
         * otherwise make the master read EIO in between, and output would stop. */
        l->slave_fd = ioctl(fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        (void) fd_nonblock(fd, true);
        pty_forward_update_size(&l->fwd, isatty(STDOUT_FILENO) ? STDOUT_FILENO : STDIN_FILENO);
        r = epoll_add(l->ep, fd, EPOLLIN, EV_MASTER);
        if (r < 0)
                return log_error_errno(r, _("Failed to watch the console: %m"));
        if (in >= 0) {
                r = pty_forward_set_raw(&l->fwd);
                if (r < 0)
                        log_warning_errno(r, _("Failed to put the terminal into raw mode, ignoring: %m"));
                if (epoll_add(l->ep, in, EPOLLIN, EV_STDIN) < 0)
                        l->fwd.in_fd = -EBADF;  /* not pollable (a regular file): no input */
        }
        return 0;
}

/* Back-pressure: while input waits for the container, stop reading the terminal and wait for the
 * master to take more; a container that does not read its console must not make us spin. */
static void update_input_watch(Loop *l) {
        bool pending = l->fwd.in_len > 0;
        struct epoll_event m = { .events = EPOLLIN | (pending ? EPOLLOUT : 0), .data.u64 = EV_MASTER };

        if (l->fwd.master_hup)
                return;
        (void) epoll_ctl(l->ep, EPOLL_CTL_MOD, l->fwd.master, &m);
        if (l->fwd.in_fd < 0 || pending == l->input_paused)
                return;
        struct epoll_event in = { .events = EPOLLIN, .data.u64 = EV_STDIN };
        if (pending)
                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, l->fwd.in_fd, NULL);
        else
                (void) epoll_ctl(l->ep, EPOLL_CTL_ADD, l->fwd.in_fd, &in);
        l->input_paused = pending;
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
                        if ((evs[i].events & EPOLLOUT) && pty_forward_flush_input(&l->fwd) >= 0)
                                update_input_watch(l);
                        if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
                            !l->fwd.master_hup && pty_forward_drain_master(&l->fwd) < 0) {
                                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, l->fwd.master, NULL);
                                l->fwd.in_len = 0;      /* nobody will read it now */
                                update_input_watch(l);
                        }
                        break;
                case EV_NOTIFY:
                        on_notify(l);
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
                                update_input_watch(l);
                        break;
                }
        return 0;
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

int supervisor_run(Supervisor *s, int *ret_status) {
        _cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
        _cleanup_close_ int timer_fd = s->boot ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK) : -EBADF;
        Loop l = { .s = s, .ep = ep, .timer_fd = timer_fd, .slave_fd = -EBADF };
        int r;

        if (ep < 0)
                return log_error_errno(-errno, _("Failed to create epoll instance: %m"));
        if ((r = epoll_add(ep, s->signal_fd, EPOLLIN, EV_SIGNAL)) < 0 ||
            (r = epoll_add(ep, s->pidfd, EPOLLIN, EV_CHILD)) < 0 ||
            (r = epoll_add(ep, s->sync_fd, EPOLLIN, EV_SYNC)) < 0 ||
            (s->notify_fd >= 0 && (r = epoll_add(ep, s->notify_fd, EPOLLIN, EV_NOTIFY)) < 0) ||
            (timer_fd >= 0 && (r = epoll_add(ep, timer_fd, EPOLLIN, EV_TIMER)) < 0)) {
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
                        return log_error_errno(r, _("Event loop failed: %m"));
                }
        }

        /* A failure report may still sit in the channel when PID 1 exited right after sending it. */
        while (s->sync_fd >= 0)
                (void) on_sync(&l);
        if (l.have_master) {
                (void) pty_forward_drain_master(&l.fwd);
                safe_close(l.slave_fd);
                pty_forward_restore(&l.fwd);
                safe_close(l.fwd.master);
        }
        *ret_status = exit_status_of(&l);
        return 0;
}
