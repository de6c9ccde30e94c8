/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>

#include "string-util.h"

char *strjoin_real(const char *first, ...) {
        va_list ap;
        size_t l = 0;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                l += strlen(s);
        va_end(ap);

        char *r = malloc(l + 1), *p = r;
        if (!r)
                return NULL;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                p = stpcpy(p, s);
        va_end(ap);
        *p = 0;
        return r;
}

char *strstrip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                e--;
        *e = 0;
        return s;
}

bool string_has_cc(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127)
                        return true;
        return false;
}
