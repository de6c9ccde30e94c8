/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "fd-util.h"
#include "log.h"
#include "manager.h"
#include "operation.h"
#include "process-util.h"

struct Operation {
        Manager *manager;
        sd_bus_message *request;
        OperationSpec spec;
        pid_t pid;
        int pidfd;
        /* Read ends: the child's result (one write of an OperationResult) and its progress lines. */
        int result_fd;
        int progress_fd;
        sd_event_source *child_source;
        sd_event_source *progress_source;
        /* The client: when it leaves the bus, the work is cancelled. NULL on a direct connection. */
        sd_bus_track *track;
        bool cancelled;
        char line[OPERATION_MESSAGE_MAX];
        size_t line_len;
        Operation *next, *prev;
};

/* Written once by the child, in one write below PIPE_BUF: atomic, all or nothing. */
typedef struct OperationResult {
        int32_t error;
        char message[OPERATION_MESSAGE_MAX];
} OperationResult;

/* The child's end of the progress pipe: state of the forked child only, never of machined. */
static int child_progress_fd = -EBADF;

static Operation *operation_free(Operation *o) {
        if (!o)
                return NULL;
        if (o->manager) {
                if (o->prev)
                        o->prev->next = o->next;
                else
                        o->manager->operations = o->next;
                if (o->next)
                        o->next->prev = o->prev;
                o->manager->n_operations--;
        }
        sd_event_source_disable_unref(o->child_source);
        sd_event_source_disable_unref(o->progress_source);
        sd_bus_track_unref(o->track);
        if (o->pidfd >= 0 && o->pid > 0) {
                /* Still running (machined is going away): the work is abandoned, not finished half by
                 * an orphan. The kill and the reap make sure no zombie and no stray writer stay. */
                (void) pidfd_send_signal_(o->pidfd, SIGKILL);
                (void) waitid(P_PIDFD, o->pidfd, NULL, WEXITED);
        }
        safe_close(o->pidfd);
        safe_close(o->result_fd);
        safe_close(o->progress_fd);
        sd_bus_message_unref(o->request);
        if (o->spec.free_userdata)
                o->spec.free_userdata(o->spec.userdata);
        free(o);
        return NULL;
}

int operation_reply_error(sd_bus_message *request, int error, const char *message) {
        if (error >= 0)
                error = -EIO;
        if (message && message[0])
                return sd_bus_reply_method_errnof(request, -error, "%s", message);
        return sd_bus_reply_method_errnof(request, -error, "%s", strerror(-error));
}

static void progress_flush_lines(Operation *o, bool all) {
        char *nl;

        while ((nl = memchr(o->line, '\n', o->line_len)) || (all && o->line_len > 0)) {
                size_t n = nl ? (size_t) (nl - o->line) : o->line_len;

                o->line[n] = 0;
                if (o->spec.progress)
                        o->spec.progress(o, o->line, o->spec.userdata);
                if (nl)
                        n++;
                memmove(o->line, o->line + n, o->line_len - n);
                o->line_len -= n;
        }
        /* A line longer than the buffer is cut: the child's lines are short by design. */
        if (o->line_len == sizeof(o->line) - 1) {
                o->line[o->line_len] = 0;
                if (o->spec.progress)
                        o->spec.progress(o, o->line, o->spec.userdata);
                o->line_len = 0;
        }
}

static void progress_drain(Operation *o) {
        for (;;) {
                ssize_t n = read(o->progress_fd, o->line + o->line_len, sizeof(o->line) - 1 - o->line_len);
                if (n <= 0)
                        return;
                o->line_len += (size_t) n;
                progress_flush_lines(o, false);
        }
}

static int on_progress(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Operation *o = userdata;

        progress_drain(o);
        if (revents & (EPOLLHUP | EPOLLERR))
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

static void operation_finish(Operation *o, const siginfo_t *si) {
        OperationResult result = {};
        int error;
        ssize_t n;

        progress_drain(o);
        progress_flush_lines(o, true);
        n = read(o->result_fd, &result, sizeof(result));
        if (o->cancelled)
                error = -ECANCELED;
        else if (n == (ssize_t) sizeof(result))
                error = result.error > 0 ? -EIO : result.error;
        else {
                /* Died without a word: killed (by the OOM killer, say), or crashed. */
                error = -EIO;
                (void) snprintf(result.message, sizeof(result.message),
                                "The worker process %s %d without a result",
                                si->si_code == CLD_EXITED ? "exited with status" : "was killed by signal",
                                si->si_status);
        }
        result.message[sizeof(result.message) - 1] = 0;

        if (o->spec.done) {
                int r = o->spec.done(o, o->request, error, result.message, o->spec.userdata);
                if (r < 0 && error != -ECANCELED)
                        (void) operation_reply_error(o->request, r, NULL);
        } else if (error == 0)
                (void) sd_bus_reply_method_return(o->request, NULL);
        else if (error != -ECANCELED)
                (void) operation_reply_error(o->request, error, result.message);
        if (error < 0 && error != -ECANCELED)
                log_debug("Operation of PID %d failed: %s", (int) o->pid, result.message);
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        Operation *o = userdata;

        /* sd-event reaped it: the pid is no longer ours to signal or wait for. */
        o->pid = 0;
        operation_finish(o, si);
        operation_free(o);
        return 0;
}

static int on_client_gone(sd_bus_track *track, void *userdata) {
        Operation *o = userdata;

        if (o->cancelled || o->pid <= 0)
                return 0;
        o->cancelled = true;
        log_debug("The client of operation %d left the bus, cancelling it.", (int) o->pid);
        (void) pidfd_send_signal_(o->pidfd, SIGKILL);
        return 0;
}

void operation_progress(const char *fmt, ...) {
        char buf[OPERATION_MESSAGE_MAX];
        va_list ap;
        int n;

        if (child_progress_fd < 0)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n > sizeof(buf) - 2)
                n = sizeof(buf) - 2;
        buf[n++] = '\n';
        (void) loop_write(child_progress_fd, buf, n);
}

_noreturn_ static void operation_child(const OperationSpec *spec, pid_t parent, int result_fd, int progress_fd) {
        OperationResult result = {};
        int r;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);
        child_progress_fd = progress_fd;
        /* sd-event wants SIGCHLD blocked in machined; the work's own children are waited for. */
        (void) reset_signal_mask();
        r = spec->work(spec->userdata, result.message, sizeof(result.message));
        result.message[sizeof(result.message) - 1] = 0;
        result.error = r < 0 ? r : 0;
        (void) loop_write(result_fd, &result, sizeof(result));
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

static int operation_fork(Operation *o) {
        _cleanup_close_pair_ int result_pipe[2] = { -EBADF, -EBADF }, progress_pipe[2] = { -EBADF, -EBADF };
        pid_t parent = getpid(), pid;

        if (pipe2(result_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(progress_pipe, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                safe_close(result_pipe[0]);
                safe_close(progress_pipe[0]);
                operation_child(&o->spec, parent, result_pipe[1], progress_pipe[1]);
        }
        o->pid = pid;
        o->pidfd = pidfd_open_(pid);
        if (o->pidfd < 0) {
                int r = o->pidfd;
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                o->pid = 0;
                return r;
        }
        if (fcntl(progress_pipe[0], F_SETFL, O_NONBLOCK) < 0)
                return -errno;
        o->result_fd = TAKE_FD(result_pipe[0]);
        o->progress_fd = TAKE_FD(progress_pipe[0]);
        return 0;
}

static int operation_watch(Operation *o, sd_bus_message *request) {
        sd_event *event = o->manager->event;
        sd_bus *bus = sd_bus_message_get_bus(request);
        int r;

        r = sd_event_add_child_pidfd(event, &o->child_source, o->pidfd, WEXITED, on_child, o);
        if (r < 0)
                return r;
        r = sd_event_add_io(event, &o->progress_source, o->progress_fd, EPOLLIN, on_progress, o);
        if (r < 0)
                return r;
        /* Progress before the exit: the last lines come before the reply. */
        (void) sd_event_source_set_priority(o->progress_source, SD_EVENT_PRIORITY_NORMAL - 1);
        if (sd_bus_message_get_sender(request)) {
                r = sd_bus_track_new(bus, &o->track, on_client_gone, o);
                if (r < 0)
                        return r;
                r = sd_bus_track_add_sender(o->track, request);
                if (r < 0)
                        return r;
        }
        return 0;
}

int operation_start(Manager *m, sd_bus_message *request, const OperationSpec *spec, Operation **ret) {
        Operation *o;
        int r;

        if (m->n_operations >= OPERATIONS_MAX) {
                if (spec->free_userdata)
                        spec->free_userdata(spec->userdata);
                return -EBUSY;
        }
        o = calloc(1, sizeof(*o));
        if (!o) {
                if (spec->free_userdata)
                        spec->free_userdata(spec->userdata);
                return -ENOMEM;
        }
        *o = (Operation) {
                .spec = *spec,
                .request = sd_bus_message_ref(request),
                .pidfd = -EBADF,
                .result_fd = -EBADF,
                .progress_fd = -EBADF,
        };
        o->manager = m;
        o->next = m->operations;
        if (m->operations)
                m->operations->prev = o;
        m->operations = o;
        m->n_operations++;

        r = operation_fork(o);
        if (r >= 0)
                r = operation_watch(o, request);
        if (r < 0) {
                operation_free(o);
                return r;
        }
        if (ret)
                *ret = o;
        return 0;
}

void operation_free_all(Manager *m) {
        while (m->operations)
                operation_free(m->operations);
}

size_t operation_count(Manager *m) {
        return m->n_operations;
}
