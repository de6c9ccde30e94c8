/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "path-util.h"
#include "string-util.h"

bool path_is_normalized(const char *p) {
        if (isempty(p))
                return false;
        for (const char *c = p; *c;) {
                const char *e = strchrnul(c, '/');
                size_t l = (size_t) (e - c);

                if (l == 0 && c != p)   /* "//" or trailing "/" */
                        return false;
                if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (!*e)
                        break;
                c = e + 1;
                if (!*c && strcmp(p, "/") != 0)
                        return false;
        }
        return true;
}

char *path_simplify(char *p) {
        char *w = p;
        const char *r = p;
        bool absolute = *p == '/';

        if (absolute)
                *w++ = *r++;
        while (*r) {
                const char *e = strchrnul(r, '/');
                size_t l = (size_t) (e - r);

                if (l > 0 && !(l == 1 && r[0] == '.')) {
                        if (w > p && w[-1] != '/')
                                *w++ = '/';
                        memmove(w, r, l);
                        w += l;
                }
                r = *e ? e + 1 : e;
        }
        if (w == p && !absolute)
                *w++ = '.';
        *w = 0;
        return p;
}

char *path_basename_dup(const char *p) {
        _cleanup_free_ char *c = strdup(p);
        if (!c)
                return NULL;
        path_simplify(c);
        char *slash = strrchr(c, '/');
        const char *b = slash ? slash + 1 : c;
        if (isempty(b) || streq(b, "."))
                return NULL;
        return strdup(b);
}

int path_compare(const char *a, const char *b) {
        for (;;) {
                a += strspn(a, "/");
                b += strspn(b, "/");
                if (!*a || !*b)
                        return (*a != 0) - (*b != 0);
                size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
                int r = strncmp(a, b, MIN(la, lb));
                if (r != 0)
                        return r < 0 ? -1 : 1;
                if (la != lb)
                        return la < lb ? -1 : 1;
                a += la;
                b += lb;
        }
}
