/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start-up handshake between nspawn and its child (nspawn-sync.h): the plan, a whole exchange
 * across a fork, and every kind of wrong message on either side. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-sync.h"
#include "tests.h"

static int seqpacket_pair(int sv[2]) {
        return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ? -errno : 0;
}

static int send_raw(int fd, int32_t type, int32_t step, size_t size) {
        char buf[sizeof(SyncMessage) + 16] = {};
        SyncMessage m = { .type = type, .step = step };

        memcpy(buf, &m, sizeof(m));
        return send(fd, buf, size, 0) < 0 ? -errno : 0;
}

TEST(step_names) {
        ASSERT_STREQ(sync_step_to_string(SYNC_STEP_CGROUP_PLACED), "cgroup-placed");
        ASSERT_STREQ(sync_step_to_string(SYNC_STEP_ID_MAPS_WRITTEN), "id-maps-written");
        ASSERT_STREQ(sync_step_to_string(SYNC_STEP_NETWORK_READY), "network-ready");
        ASSERT_STREQ(sync_step_to_string(SYNC_STEP_GO), "go");
        ASSERT_TRUE(sync_step_to_string(_SYNC_STEP_MAX) == NULL);
        ASSERT_TRUE(sync_step_to_string(-1) == NULL);
        for (SyncStep s = 0; s < _SYNC_STEP_MAX; s++)
                ASSERT_TRUE(sync_step_to_string(s) != NULL);
}

TEST(plan_order) {
        Settings s = {};
        SyncStep seen[_SYNC_STEP_MAX];
        size_t n = 0;

        /* Every container: placed in its cgroups, then go; the last step is always go. */
        SyncPlan plan = sync_plan_build(&s);
        SYNC_PLAN_FOREACH(step, plan)
                seen[n++] = step;
        ASSERT_EQ(n, 2);
        ASSERT_EQ(seen[0], SYNC_STEP_CGROUP_PLACED);
        ASSERT_EQ(seen[1], SYNC_STEP_GO);

        /* A plan with a step in the middle runs it in enum order, whatever order the bits were set. */
        plan = SYNC_PLAN_STEP(SYNC_STEP_GO) | SYNC_PLAN_STEP(SYNC_STEP_NETWORK_READY) |
               SYNC_PLAN_STEP(SYNC_STEP_CGROUP_PLACED);
        ASSERT_EQ(sync_plan_next(plan, -1), SYNC_STEP_CGROUP_PLACED);
        ASSERT_EQ(sync_plan_next(plan, SYNC_STEP_CGROUP_PLACED), SYNC_STEP_NETWORK_READY);
        ASSERT_EQ(sync_plan_next(plan, SYNC_STEP_NETWORK_READY), SYNC_STEP_GO);
        ASSERT_EQ(sync_plan_next(plan, SYNC_STEP_GO), _SYNC_STEP_MAX);
        ASSERT_EQ(sync_plan_next(0, -1), _SYNC_STEP_MAX);
}

/* Both sides as nspawn runs them, the child in a fork: every step ready, then done, in order. */
TEST(whole_exchange) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        SyncPlan plan = SYNC_PLAN_STEP(SYNC_STEP_CGROUP_PLACED) | SYNC_PLAN_STEP(SYNC_STEP_ID_MAPS_WRITTEN) |
                        SYNC_PLAN_STEP(SYNC_STEP_NETWORK_READY) | SYNC_PLAN_STEP(SYNC_STEP_GO);
        int status;

        ASSERT_OK(seqpacket_pair(sv));
        pid_t pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                char detail[256];
                int steps = 0;
                safe_close(sv[0]);
                SYNC_PLAN_FOREACH(step, plan) {
                        if (sync_child_step(sv[1], step, NULL, 0, detail, sizeof(detail)) < 0)
                                _exit(10 + step);
                        steps++;
                }
                _exit(steps == 4 ? 0 : 1);
        }
        sv[1] = safe_close(sv[1]);
        SYNC_PLAN_FOREACH(step, plan) {
                SyncMessage m = {};
                ASSERT_OK(sync_wait_ready(sv[0], step, &m));
                ASSERT_OK(sync_send_step(sv[0], SYNC_STEP_DONE, step));
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
        /* The child is gone: the parent sees the end of the channel. */
        SyncMessage m = {};
        ASSERT_ERROR(sync_wait_ready(sv[0], SYNC_STEP_GO, &m), EPIPE);
}

/* The child's side: whatever arrives in place of "done" for its step is refused and named. */
TEST(child_refuses_wrong_messages) {
        static const struct {
                int32_t type, step;
                size_t size;
                int error;
                const char *detail;
        } cases[] = {
                { SYNC_STEP_DONE, SYNC_STEP_GO, sizeof(SyncMessage), EPROTO,
                  "'cgroup-placed' (received done of step 'go')" },
                { SYNC_STEP_READY, SYNC_STEP_CGROUP_PLACED, sizeof(SyncMessage), EPROTO,
                  "'cgroup-placed' (received ready of step 'cgroup-placed')" },
                { SYNC_ERROR, 0, sizeof(SyncMessage), EPROTO,
                  "'cgroup-placed' (received a message of type 0)" },
                { SYNC_STEP_DONE, SYNC_STEP_CGROUP_PLACED, 3, EBADMSG,
                  "'cgroup-placed' (received a garbled message)" },
                { SYNC_STEP_DONE, SYNC_STEP_CGROUP_PLACED, sizeof(SyncMessage) + 16, EBADMSG,
                  "'cgroup-placed' (received a garbled message)" },
                { SYNC_STEP_DONE, _SYNC_STEP_MAX, sizeof(SyncMessage), EBADMSG,
                  "'cgroup-placed' (received a garbled message)" },
                { SYNC_STEP_DONE, -1, sizeof(SyncMessage), EBADMSG,
                  "'cgroup-placed' (received a garbled message)" },
                { 99, SYNC_STEP_CGROUP_PLACED, sizeof(SyncMessage), EBADMSG,
                  "'cgroup-placed' (received a garbled message)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
                char detail[256] = {};
                SyncMessage ready = {};

                ASSERT_OK(seqpacket_pair(sv));
                ASSERT_OK(send_raw(sv[0], cases[i].type, cases[i].step, cases[i].size));
                ASSERT_ERROR(sync_child_step(sv[1], SYNC_STEP_CGROUP_PLACED, NULL, 0, detail, sizeof(detail)), cases[i].error);
                ASSERT_STREQ(detail, cases[i].detail);
                /* Its ready message went out before it read the wrong one. */
                ASSERT_OK(sync_wait_ready(sv[0], SYNC_STEP_CGROUP_PLACED, &ready));
        }
}

TEST(child_sees_parent_gone) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char detail[256] = {};

        ASSERT_OK(seqpacket_pair(sv));
        sv[0] = safe_close(sv[0]);
        /* The ready message cannot go out: nobody is left to tell. */
        ASSERT_ERROR(sync_child_step(sv[1], SYNC_STEP_GO, NULL, 0, detail, sizeof(detail)), EPIPE);
        ASSERT_STREQ(detail, "'go' (the other side closed the channel)");
}

/* Detached trees travel before the step's done, each into its slot. */
TEST(child_receives_mount_fds) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char detail[256] = {};
        int slots[3] = { -EBADF, -EBADF, -EBADF };
        SyncMessage ready = {};
        struct stat a, b;

        ASSERT_OK(seqpacket_pair(sv));
        _cleanup_close_ int f0 = open("/", O_PATH | O_CLOEXEC), f2 = open("/proc", O_PATH | O_CLOEXEC);
        ASSERT_TRUE(f0 >= 0 && f2 >= 0);
        ASSERT_OK(sync_send_mount_fd(sv[0], SYNC_SLOT_ROOT, f0));
        ASSERT_OK(sync_send_mount_fd(sv[0], SYNC_SLOT_ENTRY(1), f2));
        ASSERT_OK(sync_send_step(sv[0], SYNC_STEP_DONE, SYNC_STEP_ID_MAPS_WRITTEN));
        ASSERT_OK(sync_child_step(sv[1], SYNC_STEP_ID_MAPS_WRITTEN, slots, 3, detail, sizeof(detail)));
        ASSERT_OK(sync_wait_ready(sv[0], SYNC_STEP_ID_MAPS_WRITTEN, &ready));
        ASSERT_TRUE(slots[0] >= 0 && slots[1] < 0 && slots[2] >= 0);
        ASSERT_EQ(fstat(slots[0], &a), 0);
        ASSERT_EQ(stat("/", &b), 0);
        ASSERT_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        ASSERT_EQ(fstat(slots[2], &a), 0);
        ASSERT_EQ(stat("/proc", &b), 0);
        ASSERT_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        ASSERT_TRUE(fcntl(slots[0], F_GETFD) & FD_CLOEXEC);
        safe_close(slots[0]);
        safe_close(slots[2]);
}

/* A tree for a slot that does not exist, a slot filled twice, a tree message without the fd, or trees
 * where the child expects none: all refused. */
TEST(child_refuses_bad_mount_fds) {
        static const struct { int slot, times; bool with_fd; size_t n_slots; } cases[] = {
                { 3, 1, true, 3 },
                { -1, 1, true, 3 },
                { 1, 2, true, 3 },
                { 0, 1, false, 3 },
                { 0, 1, true, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
                _cleanup_close_ int f = open("/", O_PATH | O_CLOEXEC);
                char detail[256] = {};
                int slots[3] = { -EBADF, -EBADF, -EBADF };

                ASSERT_OK(seqpacket_pair(sv));
                for (int t = 0; t < cases[i].times; t++) {
                        if (cases[i].with_fd)
                                ASSERT_OK(sync_send_mount_fd(sv[0], cases[i].slot, f));
                        else
                                ASSERT_OK(send_raw(sv[0], SYNC_MOUNT_FD, cases[i].slot, sizeof(SyncMessage)));
                }
                ASSERT_OK(sync_send_step(sv[0], SYNC_STEP_DONE, SYNC_STEP_ID_MAPS_WRITTEN));
                ASSERT_ERROR(sync_child_step(sv[1], SYNC_STEP_ID_MAPS_WRITTEN, cases[i].n_slots ? slots : NULL,
                                             cases[i].n_slots, detail, sizeof(detail)), EBADMSG);
                ASSERT_STREQ(detail, "'id-maps-written' (received a garbled message)");
                for (size_t k = 0; k < 3; k++)
                        safe_close(slots[k]);
        }
}

/* The parent's side: the child's error report may come in place of any ready message. */
TEST(parent_gets_child_error) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        SyncMessage m = {};

        ASSERT_OK(seqpacket_pair(sv));
        ASSERT_OK(sync_send_error(sv[1], STEP_NAMESPACE, -EPERM, "detail"));
        ASSERT_ERROR(sync_wait_ready(sv[0], SYNC_STEP_GO, &m), EPROTO);
        ASSERT_EQ(m.type, SYNC_ERROR);
        ASSERT_EQ(m.step, STEP_NAMESPACE);
        ASSERT_EQ(m.error, EPERM);
        ASSERT_STREQ(m.detail, "detail");
}

TEST(parent_refuses_wrong_messages) {
        static const struct {
                int32_t type, step;
                size_t size;
                int error;
                const char *detail;
        } cases[] = {
                { SYNC_STEP_READY, SYNC_STEP_CGROUP_PLACED, sizeof(SyncMessage), EPROTO,
                  "'go' (received ready of step 'cgroup-placed')" },
                { SYNC_STEP_DONE, SYNC_STEP_GO, sizeof(SyncMessage), EPROTO,
                  "'go' (received done of step 'go')" },
                { SYNC_CONSOLE_FD, 0, sizeof(SyncMessage), EPROTO,
                  "'go' (received a message of type 1)" },
                { SYNC_STEP_READY, SYNC_STEP_GO, 1, EBADMSG, "'go' (received a garbled message)" },
                { SYNC_STEP_READY, SYNC_STEP_GO, sizeof(SyncMessage) + 1, EBADMSG,
                  "'go' (received a garbled message)" },
                { SYNC_STEP_READY, 42, sizeof(SyncMessage), EBADMSG, "'go' (received a garbled message)" },
                { SYNC_ERROR, _STEP_MAX, sizeof(SyncMessage), EBADMSG, "'go' (received a garbled message)" },
                { -1, SYNC_STEP_GO, sizeof(SyncMessage), EBADMSG, "'go' (received a garbled message)" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
                SyncMessage m = {};
                char what[128];
                int r;

                ASSERT_OK(seqpacket_pair(sv));
                ASSERT_OK(send_raw(sv[1], cases[i].type, cases[i].step, cases[i].size));
                r = sync_wait_ready(sv[0], SYNC_STEP_GO, &m);
                ASSERT_ERROR(r, cases[i].error);
                sync_describe_step_failure(what, sizeof(what), SYNC_STEP_GO, &m, r);
                ASSERT_STREQ(what, cases[i].detail);
        }
}

/* A child that failed after its ready message, before the parent read it: the report behind it is
 * found and logged. */
TEST(pending_error_behind_ready) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };

        ASSERT_OK(seqpacket_pair(sv));
        ASSERT_FALSE(sync_log_pending_child_error(sv[0]));
        ASSERT_OK(sync_send_step(sv[1], SYNC_STEP_READY, SYNC_STEP_CGROUP_PLACED));
        ASSERT_FALSE(sync_log_pending_child_error(sv[0]));
        ASSERT_OK(sync_send_step(sv[1], SYNC_STEP_READY, SYNC_STEP_CGROUP_PLACED));
        ASSERT_OK(sync_send_error(sv[1], STEP_HANDSHAKE, -EIO, "'cgroup-placed'"));
        ASSERT_TRUE(sync_log_pending_child_error(sv[0]));
        ASSERT_FALSE(sync_log_pending_child_error(sv[0]));
}

/* A garbled SYNC_ERROR is not logged as a child's report, and a normal receive refuses it too. */
TEST(receive_refuses_wrong_size) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        SyncMessage m = {};

        ASSERT_OK(seqpacket_pair(sv));
        ASSERT_OK(send_raw(sv[1], SYNC_ERROR, STEP_MOUNT, 5));
        ASSERT_ERROR(sync_receive(sv[0], &m, NULL), EBADMSG);
        ASSERT_OK(send_raw(sv[1], SYNC_ERROR, STEP_MOUNT, sizeof(SyncMessage) + 8));
        ASSERT_ERROR(sync_receive(sv[0], &m, NULL), EBADMSG);
        ASSERT_OK(send_raw(sv[1], SYNC_ERROR, STEP_MOUNT, sizeof(SyncMessage)));
        ASSERT_EQ(sync_receive(sv[0], &m, NULL), 1);
        ASSERT_EQ(m.step, STEP_MOUNT);
        sv[1] = safe_close(sv[1]);
        ASSERT_EQ(sync_receive(sv[0], &m, NULL), 0);
}

DEFINE_TEST_MAIN
