/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-util.h"
#include "parse-util.h"
#include "string-util.h"
#include "unit-name.h"

char *machine_scope_unit_name(const char *machine) {
        _cleanup_free_ char *e = unit_name_escape(machine);

        return e ? strjoin("machine-", e, ".scope") : NULL;
}

static bool label_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char *unit_dbus_path_from_name(const char *unit) {
        size_t pl = strlen(SYSTEMD1_UNIT_PATH_PREFIX);
        char *r = malloc(pl + strlen(unit) * 3 + 2), *w;

        if (!r)
                return NULL;
        memcpy(r, SYSTEMD1_UNIT_PATH_PREFIX, pl);
        w = r + pl;
        if (!*unit)
                *w++ = '_';     /* sd-bus's label for the empty string */
        for (const char *p = unit; *p; p++) {
                if (label_plain(*p))
                        *w++ = *p;
                else
                        w += sprintf(w, "_%02x", (unsigned char) *p);
        }
        *w = 0;
        return r;
}

int unit_name_from_dbus_path(const char *path, char **ret) {
        const char *e = startswith(path, SYSTEMD1_UNIT_PATH_PREFIX);
        char *r, *w;

        if (!e || !*e || strchr(e, '/'))
                return -EINVAL;
        r = w = malloc(strlen(e) + 1);
        if (!r)
                return -ENOMEM;
        for (const char *p = e; *p; p++) {
                if (label_plain(*p)) {
                        *w++ = *p;
                        continue;
                }
                int a = *p == '_' ? unhexchar(p[1]) : -EINVAL;
                int b = a >= 0 ? unhexchar(p[2]) : -EINVAL;
                char c = (char) (a * 16 + b);
                /* One spelling per name: what escaping would have left alone is not accepted escaped. */
                if (b < 0 || c == 0 || label_plain(c)) {
                        free(r);
                        return -EINVAL;
                }
                *w++ = c;
                p += 2;
        }
        *w = 0;
        *ret = r;
        return 0;
}

bool unit_active_state_is_stopped(const char *state) {
        return streq(state, "inactive") || streq(state, "failed");
}

int job_result_to_errno(const char *result) {
        static const struct {
                const char *result;
                int error;
        } table[] = {
                { "done", 0 },
                { "canceled", -ECANCELED },
                { "timeout", -ETIMEDOUT },
                { "dependency", -ENOLINK },
                { "unsupported", -EOPNOTSUPP },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(result, table[i].result))
                        return table[i].error;
        return -EIO;
}

int slice_cgroup_path(const char *slice, char **ret) {
        size_t n = strlen(slice);
        char *r, *w;

        if (streq(slice, "-.slice")) {
                r = strdup("");
                if (!r)
                        return -ENOMEM;
                *ret = r;
                return 0;
        }
        if (n <= 6 || !endswith(slice, ".slice") || slice[0] == '-' || strchr(slice, '/'))
                return -EINVAL;
        size_t base = n - 6;
        if (slice[base - 1] == '-' || strstr(slice, "--"))
                return -EINVAL;
        /* "a-b-c.slice" lives in "/a.slice/a-b.slice/a-b-c.slice": one level per dash. */
        r = w = malloc(n * (n + 1) + 1);
        if (!r)
                return -ENOMEM;
        for (size_t i = 0; i <= base; i++)
                if (i == base || slice[i] == '-')
                        w += sprintf(w, "/%.*s.slice", (int) i, slice);
        *ret = r;
        return 0;
}
