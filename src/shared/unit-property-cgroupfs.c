/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "string-util.h"
#include "unit-property-internal.h"

/* Where one controller's files are for the cgroup: its cgroup2 directory when the controller is
 * enabled there, else its directory in the v1 hierarchy that has the controller (hybrid hosts). */
typedef struct Target {
        int fd;
        bool v2;
} Target;

typedef struct ApplyContext {
        const char *path;       /* relative to each mount point, no leading slash */
        const char *unified_root;
        char *v2_controllers;   /* the cgroup's cgroup.controllers, NULL without cgroup2 */
        CgroupV1Hierarchy *v1;
        size_t n_v1;
        char **error;
        bool dry;               /* only look: every file exists, every controller is there */
        Target targets[5];
} ApplyContext;

enum { CTRL_MEMORY, CTRL_PIDS, CTRL_CPU, CTRL_CPUSET, CTRL_IO, _CTRL_MAX };
static const char *const ctrl_v2[_CTRL_MAX] = { "memory", "pids", "cpu", "cpuset", "io" };
static const char *const ctrl_v1[_CTRL_MAX] = { "memory", "pids", "cpu", "cpuset", "blkio" };

static int fail(ApplyContext *c, int r, UnitPropertyId id, const char *fmt, ...) _printf_(4, 5);
static int fail(ApplyContext *c, int r, UnitPropertyId id, const char *fmt, ...) {
        _cleanup_free_ char *why = NULL;
        char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&why, fmt, ap) < 0)
                why = NULL;
        va_end(ap);
        if (!why || asprintf(&msg, _("Cannot apply %s= to the machine's cgroup: %s"),
                             unit_property_to_string(id), why) < 0)
                return -ENOMEM;
        free(*c->error);
        *c->error = msg;
        return r;
}

static void context_done(ApplyContext *c) {
        free(c->v2_controllers);
        cgroup_v1_hierarchies_free(c->v1, c->n_v1);
        for (size_t i = 0; i < ELEMENTSOF(c->targets); i++)
                safe_close(c->targets[i].fd);
}

static int context_init(ApplyContext *c, const char *path, char **error) {
        char p[4096];
        int r;

        *c = (ApplyContext) { .path = path + strspn(path, "/"), .error = error };
        for (size_t i = 0; i < ELEMENTSOF(c->targets); i++)
                c->targets[i].fd = -EBADF;
        if (cgroup_unified_root(&c->unified_root) >= 0) {
                snprintf(p, sizeof(p), "%s/%s/cgroup.controllers", c->unified_root, c->path);
                r = read_small_file_at(AT_FDCWD, p, 4096, &c->v2_controllers);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return cgroup_v1_hierarchies(&c->v1, &c->n_v1);
}

/* The directory of controller k for the cgroup; on failure *c->error says why, naming the property. */
static int target_get(ApplyContext *c, int k, UnitPropertyId id, Target **ret) {
        Target *t = &c->targets[k];
        char p[4096];

        if (t->fd < 0) {
                if (c->v2_controllers && string_list_contains(c->v2_controllers, " \n", ctrl_v2[k])) {
                        snprintf(p, sizeof(p), "%s/%s", c->unified_root, c->path);
                        t->v2 = true;
                } else {
                        const CgroupV1Hierarchy *h = NULL;
                        for (size_t i = 0; i < c->n_v1 && !h; i++)
                                if (cgroup_v1_hierarchy_has(&c->v1[i], ctrl_v1[k]))
                                        h = &c->v1[i];
                        if (!h)
                                return fail(c, -EOPNOTSUPP, id, _("the host has no '%s' controller (neither enabled in cgroup2 nor a v1 hierarchy)"),
                                            ctrl_v2[k]);
                        snprintf(p, sizeof(p), "%s/%s", h->mount_point, c->path);
                        t->v2 = false;
                }
                t->fd = open(p, O_DIRECTORY | O_CLOEXEC);
                if (t->fd < 0)
                        return fail(c, -errno, id, _("cannot open %s: %s"), p, strerror(errno));
        }
        *ret = t;
        return 0;
}

static int write_file(ApplyContext *c, Target *t, UnitPropertyId id, const char *file, const char *value) {
        int r;

        if (faccessat(t->fd, file, F_OK, 0) < 0)
                return fail(c, -EOPNOTSUPP, id, _("the host's %s controller has no %s file"),
                            t->v2 ? "cgroup2" : "cgroup v1", file);
        if (c->dry)
                return 0;
        r = write_string_file_at(t->fd, file, value);
        if (r < 0)
                return fail(c, r, id, _("writing '%s' to %s failed: %s"), value, file, strerror(-r));
        return 0;
}

static void format_limit(char buf[static 32], uint64_t v, bool v2) {
        if (v == UINT64_MAX)
                strcpy(buf, v2 ? "max" : "-1");
        else
                snprintf(buf, 32, "%" PRIu64, v);
}

static int apply_memory(ApplyContext *c, const UnitProperties *p) {
        char buf[32];
        Target *t;
        int r;

        for (UnitPropertyId id = UNIT_PROPERTY_MEMORY_MAX; id <= UNIT_PROPERTY_MEMORY_SWAP_MAX; id++) {
                if (!unit_properties_has(p, id))
                        continue;
                r = target_get(c, CTRL_MEMORY, id, &t);
                if (r < 0)
                        return r;
                uint64_t v = id == UNIT_PROPERTY_MEMORY_MAX ? p->memory_max :
                             id == UNIT_PROPERTY_MEMORY_HIGH ? p->memory_high : p->memory_swap_max;
                if (t->v2) {
                        format_limit(buf, v, true);
                        r = write_file(c, t, id, id == UNIT_PROPERTY_MEMORY_MAX ? "memory.max" :
                                                 id == UNIT_PROPERTY_MEMORY_HIGH ? "memory.high" : "memory.swap.max", buf);
                } else if (id == UNIT_PROPERTY_MEMORY_MAX) {
                        format_limit(buf, v, false);
                        r = write_file(c, t, id, "memory.limit_in_bytes", buf);
                } else if (id == UNIT_PROPERTY_MEMORY_HIGH)
                        r = fail(c, -EOPNOTSUPP, id, _("the cgroup v1 memory controller has no throttling limit (memory.high is cgroup2's)"));
                else if (!unit_properties_has(p, UNIT_PROPERTY_MEMORY_MAX) || p->memory_max == UINT64_MAX)
                        r = fail(c, -EOPNOTSUPP, id, _("cgroup v1 limits memory and swap together (memory.memsw.limit_in_bytes): it needs a finite MemoryMax= too"));
                else if (faccessat(t->fd, "memory.memsw.limit_in_bytes", F_OK, 0) < 0)
                        r = fail(c, -EOPNOTSUPP, id, _("the host's kernel does no swap accounting (no memory.memsw.limit_in_bytes; boot with swapaccount=1)"));
                else {
                        format_limit(buf, v == UINT64_MAX || p->memory_max > UINT64_MAX - v ? UINT64_MAX : p->memory_max + v, false);
                        r = write_file(c, t, id, "memory.memsw.limit_in_bytes", buf);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_pids(ApplyContext *c, const UnitProperties *p) {
        char buf[32];
        Target *t;
        int r;

        if (!unit_properties_has(p, UNIT_PROPERTY_TASKS_MAX))
                return 0;
        r = target_get(c, CTRL_PIDS, UNIT_PROPERTY_TASKS_MAX, &t);
        if (r < 0)
                return r;
        format_limit(buf, p->tasks_max, true);  /* "max" in both versions */
        return write_file(c, t, UNIT_PROPERTY_TASKS_MAX, "pids.max", buf);
}

#define CPU_PERIOD_USEC UINT64_C(100000)

static int apply_cpu(ApplyContext *c, const UnitProperties *p) {
        char buf[64];
        Target *t;
        int r;

        if (unit_properties_has(p, UNIT_PROPERTY_CPU_QUOTA)) {
                r = target_get(c, CTRL_CPU, UNIT_PROPERTY_CPU_QUOTA, &t);
                if (r < 0)
                        return r;
                /* The quota per second, scaled to the period (100 ms, systemd's default). */
                uint64_t quota = MAX(p->cpu_quota_per_sec_usec * CPU_PERIOD_USEC / UINT64_C(1000000), UINT64_C(1000));
                if (t->v2) {
                        snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, quota, CPU_PERIOD_USEC);
                        r = write_file(c, t, UNIT_PROPERTY_CPU_QUOTA, "cpu.max", buf);
                } else {
                        snprintf(buf, sizeof(buf), "%" PRIu64, CPU_PERIOD_USEC);
                        r = write_file(c, t, UNIT_PROPERTY_CPU_QUOTA, "cpu.cfs_period_us", buf);
                        snprintf(buf, sizeof(buf), "%" PRIu64, quota);
                        if (r >= 0)
                                r = write_file(c, t, UNIT_PROPERTY_CPU_QUOTA, "cpu.cfs_quota_us", buf);
                }
                if (r < 0)
                        return r;
        }
        if (unit_properties_has(p, UNIT_PROPERTY_CPU_WEIGHT)) {
                r = target_get(c, CTRL_CPU, UNIT_PROPERTY_CPU_WEIGHT, &t);
                if (r < 0)
                        return r;
                if (t->v2) {
                        snprintf(buf, sizeof(buf), "%" PRIu64, p->cpu_weight);
                        return write_file(c, t, UNIT_PROPERTY_CPU_WEIGHT, "cpu.weight", buf);
                }
                /* As systemd maps weights to shares: 100 (the default weight) is 1024 (the default share). */
                uint64_t shares = p->cpu_weight * 1024 / 100;
                snprintf(buf, sizeof(buf), "%" PRIu64, MIN(MAX(shares, UINT64_C(2)), UINT64_C(262144)));
                return write_file(c, t, UNIT_PROPERTY_CPU_WEIGHT, "cpu.shares", buf);
        }
        return 0;
}

static char *cpu_set_format(const UnitCpuSet *s) {
        char *buf = calloc(1, s->n * 8 * 12 + 1), *w = buf;
        size_t bits = s->n * 8;

        if (!buf)
                return NULL;
        for (size_t i = 0; i < bits;) {
                if (!(s->bits[i / 8] & (1u << (i % 8)))) {
                        i++;
                        continue;
                }
                size_t j = i;
                while (j + 1 < bits && (s->bits[(j + 1) / 8] & (1u << ((j + 1) % 8))))
                        j++;
                w += sprintf(w, w == buf ? "%zu" : ",%zu", i);
                if (j > i)
                        w += sprintf(w, "-%zu", j);
                i = j + 1;
        }
        return buf;
}

/* cgroup v1's cpuset: a child's set must lie within its parent's, and a new child got a copy of the
 * parent's when it was made (the payload below the scope). Narrowing goes children first, widening
 * parent first: the same set for the whole subtree. */
static int cpuset_write_tree(int fd, const char *file, const char *value, unsigned depth) {
        DIR *d;
        int r;

        if (depth > 16)
                return -ELOOP;
        r = write_string_file_at(fd, file, value);
        bool retry = r < 0;
        if (opendir_fd(fd, &d) >= 0) {
                for (struct dirent *de; (de = readdir(d));) {
                        if (de->d_type != DT_DIR || de->d_name[0] == '.')
                                continue;
                        _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                (void) cpuset_write_tree(sub, file, value, depth + 1);
                }
                closedir(d);
        }
        if (retry)
                r = write_string_file_at(fd, file, value);
        return r;
}

static int apply_cpuset(ApplyContext *c, const UnitProperties *p) {
        Target *t;
        int r;

        for (UnitPropertyId id = UNIT_PROPERTY_ALLOWED_CPUS; id <= UNIT_PROPERTY_ALLOWED_MEMORY_NODES; id++) {
                if (!unit_properties_has(p, id))
                        continue;
                const char *file = id == UNIT_PROPERTY_ALLOWED_CPUS ? "cpuset.cpus" : "cpuset.mems";
                _cleanup_free_ char *v = cpu_set_format(id == UNIT_PROPERTY_ALLOWED_CPUS ? &p->allowed_cpus : &p->allowed_memory_nodes);
                if (!v)
                        return -ENOMEM;
                r = target_get(c, CTRL_CPUSET, id, &t);
                if (r < 0)
                        return r;
                if (t->v2) {
                        r = write_file(c, t, id, file, v);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (c->dry)
                        continue;
                r = cpuset_write_tree(t->fd, file, v, 0);
                if (r < 0)
                        return fail(c, r, id, _("writing '%s' to %s failed: %s"), v, file, strerror(-r));
        }
        return 0;
}

/* The block device a limit is about: the device itself, or the one the file system of a path is on;
 * for a partition its whole disk, since the kernel keeps I/O limits per disk. */
static int block_device_of(const char *path, dev_t *ret) {
        _cleanup_free_ char *text = NULL;
        struct stat st;
        char p[128];
        unsigned ma, mi;

        if (stat(path, &st) < 0)
                return -errno;
        dev_t dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
        if (major(dev) == 0)
                return -ENOTBLK;
        snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
        if (access(p, F_OK) >= 0) {
                snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../dev", major(dev), minor(dev));
                if (read_small_file_at(AT_FDCWD, p, 64, &text) >= 0 && sscanf(text, "%u:%u", &ma, &mi) == 2)
                        dev = makedev(ma, mi);
        }
        *ret = dev;
        return 0;
}

static int apply_io(ApplyContext *c, const UnitProperties *p) {
        char buf[128];
        Target *t;
        int r;

        if (unit_properties_has(p, UNIT_PROPERTY_IO_WEIGHT)) {
                r = target_get(c, CTRL_IO, UNIT_PROPERTY_IO_WEIGHT, &t);
                if (r < 0)
                        return r;
                bool bfq = !t->v2 && faccessat(t->fd, "blkio.bfq.weight", F_OK, 0) >= 0;
                uint64_t w = p->io_weight;
                if (t->v2)
                        snprintf(buf, sizeof(buf), "default %" PRIu64, w);
                else if (bfq)   /* BFQ's range is 1..1000, 100 the default, as is IOWeight='s */
                        snprintf(buf, sizeof(buf), "%" PRIu64, w <= 100 ? w : 100 + (w - 100) * 900 / 9900);
                else            /* blkio's range is 10..1000, 500 the default */
                        snprintf(buf, sizeof(buf), "%" PRIu64, MIN(MAX(w * 500 / 100, UINT64_C(10)), UINT64_C(1000)));
                r = write_file(c, t, UNIT_PROPERTY_IO_WEIGHT,
                               t->v2 ? "io.weight" : bfq ? "blkio.bfq.weight" : "blkio.weight", buf);
                if (r < 0)
                        return r;
        }
        for (UnitPropertyId id = UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX; id <= UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX; id++) {
                const UnitBandwidth *b = id == UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX ? p->io_read : p->io_write;
                size_t n = id == UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX ? p->n_io_read : p->n_io_write;
                bool read = id == UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX;

                for (size_t i = 0; i < n; i++) {
                        dev_t dev;
                        r = block_device_of(b[i].path, &dev);
                        if (r < 0)
                                return fail(c, r, id, _("no block device for %s: %s"), b[i].path, strerror(-r));
                        r = target_get(c, CTRL_IO, id, &t);
                        if (r < 0)
                                return r;
                        char v[32];
                        format_limit(v, b[i].bytes, t->v2);
                        if (t->v2)
                                snprintf(buf, sizeof(buf), "%u:%u %s=%s", major(dev), minor(dev), read ? "rbps" : "wbps", v);
                        else    /* 0 removes v1's rule */
                                snprintf(buf, sizeof(buf), "%u:%u %s", major(dev), minor(dev),
                                         b[i].bytes == UINT64_MAX ? "0" : v);
                        r = write_file(c, t, id,
                                       t->v2 ? "io.max" : read ? "blkio.throttle.read_bps_device" : "blkio.throttle.write_bps_device",
                                       buf);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Accounting=yes needs the controller that counts; =no asks for nothing here (v1 controllers count
 * whether asked or not). */
static int check_accounting(ApplyContext *c, const UnitProperties *p) {
        static const struct { UnitPropertyId id; int ctrl; } map[] = {
                { UNIT_PROPERTY_MEMORY_ACCOUNTING, CTRL_MEMORY },
                { UNIT_PROPERTY_TASKS_ACCOUNTING, CTRL_PIDS },
                { UNIT_PROPERTY_CPU_ACCOUNTING, CTRL_CPU },
                { UNIT_PROPERTY_IO_ACCOUNTING, CTRL_IO },
                { UNIT_PROPERTY_BLOCK_IO_ACCOUNTING, CTRL_IO },
        };
        Target *t;

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (unit_properties_has(p, map[i].id) && p->accounting[map[i].id]) {
                        int r = target_get(c, map[i].ctrl, map[i].id, &t);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int unit_properties_apply_cgroupfs_full(const UnitProperties *p, const char *path, UnitApplyFlags flags, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        ApplyContext c;
        int r;

        if (!unit_properties_has_limits(p))
                return 0;
        r = context_init(&c, path, &error);
        if (r >= 0 && unit_properties_has(p, UNIT_PROPERTY_DEVICE_ALLOW) && !(flags & UNIT_APPLY_DEVICES_DONE))
                r = fail(&c, -EOPNOTSUPP, UNIT_PROPERTY_DEVICE_ALLOW,
                         _("the device policy of a container is its launcher's; pass DeviceAllow= to nspawn"));
        /* A dry run first: what cannot be applied at all (no controller, no such file) fails before
         * anything was written. */
        if (r >= 0)
                r = check_accounting(&c, p);
        for (int pass = 0; pass < 2 && r >= 0; pass++) {
                c.dry = pass == 0;
                r = apply_memory(&c, p);
                if (r >= 0)
                        r = apply_pids(&c, p);
                if (r >= 0)
                        r = apply_cpu(&c, p);
                if (r >= 0)
                        r = apply_cpuset(&c, p);
                if (r >= 0)
                        r = apply_io(&c, p);
        }
        context_done(&c);
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(error);
        return r;
}

int unit_properties_apply_cgroupfs(const UnitProperties *p, const char *path) {
        _cleanup_free_ char *error = NULL;
        int r = unit_properties_apply_cgroupfs_full(p, path, 0, &error);

        if (r < 0 && error)
                log_error("%s", error);
        else if (r < 0)
                log_error_errno(r, _("Failed to apply the properties to cgroup %s: %m"), path);
        return r;
}
