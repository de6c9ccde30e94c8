/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* "CAP_SYS_ADMIN", "sys_admin" or a number; returns the capability number or -EINVAL. */
int capability_from_name(const char *name);
const char *capability_to_name(int cap);
int capability_last(void);
/* Parses a list separated by commas or blanks ("all" is every capability) into a mask. Returns 0 and
 * the mask, CAPABILITY_LIST_HELP (and nothing else) when a word is "help", or -EINVAL with the first
 * unknown word in ret_bad (if ret_bad is not NULL; the copy is NULL when memory ran out). An empty list is the empty mask. */
#define CAPABILITY_LIST_HELP 1
int capability_mask_from_string(const char *s, uint64_t *ret, char **ret_bad);
/* The capabilities a container keeps by default (systemd-nspawn's set); CAP_NET_ADMIN is added for a
 * private network by the caller. */
uint64_t capability_default_mask(void);
