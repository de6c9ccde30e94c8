/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The registry without a bus: manager_register_machine()'s rules and errors, the states a machine goes
 * through, the observers, and the asynchronous back-end interface, against a fake back end whose
 * operations complete when the test says so. Leaders are children of the test (no root needed). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "machine.h"
#include "machined-cgroup.h"
#include "manager.h"
#include "string-util.h"
#include "tests.h"

/* The fake back end: what it was asked, and what it answers. */
static struct {
        bool async;             /* create_scope completes when fake_complete() says so */
        int create_error;       /* create_scope fails at once with this */
        const char *adopt_unit; /* the unit adopt_unit finds ("" or NULL: none) */
        pid_t inside_pid;       /* pid_get_cgroup places this pid ... */
        const char *inside_cgroup; /* ... in this cgroup */
        MachineDone pending;
        void *pending_userdata;
        char pending_name[64];
        unsigned n_cancel, n_terminate, n_kill, n_shutdown;
        int last_sig;
} fake;

static int fake_place(Machine *m) {
        char buf[128];

        snprintf(buf, sizeof(buf), "machine-%s.scope", m->name);
        if (machine_set_string(&m->unit, buf) < 0)
                return -ENOMEM;
        snprintf(buf, sizeof(buf), "/machine.slice/machine-%s.scope", m->name);
        free(m->cgroup);
        m->cgroup = strdup(buf);
        /* Not ours: the scope collector would look for it in the real cgroupfs. */
        m->own_cgroup = false;
        return m->cgroup ? 0 : -ENOMEM;
}

static int fake_create_scope(Machine *m, MachineDone done, void *userdata) {
        int r;

        if (fake.create_error < 0)
                return fake.create_error;
        r = fake_place(m);
        if (r < 0)
                return r;
        if (!fake.async) {
                done(m->name, 0, userdata);
                return 0;
        }
        fake.pending = done;
        fake.pending_userdata = userdata;
        snprintf(fake.pending_name, sizeof(fake.pending_name), "%s", m->name);
        return 0;
}

static void fake_complete(int error) {
        MachineDone done = fake.pending;

        fake.pending = NULL;
        if (done)
                done(fake.pending_name, error, fake.pending_userdata);
}

static int fake_adopt_unit(Machine *m) {
        char buf[128];

        if (isempty(fake.adopt_unit))
                return 0;
        snprintf(buf, sizeof(buf), "/system.slice/%s", fake.adopt_unit);
        free(m->cgroup);
        m->cgroup = strdup(buf);
        return m->cgroup ? machine_set_string(&m->unit, fake.adopt_unit) : -ENOMEM;
}

static int fake_terminate(Machine *m, MachineDone done, void *userdata) {
        fake.n_terminate++;
        done(m->name, 0, userdata);
        return 0;
}

static int fake_kill(Machine *m, int sig, MachineDone done, void *userdata) {
        fake.n_kill++;
        fake.last_sig = sig;
        done(m->name, 0, userdata);
        return 0;
}

static void fake_cancel(Machine *m) {
        fake.n_cancel++;
        fake.pending = NULL;
}

static void fake_shutdown(Manager *m) {
        fake.n_shutdown++;
}

static int fake_leader_in_unit(Machine *m) {
        return 1;
}

static int fake_remove_scope(Machine *m, bool kill) {
        return 0;
}

static int fake_pid_get_cgroup(pid_t pid, int pidfd, char **ret) {
        char *c = strdup(pid == fake.inside_pid && fake.inside_cgroup ? fake.inside_cgroup : "/user.slice");

        if (!c)
                return -ENOMEM;
        *ret = c;
        return 0;
}

static int fake_scope_is_ours(const char *cgroup) {
        return 0;
}

static const CgroupBackend fake_backend = {
        .name = "fake",
        .create_scope = fake_create_scope,
        .adopt_unit = fake_adopt_unit,
        .leader_in_unit = fake_leader_in_unit,
        .terminate = fake_terminate,
        .kill = fake_kill,
        .cancel = fake_cancel,
        .remove_scope = fake_remove_scope,
        .pid_get_cgroup = fake_pid_get_cgroup,
        .scope_is_ours = fake_scope_is_ours,
        .shutdown = fake_shutdown,
};

/* What the observers and the completions saw. */
static struct {
        unsigned n_added, n_removed, n_detached, n_done;
        int last_error;
        char last_name[64];
        char log[256];
} seen;

static void on_added(Manager *m, Machine *machine, void *userdata) {
        seen.n_added++;
        strncat(seen.log, "+", sizeof(seen.log) - strlen(seen.log) - 1);
        strncat(seen.log, machine->name, sizeof(seen.log) - strlen(seen.log) - 1);
        strncat(seen.log, userdata, sizeof(seen.log) - strlen(seen.log) - 1);
}

static void on_removed(Manager *m, Machine *machine, void *userdata) {
        seen.n_removed++;
        strncat(seen.log, "-", sizeof(seen.log) - strlen(seen.log) - 1);
        strncat(seen.log, machine->name, sizeof(seen.log) - strlen(seen.log) - 1);
        strncat(seen.log, userdata, sizeof(seen.log) - strlen(seen.log) - 1);
}

static void on_detach(Manager *m, void *userdata) {
        seen.n_detached++;
}

static const MachineObserverOps observer = {
        .added = on_added,
        .removed = on_removed,
        .detach = on_detach,
};

static void on_done(const char *name, int error, void *userdata) {
        seen.n_done++;
        seen.last_error = error;
        snprintf(seen.last_name, sizeof(seen.last_name), "%s", name);
}

static char state_dir[] = "/tmp/test-machined-manager.XXXXXX";

static Manager *setup(void) {
        Manager *m = NULL;

        memset(&fake, 0, sizeof(fake));
        memset(&seen, 0, sizeof(seen));
        if (manager_new(state_dir, &m) < 0)
                return NULL;
        m->cgroup = &fake_backend;
        if (manager_add_observer(m, &observer, "") < 0)
                return manager_free(m);
        return m;
}

/* A child that waits; it dies with the test, also when an assertion returns before reap(). */
static pid_t spawn_leader(void) {
        pid_t parent = getpid();
        pid_t pid = fork();

        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(EXIT_FAILURE);
                for (;;)
                        pause();
        }
        return pid;
}

/* Kills and reaps: afterwards the pid names no process. Returns the signal that ended it. */
static int reap(pid_t pid) {
        int status = 0;

        (void) kill(pid, SIGKILL);
        if (waitpid(pid, &status, 0) != pid)
                return -1;
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static MachineRequest request(const char *name, pid_t leader, bool create) {
        return (MachineRequest) {
                .name = name,
                .service = "test",
                .class = MACHINE_CONTAINER,
                .leader = leader,
                .root_directory = "",
                .create_scope = create,
        };
}

/* The value of KEY= in the machine's state file, or "" without file or key. */
static const char *state_key(const char *name, const char *key, char buf[static 64]) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dir = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char prefix[32];

        buf[0] = 0;
        if (dir < 0 || read_small_file_at(dir, name, 64 * 1024, &text) < 0)
                return buf;
        snprintf(prefix, sizeof(prefix), "\n%s=", key);
        const char *p = strstr(text, prefix);
        if (p)
                sscanf(p + strlen(prefix), "%63[^\n]", buf);
        return buf;
}

static bool state_file_exists(const char *name) {
        char p[256];

        snprintf(p, sizeof(p), "%s/%s", state_dir, name);
        return access(p, F_OK) == 0;
}

TEST(register_adopts_and_runs_at_once) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        RegisterFailure f;
        MachineRequest req = request("reg", l, false);
        char buf[64];
        Machine *machine;

        ASSERT_TRUE(m);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, &f), 0);
        /* RegisterMachine waits for nothing: done ran before the call returned. */
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, 0);
        ASSERT_STREQ(seen.last_name, "reg");
        ASSERT_EQ(seen.n_added, 1);
        machine = manager_get_machine(m, "reg");
        ASSERT_TRUE(machine);
        ASSERT_EQ(machine->state, MACHINE_RUNNING);
        ASSERT_EQ(machine->leader, l);
        ASSERT_TRUE(machine->leader_pidfd >= 0);
        ASSERT_TRUE(machine->leader_starttime > 0);
        ASSERT_STREQ(machine->service, "test");
        ASSERT_STREQ(state_key("reg", "STATE", buf), "running");
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", (int) l);
        ASSERT_STREQ(state_key("reg", "LEADER", buf), pid);
        manager_remove_machine(m, machine, false);
        ASSERT_EQ(seen.n_removed, 1);
        ASSERT_FALSE(state_file_exists("reg"));
        /* Removing a running machine answers nobody: its registration was answered long ago. */
        ASSERT_EQ(seen.n_done, 1);
        reap(l);
}

TEST(rules) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l1 = spawn_leader(), l2 = spawn_leader(), l3 = spawn_leader(), l4 = spawn_leader();
        pid_t gone = spawn_leader();
        RegisterFailure f;
        MachineRequest req;

        ASSERT_TRUE(m);
        req = request("a", l1, true);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, &f), 0);
        ASSERT_EQ(seen.n_done, 1);

        /* The name is taken. */
        req = request("a", l2, true);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EEXIST);
        ASSERT_EQ(f.step, REGISTER_STEP_RULES);
        /* The leader leads another machine. */
        req = request("b", l1, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EBUSY);
        ASSERT_EQ(f.step, REGISTER_STEP_RULES);
        ASSERT_STREQ(f.other, "a");
        /* The leader is a process inside another machine's cgroup. */
        fake.inside_pid = l2;
        fake.inside_cgroup = "/machine.slice/machine-a.scope/payload";
        req = request("b", l2, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EXDEV);
        ASSERT_EQ(f.step, REGISTER_STEP_RULES);
        ASSERT_STREQ(f.other, "a");
        fake.inside_pid = 0;
        /* The leader does not exist. */
        ASSERT_EQ(reap(gone), SIGKILL);
        req = request("b", gone, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), ESRCH);
        ASSERT_EQ(f.step, REGISTER_STEP_RULES);
        /* Malformed requests: a reserved name, PID 1, machined itself, an invalid name. */
        req = request("self", l2, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EINVAL);
        req = request("b", 1, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EINVAL);
        req = request("b", getpid(), false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, NULL), EINVAL);
        req = request("", l2, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, NULL), EINVAL);
        /* Two machines for one unit (RegisterMachine of two leaders in the same service). */
        fake.adopt_unit = "x.service";
        req = request("b", l2, false);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, &f), 0);
        req = request("c", l3, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EADDRINUSE);
        ASSERT_EQ(f.step, REGISTER_STEP_RULES);
        /* CreateMachine of a name whose scope is the unit of another machine. */
        fake.adopt_unit = "machine-d.scope";
        req = request("e", l3, false);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, &f), 0);
        fake.adopt_unit = NULL;
        req = request("d", l4, true);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EADDRINUSE);

        /* Refusals leave nothing: no done, no observer call, no machine, no state file. */
        ASSERT_EQ(seen.n_done, 3);
        ASSERT_EQ(seen.n_added, 3);
        ASSERT_EQ(m->n_machines, 3);
        ASSERT_FALSE(state_file_exists("c"));
        ASSERT_FALSE(state_file_exists("d"));
        reap(l1);
        reap(l2);
        reap(l3);
        reap(l4);
}

static void *thread_idle(void *userdata) {
        int *pipe_fds = userdata;
        pid_t tid = (pid_t) syscall(SYS_gettid);
        char c;

        (void) !write(pipe_fds[1], &tid, sizeof(tid));
        (void) !read(pipe_fds[0], &c, 1);
        return NULL;
}

TEST(thread_is_no_leader) {
        _cleanup_(manager_freep) Manager *m = setup();
        int to_thread[2], from_thread[2], fds[2];
        pthread_t t;
        pid_t tid = 0;
        RegisterFailure f;
        MachineRequest req;

        ASSERT_TRUE(m);
        ASSERT_OK(pipe2(to_thread, O_CLOEXEC));
        ASSERT_OK(pipe2(from_thread, O_CLOEXEC));
        fds[0] = to_thread[0];
        fds[1] = from_thread[1];
        ASSERT_EQ(pthread_create(&t, NULL, thread_idle, fds), 0);
        ASSERT_EQ(read(from_thread[0], &tid, sizeof(tid)), (ssize_t) sizeof(tid));
        req = request("thr", tid, false);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), ECHILD);
        ASSERT_EQ(f.step, REGISTER_STEP_RULES);
        ASSERT_EQ(write(to_thread[1], "x", 1), 1);
        pthread_join(t, NULL);
        safe_close(to_thread[0]);
        safe_close(to_thread[1]);
        safe_close(from_thread[0]);
        safe_close(from_thread[1]);
        ASSERT_EQ(seen.n_done, 0);
}

TEST(dead_machine_frees_its_name) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l1 = spawn_leader(), l2 = spawn_leader();
        MachineRequest req = request("gc", l1, false);

        ASSERT_TRUE(m);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        /* Its exit event is not processed (no loop runs): the registration collects it. */
        reap(l1);
        req = request("gc", l2, false);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        ASSERT_STREQ(seen.log, "+gc-gc+gc");
        ASSERT_EQ(manager_get_machine(m, "gc")->leader, l2);
        reap(l2);
}

TEST(create_opens_then_runs) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l1 = spawn_leader(), l2 = spawn_leader();
        MachineRequest req = request("op", l1, true);
        RegisterFailure f;
        Machine *machine;
        char buf[64];

        ASSERT_TRUE(m);
        fake.async = true;
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, &f), 0);
        /* Registered, announced, not answered: the back end works. */
        ASSERT_EQ(seen.n_done, 0);
        ASSERT_EQ(seen.n_added, 1);
        machine = manager_get_machine(m, "op");
        ASSERT_TRUE(machine);
        ASSERT_EQ(machine->state, MACHINE_OPENING);
        ASSERT_STREQ(machine_state_to_string(machine->state), "opening");
        ASSERT_STREQ(state_key("op", "STATE", buf), "opening");
        /* Its name and leader are taken while it opens. */
        req = request("op", l2, true);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EEXIST);
        req = request("op2", l1, true);
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EBUSY);

        fake_complete(0);
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, 0);
        ASSERT_STREQ(seen.last_name, "op");
        ASSERT_EQ(machine->state, MACHINE_RUNNING);
        ASSERT_STREQ(state_key("op", "STATE", buf), "running");
        ASSERT_STREQ(state_key("op", "SCOPE", buf), "machine-op.scope");

        /* Terminate: closing, in the state file too, through the back end (the machine has a cgroup). */
        ASSERT_EQ(manager_terminate_machine(m, machine, on_done, NULL), 0);
        ASSERT_EQ(fake.n_terminate, 1);
        ASSERT_EQ(seen.n_done, 2);
        ASSERT_EQ(machine->state, MACHINE_CLOSING);
        ASSERT_STREQ(state_key("op", "STATE", buf), "closing");
        ASSERT_EQ(seen.n_removed, 0);
        reap(l1);
        reap(l2);
}

TEST(create_fails_later) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        MachineRequest req = request("late", l, true);

        ASSERT_TRUE(m);
        fake.async = true;
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        fake_complete(-EIO);
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, -EIO);
        ASSERT_TRUE(manager_get_machine(m, "late") == NULL);
        ASSERT_STREQ(seen.log, "+late-late");
        ASSERT_FALSE(state_file_exists("late"));
        /* The leader was not killed: it is the caller's. */
        ASSERT_EQ(kill(l, 0), 0);
        ASSERT_EQ(reap(l), SIGKILL);
}

TEST(create_fails_at_once) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        MachineRequest req = request("now", l, true);
        RegisterFailure f;

        ASSERT_TRUE(m);
        fake.create_error = -EIO;
        ASSERT_ERROR(manager_register_machine(m, &req, on_done, NULL, &f), EIO);
        ASSERT_EQ(f.step, REGISTER_STEP_ADD);
        ASSERT_EQ(seen.n_done, 0);
        ASSERT_EQ(seen.n_added, 0);
        ASSERT_EQ(m->n_machines, 0);
        ASSERT_FALSE(state_file_exists("now"));
        /* The name and the leader are free again. */
        fake.create_error = 0;
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, &f), 0);
        ASSERT_EQ(seen.n_done, 1);
        reap(l);
}

TEST(removed_while_opening) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        MachineRequest req = request("cancel", l, true);

        ASSERT_TRUE(m);
        fake.async = true;
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        manager_remove_machine(m, manager_get_machine(m, "cancel"), false);
        /* The back end drops its job, and the caller hears that the registration is off. */
        ASSERT_EQ(fake.n_cancel, 1);
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, -ECANCELED);
        ASSERT_FALSE(state_file_exists("cancel"));

        /* A dead leader, found while opening: -ESRCH. */
        reap(l);
        l = spawn_leader();
        req = request("cancel", l, true);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        reap(l);
        ASSERT_FALSE(manager_machine_gc(m, manager_get_machine(m, "cancel")));
        ASSERT_EQ(fake.n_cancel, 2);
        ASSERT_EQ(seen.n_done, 2);
        ASSERT_EQ(seen.last_error, -ESRCH);
}

/* A back end can have calls in flight for a running machine too (systemd: a StopUnit or KillUnit
 * waiting for its reply): whenever a machine goes, the back end hears so, and its own state goes
 * with the manager. */
TEST(backend_cancelled_for_every_machine_that_goes) {
        Manager *m = setup();
        pid_t l1 = spawn_leader(), l2 = spawn_leader();
        MachineRequest req = request("run1", l1, true);

        ASSERT_TRUE(m);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        ASSERT_EQ(manager_get_machine(m, "run1")->state, MACHINE_RUNNING);
        manager_remove_machine(m, manager_get_machine(m, "run1"), false);
        ASSERT_EQ(fake.n_cancel, 1);
        req = request("run2", l2, true);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        ASSERT_EQ(manager_get_machine(m, "run2")->state, MACHINE_RUNNING);
        ASSERT_EQ(fake.n_shutdown, 0);
        manager_free(m);
        ASSERT_EQ(fake.n_cancel, 2);
        ASSERT_EQ(fake.n_shutdown, 1);
        reap(l1);
        reap(l2);
}

TEST(terminate_and_kill_without_cgroup) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l1 = spawn_leader(), l2 = spawn_leader();
        MachineRequest req = request("nocg", l1, false);
        Machine *machine;
        char buf[64];

        ASSERT_TRUE(m);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        machine = manager_get_machine(m, "nocg");
        /* No unit: the leader alone, through its pidfd. */
        ASSERT_EQ(manager_kill_machine(m, machine, KILL_ALL, SIGTERM, on_done, NULL), 0);
        ASSERT_EQ(fake.n_kill, 0);
        ASSERT_EQ(seen.n_done, 2);
        ASSERT_EQ(reap(l1), SIGTERM);
        /* Its leader is gone (the exit event is not processed here): terminating it is no failure. */
        ASSERT_EQ(manager_terminate_machine(m, machine, on_done, NULL), 0);
        ASSERT_EQ(seen.n_done, 3);
        ASSERT_EQ(seen.last_error, 0);
        ASSERT_EQ(machine->state, MACHINE_CLOSING);
        ASSERT_STREQ(state_key("nocg", "STATE", buf), "closing");
        manager_remove_machine(m, machine, false);

        /* With a unit: KILL_ALL through the back end, KILL_LEADER through the pidfd. */
        fake.adopt_unit = "y.service";
        req = request("cg", l2, false);
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        machine = manager_get_machine(m, "cg");
        ASSERT_EQ(manager_kill_machine(m, machine, KILL_ALL, SIGUSR1, on_done, NULL), 0);
        ASSERT_EQ(fake.n_kill, 1);
        ASSERT_EQ(fake.last_sig, SIGUSR1);
        ASSERT_EQ(manager_kill_machine(m, machine, KILL_LEADER, SIGHUP, on_done, NULL), 0);
        ASSERT_EQ(fake.n_kill, 1);
        ASSERT_EQ(reap(l2), SIGHUP);
}

TEST(observers_in_order_and_detached) {
        Manager *m = setup();
        pid_t l = spawn_leader();
        MachineRequest req = request("obs", l, false);

        ASSERT_TRUE(m);
        ASSERT_OK(manager_add_observer(m, &observer, "2"));
        ASSERT_EQ(manager_register_machine(m, &req, on_done, NULL, NULL), 0);
        ASSERT_STREQ(seen.log, "+obs+obs2");
        manager_free(m);
        /* Freeing detaches both and announces no removal: the state file stays for the next machined. */
        ASSERT_EQ(seen.n_detached, 2);
        ASSERT_EQ(seen.n_removed, 0);
        ASSERT_TRUE(state_file_exists("obs"));
        reap(l);
}

static int setup_state_dir(void) {
        return mkdtemp(state_dir) ? 0 : -errno;
}

static void remove_state_dir(void) {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
        (void) !system(cmd);
}

int test_failures = 0;

int main(void) {
        int passed = 0, failed = 0;

        if (setup_state_dir() < 0) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        for (const TestCase *t = __start_test_cases; t < __stop_test_cases; t++) {
                int before = test_failures;
                t->func();
                printf("%s %s\n", test_failures == before ? "ok" : "FAIL", t->name);
                if (test_failures == before)
                        passed++;
                else
                        failed++;
        }
        remove_state_dir();
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
