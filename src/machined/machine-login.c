/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "fd-util.h"
#include "log.h"
#include "machine-login.h"
#include "manager.h"
#include "process-util.h"
#include "string-util.h"

#define GETTY_START_TIMEOUT_USEC (10ULL * 1000000ULL)

typedef struct LoginCall {
        Manager *manager;
        JoinReady ready;
        void *userdata;
        int master;
        unsigned pty_number;
        char path[32];
        sd_bus *bus;
} LoginCall;

static void login_call_free(LoginCall *c) {
        if (!c)
                return;
        safe_close(c->master);
        if (c->bus) {
                (void) sd_bus_detach_event(c->bus);
                sd_bus_close(c->bus);
                sd_bus_unref(c->bus);
        }
        free(c);
}

int machine_runs_systemd(Machine *m) {
        _cleanup_close_ int root = -EBADF, fd = -EBADF;
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        char p[64];

        snprintf(p, sizeof(p), "/proc/%d/root", (int) m->leader);
        root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (m->leader_pidfd >= 0 && pidfd_send_signal_(m->leader_pidfd, 0) < 0)
                return -ESRCH;
        fd = (int) syscall(SYS_openat2, root, "run/systemd/system", &how, sizeof(how));
        if (fd >= 0)
                return 1;
        return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

static int on_getty_started(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        LoginCall *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        if (e) {
                int r = sd_bus_error_get_errno(e);
                log_debug("The guest's systemd refused container-getty@%u.service: %s", c->pty_number,
                          strna(e->message));
                c->ready(r > 0 ? -r : -EIO, JOIN_STEP_CONNECT, -EBADF, NULL, 0, -EBADF, c->userdata);
        } else {
                c->ready(0, JOIN_STEP_CONNECT, TAKE_FD(c->master), c->path, c->pty_number, -EBADF, c->userdata);
        }
        login_call_free(c);
        return 0;
}

static int start_getty(LoginCall *c, int bus_fd) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        char unit[64];
        int r;

        r = sd_bus_new(&c->bus);
        if (r < 0)
                return r;
        r = sd_bus_set_fd(c->bus, bus_fd, bus_fd);
        if (r < 0)
                return r;
        r = sd_bus_start(c->bus);
        if (r >= 0)
                r = sd_bus_attach_event(c->bus, c->manager->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        snprintf(unit, sizeof(unit), "container-getty@%u.service", c->pty_number);
        r = sd_bus_message_new_method_call(c->bus, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartUnit");
        if (r >= 0)
                r = sd_bus_message_append(call, "ss", unit, "replace");
        if (r >= 0)
                r = sd_bus_call_async(c->bus, NULL, call, on_getty_started, c, GETTY_START_TIMEOUT_USEC);
        return r;
}

static void on_getty_pty(int error, JoinStep step, int master, const char *pty_path, unsigned pty_number,
                         int bus_fd, void *userdata) {
        LoginCall *c = userdata;
        int r;

        if (error < 0) {
                c->ready(error, step, -EBADF, NULL, 0, -EBADF, c->userdata);
                login_call_free(c);
                return;
        }
        c->master = master;
        c->pty_number = pty_number;
        snprintf(c->path, sizeof(c->path), "%s", pty_path);
        r = start_getty(c, bus_fd);
        if (r < 0) {
                if (!c->bus)
                        safe_close(bus_fd);
                c->ready(r, JOIN_STEP_CONNECT, -EBADF, NULL, 0, -EBADF, c->userdata);
                login_call_free(c);
        }
}

int machine_login_start(Machine *m, JoinReady ready, void *userdata, JoinStep *ret_step) {
        LoginCall *c;
        int r;

        *ret_step = JOIN_STEP_PREPARE;
        if (m->class != MACHINE_CONTAINER)
                return -EOPNOTSUPP;
        r = machine_runs_systemd(m);
        if (r < 0)
                return r;
        if (r == 0) {
                char *args[] = { (char *) "login", NULL };
                JoinRequest req = { .mode = JOIN_SHELL, .user = "root", .path = "/bin/login", .args = args,
                                    .status_fd = -EBADF };
                return machine_join_start(m, &req, ready, userdata, ret_step);
        }

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (LoginCall) { .manager = m->manager, .ready = ready, .userdata = userdata, .master = -EBADF };
        JoinRequest req = { .mode = JOIN_GETTY, .status_fd = -EBADF };
        r = machine_join_start(m, &req, on_getty_pty, c, ret_step);
        if (r < 0)
                free(c);
        return r;
}
