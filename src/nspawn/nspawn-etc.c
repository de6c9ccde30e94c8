/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "mount-util.h"
#include "nspawn-etc.h"
#include "string-util.h"

#define ETC_FILE_MAX (64U * 1024)

/* A new file renamed over whatever is at name: never written through a symlink or a hard link. */
static int replace_with_file(int etc_fd, const char *name, const char *data, size_t n) {
        char tmp[64];
        int r;

        snprintf(tmp, sizeof(tmp), ".#%s.nspawn", name);
        (void) unlinkat(etc_fd, tmp, 0);
        _cleanup_close_ int fd = openat(etc_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        r = loop_write(fd, data, n);
        if (r >= 0 && renameat(etc_fd, tmp, etc_fd, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(etc_fd, tmp, 0);
        return r;
}

/* copy: leaves a non-regular file (a symlink the guest manages, say) alone; replace: does not. */
static int copy_host_file(int etc_fd, const char *name, const char *host_path, bool replace) {
        _cleanup_free_ char *want = NULL, *have = NULL;
        struct stat st;
        int r;

        if (fstatat(etc_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return -errno;
        } else if (!replace && !S_ISREG(st.st_mode))
                return 0;

        /* Binary-safe: /etc/localtime is a compiled zone file with NUL bytes. A missing source was
         * reported by the launcher already. */
        r = read_small_file_at(AT_FDCWD, host_path, ETC_FILE_MAX, &want);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        size_t n = (size_t) r;
        if (S_ISREG(st.st_mode)) {
                r = read_small_file_at(etc_fd, name, ETC_FILE_MAX, &have);
                if (r >= 0 && (size_t) r == n && memcmp(have, want, n) == 0)
                        return 0;
        }
        return replace_with_file(etc_fd, name, want, n);
}

/* A read-only bind of the host's file over the tree's regular file, or over an empty one made where
 * a writable /etc has none. A symlink there is left alone, as by copy: the mount would land wherever
 * the guest points it. */
static int bind_host_file(int etc_fd, const char *name, const char *host_path, bool writable) {
        _cleanup_close_ int src = -EBADF, dst = -EBADF;
        struct stat st;

        src = open(host_path, O_PATH | O_CLOEXEC);
        if (src < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(src, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0;

        if (fstatat(etc_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return -errno;
                if (!writable)
                        return 0;
                _cleanup_close_ int f = openat(etc_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                if (f < 0)
                        return -errno;
        } else if (!S_ISREG(st.st_mode))
                return 0;
        dst = openat(etc_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                return -errno;
        if (fstat(dst, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0;
        return bind_mount_at(src, dst, false, true);
}

static int delete_file(int etc_fd, const char *name) {
        if (unlinkat(etc_fd, name, 0) < 0 && errno != ENOENT && errno != EISDIR)
                return -errno;
        return 0;
}

/* 1: linked (or already right), 0: the tree has no such zone. */
static int symlink_zone(int root_fd, int etc_fd, const char *zone) {
        char in_tree[PATH_MAX], link[PATH_MAX], cur[PATH_MAX], tmp[64];
        _cleanup_close_ int zfd = -EBADF;
        ssize_t n;

        snprintf(in_tree, sizeof(in_tree), "/usr/share/zoneinfo/%s", zone);
        if (open_in_root(root_fd, in_tree, O_PATH, &zfd) < 0)
                return 0;

        snprintf(link, sizeof(link), "../usr/share/zoneinfo/%s", zone);
        n = readlinkat(etc_fd, "localtime", cur, sizeof(cur) - 1);
        if (n >= 0) {
                cur[n] = 0;
                const char *z = strstr(cur, "zoneinfo/");
                if (z && streq(z + strlen("zoneinfo/"), zone))
                        return 1;
        }
        /* Made aside and renamed over: whatever was there goes, nothing is followed. */
        snprintf(tmp, sizeof(tmp), ".#localtime.nspawn");
        (void) unlinkat(etc_fd, tmp, 0);
        if (symlinkat(link, etc_fd, tmp) < 0)
                return -errno;
        if (renameat(etc_fd, tmp, etc_fd, "localtime") < 0) {
                int r = -errno;
                (void) unlinkat(etc_fd, tmp, 0);
                return r;
        }
        return 1;
}

static int apply_action(int root_fd, int etc_fd, const char *name, EtcFileAction a, const char *zone, bool writable) {
        int r;

        switch (a.action) {
        case ETC_KEEP:
                return 0;
        case ETC_COPY:
        case ETC_REPLACE:
                if (!writable)
                        return 0;
                return copy_host_file(etc_fd, name, a.source, a.action == ETC_REPLACE);
        case ETC_DELETE:
                return writable ? delete_file(etc_fd, name) : 0;
        case ETC_SYMLINK:
                if (!writable)
                        return 0;
                r = symlink_zone(root_fd, etc_fd, zone);
                if (r != 0)
                        return r < 0 ? r : 0;
                /* As systemd-nspawn: a tree without the host's zone gets the host's file bound. */
                __attribute__((fallthrough));
        case ETC_BIND:
                return bind_host_file(etc_fd, name, a.source, writable);
        default:
                return -EINVAL;
        }
}

int etc_setup(int root_fd, const Settings *s, const EtcHostFacts *f, bool read_only, const char **ret_what) {
        _cleanup_close_ int etc_fd = -EBADF;
        int r;

        r = open_in_root(root_fd, "/etc", O_PATH | O_DIRECTORY, &etc_fd);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0) {
                *ret_what = "/etc";
                return r;
        }

        EtcFileAction a = resolv_conf_decide(s->resolv_conf, f, s->private_network, !read_only);
        r = apply_action(root_fd, etc_fd, "resolv.conf", a, NULL, !read_only);
        if (r < 0) {
                *ret_what = "/etc/resolv.conf";
                return r;
        }
        a = timezone_decide(s->timezone, f, !read_only);
        r = apply_action(root_fd, etc_fd, "localtime", a, f->zone, !read_only);
        if (r < 0) {
                *ret_what = "/etc/localtime";
                return r;
        }
        return 0;
}

static bool file_nonempty(const char *path) {
        struct stat st;

        return stat(path, &st) >= 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* The part of a zoneinfo symlink after "zoneinfo/", as a relative path below the tree's zoneinfo. */
static bool zone_is_valid(const char *z) {
        if (isempty(z) || *z == '/' || strlen(z) >= sizeof(((EtcHostFacts *) NULL)->zone))
                return false;
        for (const char *p = z; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("/_+-.", *p)))
                        return false;
        return !strstr(z, "..");
}

void etc_host_facts_get(const Settings *s, EtcHostFacts *ret) {
        EtcHostFacts f = {
                .resolved_stub = file_nonempty(RESOLV_CONF_STUB),
                .host_resolv_conf = file_nonempty(RESOLV_CONF_HOST),
        };
        char target[PATH_MAX];
        ssize_t n = readlink("/etc/localtime", target, sizeof(target) - 1);

        if (n >= 0) {
                target[n] = 0;
                const char *z = strstr(target, "zoneinfo/");
                if (z && zone_is_valid(z + strlen("zoneinfo/"))) {
                        f.localtime = LOCALTIME_ZONE;
                        strcpy(f.zone, z + strlen("zoneinfo/"));
                } else
                        /* A symlink elsewhere: its file is copied or bound as a regular one. */
                        f.localtime = access("/etc/localtime", F_OK) >= 0 ? LOCALTIME_REGULAR : LOCALTIME_MISSING;
        } else
                f.localtime = errno == EINVAL ? LOCALTIME_REGULAR : errno == ENOENT ? LOCALTIME_MISSING : LOCALTIME_UNREADABLE;

        /* What an explicit mode cannot do is said once, here; the container starts without it. */
        EtcFileAction a = resolv_conf_decide(s->resolv_conf, &f, s->private_network, true);
        if (s->resolv_conf != RESOLV_CONF_AUTO && a.source && access(a.source, F_OK) < 0)
                log_warning(_("--resolv-conf=%s: %s does not exist on the host, leaving the container's /etc/resolv.conf alone."),
                            resolv_conf_mode_to_string(s->resolv_conf), a.source);
        if (s->timezone == TIMEZONE_SYMLINK && f.localtime != LOCALTIME_ZONE)
                log_warning(_("--timezone=symlink: the host's /etc/localtime is not a symlink into a zoneinfo directory, leaving the container's /etc/localtime alone."));
        else if ((s->timezone == TIMEZONE_COPY || s->timezone == TIMEZONE_BIND) && f.localtime == LOCALTIME_MISSING)
                log_warning(_("--timezone=%s: the host has no /etc/localtime, leaving the container's alone."),
                            timezone_mode_to_string(s->timezone));
        *ret = f;
}
