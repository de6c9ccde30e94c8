/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf-devices.h"
#include "cgroup-util.h"
#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-cgroup.h"
#include "string-util.h"
#include "unit-property.h"

/* The cgroup2 path of our own process, from /proc/self/cgroup ("0::/path"), without the leading slash. */
static int own_cgroup_path(char **ret) {
        _cleanup_free_ char *s = NULL;
        int r = read_small_file_at(AT_FDCWD, "/proc/self/cgroup", 64 * 1024, &s);
        if (r < 0)
                return r;
        for (char *line = s, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, "0::/", 4) == 0) {
                        *ret = strdup(line + 4);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENOMEDIUM;
}

/* --keep-unit: stay in the caller's cgroup (a service with Delegate=yes), move ourselves into its
 * "supervisor" child and run the payload in its "payload" child, so that the service's own cgroup
 * holds no processes beside its children (cgroup2's rule for delegated trees). */
static int keep_unit_prepare(ContainerCgroup *c) {
        _cleanup_free_ char *own = NULL;
        _cleanup_close_ int base = -EBADF;
        char p[4096];
        int r;

        r = own_cgroup_path(&own);
        if (r < 0)
                return log_error_errno(r, _("Failed to find nspawn's own cgroup: %m"));
        if (isempty(own))
                return log_error_errno(-EINVAL, _("--keep-unit needs nspawn to run in a cgroup of its own, such as a service's."));
        snprintf(p, sizeof(p), "%s/%s", c->unified_root, own);
        base = open(p, O_DIRECTORY | O_CLOEXEC);
        if (base < 0)
                return log_error_errno(-errno, _("Failed to open cgroup %s: %m"), p);
        if (mkdirat(base, "supervisor", 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, _("Failed to create cgroup %s/supervisor: %m"), p);
        r = cgroup_attach(p, "supervisor", 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to move nspawn into %s/supervisor: %m"), p);
        c->scope = TAKE_PTR(own);
        c->policy_fd = TAKE_FD(base);
        return 0;
}

/* The cgroup2 side: the scope (locked) and its payload child. */
static int unified_create(ContainerCgroup *c, const char *machine) {
        int r;

        if (c->keep_unit)
                /* The service's cgroup is the service manager's: the lock is on our payload child. */
                r = cgroup_create_owned(c->unified_root, c->path, &c->lock_fd);
        else
                r = cgroup_create_owned(c->unified_root, c->scope, &c->lock_fd);
        if (r == -EBUSY)
                return log_error_errno(r, _("Machine '%s' is already running (its cgroup is in use)."), machine);
        if (r < 0)
                return log_error_errno(r, _("Failed to create cgroup %s/%s: %m"), c->unified_root,
                                       c->keep_unit ? c->path : c->scope);
        if (c->keep_unit)
                r = RET_NERRNO(c->fd = fcntl(c->lock_fd, F_DUPFD_CLOEXEC, 3));
        else {
                r = RET_NERRNO(c->policy_fd = fcntl(c->lock_fd, F_DUPFD_CLOEXEC, 3));
                if (r >= 0)
                        r = cgroup_create(c->unified_root, c->path, &c->fd);
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to create cgroup %s/%s: %m"), c->unified_root, c->path);
        return 0;
}

/* The v1 side: the scope and its payload child in every v1 hierarchy, with the device policy on the
 * devices hierarchy's scope when devices_v1. */
static int v1_create(ContainerCgroup *c, bool devices_v1, const DeviceRule *rules, size_t n_rules) {
        int r;

        r = cgroup_v1_hierarchies(&c->v1, &c->n_v1);
        if (r < 0)
                return log_error_errno(r, _("Failed to list the cgroup v1 hierarchies: %m"));
        c->v1_made = calloc(c->n_v1 ?: 1, sizeof(unsigned));
        if (!c->v1_made)
                return log_oom();
        for (size_t i = 0; i < c->n_v1; i++) {
                const char *mp = c->v1[i].mount_point;

                r = cgroup_v1_create(&c->v1[i], c->scope, &c->v1_made[i]);
                if (r == -EBUSY && (c->keep_unit || c->systemd))
                        r = 0;  /* the service's own cgroup or systemd's scope: not ours to empty */
                if (r >= 0)
                        /* A payload left by a killed launcher would keep the policy from being set. */
                        r = cgroup_kill_and_remove(mp, c->path);
                if (r >= 0 && devices_v1 && cgroup_v1_hierarchy_has(&c->v1[i], "devices"))
                        r = cgroup_v1_devices_setup(mp, c->scope, rules, n_rules);
                if (r >= 0) {
                        unsigned made;
                        r = cgroup_v1_create(&c->v1[i], c->path, &made);
                }
                if (r < 0)
                        return log_error_errno(r, _("Failed to create cgroup %s/%s: %m"), mp, c->path);
        }
        return 0;
}

/* The slices are ours where PID 1 is not systemd: where cgroup2 has the pids controller (and those
 * the properties need), enable them on the way down to the scope. (Where PID 1 is systemd, the slices
 * and their controllers are systemd's.) */
static void unified_enable_controllers(ContainerCgroup *c, const UnitProperties *props) {
        static const char *const wanted[] = { "pids", "memory", "cpu", "cpuset", "io" };
        char p[4096];

        if (access("/run/systemd/system", F_OK) >= 0)
                return;
        snprintf(p, sizeof(p), "%s/%s", c->unified_root, c->scope);
        size_t top = strlen(c->unified_root);
        for (char *slash = p + top; (slash = strchr(slash + 1, '/'));) {
                _cleanup_free_ char *avail = NULL, *enabled = NULL;
                *slash = 0;
                _cleanup_close_ int fd = open(p, O_DIRECTORY | O_CLOEXEC);
                *slash = '/';
                if (fd < 0 || read_small_file_at(fd, "cgroup.controllers", 4096, &avail) < 0 ||
                    read_small_file_at(fd, "cgroup.subtree_control", 4096, &enabled) < 0)
                        return;
                for (size_t i = 0; i < ELEMENTSOF(wanted) && (i == 0 || unit_properties_has_limits(props)); i++) {
                        char plus[16];
                        if (!string_list_contains(avail, " \n", wanted[i]) || string_list_contains(enabled, " \n", wanted[i]))
                                continue;
                        snprintf(plus, sizeof(plus), "+%s", wanted[i]);
                        (void) write_string_file_at(fd, "cgroup.subtree_control", plus);
                }
        }
}

/* Every container has a tasks limit: on the scope, above the guest's namespace root, where the guest
 * cannot raise it. It goes where the pids controller is: cgroup2 if it is enabled there, else the v1
 * pids hierarchy. A limit set already (the service's TasksMax= with --keep-unit) is left alone. */
static int tasks_limit_apply(ContainerCgroup *c, const UnitProperties *props) {
        _cleanup_free_ char *cur = NULL;
        const char *root = NULL;
        char dir[4096], value[32];
        int r;

        if (!c->keep_unit)
                unified_enable_controllers(c, props);
        snprintf(dir, sizeof(dir), "%s/%s/pids.max", c->unified_root, c->scope);
        if (access(dir, F_OK) >= 0)
                root = c->unified_root;
        for (size_t i = 0; !root && i < c->n_v1; i++)
                if (cgroup_v1_hierarchy_has(&c->v1[i], "pids"))
                        root = c->v1[i].mount_point;
        if (!root) {
                log_debug("No pids controller: the container has no tasks limit.");
                return 0;
        }
        snprintf(dir, sizeof(dir), "%s/%s", root, c->scope);
        _cleanup_close_ int fd = open(dir, O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, _("Failed to open cgroup %s: %m"), dir);
        r = read_small_file_at(fd, "pids.max", 64, &cur);
        if (r < 0)
                return log_error_errno(r, _("Failed to read %s/pids.max: %m"), dir);
        if (!streq(strstrip(cur), "max"))
                return 0;
        snprintf(value, sizeof(value), "%d", CONTAINER_TASKS_MAX_DEFAULT);
        r = write_string_file_at(fd, "pids.max", value);
        if (r < 0)
                return log_error_errno(r, _("Failed to set the tasks limit %s/pids.max: %m"), dir);
        return 0;
}

bool cgroup_host_is_systemd(void) {
        return access("/run/systemd/system", F_OK) >= 0;
}

/* The device policy: a BPF program on the cgroup2 scope where the kernel has them (no task migration
 * needed), else the v1 devices controller on hybrid hosts. Programs already on the cgroup are replaced
 * only on a scope nspawn made, never on the service's cgroup or systemd's scope. Then the v1 side and
 * (on a scope nspawn made) the tasks limit. */
static int policy_and_v1_setup(ContainerCgroup *c, const UnitProperties *props, const DeviceRule *rules,
                               size_t n_rules) {
        int r;

        r = bpf_devices_attach_container_policy(c->policy_fd, !c->keep_unit && !c->systemd, rules, n_rules,
                                                &c->prog_fd);
        bool devices_v1 = r < 0;
        if (devices_v1)
                log_debug_errno(r, "Failed to attach the BPF device policy, falling back to cgroup v1: %m");
        r = v1_create(c, devices_v1, rules, n_rules);
        if (r >= 0 && devices_v1) {
                bool found = false;
                for (size_t i = 0; i < c->n_v1; i++)
                        found = found || cgroup_v1_hierarchy_has(&c->v1[i], "devices");
                if (!found)
                        r = log_error_errno(-EOPNOTSUPP, _("Failed to install the device policy for the container: neither a BPF device program nor the v1 devices controller is available."));
        }
        /* systemd's scope has its TasksMax= from whoever asked for it. */
        if (r >= 0 && !c->systemd)
                r = tasks_limit_apply(c, props);
        return r;
}

/* DeviceAllow= as rules for the device policy: a device node of the host ("/dev/sdb"), or every device
 * of a driver in /proc/devices ("char-NAME", "block-NAME"). */
static int device_rule_add(DeviceRule *rules, size_t *n, char type, int major, int minor, const char *access) {
        if (*n >= DEVICE_RULES_MAX)
                return log_error_errno(-E2BIG, _("Too many DeviceAllow= entries (at most %d)."), DEVICE_RULES_MAX);
        rules[(*n)++] = (DeviceRule) {
                .type = type, .major = major, .minor = minor,
                .access = (strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0) | (strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0) |
                          (strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0),
        };
        return 0;
}

static int device_rules_by_driver(const char *spec, const char *access, DeviceRule *rules, size_t *n) {
        const char *name = startswith(spec, "char-") ?: startswith(spec, "block-");
        bool block = startswith(spec, "block-"), in_block = false, found = false;
        _cleanup_free_ char *text = NULL;
        int r = read_small_file_at(AT_FDCWD, "/proc/devices", 64 * 1024, &text);

        if (r < 0)
                return log_error_errno(r, _("Failed to read /proc/devices for DeviceAllow=%s: %m"), spec);
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (startswith(line, "Block devices:"))
                        in_block = true;
                int major;
                char drv[128];
                if (in_block != block || sscanf(line, " %d %127s", &major, drv) != 2 || !streq(drv, name))
                        continue;
                r = device_rule_add(rules, n, block ? 'b' : 'c', major, -1, access);
                if (r < 0)
                        return r;
                found = true;
        }
        if (!found)
                return log_error_errno(-ENODEV, _("Cannot apply DeviceAllow=%s: the host has no such driver in /proc/devices."), spec);
        return 0;
}

static int device_rules_build(const UnitProperties *props, DeviceRule *rules, size_t *ret_n) {
        const char *spec, *access;
        size_t n = 0;
        struct stat st;
        int r;

        for (size_t i = 0; unit_properties_get_device(props, i, &spec, &access); i++) {
                _cleanup_free_ char *e = escape_for_terminal(spec, ESCAPE_MESSAGE_MAX);
                if (!startswith(spec, "/"))
                        r = device_rules_by_driver(spec, access, rules, &n);
                else if (stat(spec, &st) < 0)
                        r = log_error_errno(-errno, _("Cannot apply DeviceAllow=%s: %m"), strna(e));
                else if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        r = log_error_errno(-ENODEV, _("Cannot apply DeviceAllow=%s: not a device node."), strna(e));
                else
                        r = device_rule_add(rules, &n, S_ISBLK(st.st_mode) ? 'b' : 'c', (int) major(st.st_rdev),
                                            (int) minor(st.st_rdev), access);
                if (r < 0)
                        return r;
        }
        *ret_n = n;
        return 0;
}

int container_cgroup_create(const char *machine, bool keep_unit, const UnitProperties *props, ContainerCgroup *ret) {
        ContainerCgroup c = CONTAINER_CGROUP_NULL;
        DeviceRule rules[DEVICE_RULES_MAX];
        size_t n_rules = 0;
        int r;

        r = device_rules_build(props, rules, &n_rules);
        if (r < 0)
                return r;

        c.keep_unit = keep_unit;
        r = cgroup_unified_root(&c.unified_root);
        if (r == -ENOMEDIUM)
                return log_error_errno(r, _("The host has no cgroup2 hierarchy; nspawn needs one."));
        if (r < 0)
                return log_error_errno(r, _("Failed to look for the cgroup2 hierarchy under /sys/fs/cgroup (statfs): %m"));
        if (!keep_unit && cgroup_host_is_systemd()) {
                /* No machine.slice directories of ours: the scope comes from systemd, for the child. */
                c.systemd = true;
                *ret = c;
                return 0;
        }
        if (keep_unit)
                r = keep_unit_prepare(&c);
        else {
                c.scope = unit_properties_scope_path(props, machine);
                r = c.scope ? 0 : log_oom();
        }
        if (r >= 0) {
                c.path = strjoin(c.scope, "/payload");
                if (!c.path)
                        r = log_oom();
        }
        if (r >= 0)
                r = unified_create(&c, machine);
        if (r < 0) {
                if (c.lock_fd >= 0)
                        /* The cgroup is ours (locked): it goes again. */
                        container_cgroup_destroy(&c);
                else {
                        /* Nothing of ours exists (or the name is someone else's: EBUSY). */
                        safe_close(c.policy_fd);
                        free(c.scope);
                        free(c.path);
                }
                return r;
        }

        r = policy_and_v1_setup(&c, props, rules, n_rules);
        if (r < 0) {
                container_cgroup_destroy(&c);
                return r;
        }
        *ret = c;
        return 0;
}

/* The kernel's initial cgroup namespace has a fixed inode number (PROC_CGROUP_INIT_INO). */
#define CGROUP_NS_INIT_INO 0xEFFFFFFBU

/* /proc/PID/cgroup: "ID:controllers:path" per hierarchy. A v1 hierarchy whose line says "/" is one the
 * payload would see the root of: one that is not mounted here, so that we could not place it. Only
 * in the initial cgroup namespace is "/" the hierarchy's root: inside a container (nspawn nested in a
 * guest) it is the guest's own cgroup, and the hierarchy's root is out of reach. */
/* A child that exits while it is being placed (it was killed, or failed a step of its own) is not
 * moved any more and shows the root of every hierarchy: that is its own error to report, not a
 * placement failure. A child that waits for the end of the handshake's cgroup-placed step does not
 * exit, so the grace is only spent on the way to an error either way. */
static bool child_exited(int pidfd, int timeout_ms) {
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
        return pidfd >= 0 && poll(&pfd, 1, timeout_ms) > 0;
}

static int check_no_root_placement(pid_t pid, int pidfd) {
        _cleanup_free_ char *s = NULL;
        struct stat st;
        char p[64];
        int r;

        if (stat("/proc/self/ns/cgroup", &st) >= 0 && st.st_ino != CGROUP_NS_INIT_INO)
                return 0;
        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) pid);
        r = read_small_file_at(AT_FDCWD, p, 64 * 1024, &s);
        if (r < 0)
                return log_error_errno(r, _("Failed to read %s: %m"), p);
        for (char *line = s, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
                if (!b || startswith(line, "0:"))
                        continue;
                if (streq(b + 1, "/")) {
                        if (child_exited(pidfd, 1000))
                                return -ESRCH;
                        *b = 0;
                        return log_error_errno(-EPERM,
                                               _("The container would stay in the root of the cgroup v1 hierarchy '%s', which is not mounted here; refusing (its release_agent would be reachable from inside)."),
                                               a + 1);
                }
        }
        return 0;
}

int container_cgroup_attach_v1(ContainerCgroup *c, pid_t pid, int pidfd) {
        int r;

        for (size_t i = 0; i < c->n_v1; i++) {
                r = cgroup_attach(c->v1[i].mount_point, c->path, pid);
                if (r < 0 && child_exited(pidfd, 0))
                        return -ESRCH;
                if (r < 0)
                        return log_error_errno(r, _("Failed to move the container into cgroup %s/%s: %m"),
                                               c->v1[i].mount_point, c->path);
        }
        return check_no_root_placement(pid, pidfd);
}

int container_cgroup_adopt_scope(ContainerCgroup *c, pid_t pid, int pidfd, const UnitProperties *props) {
        _cleanup_free_ char *text = NULL, *scope = NULL;
        DeviceRule rules[DEVICE_RULES_MAX];
        size_t n_rules = 0;
        char p[64], dir[4096];
        int r;

        /* Checked already by container_cgroup_create(): the same rules again. */
        r = device_rules_build(props, rules, &n_rules);
        if (r < 0)
                return r;

        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) pid);
        r = read_small_file_at(AT_FDCWD, p, 64 * 1024, &text);
        if (r < 0 && child_exited(pidfd, 0))
                return -ESRCH;
        if (r < 0)
                return log_error_errno(r, _("Failed to read %s: %m"), p);
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (startswith(line, "0::/") && line[4]) {
                        scope = strdup(line + 4);
                        if (!scope)
                                return log_oom();
                }
        }
        if (!scope)
                return log_error_errno(-EIO, _("The container was not placed in a scope of its own by systemd (%s says otherwise)."), p);
        c->path = strjoin(scope, "/payload");
        if (!c->path)
                return log_oom();
        c->scope = TAKE_PTR(scope);
        snprintf(dir, sizeof(dir), "%s/%s", c->unified_root, c->scope);
        c->policy_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->policy_fd < 0)
                return log_error_errno(-errno, _("Failed to open cgroup %s: %m"), dir);
        /* Delegated to us (Delegate=yes): the payload child is nspawn's, the scope stays systemd's. */
        r = cgroup_create_owned(c->unified_root, c->path, &c->lock_fd);
        if (r >= 0)
                r = RET_NERRNO(c->fd = fcntl(c->lock_fd, F_DUPFD_CLOEXEC, 3));
        if (r >= 0)
                r = cgroup_attach(c->unified_root, c->path, pid);
        if (r < 0 && child_exited(pidfd, 0))
                return -ESRCH;
        if (r < 0)
                return log_error_errno(r, _("Failed to move the container into cgroup %s/%s: %m"), c->unified_root, c->path);
        return policy_and_v1_setup(c, props, rules, n_rules);
}

void container_cgroup_destroy(ContainerCgroup *c) {
        int r;

        if (!c->scope) {
                *c = CONTAINER_CGROUP_NULL;
                return;
        }
        c->fd = safe_close(c->fd);
        /* On the service's cgroup, exactly the program we attached goes, nothing of the service's. */
        if ((c->keep_unit || c->systemd) && c->prog_fd >= 0) {
                r = bpf_devices_detach(c->policy_fd, c->prog_fd);
                /* systemd removes an empty scope by itself, with what is attached to it. */
                if (r < 0 && !(c->systemd && r == -ENOENT))
                        log_warning_errno(r, _("Failed to detach the container's device policy: %m"));
        }
        /* cgroup.kill ends every process of the container. The locked cgroup2 directory goes last: once
         * it is gone, a starter of the same name makes a fresh one and its v1 directories, which must
         * not meet ours being removed. */
        const char *unified = c->keep_unit || c->systemd ? c->path : c->scope;
        (void) cgroup_kill(c->unified_root, unified);
        for (size_t i = 0; i < c->n_v1; i++) {
                const char *mp = c->v1[i].mount_point;
                r = cgroup_kill_and_remove(mp, c->path);
                if (r >= 0 && !c->keep_unit && !c->systemd)
                        r = cgroup_kill_and_remove(mp, c->scope);
                else if (r >= 0)
                        r = cgroup_remove_made(mp, c->scope, c->v1_made[i]);
                if (r < 0)
                        log_warning_errno(r, _("Failed to remove cgroup %s/%s: %m"), mp, c->scope);
                else if (!c->keep_unit)
                        cgroup_trim_slices(mp, c->scope);
        }
        r = cgroup_kill_and_remove(c->unified_root, unified);
        if (r < 0)
                log_warning_errno(r, _("Failed to remove cgroup %s/%s: %m"), c->unified_root, unified);
        else if (!c->keep_unit)
                cgroup_trim_slices(c->unified_root, c->scope);
        cgroup_v1_hierarchies_free(c->v1, c->n_v1);
        free(c->v1_made);
        safe_close(c->prog_fd);
        safe_close(c->policy_fd);
        free(c->path);
        free(c->scope);
        safe_close(c->lock_fd);
        *c = CONTAINER_CGROUP_NULL;
}

int container_cgroup_apply_properties(ContainerCgroup *c, const UnitProperties *props) {
        _cleanup_free_ char *error = NULL;
        int r;

        /* On systemd hosts the scope got them from systemd (StartTransientUnit's properties). */
        if (!unit_properties_has_limits(props) || c->systemd)
                return 0;
        /* DeviceAllow= is in the device policy already (container_cgroup_create()). */
        r = unit_properties_apply_cgroupfs_full(props, c->scope, UNIT_APPLY_DEVICES_DONE, &error);
        if (r < 0 && error)
                return log_error_errno(r, "%s", error);
        if (r < 0)
                return log_error_errno(r, _("Failed to apply the properties to cgroup %s: %m"), c->scope);
        return 0;
}

/* What systemd hands over with Delegate=yes on cgroup2: the directory, cgroup.procs, cgroup.threads,
 * cgroup.subtree_control, and where the memory controller is enabled memory.oom.group and
 * memory.reclaim (the limits stay root's); on v1 hierarchies the directory and tasks. */
static int cgroup_chown_dir(const char *mount_point, const char *path, uint32_t shift) {
        static const char *const files[] = {
                "", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control", "/memory.oom.group",
                "/memory.reclaim", "/tasks",
        };
        char p[PATH_MAX];

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                snprintf(p, sizeof(p), "%s/%s%s", mount_point, path, files[i]);
                if (chown(p, shift, shift) < 0 && errno != ENOENT)
                        return -errno;
        }
        return 0;
}

int container_cgroup_chown(const ContainerCgroup *c, uint32_t shift) {
        int r;

        if (!c->path)
                return 0;
        r = cgroup_chown_dir(c->unified_root, c->path, shift);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_v1; i++) {
                r = cgroup_chown_dir(c->v1[i].mount_point, c->path, shift);
                if (r < 0)
                        return r;
        }
        return 0;
}
