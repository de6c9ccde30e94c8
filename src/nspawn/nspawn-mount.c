/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fd-util.h"
#include "mount-util.h"
#include "path-util.h"
#include "nspawn-mount.h"
#include "string-util.h"
#include "strv.h"

#define MS_API (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* Every tmpfs is bounded in size and in inodes, with the limits systemd-nspawn uses for the same mounts
 * (systemd's mount-util.h): without nr_inodes a guest can pin unbounded kernel memory in empty files,
 * and three tmpfs mounts of 20% each let it take 60% of the host's memory. */
#define TMPFS_LIMITS_RUN ",size=20%,nr_inodes=800k"
#define TMPFS_LIMITS_DEV ",size=4m,nr_inodes=64k"
#define TMPFS_LIMITS_NESTED ",size=10%,nr_inodes=400k"
/* For --tmpfs: put before the user's options, so that a size= or nr_inodes= given there wins (the
 * kernel takes the last value of an option). */
#define TMPFS_LIMITS_USER "size=10%,nr_inodes=400k,"

static const char *const mount_kind_table[_MOUNT_KIND_MAX] = {
        [MOUNT_FS] = "fs",
        [MOUNT_READ_ONLY_SELF] = "read-only",
        [MOUNT_WRITABLE_SELF] = "writable",
        [MOUNT_MASK] = "mask",
        [MOUNT_BIND_HOST] = "bind",
        [MOUNT_POPULATE_RUN] = "populate-run",
        [MOUNT_POPULATE_DEV] = "populate-dev",
        [MOUNT_OVERLAY] = "overlay",
};

const char *mount_kind_to_string(MountKind k) {
        return k >= 0 && k < _MOUNT_KIND_MAX ? mount_kind_table[k] : NULL;
}

static int plan_add(MountPlan *p, MountEntry e) {
        MountEntry *n = realloc(p->entries, (p->n_entries + 1) * sizeof(MountEntry));
        if (!n)
                return -ENOMEM;
        p->entries = n;

        MountEntry *c = &n[p->n_entries];
        *c = e;
        c->where = strdup(e.where);
        c->what = e.what ? strdup(e.what) : NULL;
        c->options = e.options ? strdup(e.options) : NULL;
        p->n_entries++;
        if (!c->where || (e.what && !c->what) || (e.options && !c->options))
                return -ENOMEM;
        return 0;
}

#define FS(w, type, fl, opts) (MountEntry) { .kind = MOUNT_FS, .where = (char *) (w), .what = (char *) (type), .flags = (fl), .options = (char *) (opts) }
#define RO_SELF(w) (MountEntry) { .kind = MOUNT_READ_ONLY_SELF, .where = (char *) (w), .optional = true }
#define MASK(w) (MountEntry) { .kind = MOUNT_MASK, .where = (char *) (w), .optional = true }
#define POPULATE(k, w) (MountEntry) { .kind = (k), .where = (char *) (w) }

int mount_plan_build(const Settings *s, MountPlan *ret) {
        const MountEntry base[] = {
                FS("/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" TMPFS_LIMITS_RUN),
                POPULATE(MOUNT_POPULATE_RUN, "/run"),
                FS("/proc", "proc", MS_API, NULL),
                RO_SELF("/proc/sys"),
                RO_SELF("/proc/sysrq-trigger"),
                RO_SELF("/proc/irq"),
                RO_SELF("/proc/bus"),
                RO_SELF("/proc/fs"),
                MASK("/proc/kcore"),
                MASK("/proc/keys"),
                MASK("/proc/kallsyms"),
                MASK("/proc/timer_list"),
                MASK("/proc/sched_debug"),
                MASK("/proc/acpi"),
                MASK("/proc/scsi"),
                FS("/sys", "sysfs", MS_API | MS_RDONLY, NULL),
                FS("/sys/fs/cgroup", "cgroup2", MS_API, NULL),
                FS("/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755" TMPFS_LIMITS_DEV),
                /* Nodes made with mknod, or the host's bound where mknod is refused (EPERM); a
                 * container with a user namespace sets bind_nodes and binds them right away. */
                POPULATE(MOUNT_POPULATE_DEV, "/dev"),
                FS("/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"),
                FS("/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=1777" TMPFS_LIMITS_NESTED),
                FS("/dev/mqueue", "mqueue", MS_API, NULL),
                FS("/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=1777" TMPFS_LIMITS_NESTED),
        };
        MountPlan p = {};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(base); i++) {
                MountEntry e = base[i];
                if (s->private_users != PRIVATE_USERS_NO && e.kind == MOUNT_POPULATE_DEV)
                        e.bind_nodes = true;
                /* A sysfs instance needs a network namespace of the container's user namespace:
                 * without --private-network the host's /sys is bound instead, read-only (it shows
                 * the same network devices as a new instance would). Without the host's mounts below
                 * it, as a new instance would be: those come locked into the container's mount
                 * namespace, and the cgroup2 mount made over them is not, so once container root
                 * unmounted that it saw the roots of the host's cgroup v1 hierarchies (row A9). The
                 * parent opens it: in the child's mount namespace the host's /sys has locked mounts
                 * below it, and a bind without them is refused there (EINVAL). */
                bool bind_sys = s->private_users != PRIVATE_USERS_NO && !s->private_network && e.kind == MOUNT_FS &&
                                streq(e.where, "/sys");
                if (bind_sys)
                        e = (MountEntry) { .kind = MOUNT_BIND_HOST, .where = (char *) "/sys", .what = (char *) "/sys",
                                           .read_only = true, .recursive = false, .from_parent = true };
                r = plan_add(&p, e);
                /* With a network namespace of its own, the container may set its network's sysctls
                 * (a networkd guest sets per-link ones): they are the namespace's, not the host's.
                 * As systemd-nspawn does. */
                if (r >= 0 && s->private_network && e.kind == MOUNT_READ_ONLY_SELF && streq(e.where, "/proc/sys"))
                        r = plan_add(&p, (MountEntry) { .kind = MOUNT_WRITABLE_SELF, .where = (char *) "/proc/sys/net",
                                                        .optional = true });
                if (r >= 0 && bind_sys)
                        /* An empty read-only tmpfs between the bound /sys and the container's cgroup2: the
                         * cgroup2 mount never lands on the root of a mount of its own superblock (EBUSY
                         * on a pure cgroup2 host, when the host's /sys/fs/cgroup came along with /sys). */
                        r = plan_add(&p, FS("/sys/fs/cgroup", "tmpfs", MS_API | MS_RDONLY, "mode=0755,size=4k,nr_inodes=16"));
                if (r < 0)
                        goto fail;
        }
        size_t n_base = p.n_entries;
        for (size_t i = 0; i < s->n_binds; i++) {
                r = plan_add(&p, (MountEntry) {
                        .kind = MOUNT_BIND_HOST,
                        .where = s->binds[i].destination,
                        .what = s->binds[i].source,
                        .read_only = s->binds[i].read_only,
                        .recursive = s->binds[i].recursive,
                        .from_parent = s->private_users != PRIVATE_USERS_NO,
                        .idmap = s->binds[i].idmap,
                });
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < s->n_tmpfs; i++) {
                _cleanup_free_ char *o = strjoin(TMPFS_LIMITS_USER, s->tmpfs[i].options ?: "mode=0755");
                if (!o) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = plan_add(&p, FS(s->tmpfs[i].path, "tmpfs", MS_NOSUID | MS_NODEV, o));
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < s->n_overlays; i++) {
                const OverlayMount *o = &s->overlays[i];
                _cleanup_free_ char *lower = strv_join(o->lower, ":");
                _cleanup_free_ char *opts = lower ? strjoin("lowerdir=", lower, o->upper ? ",upperdir=" : "",
                                                            o->upper ? (o->upper[0] ? o->upper : "tmpfs") : "") : NULL;
                if (!opts) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = plan_add(&p, (MountEntry) { .kind = MOUNT_OVERLAY, .where = o->destination, .what = (char *) "overlay",
                                                .options = opts, .read_only = !o->upper, .from_parent = true,
                                                .overlay = o });
                if (r < 0)
                        goto fail;
        }
        /* --inaccessible=: after the binds and tmpfs on the same path (the sort below is stable). */
        STRV_FOREACH(i, s->inaccessible) {
                MountEntry e = MASK(*i);
                e.optional = false;
                r = plan_add(&p, e);
                if (r < 0)
                        goto fail;
        }
        /* A parent path is mounted before anything below it, so that --tmpfs=/mnt does not hide
         * --bind=...:/mnt/data; the sort is stable, so equal destinations keep their order. */
        for (size_t i = n_base + 1; i < p.n_entries; i++)
                for (size_t j = i; j > n_base && path_compare(p.entries[j - 1].where, p.entries[j].where) > 0; j--) {
                        MountEntry t = p.entries[j];
                        p.entries[j] = p.entries[j - 1];
                        p.entries[j - 1] = t;
                }
        *ret = p;
        return 0;
fail:
        mount_plan_done(&p);
        return r;
}

int mount_plan_add_bind(MountPlan *p, const char *where, const char *what, bool from_parent) {
        return plan_add(p, (MountEntry) { .kind = MOUNT_BIND_HOST, .where = (char *) where, .what = (char *) what,
                                          .from_parent = from_parent });
}

void mount_plan_done(MountPlan *p) {
        for (size_t i = 0; i < p->n_entries; i++) {
                free(p->entries[i].where);
                free(p->entries[i].what);
                free(p->entries[i].options);
        }
        free(p->entries);
        *p = (MountPlan) {};
}

void mount_plan_dump(const MountPlan *p, FILE *f) {
        for (size_t i = 0; i < p->n_entries; i++) {
                const MountEntry *e = &p->entries[i];
                fprintf(f, "%s %s", mount_kind_to_string(e->kind), e->where);
                if (e->what)
                        fprintf(f, " %s", e->what);
                if (e->options)
                        fprintf(f, " %s", e->options);
                if (e->read_only)
                        fputs(" ro", f);
                if (e->kind == MOUNT_BIND_HOST && !e->recursive)
                        fputs(" norbind", f);
                if (e->kind == MOUNT_BIND_HOST && e->from_parent)
                        fputs(e->idmap ? " from-parent idmap" : " from-parent", f);
                if (e->kind == MOUNT_POPULATE_DEV && e->bind_nodes)
                        fputs(" bind-nodes", f);
                fputc('\n', f);
        }
}

static int populate_run(int root_fd, const MountContext *ctx) {
        _cleanup_close_ int run = -EBADF, host = -EBADF, inacc = -EBADF, sd = -EBADF;
        int r;

        r = open_in_root(root_fd, "/run", O_DIRECTORY, &run);
        if (r < 0)
                return r;
        if (mkdirat(run, "host", 0755) < 0 && errno != EEXIST)
                return -errno;
        host = openat(run, "host", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (host < 0)
                return -errno;

        /* Masking nodes that the launcher creates itself, on a tmpfs the payload has not seen yet. */
        if (mkdirat(host, "inaccessible", 0755) < 0)
                return -errno;
        inacc = openat(host, "inaccessible", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (inacc < 0)
                return -errno;
        /* A plain file, not mknodat(): the only mknodat() calls are for device nodes (see
         * populate_dev()). */
        _cleanup_close_ int reg = openat(inacc, "reg", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000);
        if (reg < 0 || mkdirat(inacc, "dir", 0000) < 0)
                return -errno;

        const struct { const char *name; const char *content; } files[] = {
                { "container-manager", "nspawn\n" },
                { "os-release", ctx->host_os_release },
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                if (!files[i].content)
                        continue;
                _cleanup_close_ int f = openat(host, files[i].name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
                if (f < 0)
                        return -errno;
                r = loop_write(f, files[i].content, strlen(files[i].content));
                if (r < 0)
                        return r;
        }

        if (mkdirat(run, "systemd", 0755) < 0 && errno != EEXIST)
                return -errno;
        sd = openat(run, "systemd", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sd < 0)
                return -errno;
        _cleanup_close_ int c = openat(sd, "container", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        if (c < 0)
                return -errno;
        r = loop_write(c, "nspawn\n", 7);
        if (r < 0)
                return r;

        if (ctx->notify_fd >= 0) {
                /* Bound through the directory fd: the tree's path may be longer than sun_path. */
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/notify", host);
                if (bind(ctx->notify_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return -errno;
        }

        return remount_read_only_at(host);
}

typedef struct DevNode {
        const char *name;
        unsigned maj, min;
} DevNode;

/* The host's node, bound onto an empty file: what a user namespace gets, since mknod of a device
 * needs CAP_MKNOD in the initial one, and a node made on a tmpfs mounted in a user namespace would
 * not open anyway (nodev superblock). The source is looked up here, in the child before pivot_root():
 * its mount namespace is still a copy of the host's, so "/dev/null" is the host's /dev, never a path
 * of the guest tree (that is only the working directory until the pivot). It cannot be opened by the
 * parent before clone() instead: open_tree() and mount() refuse a source that lies in another mount
 * namespace (EINVAL), which is what the parent's mounts are once the child has its own. The node
 * must be the character device it is named for, whatever the host's /dev holds. */
static int bind_dev_node(int dev, const DevNode *n) {
        _cleanup_close_ int src = -EBADF, dst = -EBADF;
        char path[64];
        struct stat st;

        snprintf(path, sizeof(path), "/dev/%s", n->name);
        src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return -errno;
        if (fstat(src, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(n->maj, n->min))
                return -ENODEV;
        dst = openat(dev, n->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000);
        if (dst < 0)
                return -errno;
        return bind_mount_at(src, dst, false, false);
}

static int populate_dev(int root_fd, bool bind_nodes) {
        static const DevNode nodes[] = {
                { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
                { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
        };
        static const struct { const char *name, *target; } links[] = {
                { "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
                { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" }
        };
        static const char *const dirs[] = { "pts", "shm", "mqueue" };
        _cleanup_close_ int dev = -EBADF;
        int r;

        r = open_in_root(root_fd, "/dev", O_DIRECTORY, &dev);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                if (!bind_nodes) {
                        if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) >= 0)
                                continue;
                        /* No CAP_MKNOD (nspawn itself runs in a user namespace): bind them all. */
                        if (errno != EPERM)
                                return -errno;
                        bind_nodes = true;
                }
                r = bind_dev_node(dev, &nodes[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i].target, dev, links[i].name) < 0)
                        return -errno;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(dev, dirs[i], 0755) < 0)
                        return -errno;
        return 0;
}

static int apply_bind_host(const MountEntry *e, int root_fd, int *tree) {
        _cleanup_close_ int src = -EBADF, dst = -EBADF, t = tree ? TAKE_FD(*tree) : -EBADF;
        struct stat st;
        int r;

        if (e->from_parent) {
                /* Made by the parent during the handshake, read-only and id-mapped as asked. */
                if (t < 0)
                        return -EBADF;
                if (fstat(t, &st) < 0)
                        return -errno;
                r = open_in_root_mkdir(root_fd, e->where, !S_ISDIR(st.st_mode), &dst);
                if (r < 0)
                        return r;
                return move_mount_onto(t, dst);
        }
        src = open(e->what, O_PATH | O_CLOEXEC);
        if (src < 0)
                return -errno;
        if (fstat(src, &st) < 0)
                return -errno;
        r = open_in_root_mkdir(root_fd, e->where, !S_ISDIR(st.st_mode), &dst);
        if (r < 0)
                return r;
        return bind_mount_at(src, dst, e->recursive, e->read_only);
}

static int apply_one(const MountEntry *e, int root_fd, const MountContext *ctx, int *tree) {
        _cleanup_close_ int fd = -EBADF, src = -EBADF;
        int r;

        switch (e->kind) {
        case MOUNT_FS:
                r = open_in_root_mkdir(root_fd, e->where, false, &fd);
                if (r < 0)
                        return r;
                return mount_fs_at(fd, e->what, e->flags, e->options);
        case MOUNT_READ_ONLY_SELF:
                r = open_in_root(root_fd, e->where, O_PATH, &fd);
                if (r < 0)
                        return r;
                return remount_read_only_at(fd);
        case MOUNT_WRITABLE_SELF:
                r = open_in_root(root_fd, e->where, O_PATH, &fd);
                if (r < 0)
                        return r;
                return remount_writable_at(fd);
        case MOUNT_MASK: {
                struct stat st;
                r = open_in_root(root_fd, e->where, O_PATH, &fd);
                if (r < 0)
                        return r;
                if (fstat(fd, &st) < 0)
                        return -errno;
                r = open_in_root(root_fd, S_ISDIR(st.st_mode) ? "/run/host/inaccessible/dir"
                                                               : "/run/host/inaccessible/reg", O_PATH, &src);
                if (r < 0)
                        return r;
                return bind_mount_at(src, fd, false, true);
        }
        case MOUNT_BIND_HOST:
        case MOUNT_OVERLAY:
                return apply_bind_host(e, root_fd, tree);
        case MOUNT_POPULATE_RUN:
                return populate_run(root_fd, ctx);
        case MOUNT_POPULATE_DEV:
                return populate_dev(root_fd, e->bind_nodes);
        default:
                return -EINVAL;
        }
}

int mount_plan_apply(const MountPlan *p, int root_fd, const MountContext *ctx, size_t *ret_failed) {
        for (size_t i = 0; i < p->n_entries; i++) {
                int r = apply_one(&p->entries[i], root_fd, ctx, ctx->trees ? &ctx->trees[i] : NULL);
                if (r == -ENOENT && p->entries[i].optional)
                        continue;
                if (r < 0) {
                        *ret_failed = i;
                        return r;
                }
        }
        return 0;
}
