/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"

void strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
char **strv_copy(char *const *l);
/* The strings of l with sep between them ("" for an empty or NULL list); NULL on OOM. */
char *strv_join(char *const *l, const char *sep);
/* Takes ownership of value. */
int strv_consume(char ***l, char *value);
int strv_extend(char ***l, const char *value);
/* Sets or replaces "NAME=..." in an environment block; takes a copy of assignment. */
int strv_env_set(char ***l, const char *assignment);
const char *strv_env_get(char *const *l, const char *name);
