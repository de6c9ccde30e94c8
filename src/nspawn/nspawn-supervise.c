/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-console.h"
#include "nspawn-supervise.h"
#include "nspawn-sync.h"
#include "process-util.h"

enum { EV_SIGNAL, EV_CHILD, EV_SYNC, EV_MASTER, EV_STDIN };

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

typedef struct Loop {
        Supervisor *s;
        int ep;
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

static void kill_container(Loop *l, int sig) {
        (void) pidfd_send_signal_(l->s->pidfd, sig);
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
                kill_container(l, l->s->kill_signal);
                break;
        }
        return 0;
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
                        if (pty_forward_drain_master(&l->fwd) < 0)
                                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, l->fwd.master, NULL);
                        break;
                case EV_STDIN:
                        if (pty_forward_read_input(&l->fwd) == 1) {
                                if (!l->s->quiet)
                                        log_info(_("\r\nContainer %s is being killed."), l->s->machine);
                                kill_container(l, SIGKILL);
                        }
                        if (l->fwd.in_fd < 0)
                                (void) epoll_ctl(l->ep, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
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
        if (!l->s->quiet)
                log_info(_("Container %s terminated by signal %s."), l->s->machine, signal_to_string(si->si_status, buf));
        return 128 + si->si_status;
}

int supervisor_run(Supervisor *s, int *ret_status) {
        _cleanup_close_ int ep = epoll_create1(EPOLL_CLOEXEC);
        Loop l = { .s = s, .ep = ep };
        int r;

        if (ep < 0)
                return log_error_errno(-errno, _("Failed to create epoll instance: %m"));
        if ((r = epoll_add(ep, s->signal_fd, EPOLLIN, EV_SIGNAL)) < 0 ||
            (r = epoll_add(ep, s->pidfd, EPOLLIN, EV_CHILD)) < 0 ||
            (r = epoll_add(ep, s->sync_fd, EPOLLIN, EV_SYNC)) < 0)
                return log_error_errno(r, _("Failed to set up the event loop: %m"));

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
                pty_forward_restore(&l.fwd);
                safe_close(l.fwd.master);
        }
        *ret_status = exit_status_of(&l);
        return 0;
}
