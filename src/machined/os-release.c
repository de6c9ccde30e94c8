/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd-util.h"
#include "os-release.h"
#include "process-util.h"
#include "string-util.h"
#include "strv.h"

#define OS_RELEASE_MAX (64 * 1024)

/* Looks before opening (O_PATH first): a device node planted by the guest is never opened, so opening
 * has no side effects, and a FIFO cannot block. */
int openat_in_root(int root_fd, const char *path) {
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int path_fd = RET_NERRNO(syscall(SYS_openat2, root_fd, path, &how, sizeof(how)));
        int fd, r;

        if (path_fd < 0)
                return path_fd;
        /* Never a file of procfs or sysfs: a guest that sees the host's /proc could point os-release
         * at /proc/self/..., which here would be machined's own environment or memory. */
        struct statfs sfs;
        if (fstatfs(path_fd, &sfs) < 0)
                return -errno;
        if (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC)
                return -EPERM;
        r = fd_reopen_regular(path_fd, NULL, &fd);
        return r < 0 ? r : fd;
}

int os_release_read_pid(pid_t pid, int pidfd, char **ret_text) {
        static const char *const candidates[] = { "etc/os-release", "usr/lib/os-release" };
        _cleanup_close_ int root = -EBADF;
        char p[64];
        int r = -ENOENT;

        snprintf(p, sizeof(p), "/proc/%d/root", (int) pid);
        root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (pidfd >= 0 && pidfd_send_signal_(pidfd, 0) < 0)
                return -ESRCH;

        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                _cleanup_close_ int fd = openat_in_root(root, candidates[i]);
                if (fd < 0) {
                        r = fd;
                        if (r == -ENOENT)
                                continue;
                        return r;
                }
                return read_fd_limited(fd, OS_RELEASE_MAX, ret_text);
        }
        return r;
}

static bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                size_t n;
                if (*p < 0x80)
                        n = 0;
                else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
                        n = 1;
                else if ((*p & 0xf0) == 0xe0)
                        n = 2;
                else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
                        n = 3;
                else
                        return false;
                p++;
                for (size_t i = 0; i < n; i++, p++)
                        if ((*p & 0xc0) != 0x80)
                                return false;
        }
        return true;
}

static bool key_is_valid(const char *k, size_t n) {
        if (n == 0 || (k[0] >= '0' && k[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
                      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
                        return false;
        return true;
}

/* Shell-style value: '...' literal, "..." with \ escapes of "\`$, unquoted with \ escapes. */
static char *unquote(const char *v, size_t n) {
        char *r = malloc(n + 1), *w = r;
        char quote = 0;

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                char c = v[i];
                if (quote == '\'') {
                        if (c == '\'')
                                quote = 0;
                        else
                                *w++ = c;
                } else if (c == '\\' && i + 1 < n && (quote != '"' || strchr("\"\\`$", v[i + 1])))
                        *w++ = v[++i];
                else if (quote == '"' && c == '"')
                        quote = 0;
                else if (!quote && (c == '"' || c == '\''))
                        quote = c;
                else
                        *w++ = c;
        }
        *w = 0;
        return r;
}

int os_release_parse(const char *text, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (const char *line = text; *line;) {
                const char *e = strchrnul(line, '\n'), *k = line, *eq;
                size_t kl;

                while (k < e && (*k == ' ' || *k == '\t'))
                        k++;
                eq = memchr(k, '=', (size_t) (e - k));
                if (eq && *k != '#' && key_is_valid(k, kl = (size_t) (eq - k))) {
                        const char *v = eq + 1, *ve = e;
                        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
                                ve--;
                        _cleanup_free_ char *value = unquote(v, (size_t) (ve - v));
                        char *key = strndup(k, kl);
                        if (!value || !key) {
                                free(key);
                                return -ENOMEM;
                        }
                        if (utf8_is_valid(value)) {
                                r = strv_consume(&l, key);
                                if (r >= 0)
                                        r = strv_consume(&l, TAKE_PTR(value));
                                if (r < 0)
                                        return r;
                        } else
                                free(key);
                }
                line = *e ? e + 1 : e;
        }
        *ret = TAKE_PTR(l);
        return 0;
}
