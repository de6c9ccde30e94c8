/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "bpf-devices.h"
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

int cgroup_unified_path(const char *cgroup, char **ret) {
        const char *root;
        int r = cgroup_unified_root(&root);
        if (r < 0)
                return r;
        char *p = strjoin(root, cgroup);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
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

/* The cpuset controller of v1 refuses tasks in a cgroup whose cpuset.cpus or cpuset.mems is empty,
 * and a new cgroup starts empty (unless its parent has cgroup.clone_children): copy the parent's. */
static int cgroup_v1_cpuset_copy(int parent_fd, int dir_fd) {
        static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *mine = NULL, *theirs = NULL;

                r = read_small_file_at(dir_fd, files[i], 64 * 1024, &mine);
                if (r == -ENOENT)
                        return 0;       /* not the cpuset hierarchy */
                if (r < 0)
                        return r;
                if (!isempty(strstrip(mine)))
                        continue;
                r = read_small_file_at(parent_fd, files[i], 64 * 1024, &theirs);
                if (r < 0)
                        return r;
                r = write_string_file_at(dir_fd, files[i], strstrip(theirs));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* mkdir, then open. Between the two, the directory's previous owner may remove it (EEXIST, then
 * ENOENT): make it again, a bounded number of times. */
static int cgroup_mkdir_open(int dir_fd, const char *name, bool *ret_created) {
        for (unsigned attempt = 0;; attempt++) {
                bool created = mkdirat(dir_fd, name, 0755) >= 0;
                if (!created && errno != EEXIST)
                        return -errno;
                int fd = openat(dir_fd, name, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0) {
                        *ret_created = created;
                        return fd;
                }
                int r = -errno;
                if (created)
                        (void) unlinkat(dir_fd, name, AT_REMOVEDIR);
                if (r != -ENOENT || attempt >= 16)
                        return r;
        }
}

/* *made counts the trailing components of path that this call created; it is updated as it goes, so
 * that the caller can remove them also when a later step fails. */
static int cgroup_create_full(const char *root, const char *path, bool cpuset, int *ret_fd, unsigned *made) {
        _cleanup_close_ int dir = open(root, O_DIRECTORY | O_CLOEXEC);
        char buf[4096];
        unsigned stale = 0;
        int r;

        *made = 0;
        if (dir < 0)
                return -errno;
        if ((size_t) snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
                return -ENAMETOOLONG;

        for (char *p = buf;;) {
                char *slash = strchr(p, '/');
                bool created = false;

                if (slash)
                        *slash = 0;
                int next = cgroup_mkdir_open(dir, p, &created);
                if (next < 0)
                        return next;
                if (created)
                        (*made)++;
                else
                        *made = 0;
                /* Also on a directory that exists: a launcher killed between its mkdir and the copy
                 * leaves one with empty cpusets, which would refuse every task (ENOSPC). */
                if (cpuset) {
                        r = cgroup_v1_cpuset_copy(dir, next);
                        if (r < 0) {
                                safe_close(next);
                                return r;
                        }
                }
                if (!slash && !created) {
                        r = cgroup_is_empty(next);
                        if ((r == -ENOENT || r == -ENODEV) && ++stale < 16) {
                                /* Its previous owner removed it after we opened it: make it again. */
                                safe_close(next);
                                continue;
                        }
                        if (r <= 0) {
                                safe_close(next);
                                return r < 0 ? r : -EBUSY;
                        }
                }
                safe_close(dir);
                dir = next;
                if (!slash)
                        break;
                p = slash + 1;
        }
        if (ret_fd)
                *ret_fd = TAKE_FD(dir);
        return 0;
}

int cgroup_create(const char *root, const char *path, int *ret_fd) {
        unsigned made;
        return cgroup_create_full(root, path, false, ret_fd, &made);
}

int cgroup_v1_create(const CgroupV1Hierarchy *h, const char *path, unsigned *made) {
        return cgroup_create_full(h->mount_point, path, cgroup_v1_hierarchy_has(h, "cpuset"), NULL, made);
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

int cgroup_read_pids(int dir_fd, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_free_ char *procs = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, allocated = 0;
        int r;

        r = read_small_file_at(dir_fd, "cgroup.procs", 4 * 1024 * 1024, &procs);
        if (r < 0)
                return r;
        for (char *p = procs, *end;; p = end) {
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (pid <= 0 || pid > INT_MAX)
                        return -EBADMSG;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 64;
                        pid_t *q = reallocarray(pids, allocated, sizeof(pid_t));
                        if (!q)
                                return -ENOMEM;
                        pids = q;
                }
                pids[n++] = (pid_t) pid;
        }
        *ret_pids = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
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
                /* EBUSY until the last task is gone; anything else gets a few more tries too. */
                for (int i = 0, others = 0; i < 200 && others < 5; i++) {
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                                break;
                        if (errno != EBUSY)
                                others++;
                        nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
                }
        }
        closedir(d);
}

/* Is fd still the directory at root/path? The owner before us removes the directory while it holds
 * the lock, so an fd opened just before that refers to a dead cgroup once we get the lock. */
static bool cgroup_fd_is_at(int fd, const char *root, const char *path) {
        struct stat a, b;
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path) >= sizeof(p))
                return false;
        return fstat(fd, &a) >= 0 && stat(p, &b) >= 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void cgroup_remove_leaf(const char *root, const char *path) {
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path) < sizeof(p))
                (void) rmdir(p);
}

static int cgroup_create_owned_once(const char *root, const char *path, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        unsigned made;
        int r;

        /* cgroup_create() refuses a populated cgroup and returns an empty one as it is. */
        r = cgroup_create_full(root, path, false, &fd, &made);
        if (r < 0)
                return r;
        /* The lock lives as long as the caller keeps fd open, and dies with the caller, even when it is
         * SIGKILLed: a second starter of the same name meets it and backs off, and never shares or
         * tears down the first one's cgroup. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                /* We made it but could not lock it: remove it again, unless another starter holds it
                 * by now (then it is theirs). */
                if (r != -EBUSY && made > 0 && flock(fd, LOCK_EX | LOCK_NB) >= 0)
                        cgroup_remove_leaf(root, path);
                return r;
        }
        if (!cgroup_fd_is_at(fd, root, path))
                return -ESTALE;
        /* Re-check under the lock: the owner before us may have filled it meanwhile. */
        r = cgroup_is_empty(fd);
        if (r < 0) {
                cgroup_remove_leaf(root, path);
                return r;
        }
        if (r == 0)
                return -EBUSY;
        /* A leftover of a killed launcher: its sub-cgroups go. */
        cgroup_remove_children(fd, 0);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int cgroup_create_owned(const char *root, const char *path, int *ret_fd) {
        int r;

        /* -ESTALE: the directory we locked was removed by its previous owner; start again. */
        for (unsigned attempt = 0; attempt < 16; attempt++) {
                r = cgroup_create_owned_once(root, path, ret_fd);
                if (r != -ESTALE)
                        return r;
        }
        return r;
}

int cgroup_kill(const char *root, const char *path) {
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s/cgroup.kill", root, path) >= sizeof(p))
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        return loop_write(fd, "1", 1);
}

int cgroup_kill_and_remove(const char *root, const char *path) {
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path) >= sizeof(p))
                return -ENAMETOOLONG;

        _cleanup_close_ int dir = -EBADF;
        for (int i = 0; dir < 0; i++) {
                dir = open(p, O_DIRECTORY | O_CLOEXEC);
                if (dir < 0 && (errno == ENOENT || i >= 4))
                        return errno == ENOENT ? 0 : -errno;
        }
        (void) write_string_file_at(dir, "cgroup.kill", "1");
        cgroup_remove_children(dir, 0);

        /* The kernel needs a moment after the last task exits before the cgroup counts as empty. Other
         * errors get a few more tries too: a cgroup left behind is never collected by anyone. */
        int r = -EBUSY;
        for (int i = 0, others = 0; i < 200 && others < 5; i++) {
                if (rmdir(p) >= 0 || errno == ENOENT)
                        return 0;
                r = -errno;
                if (r != -EBUSY)
                        others++;
                nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
        }
        return r;
}

/* Mount points in mountinfo escape space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = 0;
}

/* The super options that name a v1 hierarchy: its controllers and its name=, without the flags. */
static char *v1_hierarchy_key(const char *super_options) {
        static const char *const flags[] = {
                "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods", "none",
        };
        _cleanup_free_ char *copy = strdup(super_options);
        char *key = calloc(1, strlen(super_options) + 1), *save = NULL;

        if (!copy || !key) {
                free(key);
                return NULL;
        }
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool flag = startswith(o, "release_agent=");
                for (size_t i = 0; i < ELEMENTSOF(flags) && !flag; i++)
                        flag = streq(o, flags[i]);
                if (flag)
                        continue;
                if (*key)
                        strcat(key, ",");
                strcat(key, o);
        }
        return key;
}

void cgroup_v1_hierarchies_free(CgroupV1Hierarchy *h, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(h[i].mount_point);
                free(h[i].controllers);
        }
        free(h);
}

static int v1_hierarchies_add(CgroupV1Hierarchy **h, size_t *n, const char *root, const char *where,
                              const char *super_options) {
        _cleanup_free_ char *key = v1_hierarchy_key(super_options), *mp = strdup(where);

        if (!key || !mp)
                return -ENOMEM;
        unescape_octal(mp);
        for (size_t i = 0; i < *n; i++)
                if (streq((*h)[i].controllers, key)) {
                        /* Mounted twice: prefer a mount of the hierarchy's root over a subtree. */
                        if (streq(root, "/") && !(*h)[i].whole) {
                                free((*h)[i].mount_point);
                                (*h)[i].mount_point = TAKE_PTR(mp);
                                (*h)[i].whole = true;
                        }
                        return 0;
                }
        CgroupV1Hierarchy *g = realloc(*h, (*n + 1) * sizeof(**h));
        if (!g)
                return -ENOMEM;
        *h = g;
        g[(*n)++] = (CgroupV1Hierarchy) {
                .mount_point = TAKE_PTR(mp),
                .controllers = TAKE_PTR(key),
                .whole = streq(root, "/"),
        };
        return 0;
}

int cgroup_v1_hierarchies_parse(const char *mountinfo, CgroupV1Hierarchy **ret, size_t *ret_n) {
        _cleanup_free_ char *text = strdup(mountinfo);
        CgroupV1Hierarchy *h = NULL;
        size_t n = 0;
        int r;

        if (!text)
                return -ENOMEM;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                /* id parent major:minor root mount-point options [optional...] - type source super */
                char *sep = strstr(line, " - ");
                if (!sep)
                        continue;
                *sep = 0;
                char *f[5], *save = NULL, *type, *super;
                size_t k = 0;
                for (char *t = strtok_r(line, " ", &save); t && k < 5; t = strtok_r(NULL, " ", &save))
                        f[k++] = t;
                save = NULL;
                type = strtok_r(sep + 3, " ", &save);
                (void) strtok_r(NULL, " ", &save);
                super = strtok_r(NULL, " ", &save);
                if (k < 5 || !type || !super || !streq(type, "cgroup"))
                        continue;
                r = v1_hierarchies_add(&h, &n, f[3], f[4], super);
                if (r < 0) {
                        cgroup_v1_hierarchies_free(h, n);
                        return r;
                }
        }
        *ret = h;
        *ret_n = n;
        return 0;
}

int cgroup_v1_hierarchies(CgroupV1Hierarchy **ret, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_small_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 * 1024 * 1024, &text);
        if (r < 0)
                return r;
        return cgroup_v1_hierarchies_parse(text, ret, ret_n);
}

bool cgroup_v1_hierarchy_has(const CgroupV1Hierarchy *h, const char *controller) {
        return string_list_contains(h->controllers, ",", controller);
}

int cgroup_remove_made(const char *root, const char *path, unsigned made) {
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path) >= sizeof(p))
                return -ENAMETOOLONG;
        for (unsigned i = 0; i < made; i++) {
                if (rmdir(p) < 0 && errno != ENOENT)
                        return -errno;
                char *slash = strrchr(p, '/');
                if (!slash)
                        break;
                *slash = 0;
        }
        return 0;
}

int cgroup_v1_devices_setup(const char *root, const char *path, const DeviceRule *extra, size_t n_extra) {
        static const char *const allow[] = {
                "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",       /* null zero full random urandom */
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",                                  /* tty console ptmx */
                "c 136:* rw", "c 10:200 rwm",                                           /* pts, net/tun */
        };
        char p[4096];
        _cleanup_close_ int dir = -EBADF;
        int r;

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path) >= sizeof(p))
                return -ENAMETOOLONG;
        dir = open(p, O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        /* The kernel changes the default ("a") only of a cgroup without children. */
        r = write_string_file_at(dir, "devices.deny", "a");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(allow); i++) {
                r = write_string_file_at(dir, "devices.allow", allow[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n_extra; i++) {
                char rule[64], minor[16] = "*";
                if (extra[i].minor >= 0)
                        snprintf(minor, sizeof(minor), "%d", extra[i].minor);
                snprintf(rule, sizeof(rule), "%c %d:%s %s%s%s", extra[i].type, extra[i].major, minor,
                         extra[i].access & BPF_DEVCG_ACC_READ ? "r" : "",
                         extra[i].access & BPF_DEVCG_ACC_WRITE ? "w" : "",
                         extra[i].access & BPF_DEVCG_ACC_MKNOD ? "m" : "");
                r = write_string_file_at(dir, "devices.allow", rule);
                if (r < 0)
                        return r;
        }
        return 0;
}

void cgroup_trim_slices(const char *root, const char *path) {
        char p[4096];

        if ((size_t) snprintf(p, sizeof(p), "%s/%s", root, path + strspn(path, "/")) >= sizeof(p))
                return;
        size_t top = strlen(root);
        for (char *slash; (slash = strrchr(p + top, '/')) && slash > p + top;) {
                *slash = 0;
                const char *name = strrchr(p + top, '/');
                name = name ? name + 1 : p + top;
                /* machine.slice is everyone's; a slice still in use is not empty (EBUSY). */
                if (streq(name, "machine.slice") || !endswith(name, ".slice") || rmdir(p) < 0)
                        return;
        }
}
