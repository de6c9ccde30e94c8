/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
