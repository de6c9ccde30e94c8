/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fd-util.h"
#include "guest-user.h"
#include "os-release.h"
#include "parse-util.h"
#include "string-util.h"

GuestUser *guest_user_free(GuestUser *u) {
        if (!u)
                return NULL;
        free(u->name);
        free(u->home);
        free(u->shell);
        free(u->groups);
        free(u);
        return NULL;
}

/* Splits one line into at most n ':'-separated fields (pointers into line, which is modified). */
static size_t split_fields(char *line, char **f, size_t n) {
        size_t i = 0;

        f[i++] = line;
        for (char *p = line; *p && i < n; p++)
                if (*p == ':') {
                        *p = 0;
                        f[i++] = p + 1;
                }
        return i;
}

static int parse_id(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v;

        if (!s[0] || s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        /* (uid_t) -1 is "no uid" for the kernel's set*id() calls. */
        if (errno != 0 || *end || v >= UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int user_new(const char *name, uid_t uid, gid_t gid, const char *home, const char *shell, GuestUser **ret) {
        _cleanup_(guest_user_freep) GuestUser *u = calloc(1, sizeof(GuestUser));

        if (!u)
                return -ENOMEM;
        u->uid = uid;
        u->gid = gid;
        u->name = strdup(name);
        /* An empty or relative home or shell is no place to start in: "/" and /bin/sh, as login(1) does. */
        u->home = strdup(home && home[0] == '/' ? home : "/");
        u->shell = strdup(shell && shell[0] == '/' ? shell : "/bin/sh");
        u->groups = malloc(sizeof(gid_t));
        if (!u->name || !u->home || !u->shell || !u->groups)
                return -ENOMEM;
        u->groups[0] = gid;
        u->n_groups = 1;
        *ret = TAKE_PTR(u);
        return 0;
}

int guest_user_from_passwd(const char *passwd, const char *user, GuestUser **ret) {
        _cleanup_free_ char *copy = strdup(passwd);
        uint32_t want_uid = 0;
        bool by_uid = parse_id(user, &want_uid) >= 0;
        char *saveptr = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *f[7];
                uint32_t uid, gid;

                /* name:password:uid:gid:gecos:home:shell; NIS "+" lines and comments are no users. */
                if (line[0] == '#' || line[0] == '+' || line[0] == '-')
                        continue;
                if (split_fields(line, f, 7) != 7)
                        continue;
                if (parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
                        continue;
                if (by_uid ? uid != want_uid : !streq(f[0], user))
                        continue;
                return user_new(f[0], uid, gid, f[5], f[6], ret);
        }
        if (by_uid)
                return user_new(user, want_uid, want_uid, "/", "/bin/sh", ret);
        return -ENXIO;
}

static bool member_of(char *members, const char *name) {
        char *saveptr = NULL;

        for (char *m = strtok_r(members, ",", &saveptr); m; m = strtok_r(NULL, ",", &saveptr))
                if (streq(m, name))
                        return true;
        return false;
}

int guest_user_add_groups(GuestUser *u, const char *group) {
        _cleanup_free_ char *copy = strdup(group);
        char *saveptr = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *f[4];
                uint32_t gid;
                bool seen = false;

                if (line[0] == '#' || line[0] == '+' || line[0] == '-')
                        continue;
                if (split_fields(line, f, 4) != 4 || parse_id(f[2], &gid) < 0)
                        continue;
                if (!member_of(f[3], u->name))
                        continue;
                for (size_t i = 0; i < u->n_groups; i++)
                        seen = seen || u->groups[i] == gid;
                if (seen)
                        continue;
                if (u->n_groups >= GUEST_USER_GROUPS_MAX)
                        return -E2BIG;
                gid_t *g = realloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
                if (!g)
                        return -ENOMEM;
                u->groups = g;
                u->groups[u->n_groups++] = gid;
        }
        return 0;
}

static int read_guest_file(int root_fd, const char *path, char **ret) {
        _cleanup_close_ int fd = openat_in_root(root_fd, path);

        if (fd < 0)
                return fd;
        return read_fd_limited(fd, GUEST_USER_FILE_MAX, ret);
}

int guest_user_lookup(int root_fd, const char *user, GuestUser **ret) {
        _cleanup_(guest_user_freep) GuestUser *u = NULL;
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        int r;

        r = read_guest_file(root_fd, "etc/passwd", &passwd);
        if (r == -ENOENT)
                passwd = strdup(""); /* Numeric uids work without a passwd file. */
        else if (r < 0)
                return r;
        if (!passwd)
                return -ENOMEM;
        r = guest_user_from_passwd(passwd, user, &u);
        if (r < 0)
                return r;
        r = read_guest_file(root_fd, "etc/group", &group);
        if (r >= 0)
                r = guest_user_add_groups(u, group);
        if (r < 0 && r != -ENOENT)
                return r;
        *ret = TAKE_PTR(u);
        return 0;
}
