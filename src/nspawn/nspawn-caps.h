/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Drops every capability outside keep from the bounding set. */
int capability_bounding_set_limit(uint64_t keep);
/* Limits effective and permitted to keep, empties inheritable and ambient. */
int capability_set_process(uint64_t keep);
