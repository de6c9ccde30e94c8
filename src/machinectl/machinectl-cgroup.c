/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-util.h"
#include "machinectl-cgroup.h"
#include "machinectl-format.h"
#include "string-util.h"
#include "strv.h"

/* The guest owns its delegated subtree and can nest cgroups without end. */
#define TREE_DEPTH_MAX 16
#define CMDLINE_MAX 4096

int cgroup_pid_get_path(pid_t pid, char **ret) {
        _cleanup_free_ char *s = NULL;
        char p[64];
        int r;

        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) pid);
        r = read_small_file_at(AT_FDCWD, p, 1 << 16, &s);
        if (r == -EFBIG || r == -EBADFD || r == -EINVAL)
                r = -EIO;
        if (r < 0)
                return r;
        for (char *l = s, *e; l && *l; l = e ? e + 1 : NULL) {
                e = strchr(l, '\n');
                if (e)
                        *e = 0;
                const char *v = startswith(l, "0::");
                if (v) {
                        *ret = strdup(v);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENODATA;
}

bool cgroup_path_trim_to_unit(char *path, const char *unit) {
        size_t l = strlen(unit);

        if (l == 0)
                return false;
        for (char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
                if (strncmp(p + 1, unit, l) == 0 && (p[1 + l] == '/' || p[1 + l] == 0)) {
                        p[1 + l] = 0;
                        return true;
                }
        return false;
}

/* /proc/PID/cmdline is a sequence of NUL-terminated words; "[comm]" for kernel threads and zombies. */
static char *pid_cmdline(pid_t pid) {
        char p[64], buf[CMDLINE_MAX + 1];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        snprintf(p, sizeof(p), "/proc/%d/cmdline", (int) pid);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        n = fd < 0 ? -1 : read(fd, buf, CMDLINE_MAX);
        if (n > 0) {
                while (n > 0 && buf[n - 1] == 0)
                        n--;
                for (ssize_t i = 0; i < n; i++)
                        if (buf[i] == 0)
                                buf[i] = ' ';
                buf[n] = 0;
                return escape_untrusted(buf);
        }

        _cleanup_free_ char *comm = NULL;
        snprintf(p, sizeof(p), "/proc/%d/comm", (int) pid);
        if (read_small_file_at(AT_FDCWD, p, 64, &comm) < 0)
                return strdup("[?]");
        comm[strcspn(comm, "\n")] = 0;
        _cleanup_free_ char *e = escape_untrusted(comm);
        return e ? strjoin("[", e, "]") : NULL;
}

static int pid_compare(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return x < y ? -1 : x > y;
}

static int str_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int read_pids(int dir_fd, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *s = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = read_small_file_at(dir_fd, "cgroup.procs", 1 << 22, &s);
        if (r < 0)
                return r;
        pids = calloc((size_t) r / 2 + 1, sizeof(pid_t));
        if (!pids)
                return -ENOMEM;
        for (char *p = s, *end; *p; p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (v > 0)
                        pids[n++] = (pid_t) v;
                while (*end == '\n')
                        end++;
        }
        qsort(pids, n, sizeof(pid_t), pid_compare);
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

static int read_children(int dir_fd, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *de;
        int r = opendir_fd(dir_fd, &d);

        if (r < 0)
                return r;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.' && strv_extend(&l, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        closedir(d);
        if (l)
                qsort(l, strv_length(l), sizeof(char *), str_compare);
        *ret = TAKE_PTR(l);
        return 0;
}

static int show_level(FILE *f, int dir_fd, const char *prefix, unsigned depth) {
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_strv_free_ char **children = NULL;
        size_t n_pids = 0, n_children;
        int r;

        r = read_pids(dir_fd, &pids, &n_pids);
        if (r < 0)
                return r;
        if (depth < TREE_DEPTH_MAX)
                (void) read_children(dir_fd, &children);
        n_children = strv_length(children);

        for (size_t i = 0; i < n_pids; i++) {
                _cleanup_free_ char *cmd = pid_cmdline(pids[i]);
                bool last = i + 1 == n_pids && n_children == 0;
                fprintf(f, "%s%s%d %s\n", prefix, last ? "└─" : "├─", (int) pids[i], cmd ?: "");
        }
        for (size_t i = 0; i < n_children; i++) {
                _cleanup_free_ char *name = escape_untrusted(children[i]);
                _cleanup_free_ char *sub = NULL;
                _cleanup_close_ int fd = -EBADF;
                bool last = i + 1 == n_children;

                if (!name)
                        return -ENOMEM;
                fprintf(f, "%s%s%s\n", prefix, last ? "└─" : "├─", name);
                sub = strjoin(prefix, last ? "  " : "│ ");
                if (!sub)
                        return -ENOMEM;
                fd = openat(dir_fd, children[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        (void) show_level(f, fd, sub, depth + 1);
        }
        return 0;
}

int cgroup_show_tree(FILE *f, const char *root, const char *path, const char *prefix) {
        _cleanup_free_ char *full = strjoin(root, path);
        _cleanup_close_ int fd = -EBADF;

        if (!full)
                return -ENOMEM;
        fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return show_level(f, fd, prefix, 0);
}
