/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "string-util.h"

int cgroup_unified_root(const char **ret) {
        static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        struct statfs sfs;

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                if (statfs(candidates[i], &sfs) < 0) {
                        /* Only a missing mount point means "not here"; any other error is reported. */
                        if (errno == ENOENT)
                                continue;
                        return -errno;
                }
                if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
                        *ret = candidates[i];
                        return 0;
                }
        }
        return -ENOMEDIUM;
}

char *unit_name_escape(const char *s) {
        char *r = malloc(strlen(s) * 4 + 1), *w = r;

        if (!r)
                return NULL;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char) *p;
                bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == ':' || c == '_' || (c == '.' && p != s);
                if (plain)
                        *w++ = (char) c;
                else if (c == '/')
                        *w++ = '-';
                else
                        w += sprintf(w, "\\x%02x", c);
        }
        *w = 0;
        return r;
}

char *machine_cgroup_path(const char *machine) {
        _cleanup_free_ char *e = unit_name_escape(machine);
        return e ? strjoin("machine.slice/machine-", e, ".scope") : NULL;
}

/* Empty means no process in the cgroup or anywhere below it (a guest's own sub-cgroups count). */
static int cgroup_is_empty(int dir_fd) {
        _cleanup_free_ char *s = NULL;
        int r = read_small_file_at(dir_fd, "cgroup.events", 4096, &s);
        if (r >= 0)
                return strstr(s, "populated 0") != NULL;
        r = read_small_file_at(dir_fd, "cgroup.procs", 1 << 20, &s);
        if (r == -EFBIG)
                return 0;
        if (r < 0)
                return r;
        return isempty(strstrip(s));
}

int cgroup_create(const char *root, const char *path, int *ret_fd) {
        _cleanup_close_ int dir = open(root, O_DIRECTORY | O_CLOEXEC);
        char buf[4096];
        int r;

        if (dir < 0)
                return -errno;
        if ((size_t) snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
                return -ENAMETOOLONG;

        for (char *p = buf;;) {
                char *slash = strchr(p, '/');
                if (slash)
                        *slash = 0;
                bool created = mkdirat(dir, p, 0755) >= 0;
                if (!created && errno != EEXIST)
                        return -errno;
                int next = openat(dir, p, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                safe_close(dir);
                dir = next;
                if (!slash) {
                        if (!created) {
                                r = cgroup_is_empty(dir);
                                if (r < 0)
                                        return r;
                                if (r == 0)
                                        return -EBUSY;
                        }
                        break;
                }
                p = slash + 1;
        }
        *ret_fd = TAKE_FD(dir);
        return 0;
}

int cgroup_attach(const char *root, const char *path, pid_t pid) {
        char p[4096], n[32];
        _cleanup_close_ int fd = -EBADF;

        if ((size_t) snprintf(p, sizeof(p), "%s/%s/cgroup.procs", root, path) >= sizeof(p))
                return -ENAMETOOLONG;
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(n, sizeof(n), "%d", (int) pid);
        return loop_write(fd, n, strlen(n));
}

/* Removes the sub-cgroups below dir (a guest's own manager creates them), deepest first. */
static void cgroup_remove_children(int dir_fd, unsigned depth) {
        DIR *d;

        if (depth > 64 || opendir_fd(dir_fd, &d) < 0)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0)
                        cgroup_remove_children(sub, depth + 1);
                for (int i = 0; i < 200 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno == EBUSY; i++)
                        nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
        }
        closedir(d);
}

int cgroup_create_owned(const char *root, const char *path, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* cgroup_create() refuses a populated cgroup and returns an empty one as it is. */
        r = cgroup_create(root, path, &fd);
        if (r < 0)
                return r;
        /* The lock lives as long as the caller keeps fd open, and dies with the caller, even when it is
         * SIGKILLed: a second starter of the same name meets it and backs off, and never shares or
         * tears down the first one's cgroup. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : -errno;
        /* Re-check under the lock: the owner before us may have filled it meanwhile. */
        r = cgroup_is_empty(fd);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBUSY;
        /* A leftover of a killed launcher: its sub-cgroups go. */
        cgroup_remove_children(fd, 0);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int cgroup_kill_and_remove(const char *root, const char *path) {
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path) >= sizeof(p))
                return -ENAMETOOLONG;

        _cleanup_close_ int dir = open(p, O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return errno == ENOENT ? 0 : -errno;
        (void) write_string_file_at(dir, "cgroup.kill", "1");
        cgroup_remove_children(dir, 0);

        /* The kernel needs a moment after the last task exits before the cgroup counts as empty. */
        for (int i = 0; i < 200; i++) {
                if (rmdir(p) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
        }
        return -EBUSY;
}

bool cgroup_v1_controller_mounted(const char *controller) {
        char p[256];
        struct statfs sfs;

        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", controller);
        return statfs(p, &sfs) >= 0 && sfs.f_type == CGROUP_SUPER_MAGIC;
}

int cgroup_v1_devices_setup(const char *path) {
        static const char *const allow[] = {
                "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",       /* null zero full random urandom */
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",                                  /* tty console ptmx */
                "c 136:* rw", "c 10:200 rwm",                                           /* pts, net/tun */
        };
        char p[4096];
        _cleanup_close_ int dir = -EBADF;
        int r;

        if ((size_t) snprintf(p, sizeof(p), "/sys/fs/cgroup/devices/%s", path) >= sizeof(p))
                return -ENAMETOOLONG;
        dir = open(p, O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        r = write_string_file_at(dir, "devices.deny", "a");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(allow); i++) {
                r = write_string_file_at(dir, "devices.allow", allow[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}
