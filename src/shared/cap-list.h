/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* "CAP_SYS_ADMIN", "sys_admin" or a number; returns the capability number or -EINVAL. */
int capability_from_name(const char *name);
const char *capability_to_name(int cap);
int capability_last(void);
/* Parses a comma-separated list ("all" is every capability) into a mask. */
int capability_mask_from_string(const char *s, uint64_t *ret);
/* The capabilities a container keeps by default (systemd-nspawn's set); CAP_NET_ADMIN is added for a
 * private network by the caller. */
uint64_t capability_default_mask(void);
