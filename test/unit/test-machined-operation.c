/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* machined's operations over a direct bus connection (a socketpair, no daemon): the reply comes when
 * the child is done, with its error and message; progress lines arrive in order and before the reply;
 * the main loop answers other calls while a child works; a failed start leaves nothing; the
 * manager's teardown kills a child that still works. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "fd-util.h"
#include "manager.h"
#include "operation.h"
#include "process-util.h"
#include "tests.h"

typedef struct Env {
        sd_event *event;
        sd_bus *server, *client;
        Manager manager;
        /* Filled by the replies and progress callbacks, in the order they came. */
        char log[4096];
        int pending;
        int pid_pipe[2];
        sd_event_source *pid_source;
} Env;

static void env_log(Env *e, const char *a, const char *b) {
        size_t n = strlen(e->log);

        snprintf(e->log + n, sizeof(e->log) - n, "%s%s", a, b);
}

static int work(void *userdata, char *message, size_t size) {
        const char *mode = userdata;

        if (strcmp(mode, "ok") == 0) {
                operation_progress("step %d", 1);
                operation_progress("step %d", 2);
                return 0;
        }
        if (strcmp(mode, "fail") == 0) {
                snprintf(message, size, "No such thing: %s", "/x");
                return -ENOENT;
        }
        if (strcmp(mode, "crash") == 0)
                abort();
        return -EINVAL;
}

static Env *the_env;
static pid_t slow_pid;

/* Tells its pid, then works until it is killed. */
static int work_slow(void *userdata, char *message, size_t size) {
        pid_t pid = getpid();

        (void) loop_write(the_env->pid_pipe[1], &pid, sizeof(pid));
        for (;;)
                pause();
        return 0;
}

static void on_progress(Operation *o, const char *line, void *userdata) {
        env_log(the_env, "progress:", line);
        env_log(the_env, ";", "");
}

static int method_work(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *mode;
        int r;

        r = sd_bus_message_read(msg, "s", &mode);
        if (r < 0)
                return r;
        OperationSpec spec = {
                .work = strcmp(mode, "slow") == 0 ? work_slow : work,
                .progress = on_progress,
                .userdata = strdup(mode),
                .free_userdata = free,
        };
        r = operation_start(&the_env->manager, msg, &spec, NULL);
        if (r < 0)
                return r;
        return 1;
}

static int method_ping(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(msg, "s", "pong");
}

static const sd_bus_vtable test_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Work", "s", "", method_work, 0),
        SD_BUS_METHOD("Ping", "", "s", method_ping, 0),
        SD_BUS_VTABLE_END,
};

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *err = sd_bus_message_get_error(reply);
        const char *what = userdata;
        char buf[512];

        if (err)
                snprintf(buf, sizeof(buf), "%s:%s:%s;", what, err->name, err->message);
        else if (strcmp(what, "ping") == 0)
                snprintf(buf, sizeof(buf), "ping:pong;");
        else
                snprintf(buf, sizeof(buf), "%s:ok;", what);
        env_log(the_env, buf, "");
        the_env->pending--;
        return 0;
}

static int env_setup(Env *e) {
        int fds[2], r;
        sd_id128_t id = SD_ID128_MAKE(4f,2a,1b,3c,5d,6e,7f,80,91,a2,b3,c4,d5,e6,f7,08);

        *e = (Env) { .pid_pipe = { -EBADF, -EBADF } };
        the_env = e;
        if (sigprocmask_many(SIG_BLOCK, NULL, SIGCHLD, -1) < 0 || pipe2(e->pid_pipe, O_CLOEXEC) < 0)
                return -errno;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return -errno;
        r = sd_event_new(&e->event);
        if (r < 0)
                return r;
        e->manager.event = e->event;
        if ((r = sd_bus_new(&e->server)) < 0 || (r = sd_bus_set_fd(e->server, fds[0], fds[0])) < 0 ||
            (r = sd_bus_set_server(e->server, 1, id)) < 0 ||
            (r = sd_bus_add_object_vtable(e->server, NULL, "/t", "t.T", test_vtable, NULL)) < 0 ||
            (r = sd_bus_start(e->server)) < 0 || (r = sd_bus_attach_event(e->server, e->event, 0)) < 0)
                return r;
        if ((r = sd_bus_new(&e->client)) < 0 || (r = sd_bus_set_fd(e->client, fds[1], fds[1])) < 0 ||
            (r = sd_bus_start(e->client)) < 0 || (r = sd_bus_attach_event(e->client, e->event, 0)) < 0)
                return r;
        return 0;
}

static void env_done(Env *e) {
        operation_free_all(&e->manager);
        sd_event_source_disable_unref(e->pid_source);
        sd_bus_flush_close_unref(e->client);
        sd_bus_flush_close_unref(e->server);
        sd_event_unref(e->event);
        safe_close(e->pid_pipe[0]);
        safe_close(e->pid_pipe[1]);
        (void) sigprocmask_many(SIG_UNBLOCK, NULL, SIGCHLD, -1);
}

/* Not sd_event_loop(): an exit would close the buses attached to the loop. */
static int run_until_answered(Env *e) {
        while (e->pending > 0) {
                int r = sd_event_run(e->event, 10 * 1000 * 1000);
                if (r <= 0)
                        return r < 0 ? r : -ETIMEDOUT;
        }
        return 0;
}

static int call(Env *e, const char *method, const char *mode, const char *tag) {
        e->pending++;
        if (mode)
                return sd_bus_call_method_async(e->client, NULL, NULL, "/t", "t.T", method, on_reply,
                                                (void *) tag, "s", mode);
        return sd_bus_call_method_async(e->client, NULL, NULL, "/t", "t.T", method, on_reply,
                                        (void *) tag, NULL);
}

TEST(reply_progress_error) {
        Env e;

        ASSERT_OK(env_setup(&e));
        ASSERT_OK(call(&e, "Work", "ok", "ok"));
        ASSERT_OK(run_until_answered(&e));
        ASSERT_STREQ(e.log, "progress:step 1;progress:step 2;ok:ok;");
        ASSERT_EQ(operation_count(&e.manager), 0);

        e.log[0] = 0;
        ASSERT_OK(call(&e, "Work", "fail", "fail"));
        ASSERT_OK(run_until_answered(&e));
        ASSERT_STREQ(e.log, "fail:org.freedesktop.DBus.Error.FileNotFound:No such thing: /x;");

        e.log[0] = 0;
        ASSERT_OK(call(&e, "Work", "crash", "crash"));
        ASSERT_OK(run_until_answered(&e));
        ASSERT_TRUE(strstr(e.log, "crash:org.freedesktop.DBus.Error.IOError:The worker process was killed by signal 6") != NULL);
        ASSERT_EQ(operation_count(&e.manager), 0);
        env_done(&e);
}

static int on_pid(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        /* The slow child runs: a ping now must be answered while it works. */
        pid_t pid;

        if (read(fd, &pid, sizeof(pid)) == sizeof(pid)) {
                slow_pid = pid;
                /* Counted in place of the slow call, which is never answered. */
                the_env->pending--;
                (void) call(the_env, "Ping", NULL, "ping");
        }
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

TEST(served_meanwhile_and_teardown) {
        Env e;

        ASSERT_OK(env_setup(&e));
        ASSERT_OK(call(&e, "Work", "slow", "slow"));
        ASSERT_OK(sd_event_add_io(e.event, &e.pid_source, e.pid_pipe[0], EPOLLIN, on_pid, NULL));
        ASSERT_OK(run_until_answered(&e));
        ASSERT_STREQ(e.log, "ping:pong;");
        ASSERT_EQ(operation_count(&e.manager), 1);
        /* The child is still there; the manager's teardown kills and reaps it. */
        ASSERT_EQ(e.manager.operations != NULL, 1);
        env_done(&e);
        ASSERT_EQ(e.manager.n_operations, 0);
        ASSERT_TRUE(slow_pid > 0);
        ASSERT_TRUE(kill(slow_pid, 0) < 0 && errno == ESRCH);
}

DEFINE_TEST_MAIN
