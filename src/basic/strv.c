/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "strv.h"

void strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        if (l)
                while (l[n])
                        n++;
        return n;
}

char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **r = calloc(n + 1, sizeof(char *));
        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                r[i] = strdup(l[i]);
                if (!r[i]) {
                        strv_free(r);
                        return NULL;
                }
        }
        return r;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **r;

        if (!value)
                return -ENOMEM;
        r = realloc(*l, (n + 2) * sizeof(char *));
        if (!r) {
                free(value);
                return -ENOMEM;
        }
        r[n] = value;
        r[n + 1] = NULL;
        *l = r;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

static size_t env_name_len(const char *s) {
        const char *eq = strchr(s, '=');
        return eq ? (size_t) (eq - s) : strlen(s);
}

int strv_env_set(char ***l, const char *assignment) {
        size_t k = env_name_len(assignment);

        STRV_FOREACH(s, *l)
                if (env_name_len(*s) == k && strncmp(*s, assignment, k) == 0) {
                        char *c = strdup(assignment);
                        if (!c)
                                return -ENOMEM;
                        free(*s);
                        *s = c;
                        return 0;
                }
        return strv_extend(l, assignment);
}

const char *strv_env_get(char *const *l, const char *name) {
        size_t k = strlen(name);

        STRV_FOREACH(s, (char **) l)
                if (strncmp(*s, name, k) == 0 && (*s)[k] == '=')
                        return *s + k + 1;
        return NULL;
}

char *strv_join(char *const *l, const char *sep) {
        size_t n = 1, ls = strlen(sep);

        for (char *const *p = l; p && *p; p++)
                n += strlen(*p) + ls;
        char *r = malloc(n), *q = r;
        if (!r)
                return NULL;
        *q = 0;
        for (char *const *p = l; p && *p; p++) {
                if (p != l)
                        q = stpcpy(q, sep);
                q = stpcpy(q, *p);
        }
        return r;
}
