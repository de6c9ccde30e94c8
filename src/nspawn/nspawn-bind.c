/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "nspawn-bind.h"
#include "path-util.h"
#include "string-util.h"

/* Splits at unescaped colons, unescaping "\:" and "\\". Returns the number of fields or -EINVAL. */
static int split_colon(const char *spec, char *fields[static 3]) {
        size_t n = 0, len = strlen(spec);
        char *cur = malloc(len + 1), *w = cur;

        if (!cur)
                return -ENOMEM;
        fields[0] = cur;
        for (const char *p = spec;; p++) {
                if (*p == '\\' && (p[1] == ':' || p[1] == '\\')) {
                        *w++ = *++p;
                        continue;
                }
                if (*p == ':' || !*p) {
                        *w++ = 0;
                        n++;
                        if (!*p)
                                break;
                        if (n == 3)
                                goto fail;
                        fields[n] = w;
                        continue;
                }
                *w++ = *p;
        }
        return (int) n;
fail:
        free(cur);
        return -EINVAL;
}

int path_check_container(char *p) {
        if (!path_is_absolute(p))
                return -EINVAL;
        path_simplify(p);
        if (!path_is_normalized(p) || string_has_cc(p))
                return -EINVAL;
        return 0;
}

int bind_mount_parse(const char *spec, bool read_only, BindMount *ret) {
        char *f[3] = {};
        _cleanup_free_ char *storage = NULL;
        bool recursive = true, idmap = false;
        int n = split_colon(spec, f);

        if (n < 0)
                return n;
        storage = f[0];

        _cleanup_free_ char *src = strdup(f[0]);
        _cleanup_free_ char *dst = strdup(n >= 2 && !isempty(f[1]) ? f[1] : f[0]);
        if (!src || !dst)
                return -ENOMEM;
        if (path_check_container(src) < 0 || path_check_container(dst) < 0)
                return -EINVAL;

        if (n == 3) {
                char *state = NULL;
                for (char *o = strtok_r(f[2], ",", &state); o; o = strtok_r(NULL, ",", &state)) {
                        if (streq(o, "rbind"))
                                recursive = true;
                        else if (streq(o, "norbind"))
                                recursive = false;
                        else if (streq(o, "idmap"))
                                idmap = true;
                        else if (streq(o, "noidmap"))
                                idmap = false;
                        else
                                return -EOPNOTSUPP;
                }
        }

        *ret = (BindMount) {
                .source = TAKE_PTR(src),
                .destination = TAKE_PTR(dst),
                .read_only = read_only,
                .recursive = recursive,
                .idmap = idmap,
        };
        return 0;
}

int tmpfs_mount_parse(const char *spec, TmpfsMount *ret) {
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *path = colon ? strndup(spec, (size_t) (colon - spec)) : strdup(spec);
        _cleanup_free_ char *opts = strdup(colon && colon[1] ? colon + 1 : "mode=0755");

        if (!path || !opts)
                return -ENOMEM;
        if (path_check_container(path) < 0 || string_has_cc(opts))
                return -EINVAL;
        *ret = (TmpfsMount) { .path = TAKE_PTR(path), .options = TAKE_PTR(opts) };
        return 0;
}

void bind_mount_done(BindMount *b) {
        free(b->source);
        free(b->destination);
        *b = (BindMount) {};
}

void tmpfs_mount_done(TmpfsMount *t) {
        free(t->path);
        free(t->options);
        *t = (TmpfsMount) {};
}
