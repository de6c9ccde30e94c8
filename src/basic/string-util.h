/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
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

static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

/* Returns a pointer behind the prefix, or NULL. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Returns a pointer to the suffix in s, or NULL. */
static inline const char *endswith(const char *s, const char *suffix) {
        size_t ls = strlen(s), l = strlen(suffix);
        return ls >= l && strcmp(s + ls - l, suffix) == 0 ? s + ls - l : NULL;
}

char *strjoin_real(const char *first, ...) __attribute__((sentinel));
#define strjoin(...) strjoin_real(__VA_ARGS__, NULL)

/* Strip leading and trailing whitespace in place. */
char *strstrip(char *s);
bool string_has_cc(const char *s);
/* Is word one of the items of list, which are separated by any of the characters in separators
 * ("cpu,cpuacct" with ",", "cpu io pids\n" with " \n")? Empty items never match. */
bool string_list_contains(const char *list, const char *separators, const char *word);

/* The longest text a message quotes from untrusted input (guest files, paths, arguments). */
#define ESCAPE_MESSAGE_MAX 512

/* A copy of s that is safe to print on a terminal: C0 controls and DEL become \e, \n, \t, \r or \xNN,
 * a backslash becomes \\, a byte that is not valid UTF-8 becomes \xNN, and C1 controls, bidi
 * controls and zero-width characters become \uNNNN; other text stays as it is. The result is at most
 * max bytes long (SIZE_MAX: no limit); longer text is cut at a character and ends in "...". Returns
 * NULL when out of memory; errno is left as it was, so it can be called in a log call's argument
 * list beside -errno. */
char *escape_for_terminal(const char *s, size_t max);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes there are not one. Overlong forms,
 * surrogates and code points above U+10FFFF are invalid. */
size_t utf8_decode(const unsigned char *s, uint32_t *ret_cp);
/* Code points that must not reach a terminal raw from untrusted text (controls, bidi, zero-width). */
bool unichar_is_terminal_unsafe(uint32_t cp);
