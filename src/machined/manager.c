/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "leader.h"
#include "log.h"
#include "machine-name.h"
#include "machine-validate.h"
#include "machine-state.h"
#include "manager.h"
#include "operation.h"
#include "process-util.h"
#include "scope-gc.h"
#include "string-util.h"
#include "unit-property.h"

static int mkdir_p(const char *path, mode_t mode) {
        char buf[4096];

        if ((size_t) snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
                return -ENAMETOOLONG;
        for (char *p = buf + 1;; p++) {
                if (*p != '/' && *p != 0)
                        continue;
                char c = *p;
                *p = 0;
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = c;
                if (!c)
                        return 0;
        }
}

int manager_new(const char *state_dir, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(Manager));
        int r;

        if (!m)
                return -ENOMEM;
        m->state_dir_fd = -EBADF;
        m->cgroup = &cgroup_backend_cgroupfs;
        m->state_dir = strdup(state_dir);
        if (!m->state_dir)
                return -ENOMEM;
        r = mkdir_p(state_dir, 0755);
        if (r < 0)
                return r;
        m->state_dir_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->state_dir_fd < 0)
                return -errno;
        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static void manager_unlink(Manager *m, Machine *machine) {
        if (machine->prev)
                machine->prev->next = machine->next;
        else
                m->machines = machine->next;
        if (machine->next)
                machine->next->prev = machine->prev;
        machine->prev = machine->next = NULL;
        m->n_machines--;
}

static void manager_link(Manager *m, Machine *machine) {
        machine->manager = m;
        machine->prev = NULL;
        machine->next = m->machines;
        if (m->machines)
                m->machines->prev = machine;
        m->machines = machine;
        m->n_machines++;
}

int manager_add_observer(Manager *m, const MachineObserverOps *ops, void *userdata) {
        MachineObserver **tail = &m->observers;
        MachineObserver *o = calloc(1, sizeof(*o));

        if (!o)
                return -ENOMEM;
        o->ops = ops;
        o->userdata = userdata;
        while (*tail)
                tail = &(*tail)->next;
        *tail = o;
        return 0;
}

static void manager_notify(Manager *m, Machine *machine, bool added) {
        for (MachineObserver *o = m->observers; o; o = o->next) {
                void (*f)(Manager *, Machine *, void *) = added ? o->ops->added : o->ops->removed;
                if (f)
                        f(m, machine, o->userdata);
        }
}

/* The transports go first (the bus flushes what it still has to send); then the machines, without
 * touching their state files: a stopping machined keeps them for the next one. A registration still
 * opening is dropped at the back end; nobody is left to answer. */
Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* Before the transports: an operation holds its call (and so the bus connection). */
        operation_free_all(m);
        while (m->observers) {
                MachineObserver *o = m->observers;
                m->observers = o->next;
                if (o->ops->detach)
                        o->ops->detach(m, o->userdata);
                free(o);
        }
        while (m->machines) {
                Machine *machine = m->machines;
                manager_unlink(m, machine);
                /* Not only an opening: a freeze may be in flight too. */
                if (m->cgroup->cancel)
                        m->cgroup->cancel(machine);
                manager_freeze_abort(m, machine);
                sd_event_source_disable_unref(machine->leader_event);
                machine_free(machine);
        }
        if (m->cgroup->shutdown)
                m->cgroup->shutdown(m);
        scope_watches_free(m);
        sd_event_unref(m->event);
        safe_close(m->state_dir_fd);
        free(m->state_dir);
        free(m);
        return NULL;
}

Machine *manager_get_machine(Manager *m, const char *name) {
        for (Machine *i = m->machines; i; i = i->next)
                if (streq(i->name, name))
                        return i;
        return NULL;
}

Machine *manager_get_machine_by_leader(Manager *m, pid_t pid) {
        for (Machine *i = m->machines; i; i = i->next)
                if (i->leader == pid)
                        return i;
        return NULL;
}

int manager_get_machine_by_pid(Manager *m, pid_t pid, Machine **ret) {
        _cleanup_free_ char *cg = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        Machine *machine;
        int r;

        machine = manager_get_machine_by_leader(m, pid);
        if (machine && manager_machine_gc(m, machine)) {
                *ret = machine;
                return 0;
        }
        pidfd = pidfd_open_(pid);
        if (pidfd < 0)
                return pidfd == -EINVAL ? -ENXIO : pidfd;
        r = m->cgroup->pid_get_cgroup(pid, pidfd, &cg);
        if (r == -ENOMEDIUM)
                return -ENXIO;
        if (r < 0)
                return r;
        for (Machine *i = m->machines; i; i = i->next)
                if (i->cgroup && !streq(i->cgroup, "/") && cgroup_path_startswith(cg, i->cgroup)) {
                        *ret = i;
                        return 0;
                }
        return -ENXIO;
}

static void remove_machine(Manager *m, Machine *machine, bool kill, int opening_error);

static int on_leader_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Machine *machine = userdata;

        log_debug("Leader %d of machine %s exited.", (int) machine->leader, machine->name);
        remove_machine(machine->manager, machine, true, -ESRCH);
        return 0;
}

bool manager_machine_gc(Manager *m, Machine *machine) {
        int r = pidfd_send_signal_(machine->leader_pidfd, 0);

        /* Only ESRCH says the leader is gone; a check that fails otherwise says nothing about it. */
        if (r != -ESRCH)
                return true;
        remove_machine(m, machine, true, -ESRCH);
        return false;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static bool unit_in_use(Manager *m, const char *unit) {
        if (isempty(unit))
                return false;
        for (Machine *i = m->machines; i; i = i->next)
                if (streq(i->unit, unit))
                        return true;
        return false;
}

/* Checked before the leader is moved: undoing a move cannot be done without killing the scope. */
static int scope_unit_in_use(Manager *m, const char *name) {
        _cleanup_free_ char *p = machine_cgroup_path(name);

        if (!p)
                return -ENOMEM;
        return unit_in_use(m, strrchr(p, '/') + 1) ? -EADDRINUSE : 0;
}

/* Watching and linking: the part shared by new and re-adopted machines. */
static int manager_track_machine(Manager *m, Machine *machine) {
        int r;

        r = sd_event_add_io(m->event, &machine->leader_event, machine->leader_pidfd, EPOLLIN,
                            on_leader_exit, machine);
        if (r < 0)
                return r;
        manager_link(m, machine);
        return 0;
}

static void manager_untrack_machine(Manager *m, Machine *machine) {
        manager_unlink(m, machine);
        machine->leader_event = sd_event_source_disable_unref(machine->leader_event);
}

/* Checked again by the registration itself: a transport that forgot a check must not get past it. */
static bool machine_request_is_valid(const MachineRequest *req) {
        return machine_name_is_registrable(req->name) &&
                machine_service_is_valid(req->service) &&
                req->class >= 0 && req->class < _MACHINE_CLASS_MAX &&
                machine_root_directory_is_valid(req->root_directory) &&
                req->n_ifindices <= MACHINE_NETIF_MAX &&
                machine_ifindices_are_valid(req->ifindices, req->n_ifindices) &&
                req->leader > 1 && req->leader != getpid();
}

/* The rules on who may be registered: the name is free, and the leader is a process (not a thread)
 * that is no machine's yet. Returns the leader's pidfd. */
static int check_request(Manager *m, const MachineRequest *req, RegisterFailure *failure) {
        _cleanup_close_ int pidfd = -EBADF;
        Machine *other;
        int r;

        if (!machine_request_is_valid(req))
                return -EINVAL;
        other = manager_get_machine(m, req->name);
        if (other && manager_machine_gc(m, other))
                return -EEXIST;
        other = manager_get_machine_by_leader(m, req->leader);
        if (other && manager_machine_gc(m, other)) {
                failure->other = other->name;
                return -EBUSY;
        }
        /* Only ESRCH says the leader does not exist; anything else (EMFILE, ENOMEM, a seccomp filter)
         * says why it could not be checked. A thread has no pidfd of its own: older kernels say EINVAL,
         * newer ones (6.18 here) ENOENT. */
        pidfd = pidfd_open_(req->leader);
        if (pidfd == -EINVAL || pidfd == -ENOENT)
                return -ECHILD;
        if (pidfd < 0) {
                if (pidfd != -ESRCH)
                        failure->step = REGISTER_STEP_LEADER;
                return pidfd;
        }
        /* A process that belongs to another machine (not only its leader) cannot be taken from it. */
        r = manager_get_machine_by_pid(m, req->leader, &other);
        if (r >= 0 && manager_machine_gc(m, other)) {
                failure->other = other->name;
                return -EXDEV;
        }
        if (r < 0 && r != -ENXIO && r != -ESRCH) {
                failure->step = REGISTER_STEP_LOOKUP;
                return r;
        }
        return TAKE_FD(pidfd);
}

static int machine_from_request(const MachineRequest *req, Machine **ret) {
        _cleanup_(machine_freep) Machine *machine = NULL;
        int r;

        r = machine_new(req->name, &machine);
        if (r < 0)
                return r;
        machine->leader = req->leader;
        machine->id = req->id;
        machine->class = req->class;
        if ((r = machine_set_string(&machine->service, req->service)) < 0 ||
            (r = machine_set_string(&machine->root_directory, req->root_directory)) < 0 ||
            (r = machine_set_netif(machine, req->ifindices, req->n_ifindices)) < 0 ||
            (r = unit_properties_copy(req->properties, &machine->properties)) < 0)
                return r;
        *ret = TAKE_PTR(machine);
        return 0;
}

/* The back end is done: the machine runs (unless a terminate came first), and whoever registered it
 * hears so. */
static void machine_opened(Manager *m, Machine *machine) {
        MachineDone done = machine->opening_done;
        int r;

        machine->opening_done = NULL;
        if (machine->state == MACHINE_OPENING)
                machine->state = MACHINE_RUNNING;
        r = machine_state_save(m->state_dir_fd, machine);
        if (r < 0)
                log_warning_errno(r, "Failed to write the state file of machine %s, ignoring: %m", machine->name);
        log_info("New machine %s (leader %d, unit %s).", machine->name, (int) machine->leader,
                 isempty(machine->unit) ? "none" : machine->unit);
        if (done)
                done(machine->name, 0, machine->opening_userdata);
}

static void on_scope_created(const char *name, int error, void *userdata) {
        Machine *machine = userdata;
        Manager *m = machine->manager;

        if (error < 0) {
                log_warning_errno(error, "Failed to place machine %s in its scope: %m", name);
                /* Not killed: the leader is the caller's, who hears of the failure. */
                remove_machine(m, machine, false, error);
                return;
        }
        if (machine->own_cgroup)
                manager_forget_scope(m, machine->cgroup);
        machine_opened(m, machine);
}

/* CreateMachine: linked while the back end works, so that its name and leader are taken. */
static int register_create(Manager *m, Machine *machine_arg, RegisterFailure *failure) {
        _cleanup_(machine_freep) Machine *machine = machine_arg;
        int r;

        r = scope_unit_in_use(m, machine->name);
        if (r < 0)
                return r;
        r = manager_track_machine(m, machine);
        if (r < 0)
                return r;
        r = m->cgroup->create_scope(machine, on_scope_created, machine);
        if (r < 0) {
                /* What a failed move could not put back keeps the scope; it goes once empty. */
                _cleanup_free_ char *rel = unit_properties_scope_path(machine->properties, machine->name);
                _cleanup_free_ char *abs = rel ? strjoin("/", rel) : NULL;

                if (machine->opening_error)
                        snprintf(failure->detail, sizeof(failure->detail), "%s", machine->opening_error);
                manager_untrack_machine(m, machine);
                if (abs)
                        (void) manager_collect_scope(m, abs, true);
                return r;
        }
        /* Done at once (cgroupfs) or later: the state file says which, for a machined that restarts. */
        if (machine->state == MACHINE_OPENING) {
                r = machine_state_save(m->state_dir_fd, machine);
                if (r < 0)
                        log_warning_errno(r, "Failed to write the state file of machine %s, ignoring: %m",
                                          machine->name);
        }
        manager_notify(m, TAKE_PTR(machine), true);
        return 0;
}

/* RegisterMachine: the machine is the unit its leader lives in already; nothing to wait for. */
static int register_adopt(Manager *m, Machine *machine_arg) {
        _cleanup_(machine_freep) Machine *machine = machine_arg;
        int r;

        r = m->cgroup->adopt_unit(machine);
        if (r >= 0 && unit_in_use(m, machine->unit))
                r = -EADDRINUSE;
        if (r < 0)
                return r;
        r = manager_track_machine(m, machine);
        if (r < 0)
                return r;
        manager_notify(m, machine, true);
        machine_opened(m, TAKE_PTR(machine));
        return 0;
}

static int register_machine(Manager *m, const MachineRequest *req, int pidfd_arg, MachineDone done,
                            void *userdata, RegisterFailure *failure) {
        _cleanup_(machine_freep) Machine *machine = NULL;
        _cleanup_close_ int pidfd = pidfd_arg;
        int r;

        r = machine_from_request(req, &machine);
        if (r < 0)
                return r;
        machine->leader_pidfd = TAKE_FD(pidfd);
        r = leader_get_starttime(machine->leader, machine->leader_pidfd, &machine->leader_starttime);
        if (r < 0)
                return r;
        machine->realtime = now_usec(CLOCK_REALTIME);
        machine->monotonic = now_usec(CLOCK_MONOTONIC);
        machine->opening_done = done;
        machine->opening_userdata = userdata;
        if (req->create_scope)
                return register_create(m, TAKE_PTR(machine), failure);
        return register_adopt(m, TAKE_PTR(machine));
}

int manager_register_machine(Manager *m, const MachineRequest *req, MachineDone done, void *userdata,
                             RegisterFailure *failure) {
        RegisterFailure ignored;
        int r;

        if (!failure)
                failure = &ignored;
        *failure = (RegisterFailure) { .step = REGISTER_STEP_RULES };
        r = check_request(m, req, failure);
        if (r < 0)
                return r;
        failure->step = REGISTER_STEP_ADD;
        r = register_machine(m, req, r, done, userdata, failure);
        /* The leader died on the way, or the unit turned out to be another machine's. */
        if (r == -ESRCH || r == -EADDRINUSE)
                failure->step = REGISTER_STEP_RULES;
        return r;
}

/* The scope machined made for a machine that goes: with kill, what is left in it is killed; in any
 * case it is removed once empty (now, or when its last process leaves). */
static void manager_release_scope(Manager *m, Machine *machine, bool kill) {
        int r;

        if (!machine->own_cgroup)
                return;
        if (kill) {
                r = m->cgroup->remove_scope(machine, true);
                if (r >= 0)
                        return;
                log_warning_errno(r, "Failed to remove cgroup %s, collecting it once empty: %m", machine->cgroup);
        }
        r = manager_collect_scope(m, machine->cgroup, false);
        if (r < 0)
                log_warning_errno(r, "Failed to watch cgroup %s, ignoring: %m", machine->cgroup);
        else if (!kill && scope_watch_pending(m, machine->cgroup))
                log_notice("Machine %s unregistered; its cgroup %s still has processes and goes when they end.",
                           machine->name, machine->cgroup);
}

static void remove_machine(Manager *m, Machine *machine, bool kill, int opening_error) {
        MachineDone done = machine->opening_done;
        int r;

        machine->opening_done = NULL;
        /* Not only an opening: a freeze may be in flight too, and its caller hears the end. */
        if (m->cgroup->cancel)
                m->cgroup->cancel(machine);
        manager_freeze_abort(m, machine);
        manager_untrack_machine(m, machine);
        r = machine_state_remove(m->state_dir_fd, machine);
        if (r < 0)
                log_warning_errno(r, "Failed to remove the state file of machine %s, ignoring: %m", machine->name);
        manager_release_scope(m, machine, kill);
        log_info("Machine %s removed.", machine->name);
        manager_notify(m, machine, false);
        if (done)
                done(machine->name, opening_error, machine->opening_userdata);
        machine_free(machine);
}

void manager_remove_machine(Manager *m, Machine *machine, bool kill) {
        remove_machine(m, machine, kill, -ECANCELED);
}

int manager_terminate_machine(Manager *m, Machine *machine, MachineDone done, void *userdata) {
        MachineState previous = machine->state;
        int r;

        machine->state = MACHINE_CLOSING;
        if (machine->cgroup)
                r = m->cgroup->terminate(machine, done, userdata);
        else {
                r = pidfd_send_signal_(machine->leader_pidfd, SIGKILL);
                if (r == -ESRCH)
                        r = 0;
                if (r >= 0)
                        done(machine->name, 0, userdata);
        }
        if (r < 0) {
                machine->state = previous;
                return r;
        }
        if (previous != MACHINE_CLOSING) {
                r = machine_state_save(m->state_dir_fd, machine);
                if (r < 0)
                        log_warning_errno(r, "Failed to write the state file of machine %s, ignoring: %m",
                                          machine->name);
        }
        return 0;
}

int manager_kill_machine(Manager *m, Machine *machine, KillWhom whom, int sig, MachineDone done,
                         void *userdata) {
        int r;

        if (whom == KILL_ALL && machine->cgroup)
                return m->cgroup->kill(machine, sig, done, userdata);
        r = pidfd_send_signal_(machine->leader_pidfd, sig);
        if (r < 0 && r != -ESRCH)
                return r;
        done(machine->name, 0, userdata);
        return 0;
}

/* A machine whose state file is not used. With kill_scope (its leader is gone), what is left in the
 * scope machined made for it is killed; without, the scope is only collected once empty. */
static void drop_stale(Manager *m, Machine *machine, bool kill_scope, const char *why) {
        log_info("Dropping machine %s: %s.", machine->name, why);
        (void) machine_state_remove(m->state_dir_fd, machine);
        manager_release_scope(m, machine, kill_scope);
}

/* The leader cannot be checked now (EMFILE, ENOMEM, a seccomp filter, ...): that says nothing about
 * the machine, so its state file and cgroup stay for a later machined, and it is not adopted. */
static int keep_unchecked(Machine *machine, int error, const char *what) {
        log_warning_errno(error, "Not adopting machine %s now (its state file and cgroup stay): failed to %s: %m",
                          machine->name, what);
        return 0;
}

/* 1 when the leader still lives in the machine's unit. The scope machined made is checked by path
 * (the state file reader accepts no other own cgroup); for any other unit, the unit is derived again
 * from the live leader and must be the recorded one: the state file's CGROUP is not what gets killed. */
static int leader_in_unit(Manager *m, Machine *machine) {
        _cleanup_free_ char *recorded = NULL;
        int r;

        if (machine->own_cgroup)
                return m->cgroup->leader_in_unit(machine);
        recorded = TAKE_PTR(machine->unit);
        machine->unit = strdup("");
        free(machine->cgroup);
        machine->cgroup = NULL;
        if (!machine->unit)
                return -ENOMEM;
        r = m->cgroup->adopt_unit(machine);
        if (r < 0)
                return r;
        return streq(recorded, machine->unit);
}

static int manager_adopt(Manager *m, const char *name) {
        _cleanup_(machine_freep) Machine *machine = NULL;
        uint64_t starttime;
        int r;

        r = machine_state_load(m->state_dir_fd, name, &machine);
        if (r < 0) {
                /* Its scope, if machined made one, is found by the sweep. */
                log_warning_errno(r, "Removing unreadable or untrusted state file %s/%s: %m", m->state_dir, name);
                (void) unlinkat(m->state_dir_fd, name, 0);
                return 0;
        }
        if (machine->own_cgroup && m->cgroup->scope_is_ours(machine->cgroup) <= 0)
                machine->own_cgroup = false; /* Not the scope machined made: not ours to remove. */
        if (manager_get_machine(m, name) || manager_get_machine_by_leader(m, machine->leader)) {
                machine->own_cgroup = false; /* The leader may live there: leave the cgroup. */
                drop_stale(m, machine, false, "its leader leads another machine");
                return 0;
        }
        if (machine->leader_starttime == 0) {
                /* Without it a recycled pid cannot be told from the leader: nothing is killed. */
                drop_stale(m, machine, false, "its leader's start time is not recorded, so the leader cannot be checked");
                return 0;
        }
        r = pidfd_open_(machine->leader);
        if (r == -ESRCH) {
                drop_stale(m, machine, true, "its leader is gone");
                return 0;
        }
        if (r < 0)
                return keep_unchecked(machine, r, "open a pidfd for its leader");
        machine->leader_pidfd = r;
        r = leader_get_starttime(machine->leader, machine->leader_pidfd, &starttime);
        if (r == -ESRCH || (r >= 0 && starttime != machine->leader_starttime)) {
                /* The leader died and its pid went to a process elsewhere: a scope machined made for
                 * the machine holds only what is left of it, and goes like any dead machine's. */
                drop_stale(m, machine, true, "its leader is gone (the pid was reused)");
                return 0;
        }
        if (r < 0)
                return keep_unchecked(machine, r, "read its leader's start time");
        r = leader_in_unit(m, machine);
        if (r == -ESRCH) {
                drop_stale(m, machine, true, "its leader is gone");
                return 0;
        }
        if (r < 0)
                return keep_unchecked(machine, r, "read its leader's cgroup");
        if (r == 0) {
                drop_stale(m, machine, false, "its leader left the machine's unit");
                return 0;
        }
        /* Whatever it was opening for is done (its leader lives in its unit); a terminate stands. */
        if (machine->state != MACHINE_CLOSING)
                machine->state = MACHINE_RUNNING;
        machine->freezer_state = machine->frozen ? FREEZER_FROZEN : FREEZER_RUNNING;
        r = manager_track_machine(m, machine);
        if (r < 0)
                return r;
        log_info("Re-adopted machine %s (leader %d, %s).", machine->name, (int) machine->leader,
                 machine_state_to_string(machine->state));
        TAKE_PTR(machine);
        return 0;
}

/* Removes leftovers: temporary files of an interrupted write, unit links to machines that are gone. */
static void manager_clean_state_dir(Manager *m, DIR *d) {
        rewinddir(d);
        for (struct dirent *de; (de = readdir(d));) {
                char target[256];
                ssize_t n;

                if (startswith(de->d_name, ".#")) {
                        (void) unlinkat(m->state_dir_fd, de->d_name, 0);
                        continue;
                }
                if (!startswith(de->d_name, "unit:"))
                        continue;
                n = readlinkat(m->state_dir_fd, de->d_name, target, sizeof(target) - 1);
                if (n < 0)
                        continue;
                target[n] = 0;
                if (!manager_get_machine(m, target))
                        (void) unlinkat(m->state_dir_fd, de->d_name, 0);
        }
}

int manager_load_machines(Manager *m) {
        DIR *d;
        int r = opendir_fd(m->state_dir_fd, &d);

        if (r < 0)
                return r;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_type == DT_REG && streq(de->d_name, "self")) {
                        /* "self" names the caller's machine on the bus: sd-login readers would list it. */
                        log_warning("Removing the state file of a machine named 'self' (a reserved name).");
                        (void) unlinkat(m->state_dir_fd, de->d_name, 0);
                        continue;
                }
                if (de->d_type != DT_REG || !machine_name_is_valid(de->d_name))
                        continue;
                r = manager_adopt(m, de->d_name);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                manager_clean_state_dir(m, d);
        closedir(d);
        if (r < 0)
                return r;
        r = manager_sweep_scopes(m);
        if (r < 0)
                log_warning_errno(r, "Failed to sweep the scopes machined made, ignoring: %m");
        return 0;
}
