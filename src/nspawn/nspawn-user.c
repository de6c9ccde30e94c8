/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fd-util.h"
#include "nspawn-user.h"
#include "parse-util.h"
#include "string-util.h"

void user_record_done(UserRecord *u) {
        free(u->name);
        free(u->home);
        free(u->shell);
        free(u->groups);
        *u = (UserRecord) {};
}

/* Splits a line into exactly n colon-separated fields, in place. */
static int split_fields(char *line, char **fields, size_t n) {
        size_t i = 0;

        fields[i++] = line;
        for (char *p = line; *p; p++)
                if (*p == ':') {
                        if (i == n)
                                return -EINVAL;
                        *p = 0;
                        fields[i++] = p + 1;
                }
        return i == n ? 0 : -EINVAL;
}

/* Calls match() for each line until it returns non-zero; refuses over-long lines. */
static int for_each_line(const char *text, int (*match)(char *line, void *userdata), void *userdata) {
        for (const char *p = text; *p;) {
                const char *e = strchrnul(p, '\n');
                size_t l = (size_t) (e - p);
                char line[USER_DB_MAX_LINE + 1];

                if (l > USER_DB_MAX_LINE)
                        return -EBADMSG;
                memcpy(line, p, l);
                line[l] = 0;
                int r = match(line, userdata);
                if (r != 0)
                        return r;
                p = *e ? e + 1 : e;
        }
        return 0;
}

typedef struct PasswdMatch {
        const char *name;
        bool numeric;
        uid_t uid;
        UserRecord *result;
} PasswdMatch;

static int passwd_match(char *line, void *userdata) {
        PasswdMatch *m = userdata;
        char *f[7];
        uid_t uid;
        gid_t gid;

        if (split_fields(line, f, 7) < 0)
                return 0;
        if (parse_uid(f[2], &uid) < 0 || parse_uid(f[3], &gid) < 0)
                return 0;
        if (m->numeric ? uid != m->uid : !streq(f[0], m->name))
                return 0;

        *m->result = (UserRecord) {
                .uid = uid,
                .gid = gid,
                .name = strdup(f[0]),
                .home = strdup(isempty(f[5]) ? "/" : f[5]),
                .shell = strdup(isempty(f[6]) ? "/bin/sh" : f[6]),
        };
        if (!m->result->name || !m->result->home || !m->result->shell) {
                user_record_done(m->result);
                return -ENOMEM;
        }
        return 1;
}

int user_record_from_passwd(const char *passwd, const char *name, UserRecord *ret) {
        UserRecord u = {};
        PasswdMatch m = { .name = name, .result = &u };
        int r;

        m.numeric = parse_uid(name, &m.uid) >= 0;
        r = for_each_line(passwd, passwd_match, &m);
        if (r < 0)
                return r;
        if (r == 0) {
                if (!m.numeric)
                        return -ESRCH;
                /* A numeric id without an entry is used as it is, as su and setpriv do. */
                u = (UserRecord) { .uid = m.uid, .gid = m.uid, .name = strdup(name), .home = strdup("/"),
                                   .shell = strdup("/bin/sh") };
                if (!u.name || !u.home || !u.shell) {
                        user_record_done(&u);
                        return -ENOMEM;
                }
        }
        *ret = u;
        return 0;
}

static int group_match(char *line, void *userdata) {
        UserRecord *u = userdata;
        char *f[4];
        gid_t gid;

        if (split_fields(line, f, 4) < 0 || parse_uid(f[2], &gid) < 0 || gid == u->gid)
                return 0;
        char *state = NULL;
        for (char *m = strtok_r(f[3], ",", &state); m; m = strtok_r(NULL, ",", &state))
                if (streq(m, u->name)) {
                        if (u->n_groups >= NGROUPS_MAX)
                                return -E2BIG;
                        gid_t *n = realloc(u->groups, (u->n_groups + 1) * sizeof(gid_t));
                        if (!n)
                                return -ENOMEM;
                        u->groups = n;
                        u->groups[u->n_groups++] = gid;
                        break;
                }
        return 0;
}

int user_record_add_groups(UserRecord *u, const char *group) {
        int r = for_each_line(group, group_match, u);
        return r < 0 ? r : 0;
}

int user_record_lookup(const char *name, UserRecord *ret, const char **ret_file) {
        _cleanup_free_ char *passwd = NULL, *group = NULL;
        UserRecord u = {};
        int r;

        *ret_file = "/etc/passwd";
        r = read_small_file_at(AT_FDCWD, "/etc/passwd", USER_DB_MAX_SIZE, &passwd);
        if (r < 0 && r != -ENOENT)
                return r;
        r = user_record_from_passwd(strempty(passwd), name, &u);
        if (r < 0)
                return r;
        *ret_file = "/etc/group";
        r = read_small_file_at(AT_FDCWD, "/etc/group", USER_DB_MAX_SIZE, &group);
        if (r >= 0)
                r = user_record_add_groups(&u, group);
        if (r < 0 && r != -ENOENT) {
                user_record_done(&u);
                return r;
        }
        *ret = u;
        return 0;
}
