/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <string.h>

#include "macro.h"

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline bool isempty(const char *s) {
        return !s || !*s;
}

static inline const char *strempty(const char *s) {
        return s ?: "";
}

/* Returns a pointer behind the prefix, or NULL. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

char *strjoin_real(const char *first, ...) __attribute__((sentinel));
#define strjoin(...) strjoin_real(__VA_ARGS__, NULL)

/* Strip leading and trailing whitespace in place. */
char *strstrip(char *s);
bool string_has_cc(const char *s);
