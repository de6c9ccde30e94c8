/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "nspawn-mount.h"
#include "mount-plan-dump.h"
#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "string-util.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))

static void settings_donep(Settings *s) {
        settings_done(s);
}
static void mount_plan_donep(MountPlan *p) {
        mount_plan_done(p);
}
#define _cleanup_settings_ _cleanup_(settings_donep)
#define _cleanup_plan_ _cleanup_(mount_plan_donep)

/* Index of the first entry of this kind at this path, or -1. */
static ssize_t find(const MountPlan *p, MountKind kind, const char *where) {
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].kind == kind && streq(p->entries[i].where, where))
                        return (ssize_t) i;
        return -1;
}

static ssize_t find_fs(const MountPlan *p, const char *where, const char *fstype) {
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].kind == MOUNT_FS && streq(p->entries[i].where, where) &&
                    streq_ptr(p->entries[i].what, fstype))
                        return (ssize_t) i;
        return -1;
}

static ssize_t find_last(const MountPlan *p, const char *where) {
        ssize_t r = -1;
        for (size_t i = 0; i < p->n_entries; i++)
                if (streq(p->entries[i].where, where))
                        r = (ssize_t) i;
        return r;
}

TEST(proc_sys_net_writable_with_private_network) {
        Settings s = {};
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));
        ASSERT_EQ(find(&p, MOUNT_WRITABLE_SELF, "/proc/sys/net"), -1);
        mount_plan_done(&p);

        s.private_network = true;
        ASSERT_OK(mount_plan_build(&s, &p));
        ssize_t ro = find(&p, MOUNT_READ_ONLY_SELF, "/proc/sys"), rw = find(&p, MOUNT_WRITABLE_SELF, "/proc/sys/net");
        ASSERT_TRUE(ro >= 0);
        /* After the read-only /proc/sys, or the latter would cover it again. */
        ASSERT_TRUE(rw > ro);
        ASSERT_STREQ(mount_kind_to_string(MOUNT_WRITABLE_SELF), "writable");
}

TEST(base_entries_present) {
        Settings s = {};
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));

        ASSERT_TRUE(find_fs(&p, "/run", "tmpfs") >= 0);
        ASSERT_TRUE(find(&p, MOUNT_POPULATE_RUN, "/run") >= 0);
        ASSERT_TRUE(find_fs(&p, "/proc", "proc") >= 0);
        ASSERT_TRUE(find(&p, MOUNT_READ_ONLY_SELF, "/proc/sys") >= 0);
        ASSERT_TRUE(find(&p, MOUNT_READ_ONLY_SELF, "/proc/sysrq-trigger") >= 0);
        ASSERT_TRUE(find(&p, MOUNT_MASK, "/proc/kcore") >= 0);
        ASSERT_TRUE(find(&p, MOUNT_MASK, "/proc/keys") >= 0);
        ASSERT_TRUE(find_fs(&p, "/sys", "sysfs") >= 0);
        ASSERT_TRUE(find_fs(&p, "/sys/fs/cgroup", "cgroup2") >= 0);
        ASSERT_TRUE(find_fs(&p, "/dev", "tmpfs") >= 0);
        ASSERT_TRUE(find(&p, MOUNT_POPULATE_DEV, "/dev") >= 0);
        ASSERT_TRUE(find_fs(&p, "/dev/pts", "devpts") >= 0);
        ASSERT_TRUE(find_fs(&p, "/dev/shm", "tmpfs") >= 0);
        ASSERT_TRUE(find_fs(&p, "/dev/mqueue", "mqueue") >= 0);
        ASSERT_TRUE(find_fs(&p, "/tmp", "tmpfs") >= 0);

        /* No user mounts were asked for. */
        ASSERT_EQ(find(&p, MOUNT_BIND_HOST, "/tmp"), -1);
        for (size_t i = 0; i < p.n_entries; i++) {
                ASSERT_TRUE(p.entries[i].kind != MOUNT_BIND_HOST);
                ASSERT_TRUE(p.entries[i].where && p.entries[i].where[0] == '/');
                ASSERT_TRUE(mount_kind_to_string(p.entries[i].kind) != NULL);
        }
}

TEST(base_entries_flags) {
        Settings s = {};
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));

        ssize_t sys = find_fs(&p, "/sys", "sysfs");
        ASSERT_TRUE(sys >= 0);
        ASSERT_TRUE(p.entries[sys].flags & MS_RDONLY);
        for (size_t i = 0; i < p.n_entries; i++) {
                const MountEntry *e = &p.entries[i];
                if (e->kind != MOUNT_FS)
                        continue;
                /* No API file system may carry set-uid programs. */
                ASSERT_TRUE(e->flags & MS_NOSUID);
        }
        ssize_t pts = find_fs(&p, "/dev/pts", "devpts");
        ASSERT_TRUE(pts >= 0);
        ASSERT_TRUE(p.entries[pts].options && strstr(p.entries[pts].options, "newinstance"));
        ASSERT_TRUE(strstr(p.entries[pts].options, "ptmxmode=0666"));
        ssize_t tmp = find_fs(&p, "/tmp", "tmpfs");
        ASSERT_TRUE(strstr(p.entries[tmp].options, "mode=1777"));
        ssize_t shm = find_fs(&p, "/dev/shm", "tmpfs");
        ASSERT_TRUE(strstr(p.entries[shm].options, "mode=1777"));
}

TEST(tmpfs_limits) {
        /* Every tmpfs has a size and an inode limit, as systemd-nspawn gives them. */
        static const struct { const char *where, *options; } expected[] = {
                { "/run", "mode=0755,size=20%,nr_inodes=800k" },
                { "/dev", "mode=0755,size=4m,nr_inodes=64k" },
                { "/dev/shm", "mode=1777,size=10%,nr_inodes=400k" },
                { "/tmp", "mode=1777,size=10%,nr_inodes=400k" },
        };
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(settings_parse_argv(ARGC("--tmpfs=/a", "--tmpfs=/b:size=1m,nr_inodes=0"),
                                      ARGV("--tmpfs=/a", "--tmpfs=/b:size=1m,nr_inodes=0"), &s), 1);
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));

        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                ssize_t e = find_fs(&p, expected[i].where, "tmpfs");
                ASSERT_TRUE(e >= 0);
                ASSERT_STREQ(p.entries[e].options, expected[i].options);
        }
        size_t n_tmpfs = 0;
        for (size_t i = 0; i < p.n_entries; i++)
                if (p.entries[i].kind == MOUNT_FS && streq_ptr(p.entries[i].what, "tmpfs")) {
                        ASSERT_TRUE(strstr(p.entries[i].options, "size="));
                        ASSERT_TRUE(strstr(p.entries[i].options, "nr_inodes="));
                        n_tmpfs++;
                }
        ASSERT_EQ(n_tmpfs, ELEMENTSOF(expected) + 2);

        /* A --tmpfs gets the nested limits first; the user's own options come after them, so they win. */
        ASSERT_STREQ(p.entries[find_fs(&p, "/a", "tmpfs")].options, "size=10%,nr_inodes=400k,mode=0755");
        ASSERT_STREQ(p.entries[find_fs(&p, "/b", "tmpfs")].options, "size=10%,nr_inodes=400k,size=1m,nr_inodes=0");
}

TEST(base_entries_order) {
        Settings s = {};
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));

        ssize_t run = find_fs(&p, "/run", "tmpfs"), prun = find(&p, MOUNT_POPULATE_RUN, "/run"),
                proc = find_fs(&p, "/proc", "proc"), sys = find_fs(&p, "/sys", "sysfs"),
                cg = find_fs(&p, "/sys/fs/cgroup", "cgroup2"), dev = find_fs(&p, "/dev", "tmpfs"),
                pdev = find(&p, MOUNT_POPULATE_DEV, "/dev"), pts = find_fs(&p, "/dev/pts", "devpts"),
                shm = find_fs(&p, "/dev/shm", "tmpfs"), mq = find_fs(&p, "/dev/mqueue", "mqueue");

        ASSERT_TRUE(run >= 0 && run < prun);
        ASSERT_TRUE(prun < proc);
        ASSERT_TRUE(sys >= 0 && sys < cg);
        ASSERT_TRUE(dev >= 0 && dev < pdev);
        ASSERT_TRUE(pdev < pts);
        ASSERT_TRUE(pdev < shm);
        ASSERT_TRUE(pdev < mq);

        for (size_t i = 0; i < p.n_entries; i++) {
                const MountEntry *e = &p.entries[i];
                if (e->kind == MOUNT_MASK) {
                        /* Masks bind /run/host/inaccessible/... over /proc files: both must exist. */
                        ASSERT_TRUE((ssize_t) i > proc);
                        ASSERT_TRUE((ssize_t) i > prun);
                        ASSERT_TRUE(e->optional);
                }
                if (e->kind == MOUNT_READ_ONLY_SELF && startswith(e->where, "/proc/"))
                        ASSERT_TRUE((ssize_t) i > proc);
                /* Every mount below a mount point comes after that mount point's own file system. */
                if (startswith(e->where, "/proc/"))
                        ASSERT_TRUE((ssize_t) i > proc);
                if (startswith(e->where, "/sys/"))
                        ASSERT_TRUE((ssize_t) i > sys);
                if (startswith(e->where, "/dev/"))
                        ASSERT_TRUE((ssize_t) i > dev);
                if (startswith(e->where, "/run/"))
                        ASSERT_TRUE((ssize_t) i > run);
        }
}

TEST(user_mounts_after_api_fs) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(settings_parse_argv(ARGC("--bind=/srv/a:/a", "--bind-ro=/srv/b:/b:norbind", "--tmpfs=/t:size=1M",
                                           "--bind=/srv/tmp:/tmp", "--tmpfs=/dev/extra"),
                                      ARGV("--bind=/srv/a:/a", "--bind-ro=/srv/b:/b:norbind", "--tmpfs=/t:size=1M",
                                           "--bind=/srv/tmp:/tmp", "--tmpfs=/dev/extra"),
                                      &s), 1);
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));

        ssize_t a = find(&p, MOUNT_BIND_HOST, "/a"), b = find(&p, MOUNT_BIND_HOST, "/b"),
                t = find_last(&p, "/t"), tmp_bind = find(&p, MOUNT_BIND_HOST, "/tmp"),
                tmp_fs = find_fs(&p, "/tmp", "tmpfs"), extra = find_last(&p, "/dev/extra");
        ASSERT_TRUE(a >= 0 && b >= 0 && t >= 0 && tmp_bind >= 0 && extra >= 0);

        ASSERT_STREQ(p.entries[a].what, "/srv/a");
        ASSERT_FALSE(p.entries[a].read_only);
        ASSERT_TRUE(p.entries[a].recursive);
        ASSERT_STREQ(p.entries[b].what, "/srv/b");
        ASSERT_TRUE(p.entries[b].read_only);
        ASSERT_FALSE(p.entries[b].recursive);
        ASSERT_EQ(p.entries[t].kind, MOUNT_FS);
        ASSERT_STREQ(p.entries[t].what, "tmpfs");
        ASSERT_STREQ(p.entries[t].options, "size=10%,nr_inodes=400k,size=1M");
        ASSERT_EQ(p.entries[extra].kind, MOUNT_FS);
        ASSERT_STREQ(p.entries[extra].options, "size=10%,nr_inodes=400k,mode=0755");

        /* A user's mount over a path the container gets by default must win: it comes later. */
        ASSERT_TRUE(tmp_bind > tmp_fs);

        /* The plan starts with exactly the API file system entries of a plan without user mounts;
         * every user mount comes after them. */
        Settings none = {};
        _cleanup_plan_ MountPlan base = {};
        ASSERT_OK(mount_plan_build(&none, &base));
        ASSERT_EQ(p.n_entries, base.n_entries + 5);
        for (size_t i = 0; i < base.n_entries; i++) {
                ASSERT_EQ(p.entries[i].kind, base.entries[i].kind);
                ASSERT_STREQ(p.entries[i].where, base.entries[i].where);
        }
        ASSERT_TRUE(a >= (ssize_t) base.n_entries && b >= (ssize_t) base.n_entries);
        ASSERT_TRUE(t >= (ssize_t) base.n_entries && tmp_bind >= (ssize_t) base.n_entries);
        ASSERT_TRUE(extra >= (ssize_t) base.n_entries);

        /* Binds keep the order of the command line among themselves. */
        ASSERT_TRUE(a < b && b < tmp_bind);
}

TEST(user_mounts_parent_first) {
        /* As systemd-nspawn does (custom mounts sorted by destination, "prefix first"), a mount below
         * another user mount's destination comes after it, whatever the kind: otherwise the later tmpfs
         * hides the bind mount that was made inside it. */
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(settings_parse_argv(ARGC("--bind=/srv/data:/mnt/data", "--tmpfs=/mnt"),
                                      ARGV("--bind=/srv/data:/mnt/data", "--tmpfs=/mnt"), &s), 1);
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));

        ssize_t mnt = find_fs(&p, "/mnt", "tmpfs"), data = find(&p, MOUNT_BIND_HOST, "/mnt/data");
        ASSERT_TRUE(mnt >= 0 && data >= 0);
        ASSERT_TRUE(mnt < data);
}

TEST(dump_small_plan) {
        MountEntry entries[] = {
                { .kind = MOUNT_FS, .where = (char *) "/run", .what = (char *) "tmpfs",
                  .options = (char *) "mode=0755", .flags = MS_NOSUID | MS_NODEV },
                { .kind = MOUNT_POPULATE_RUN, .where = (char *) "/run" },
                { .kind = MOUNT_READ_ONLY_SELF, .where = (char *) "/proc/sys", .optional = true },
                { .kind = MOUNT_MASK, .where = (char *) "/proc/kcore", .optional = true },
                { .kind = MOUNT_BIND_HOST, .where = (char *) "/data", .what = (char *) "/srv/data",
                  .read_only = true, .recursive = false },
                { .kind = MOUNT_BIND_HOST, .where = (char *) "/x", .what = (char *) "/srv/x", .recursive = true },
                { .kind = MOUNT_POPULATE_DEV, .where = (char *) "/dev" },
        };
        MountPlan p = { .entries = entries, .n_entries = ELEMENTSOF(entries) };
        _cleanup_free_ char *out = dump_to_string(&p);
        ASSERT_STREQ(out,
                     "fs /run tmpfs mode=0755\n"
                     "populate-run /run\n"
                     "read-only /proc/sys\n"
                     "mask /proc/kcore\n"
                     "bind /data /srv/data ro norbind\n"
                     "bind /x /srv/x\n"
                     "populate-dev /dev\n");

        MountPlan empty = {};
        _cleanup_free_ char *none = dump_to_string(&empty);
        ASSERT_STREQ(none, "");
}

TEST(dump_built_plan) {
        _cleanup_settings_ Settings s = {};
        ASSERT_EQ(settings_parse_argv(ARGC("--bind-ro=/srv/a:/a", "--tmpfs=/t"),
                                      ARGV("--bind-ro=/srv/a:/a", "--tmpfs=/t"), &s), 1);
        _cleanup_plan_ MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));
        _cleanup_free_ char *out = dump_to_string(&p);
        ASSERT_TRUE(out);

        /* One line per entry. */
        size_t lines = 0;
        for (const char *c = out; *c; c++)
                lines += *c == '\n';
        ASSERT_EQ(lines, p.n_entries);
        ASSERT_TRUE(startswith(out, "fs /run tmpfs mode=0755"));
        ASSERT_TRUE(strstr(out, "\npopulate-run /run\n"));
        ASSERT_TRUE(strstr(out, "\nfs /proc proc\n"));
        ASSERT_TRUE(strstr(out, "\nmask /proc/kcore\n"));
        ASSERT_TRUE(strstr(out, "\nbind /a /srv/a ro\n"));
        ASSERT_TRUE(strstr(out, "\nfs /t tmpfs size=10%,nr_inodes=400k,mode=0755\n"));
}

TEST(kind_strings) {
        ASSERT_STREQ(mount_kind_to_string(MOUNT_FS), "fs");
        ASSERT_STREQ(mount_kind_to_string(MOUNT_BIND_HOST), "bind");
        ASSERT_STREQ(mount_kind_to_string(MOUNT_POPULATE_DEV), "populate-dev");
        ASSERT_TRUE(mount_kind_to_string(_MOUNT_KIND_MAX) == NULL);
        ASSERT_TRUE(mount_kind_to_string(_MOUNT_KIND_INVALID) == NULL);
}

TEST(plan_done_resets) {
        Settings s = {};
        MountPlan p = {};
        ASSERT_OK(mount_plan_build(&s, &p));
        ASSERT_TRUE(p.n_entries > 0);
        mount_plan_done(&p);
        ASSERT_TRUE(p.entries == NULL && p.n_entries == 0);
        mount_plan_done(&p);
}

DEFINE_TEST_MAIN
