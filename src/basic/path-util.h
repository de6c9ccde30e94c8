/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

static inline bool path_is_absolute(const char *p) {
        return p && p[0] == '/';
}

/* True if the path has no "." or ".." components and no doubled or trailing slashes. */
bool path_is_normalized(const char *p);
/* Drop doubled slashes, "." components and a trailing slash, in place. Keeps "..". */
char *path_simplify(char *p);
/* Last component, or NULL for "/" and the empty string. */
char *path_basename_dup(const char *p);
/* Orders paths component by component, so that a parent sorts before its children ("/a" < "/a/b" <
 * "/a-b"). */
int path_compare(const char *a, const char *b);
