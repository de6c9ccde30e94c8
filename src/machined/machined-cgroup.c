/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "machined-cgroup.h"
#include "process-util.h"
#include "string-util.h"
#include "unit-property.h"

#define KILL_DEPTH_MAX 32

int cgroup_parse_proc_unified(const char *text, char **ret) {
        for (const char *l = text; l && *l;) {
                const char *e = strchrnul(l, '\n');

                if (startswith(l, "0::")) {
                        char *r = strndup(l + 3, (size_t) (e - l - 3));
                        if (!r)
                                return -ENOMEM;
                        *ret = r;
                        return 0;
                }
                l = *e ? e + 1 : e;
        }
        return -ENOMEDIUM;
}

static bool endswith_n(const char *s, size_t n, const char *suffix) {
        size_t l = strlen(suffix);
        return n >= l && memcmp(s + n - l, suffix, l) == 0;
}

int cgroup_path_get_unit(const char *path, char **ret_unit, char **ret_unit_path) {
        const char *unit = NULL, *last = NULL;
        size_t unit_len = 0, last_len = 0;
        bool in_slices = true;

        if (!path || path[0] != '/')
                return -EINVAL;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *e = strchrnul(p, '/');
                size_t l = (size_t) (e - p);
                /* As systemd's cg_path_get_unit(): the first component below the slices. A guest's own
                 * units (payload/init.scope) lie deeper and do not count. */
                if (in_slices && !endswith_n(p, l, ".slice")) {
                        in_slices = false;
                        if (endswith_n(p, l, ".scope") || endswith_n(p, l, ".service")) {
                                unit = p;
                                unit_len = l;
                        }
                }
                last = p;
                last_len = l;
                p = e;
        }
        if (!unit && last && !endswith_n(last, last_len, ".slice")) {
                unit = last;
                unit_len = last_len;
        }
        if (!unit)
                return -ENXIO;

        _cleanup_free_ char *u = strndup(unit, unit_len);
        char *unit_path = strndup(path, (size_t) (unit - path) + unit_len);
        if (!u || !unit_path) {
                free(unit_path);
                return -ENOMEM;
        }
        *ret_unit = TAKE_PTR(u);
        *ret_unit_path = unit_path;
        return 0;
}

bool cgroup_path_startswith(const char *path, const char *prefix) {
        size_t l = strlen(prefix);

        if (!path || strncmp(path, prefix, l) != 0)
                return false;
        return path[l] == 0 || path[l] == '/' || streq(prefix, "/");
}

static int cgroupfs_pid_get_cgroup(pid_t pid, int pidfd, char **ret) {
        _cleanup_free_ char *text = NULL;
        char p[64];
        int r;

        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) pid);
        r = read_small_file_at(AT_FDCWD, p, 64 * 1024, &text);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        /* Read first, check after: if the pidfd's process still lives, the file was its. */
        if (pidfd >= 0) {
                r = pidfd_send_signal_(pidfd, 0);
                if (r < 0)
                        return r; /* Only ESRCH says that it is gone. */
        }
        return cgroup_parse_proc_unified(text, ret);
}

static int scope_mark(int dir_fd) {
        if (fsetxattr(dir_fd, MACHINED_SCOPE_XATTR, "1", 1, 0) < 0)
                return -errno;
        return 0;
}

static int cgroupfs_scope_is_ours(const char *cgroup) {
        _cleanup_free_ char *p = NULL;
        char v[8];
        int r;

        r = cgroup_unified_path(cgroup, &p);
        if (r < 0)
                return r;
        ssize_t n = getxattr(p, MACHINED_SCOPE_XATTR, v, sizeof(v));
        if (n < 0)
                return errno == ENODATA ? 0 : -errno;
        return n == 1 && v[0] == '1';
}

/* Puts every process of the scope into the cgroup "to" (absolute in the hierarchy). */
static int scope_move_out(int scope_fd, const char *root, const char *to) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        int r, ret = 0;

        r = cgroup_read_pids(scope_fd, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                r = cgroup_attach(root, to + 1, pids[i]);
                if (r < 0 && r != -ESRCH && ret == 0)
                        ret = r;
        }
        return ret;
}

/* The v1 hierarchies of hybrid hosts whose controllers the properties may need. */
static bool v1_hierarchy_wanted(const CgroupV1Hierarchy *h) {
        static const char *const controllers[] = { "memory", "pids", "cpu", "cpuset", "blkio" };

        for (size_t k = 0; k < ELEMENTSOF(controllers); k++)
                if (cgroup_v1_hierarchy_has(h, controllers[k]))
                        return true;
        return false;
}

void cgroupfs_remove_v1(const char *cgroup, bool kill) {
        CgroupV1Hierarchy *h = NULL;
        size_t n = 0;
        char p[4096];

        if (!cgroup || cgroup_v1_hierarchies(&h, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                snprintf(p, sizeof(p), "%s%s", h[i].mount_point, cgroup);
                if (kill ? cgroup_kill_and_remove(h[i].mount_point, cgroup + 1) >= 0 : rmdir(p) >= 0 || errno == ENOENT)
                        cgroup_trim_slices(h[i].mount_point, cgroup);
        }
        cgroup_v1_hierarchies_free(h, n);
}

/* The leader's path in the v1 hierarchy with these controllers, from /proc/PID/cgroup text. */
static char *v1_path_of(const char *proc_cgroup, const char *controllers) {
        for (const char *l = proc_cgroup; l && *l;) {
                const char *e = strchrnul(l, '\n'), *a = strchr(l, ':'), *b = a && a < e ? strchr(a + 1, ':') : NULL;
                if (b && b < e && (size_t) (b - a - 1) == strlen(controllers) && strncmp(a + 1, controllers, b - a - 1) == 0)
                        return strndup(b + 1, (size_t) (e - b - 1));
                l = *e ? e + 1 : e;
        }
        return strdup("/");
}

/* On hybrid hosts the limits of a scope with properties live in v1 controllers: the scope is made
 * there too and gets the leader, which goes back where it was if a move fails. The limits are on the
 * scope before the leader enters it. */
static int own_scope_limit(Machine *m, const char *rel, char **ret_error) {
        CgroupV1Hierarchy *h = NULL;
        size_t n = 0;
        int r;

        if (!unit_properties_has_limits(m->properties))
                return 0;
        r = cgroup_v1_hierarchies(&h, &n);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (v1_hierarchy_wanted(&h[i])) {
                        unsigned made;
                        r = cgroup_v1_create(&h[i], rel, &made);
                }
        cgroup_v1_hierarchies_free(h, n);
        if (r >= 0)
                r = unit_properties_apply_cgroupfs_full(m->properties, rel, 0, ret_error);
        return r;
}

static int own_scope_enter_v1(Machine *m, const char *rel) {
        _cleanup_free_ char *before = NULL;
        CgroupV1Hierarchy *h = NULL;
        size_t n = 0, moved = 0;
        char p[64];
        int r;

        if (!unit_properties_has_limits(m->properties))
                return 0;
        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) m->leader);
        r = read_small_file_at(AT_FDCWD, p, 64 * 1024, &before);
        if (r >= 0)
                r = cgroup_v1_hierarchies(&h, &n);
        for (; r >= 0 && moved < n; moved++)
                if (v1_hierarchy_wanted(&h[moved]))
                        r = cgroup_attach(h[moved].mount_point, rel, m->leader);
        if (r < 0)
                for (size_t i = 0; i < moved; i++) {
                        _cleanup_free_ char *back = v1_hierarchy_wanted(&h[i]) ? v1_path_of(before, h[i].controllers) : NULL;
                        if (back)
                                (void) cgroup_attach(h[i].mount_point, back + 1, m->leader);
                }
        cgroup_v1_hierarchies_free(h, n);
        return r;
}

/* Makes the scope (marked as machined's while still empty: from then on, whatever happens, a
 * machined that finds it knows it is its own), limits it, and moves the leader in. */
static int own_scope_create(Machine *m, const char *root, const char *rel, const char *abs, const char *current) {
        _cleanup_free_ char *error = NULL, *path = strjoin(root, abs);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!path)
                return -ENOMEM;
        r = cgroup_create(root, rel, &fd);
        if (r < 0)
                return r;
        r = scope_mark(fd);
        if (r >= 0)
                r = own_scope_limit(m, rel, &error);
        if (r >= 0)
                r = cgroup_attach(root, rel, m->leader);
        if (r >= 0)
                r = own_scope_enter_v1(m, rel);
        if (r >= 0)
                /* Moved by pid: if the pidfd's process died before the write, the pid may have named
                 * a new, innocent process. It is not killed (nothing proves it is ours): whatever the
                 * move took goes back to the cgroup the leader was in, and the empty scope goes. What
                 * cannot be moved back stays, and the scope is collected once empty. */
                r = pidfd_send_signal_(m->leader_pidfd, 0);
        if (r < 0) {
                (void) scope_move_out(fd, root, current);
                cgroupfs_remove_v1(abs, false);
                if (rmdir(path) >= 0)
                        cgroup_trim_slices(root, abs);
                if (error) {
                        free(m->opening_error);
                        m->opening_error = TAKE_PTR(error);
                }
        }
        return r;
}

static int cgroupfs_place(Machine *m) {
        _cleanup_free_ char *rel = unit_properties_scope_path(m->properties, m->name), *abs = NULL, *current = NULL;
        _cleanup_free_ char *unit = NULL, *error = NULL;
        const char *root;
        int r;

        if (!rel)
                return -ENOMEM;
        r = cgroup_unified_root(&root);
        if (r < 0)
                return r;
        abs = strjoin("/", rel);
        unit = strdup(strrchr(rel, '/') + 1);
        if (!abs || !unit)
                return -ENOMEM;

        r = cgroupfs_pid_get_cgroup(m->leader, m->leader_pidfd, &current);
        if (r < 0)
                return r;
        if (cgroup_path_startswith(current, abs)) {
                /* Placed there already (nspawn runs the payload in scope/payload): whoever made it
                 * removes it. The limits go on it all the same, before the reply. */
                r = unit_properties_apply_cgroupfs_full(m->properties, abs, 0, &error);
                if (r < 0) {
                        free(m->opening_error);
                        m->opening_error = TAKE_PTR(error);
                        return r;
                }
                m->own_cgroup = false;
        } else {
                r = own_scope_create(m, root, rel, abs, current);
                if (r < 0)
                        return r;
                m->own_cgroup = true;
        }
        free(m->unit);
        m->unit = TAKE_PTR(unit);
        free(m->cgroup);
        m->cgroup = TAKE_PTR(abs);
        return 0;
}

static int cgroupfs_create_scope(Machine *m, MachineDone done, void *userdata) {
        int r = cgroupfs_place(m);

        if (r < 0)
                return r;
        done(m->name, 0, userdata);
        return 0;
}

static int cgroupfs_adopt_unit(Machine *m) {
        _cleanup_free_ char *current = NULL, *unit = NULL, *unit_path = NULL;
        int r;

        r = cgroupfs_pid_get_cgroup(m->leader, m->leader_pidfd, &current);
        if (r == -ENOMEDIUM)
                return 0; /* No cgroup2 hierarchy: no unit. */
        if (r < 0)
                return r;
        r = cgroup_path_get_unit(current, &unit, &unit_path);
        if (r == -ENXIO)
                return 0; /* The root cgroup. */
        if (r < 0)
                return r;
        free(m->unit);
        m->unit = TAKE_PTR(unit);
        free(m->cgroup);
        m->cgroup = TAKE_PTR(unit_path);
        m->own_cgroup = false;
        return 0;
}

static int cgroupfs_leader_in_unit(Machine *m) {
        _cleanup_free_ char *current = NULL;
        int r;

        if (!m->cgroup)
                return isempty(m->unit);
        r = cgroupfs_pid_get_cgroup(m->leader, m->leader_pidfd, &current);
        if (r < 0)
                return r;
        return cgroup_path_startswith(current, m->cgroup);
}

static int kill_recursive(int dir_fd, int sig, unsigned depth) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        int r, ret = 0;
        DIR *d;

        if (depth > KILL_DEPTH_MAX)
                return -ELOOP;
        r = cgroup_read_pids(dir_fd, &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (pids[i] > 1 && pids[i] != getpid() && kill(pids[i], sig) < 0 && errno != ESRCH && ret == 0)
                        ret = -errno;

        int k = opendir_fd(dir_fd, &d);
        if (k < 0)
                return k;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        continue;
                r = kill_recursive(sub, sig, depth + 1);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        closedir(d);
        return ret;
}

static int cgroupfs_kill_all(Machine *m, int sig) {
        _cleanup_free_ char *p = NULL, *self = NULL;
        _cleanup_close_ int dir = -EBADF;
        int r;

        /* The hierarchy's root is no machine's: killing it would kill the host. */
        if (!m->cgroup || streq(m->cgroup, "/"))
                return -ENXIO;
        r = cgroup_unified_path(m->cgroup, &p);
        if (r < 0)
                return r;
        dir = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        /* cgroup.kill is atomic against forks; the walk below is not. It would also take machined
         * itself where machined runs inside the machine's unit (a RegisterMachine'd unit that is
         * machined's own): the walk skips machined. */
        if (sig == SIGKILL && cgroupfs_pid_get_cgroup(getpid(), -EBADF, &self) >= 0 &&
            !cgroup_path_startswith(self, m->cgroup) && write_string_file_at(dir, "cgroup.kill", "1") >= 0)
                return 0;
        return kill_recursive(dir, sig, 0);
}

/* As systemd stops the machine's unit: all of it, not only the leader (a machine without a PID
 * namespace of its own does not die with its leader). A leader that is gone already is no failure. */
static int cgroupfs_terminate(Machine *m, MachineDone done, void *userdata) {
        int r, k;

        r = cgroupfs_kill_all(m, SIGKILL);
        k = pidfd_send_signal_(m->leader_pidfd, SIGKILL);
        if (r < 0 && r != -ESRCH && r != -ENOENT)
                return r;
        if (k < 0 && k != -ESRCH)
                return k;
        done(m->name, 0, userdata);
        return 0;
}

static int cgroupfs_kill(Machine *m, int sig, MachineDone done, void *userdata) {
        int r = cgroupfs_kill_all(m, sig);

        if (r < 0 && r != -ESRCH)
                return r;
        done(m->name, 0, userdata);
        return 0;
}

static int cgroupfs_remove_scope(Machine *m, bool kill) {
        _cleanup_free_ char *p = NULL;
        const char *root;
        int r;

        if (!m->own_cgroup || !m->cgroup)
                return 0;
        r = cgroup_unified_root(&root);
        if (r < 0)
                return r;
        if (kill) {
                r = cgroup_kill_and_remove(root, m->cgroup + 1);
                cgroupfs_remove_v1(m->cgroup, true);
                if (r >= 0)
                        cgroup_trim_slices(root, m->cgroup);
                return r;
        }
        cgroupfs_remove_v1(m->cgroup, false);
        p = strjoin(root, m->cgroup);
        if (!p)
                return -ENOMEM;
        if (rmdir(p) < 0 && errno != ENOENT)
                return -errno;
        cgroup_trim_slices(root, m->cgroup);
        return 0;
}

const CgroupBackend cgroup_backend_cgroupfs = {
        .name = "cgroupfs",
        .create_scope = cgroupfs_create_scope,
        .adopt_unit = cgroupfs_adopt_unit,
        .leader_in_unit = cgroupfs_leader_in_unit,
        .terminate = cgroupfs_terminate,
        .kill = cgroupfs_kill,
        .remove_scope = cgroupfs_remove_scope,
        .pid_get_cgroup = cgroupfs_pid_get_cgroup,
        .scope_is_ours = cgroupfs_scope_is_ours,
};
