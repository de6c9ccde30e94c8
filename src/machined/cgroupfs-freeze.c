/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "cgroup-util.h"
#include "cgroupfs-freeze.h"
#include "fd-util.h"
#include "log.h"
#include "machined-cgroup.h"
#include "manager.h"
#include "string-util.h"

/* The cgroupfs back end's freezer. cgroup2 (cgroup.freeze) says when every task is frozen by a change
 * of cgroup.events, watched with inotify: machined's event loop never blocks on it. A v1 freezer
 * (freezer.state) says nothing: FREEZING is polled until it reads FROZEN. Either way there is a
 * deadline: a task stuck in the kernel (uninterruptible sleep on a dead NFS server, say) can keep a
 * cgroup from ever freezing. */

#define FREEZE_TIMEOUT_USEC (10ULL * 1000000ULL)
#define V1_POLL_USEC (20ULL * 1000ULL)

typedef struct FreezeOp {
        Machine *machine;
        bool freeze;
        bool v1;
        int dir_fd;
        uint64_t deadline;
        sd_event_source *watch;
        sd_event_source *timer;
        MachineDone done;
        void *userdata;
        struct FreezeOp *next;
} FreezeOp;

/* The operations in flight, at most one per machine (the manager sees to that). */
static FreezeOp *freeze_ops;

int cgroup_events_parse_frozen(const char *text) {
        for (const char *l = text; l && *l;) {
                const char *e = strchrnul(l, '\n');
                const char *v = startswith(l, "frozen ");

                if (v && e - v == 1 && (*v == '0' || *v == '1'))
                        return *v == '1';
                l = *e ? e + 1 : e;
        }
        return -ENODATA;
}

int freezer_v1_parse_state(const char *text) {
        size_t n = strcspn(text, "\n");

        if (n == 6 && strncmp(text, "FROZEN", n) == 0)
                return FREEZER_FROZEN;
        if (n == 8 && strncmp(text, "FREEZING", n) == 0)
                return FREEZER_FREEZING;
        if (n == 6 && strncmp(text, "THAWED", n) == 0)
                return FREEZER_RUNNING;
        return -EINVAL;
}

static uint64_t now_monotonic(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* MACHINED_CGROUP_FREEZER=v1 takes the v1 freezer even where cgroup2 has one: the tests use it to
 * exercise the v1 path on hybrid hosts. */
static bool force_v1(void) {
        const char *e = getenv("MACHINED_CGROUP_FREEZER");
        return e && streq(e, "v1");
}

static int open_v1_dir(const char *cgroup) {
        CgroupV1Hierarchy *h = NULL;
        size_t n = 0;
        int r, fd = -ENOENT;

        r = cgroup_v1_hierarchies(&h, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (h[i].whole && cgroup_v1_hierarchy_has(&h[i], "freezer")) {
                        _cleanup_free_ char *p = strjoin(h[i].mount_point, cgroup);

                        fd = p ? open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -ENOMEM;
                        if (fd < 0 && fd != -ENOMEM)
                                fd = -errno;
                        break;
                }
        cgroup_v1_hierarchies_free(h, n);
        return fd;
}

/* The directory whose freezer the machine's cgroup uses: cgroup2 where it has cgroup.freeze (5.2+),
 * else the same path in a v1 freezer hierarchy (nspawn places its containers in every hierarchy). */
static int freezer_open(const Machine *m, bool *ret_v1) {
        _cleanup_free_ char *p = NULL;
        int fd, r;

        if (!force_v1() && cgroup_unified_path(m->cgroup, &p) >= 0) {
                fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (faccessat(fd, "cgroup.freeze", F_OK, 0) >= 0) {
                        *ret_v1 = false;
                        return fd;
                }
                safe_close(fd);
        }
        fd = open_v1_dir(m->cgroup);
        if (fd == -ENOENT)
                return -EOPNOTSUPP;
        if (fd < 0)
                return fd;
        if (faccessat(fd, "freezer.state", F_OK, 0) < 0) {
                r = -errno;
                safe_close(fd);
                return r == -ENOENT ? -EOPNOTSUPP : r;
        }
        *ret_v1 = true;
        return fd;
}

/* 1 when the freezer reads as the operation wants it, 0 while it is on its way. */
static int freeze_op_check(FreezeOp *op) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_small_file_at(op->dir_fd, op->v1 ? "freezer.state" : "cgroup.events", 4096, &text);
        if (r < 0)
                return r;
        if (op->v1) {
                r = freezer_v1_parse_state(text);
                if (r < 0)
                        return r;
                return op->freeze ? r == FREEZER_FROZEN : r == FREEZER_RUNNING;
        }
        r = cgroup_events_parse_frozen(text);
        if (r < 0)
                return r;
        return r == op->freeze;
}

static int freezer_write(int dir_fd, bool v1, bool freeze) {
        if (v1)
                return write_string_file_at(dir_fd, "freezer.state", freeze ? "FROZEN" : "THAWED");
        return write_string_file_at(dir_fd, "cgroup.freeze", freeze ? "1" : "0");
}

static void freeze_op_unlink(FreezeOp *op) {
        for (FreezeOp **p = &freeze_ops; *p; p = &(*p)->next)
                if (*p == op) {
                        *p = op->next;
                        break;
                }
}

static void freeze_op_free(FreezeOp *op) {
        if (!op)
                return;
        freeze_op_unlink(op);
        sd_event_source_disable_unref(op->watch);
        sd_event_source_disable_unref(op->timer);
        safe_close(op->dir_fd);
        free(op);
}

/* The machine's frozen flag says what the freezer is now, whatever the outcome. */
static void freeze_op_finish(FreezeOp *op, int error) {
        Machine *m = op->machine;
        MachineDone done = op->done;
        void *userdata = op->userdata;

        if (error < 0 && op->freeze) {
                /* Half frozen is no state to leave a machine in: what froze runs again. */
                int r = freezer_write(op->dir_fd, op->v1, false);
                if (r < 0)
                        log_warning_errno(r, "Failed to thaw machine %s again after its freeze failed: %m", m->name);
                m->frozen = false;
        } else if (error >= 0)
                m->frozen = op->freeze;
        freeze_op_free(op);
        done(m->name, error, userdata);
}

/* True when the operation finished (and op is gone). */
static bool freeze_op_progress(FreezeOp *op) {
        int r = freeze_op_check(op);

        if (r == 0 && now_monotonic() < op->deadline)
                return false;
        freeze_op_finish(op, r < 0 ? r : r > 0 ? 0 : -ETIMEDOUT);
        return true;
}

static int on_events_changed(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        freeze_op_progress(userdata);
        return 0;
}

static int on_freeze_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        FreezeOp *op = userdata;
        int r;

        if (freeze_op_progress(op))
                return 0;
        /* Not there yet: a v1 freezer is looked at again after a while (cgroup2 is watched). */
        r = sd_event_source_set_time(s, MIN(now_monotonic() + V1_POLL_USEC, op->deadline));
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0)
                freeze_op_finish(op, r);
        return 0;
}

/* The cgroup2 side is watched before the write, so that no change of cgroup.events is missed. */
static int freeze_op_arm(FreezeOp *op, sd_event *event, const char *cgroup) {
        int r;

        if (!op->v1) {
                _cleanup_free_ char *dir = NULL, *events = NULL;

                r = cgroup_unified_path(cgroup, &dir);
                if (r < 0)
                        return r;
                events = strjoin(dir, "/cgroup.events");
                if (!events)
                        return -ENOMEM;
                r = sd_event_add_inotify(event, &op->watch, events, IN_MODIFY, on_events_changed, op);
                if (r < 0)
                        return r;
        }
        return sd_event_add_time(event, &op->timer, CLOCK_MONOTONIC,
                                 op->v1 ? now_monotonic() + V1_POLL_USEC : op->deadline, 0, on_freeze_timer, op);
}

int cgroupfs_freeze(Machine *m, bool freeze, MachineDone done, void *userdata) {
        FreezeOp *op;
        bool v1 = false;
        int fd, r;

        if (!m->cgroup || streq(m->cgroup, "/"))
                return -ENXIO;
        fd = freezer_open(m, &v1);
        if (fd < 0)
                return fd;
        op = calloc(1, sizeof(*op));
        if (!op) {
                safe_close(fd);
                return -ENOMEM;
        }
        *op = (FreezeOp) { .machine = m, .freeze = freeze, .v1 = v1, .dir_fd = fd, .done = done,
                           .userdata = userdata, .deadline = now_monotonic() + FREEZE_TIMEOUT_USEC };
        op->next = freeze_ops;
        freeze_ops = op;

        r = freeze_op_arm(op, m->manager->event, m->cgroup);
        if (r >= 0)
                r = freezer_write(fd, v1, freeze);
        /* Thawed means every process runs: also those a v1 freezer holds (frozen by a machined that
         * used it, or by hand), where cgroup2 is what freezes here. */
        if (r >= 0 && !freeze && !v1) {
                int k = cgroupfs_thaw_v1(m);
                if (k < 0)
                        log_debug_errno(k, "Failed to thaw the v1 freezer of machine %s, ignoring: %m", m->name);
        }
        if (r < 0) {
                freeze_op_free(op);
                return r;
        }
        /* Already there (an empty cgroup, a second freeze, a thaw of a running machine): at once. */
        r = freeze_op_check(op);
        if (r != 0)
                freeze_op_finish(op, r < 0 ? r : 0);
        return 0;
}

void cgroupfs_freeze_cancel(Machine *m) {
        for (FreezeOp *op = freeze_ops, *next; op; op = next) {
                next = op->next;
                if (op->machine == m)
                        freeze_op_free(op);
        }
}

int cgroupfs_thaw_v1(Machine *m) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        int r;

        if (!m->cgroup || streq(m->cgroup, "/"))
                return 0;
        fd = open_v1_dir(m->cgroup);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        r = read_small_file_at(fd, "freezer.state", 4096, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (freezer_v1_parse_state(text) == FREEZER_RUNNING)
                return 0;
        return write_string_file_at(fd, "freezer.state", "THAWED");
}
