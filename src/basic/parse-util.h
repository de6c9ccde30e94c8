/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

int parse_boolean(const char *s);
/* The value of one hex digit, -EINVAL when c is none. */
int unhexchar(char c);
int safe_atou32(const char *s, uint32_t *ret);
int parse_uid(const char *s, uid_t *ret);
/* "SIGTERM", "TERM", "15", "RTMIN+3", "SIGRTMIN+3". */
int signal_from_string(const char *s);
const char *signal_to_string(int sig, char buf[static 16]);

/* 128-bit ids as in sd-id128: 32 hex digits, with or without the UUID dashes. */
typedef struct Id128 {
        uint8_t bytes[16];
} Id128;
int id128_from_string(const char *s, Id128 *ret);
int id128_randomize(Id128 *ret);
bool id128_is_null(const Id128 *id);
/* Formats as 32 lowercase hex digits (buf: 33 bytes) or as a dashed UUID (37 bytes). */
char *id128_to_string(const Id128 *id, char buf[static 33]);
char *id128_to_uuid_string(const Id128 *id, char buf[static 37]);
