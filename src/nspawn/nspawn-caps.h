/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Drops every capability outside keep from the bounding set. */
int capability_bounding_set_limit(uint64_t keep);
/* Limits the permitted set to keep and makes it effective; the inheritable and the ambient set become
 * ambient (a subset of keep; empty for every process but a payload given --ambient-capability=). */
int capability_set_process(uint64_t keep, uint64_t ambient);
/* True when the calling process's bounding set holds every capability of mask; otherwise false and
 * the first one missing in ret_missing. */
bool capability_bounding_set_has(uint64_t mask, int *ret_missing);
