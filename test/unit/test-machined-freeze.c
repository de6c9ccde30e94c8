/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Freeze and thaw without a bus or cgroups: the parsers of cgroup.events and a v1 freezer.state, the
 * FreezerState strings, FROZEN= in the state file, and manager_freeze_machine()'s rules and states
 * against a fake back end whose freeze completes when the test says so. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "machine-state.h"
#include "machine.h"
#include "machined-cgroup.h"
#include "manager.h"
#include "string-util.h"
#include "tests.h"

TEST(cgroup_events_frozen) {
        ASSERT_EQ(cgroup_events_parse_frozen("populated 1\nfrozen 1\n"), 1);
        ASSERT_EQ(cgroup_events_parse_frozen("populated 0\nfrozen 0\n"), 0);
        ASSERT_EQ(cgroup_events_parse_frozen("frozen 1"), 1);
        /* A kernel before 5.2 has no such line; nothing else counts as one. */
        ASSERT_ERROR(cgroup_events_parse_frozen("populated 1\n"), ENODATA);
        ASSERT_ERROR(cgroup_events_parse_frozen("frozen 10\n"), ENODATA);
        ASSERT_ERROR(cgroup_events_parse_frozen("unfrozen 1\n"), ENODATA);
        ASSERT_ERROR(cgroup_events_parse_frozen("frozen x\n"), ENODATA);
        ASSERT_ERROR(cgroup_events_parse_frozen(""), ENODATA);
}

TEST(freezer_v1_state) {
        ASSERT_EQ(freezer_v1_parse_state("FROZEN\n"), FREEZER_FROZEN);
        ASSERT_EQ(freezer_v1_parse_state("FREEZING\n"), FREEZER_FREEZING);
        ASSERT_EQ(freezer_v1_parse_state("THAWED\n"), FREEZER_RUNNING);
        ASSERT_EQ(freezer_v1_parse_state("THAWED"), FREEZER_RUNNING);
        ASSERT_ERROR(freezer_v1_parse_state("FROZENX\n"), EINVAL);
        ASSERT_ERROR(freezer_v1_parse_state("frozen\n"), EINVAL);
        ASSERT_ERROR(freezer_v1_parse_state(""), EINVAL);
}

TEST(freezer_state_strings) {
        static const char *const names[] = { "running", "freezing", "frozen", "thawing" };

        for (int i = 0; i < _FREEZER_STATE_MAX; i++) {
                ASSERT_STREQ(freezer_state_to_string(i), names[i]);
                ASSERT_EQ(freezer_state_from_string(names[i]), i);
        }
        ASSERT_TRUE(freezer_state_to_string(_FREEZER_STATE_MAX) == NULL);
        ASSERT_ERROR(freezer_state_from_string("paused"), EINVAL);
        ASSERT_ERROR(freezer_state_from_string(NULL), EINVAL);
}

TEST(state_file_keeps_frozen) {
        _cleanup_(machine_freep) Machine *m = NULL, *back = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;

        ASSERT_OK(machine_new("fz", &m));
        m->leader = 4242;
        ASSERT_OK(machine_state_format(m, &text));
        ASSERT_TRUE(strstr(text, "FROZEN") == NULL);
        m->frozen = true;
        ASSERT_OK(machine_state_format(m, &text2));
        ASSERT_TRUE(strstr(text2, "\nFROZEN=yes\n"));
        ASSERT_OK(machine_state_parse("fz", text2, &back));
        ASSERT_TRUE(back->frozen);
        machine_free(back);
        back = NULL;
        ASSERT_OK(machine_state_parse("fz", text, &back));
        ASSERT_FALSE(back->frozen);
}

/* The fake back end: a unit for every machine registered, and a freeze that waits for the test. */
static struct {
        MachineDone pending;
        void *pending_userdata;
        Machine *pending_machine;
        bool pending_freeze;
        bool sync;              /* freeze completes at once */
        int error;              /* freeze fails at once with this */
        bool no_unit;           /* adopt_unit finds none */
        unsigned n_freeze, n_cancel;
} fake;

static int fake_create_scope(Machine *m, MachineDone done, void *userdata) {
        fake.pending = done;    /* opening until the test completes it */
        fake.pending_userdata = userdata;
        fake.pending_machine = m;
        return 0;
}

static int fake_adopt_unit(Machine *m) {
        char buf[128];

        if (fake.no_unit)
                return 0;
        snprintf(buf, sizeof(buf), "/system.slice/%s.service", m->name);
        free(m->cgroup);
        m->cgroup = strdup(buf);
        snprintf(buf, sizeof(buf), "%s.service", m->name);
        return m->cgroup ? machine_set_string(&m->unit, buf) : -ENOMEM;
}

static int fake_freeze(Machine *m, bool freeze, MachineDone done, void *userdata) {
        fake.n_freeze++;
        if (fake.error < 0)
                return fake.error;
        if (fake.sync) {
                m->frozen = freeze;
                done(m->name, 0, userdata);
                return 0;
        }
        fake.pending = done;
        fake.pending_userdata = userdata;
        fake.pending_machine = m;
        fake.pending_freeze = freeze;
        return 0;
}

/* As a back end ends its freeze: frozen says where the freezer is. */
static void fake_complete(int error, bool frozen) {
        MachineDone done = fake.pending;

        fake.pending = NULL;
        fake.pending_machine->frozen = frozen;
        done(fake.pending_machine->name, error, fake.pending_userdata);
}

static void fake_cancel(Machine *m) {
        fake.n_cancel++;
        if (fake.pending_machine == m)
                fake.pending = NULL;
}

static int fake_terminate(Machine *m, MachineDone done, void *userdata) {
        done(m->name, 0, userdata);
        return 0;
}

static int fake_zero(Machine *m) {
        return 1;
}

static int fake_remove_scope(Machine *m, bool kill) {
        return 0;
}

static int fake_pid_get_cgroup(pid_t pid, int pidfd, char **ret) {
        *ret = strdup("/user.slice");
        return *ret ? 0 : -ENOMEM;
}

static int fake_scope_is_ours(const char *cgroup) {
        return 0;
}

static const CgroupBackend fake_backend = {
        .name = "fake",
        .create_scope = fake_create_scope,
        .adopt_unit = fake_adopt_unit,
        .leader_in_unit = fake_zero,
        .terminate = fake_terminate,
        .cancel = fake_cancel,
        .freeze = fake_freeze,
        .remove_scope = fake_remove_scope,
        .pid_get_cgroup = fake_pid_get_cgroup,
        .scope_is_ours = fake_scope_is_ours,
};

static struct {
        unsigned n_done, n_changed;
        int last_error;
        char log[256];
} seen;

static void on_freezer_changed(Manager *m, Machine *machine, void *userdata) {
        seen.n_changed++;
        strncat(seen.log, freezer_state_to_string(machine->freezer_state), sizeof(seen.log) - strlen(seen.log) - 1);
        strncat(seen.log, " ", sizeof(seen.log) - strlen(seen.log) - 1);
}

static const MachineObserverOps observer = {
        .freezer_changed = on_freezer_changed,
};

static void on_done(const char *name, int error, void *userdata) {
        seen.n_done++;
        seen.last_error = error;
}

static char state_dir[] = "/tmp/test-machined-freeze.XXXXXX";

static Manager *setup(void) {
        Manager *m = NULL;

        memset(&fake, 0, sizeof(fake));
        memset(&seen, 0, sizeof(seen));
        if (manager_new(state_dir, &m) < 0)
                return NULL;
        m->cgroup = &fake_backend;
        if (manager_add_observer(m, &observer, NULL) < 0)
                return manager_free(m);
        return m;
}

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

static void reap(pid_t pid) {
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

static Machine *add_machine(Manager *m, const char *name, pid_t leader, bool create) {
        MachineRequest req = {
                .name = name, .service = "test", .class = MACHINE_CONTAINER, .leader = leader,
                .root_directory = "", .create_scope = create,
        };

        if (manager_register_machine(m, &req, on_done, NULL, NULL) < 0)
                return NULL;
        return manager_get_machine(m, name);
}

static bool state_file_says_frozen(const char *name) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dir = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return dir >= 0 && read_small_file_at(dir, name, 64 * 1024, &text) >= 0 && strstr(text, "\nFROZEN=yes\n");
}

TEST(freeze_then_thaw) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        Machine *machine;

        ASSERT_TRUE(m);
        machine = add_machine(m, "fr", l, false);
        ASSERT_TRUE(machine);
        seen.n_done = 0;
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);

        ASSERT_OK(manager_freeze_machine(m, machine, true, on_done, NULL));
        ASSERT_EQ(machine->freezer_state, FREEZER_FREEZING);
        ASSERT_EQ(seen.n_done, 0);
        /* One operation at a time, either way. */
        ASSERT_ERROR(manager_freeze_machine(m, machine, true, on_done, NULL), EALREADY);
        ASSERT_ERROR(manager_freeze_machine(m, machine, false, on_done, NULL), EALREADY);
        ASSERT_EQ(fake.n_freeze, 1);
        fake_complete(0, true);
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, 0);
        ASSERT_EQ(machine->freezer_state, FREEZER_FROZEN);
        ASSERT_EQ(machine->state, MACHINE_RUNNING);
        ASSERT_TRUE(state_file_says_frozen("fr"));

        ASSERT_OK(manager_freeze_machine(m, machine, false, on_done, NULL));
        ASSERT_EQ(machine->freezer_state, FREEZER_THAWING);
        fake_complete(0, false);
        ASSERT_EQ(seen.n_done, 2);
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);
        ASSERT_FALSE(state_file_says_frozen("fr"));
        ASSERT_STREQ(seen.log, "freezing frozen thawing running ");

        /* A back end that is there at once: a second freeze, a thaw of a running machine. */
        fake.sync = true;
        ASSERT_OK(manager_freeze_machine(m, machine, false, on_done, NULL));
        ASSERT_EQ(seen.n_done, 3);
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);
        reap(l);
}

TEST(freeze_failures) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        Machine *machine;

        ASSERT_TRUE(m);
        machine = add_machine(m, "ff", l, false);
        ASSERT_TRUE(machine);
        seen.n_done = 0;
        /* At once: nothing changes, done is not called. */
        fake.error = -EOPNOTSUPP;
        ASSERT_ERROR(manager_freeze_machine(m, machine, true, on_done, NULL), EOPNOTSUPP);
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);
        ASSERT_EQ(seen.n_done, 0);
        ASSERT_TRUE(machine->freeze_done == NULL);
        /* Later (a timeout that was undone): running again, and the caller hears why. */
        fake.error = 0;
        ASSERT_OK(manager_freeze_machine(m, machine, true, on_done, NULL));
        fake_complete(-ETIMEDOUT, false);
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, -ETIMEDOUT);
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);
        /* The next one may go. */
        ASSERT_OK(manager_freeze_machine(m, machine, true, on_done, NULL));
        fake_complete(0, true);
        ASSERT_EQ(machine->freezer_state, FREEZER_FROZEN);

        /* Closing: no freeze, but a thaw. */
        ASSERT_OK(manager_terminate_machine(m, machine, on_done, NULL));
        ASSERT_ERROR(manager_freeze_machine(m, machine, true, on_done, NULL), ESHUTDOWN);
        ASSERT_OK(manager_freeze_machine(m, machine, false, on_done, NULL));
        fake_complete(0, false);
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);
        reap(l);
}

TEST(freeze_needs_a_cgroup_and_an_open_machine) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l1 = spawn_leader(), l2 = spawn_leader();
        Machine *machine;

        ASSERT_TRUE(m);
        fake.no_unit = true;
        machine = add_machine(m, "nocg", l1, false);
        ASSERT_TRUE(machine);
        ASSERT_ERROR(manager_freeze_machine(m, machine, true, on_done, NULL), ENXIO);
        ASSERT_EQ(fake.n_freeze, 0);
        ASSERT_EQ(machine->freezer_state, FREEZER_RUNNING);

        machine = add_machine(m, "opening", l2, true);
        ASSERT_TRUE(machine);
        ASSERT_EQ(machine->state, MACHINE_OPENING);
        ASSERT_ERROR(manager_freeze_machine(m, machine, true, on_done, NULL), EBUSY);
        ASSERT_EQ(fake.n_freeze, 0);
        reap(l1);
        reap(l2);
}

TEST(machine_goes_while_freezing) {
        _cleanup_(manager_freep) Manager *m = setup();
        pid_t l = spawn_leader();
        Machine *machine;

        ASSERT_TRUE(m);
        machine = add_machine(m, "gone", l, false);
        ASSERT_TRUE(machine);
        seen.n_done = 0;
        ASSERT_OK(manager_freeze_machine(m, machine, true, on_done, NULL));
        manager_remove_machine(m, machine, false);
        /* The back end dropped its operation, and the caller heard the end. */
        ASSERT_EQ(fake.n_cancel, 1);
        ASSERT_TRUE(fake.pending == NULL);
        ASSERT_EQ(seen.n_done, 1);
        ASSERT_EQ(seen.last_error, -ECANCELED);
        reap(l);
}

int test_failures = 0;

int main(void) {
        int passed = 0, failed = 0;
        char cmd[128];

        if (!mkdtemp(state_dir)) {
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
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
        (void) !system(cmd);
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
