/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "log.h"
#include "mount-util.h"
#include "nspawn-etc.h"
#include "string-util.h"

#define ETC_FILE_MAX (64U * 1024)

/* Copy into the tree, or bind over an existing regular file when the tree is read-only. */
static int install_host_file(int etc_fd, const char *name, const char *host_path, bool read_only) {
        _cleanup_free_ char *want = NULL, *have = NULL;
        struct stat st;
        int r;

        if (fstatat(etc_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return -errno;
                if (read_only)
                        return 0;
        } else if (!S_ISREG(st.st_mode)) {
                log_debug("/etc/%s in the container is not a regular file, leaving it alone.", name);
                return 0;
        }

        if (read_only) {
                _cleanup_close_ int src = open(host_path, O_PATH | O_CLOEXEC);
                _cleanup_close_ int dst = openat(etc_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (src < 0)
                        return errno == ENOENT ? 0 : -errno;
                if (dst < 0)
                        return -errno;
                return bind_mount_at(src, dst, false, true);
        }

        /* Binary-safe: /etc/localtime is a compiled zone file with NUL bytes. */
        r = read_small_file_at(AT_FDCWD, host_path, ETC_FILE_MAX, &want);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        size_t n = (size_t) r;
        r = read_small_file_at(etc_fd, name, ETC_FILE_MAX, &have);
        if (r >= 0 && (size_t) r == n && memcmp(have, want, n) == 0)
                return 0;

        /* A new file renamed over the old one: never written through a hard link either. */
        char tmp[64];
        snprintf(tmp, sizeof(tmp), ".#%s.nspawn", name);
        (void) unlinkat(etc_fd, tmp, 0);
        _cleanup_close_ int fd = openat(etc_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        r = loop_write(fd, want, n);
        if (r >= 0 && renameat(etc_fd, tmp, etc_fd, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(etc_fd, tmp, 0);
        return r;
}

static int setup_localtime(int root_fd, int etc_fd, bool read_only) {
        char host_target[PATH_MAX], cur[PATH_MAX];
        struct stat st;
        ssize_t n;

        if (fstatat(etc_fd, "localtime", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                return install_host_file(etc_fd, "localtime", "/etc/localtime", read_only);

        /* The tree uses a symlink: point it at the host's zone, if the tree has that zone. */
        n = readlink("/etc/localtime", host_target, sizeof(host_target) - 1);
        if (n < 0)
                return 0;
        host_target[n] = 0;
        const char *zone = strstr(host_target, "zoneinfo/");
        if (!zone || read_only)
                return 0;
        zone += strlen("zoneinfo/");

        char in_tree[PATH_MAX], link[PATH_MAX];
        snprintf(in_tree, sizeof(in_tree), "/usr/share/zoneinfo/%s", zone);
        _cleanup_close_ int zfd = -EBADF;
        if (open_in_root(root_fd, in_tree, O_PATH, &zfd) < 0)
                return 0;

        snprintf(link, sizeof(link), "../usr/share/zoneinfo/%s", zone);
        n = readlinkat(etc_fd, "localtime", cur, sizeof(cur) - 1);
        if (n >= 0) {
                cur[n] = 0;
                const char *z = strstr(cur, "zoneinfo/");
                if (z && streq(z + strlen("zoneinfo/"), zone))
                        return 0;
        }
        if (unlinkat(etc_fd, "localtime", 0) < 0 && errno != ENOENT)
                return -errno;
        return RET_NERRNO(symlinkat(link, etc_fd, "localtime"));
}

int etc_setup(int root_fd, bool read_only, bool private_network, const char **ret_what) {
        _cleanup_close_ int etc_fd = -EBADF;
        int r;

        r = open_in_root(root_fd, "/etc", O_PATH | O_DIRECTORY, &etc_fd);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0) {
                *ret_what = "/etc";
                return r;
        }

        if (!private_network) {
                r = install_host_file(etc_fd, "resolv.conf", "/etc/resolv.conf", read_only);
                if (r < 0) {
                        *ret_what = "/etc/resolv.conf";
                        return r;
                }
        }
        r = setup_localtime(root_fd, etc_fd, read_only);
        if (r < 0) {
                *ret_what = "/etc/localtime";
                return r;
        }
        return 0;
}
