/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "machine-name.h"
#include "string-util.h"

static bool ldh_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool hostname_is_valid(const char *s) {
        bool after_dot = true, after_hyphen = false;
        size_t n = 0;

        if (isempty(s))
                return false;
        for (const char *p = s; *p; p++, n++) {
                if (*p == '.') {
                        if (after_dot || after_hyphen)
                                return false;
                        after_dot = true;
                        after_hyphen = false;
                } else if (*p == '-') {
                        if (after_dot)
                                return false;
                        after_hyphen = true;
                } else if (ldh_char(*p))
                        after_dot = after_hyphen = false;
                else
                        return false;
        }
        return !after_dot && !after_hyphen && n <= MACHINE_NAME_MAX;
}

bool machine_name_is_valid(const char *s) {
        /* ".host" fails the hostname rules already (leading dot); it stays reserved either way. */
        return hostname_is_valid(s) && !streq(s, ".host");
}

char *machine_name_from_string(const char *s) {
        size_t n = strlen(s);
        char *r = malloc(n + 1), *w = r;

        if (!r)
                return NULL;
        /* Keep what hostnames allow; a '.' or '-' only between other characters, never doubled. */
        for (const char *p = s; *p && (size_t) (w - r) < MACHINE_NAME_MAX; p++) {
                if (ldh_char(*p))
                        *w++ = *p;
                else if ((*p == '.' || *p == '-') && w > r && w[-1] != '.' && w[-1] != '-')
                        *w++ = *p;
        }
        while (w > r && (w[-1] == '.' || w[-1] == '-'))
                w--;
        *w = 0;
        if (!machine_name_is_valid(r)) {
                free(r);
                return NULL;
        }
        return r;
}
