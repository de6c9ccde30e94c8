/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define USEC_PER_SEC UINT64_C(1000000)

/* Text read from a container (os-release fields, hostnames, command lines) is untrusted: it must never
 * reach the operator's terminal raw. Control characters (C0, DEL and the C1 range, which some terminals
 * take as CSI), ESC, invalid UTF-8, and the invisible format characters that reorder or hide text
 * (bidi embeddings, overrides and isolates, zero-width characters, U+2028/U+2029, U+FEFF) become
 * \e, \n, \t, \r or \xNN (byte by byte); other valid UTF-8 is kept.
 * A backslash stays as it is, so that unit names ("machine-a\x2db.scope") print as systemd prints
 * them. Returns NULL on OOM. */
char *escape_untrusted(const char *s);

/* Returns s as a quoted JSON string. Control characters (also ESC and C1) and the invisible format
 * characters above become \uXXXX, invalid
 * UTF-8 bytes become U+FFFD, so that the output is valid JSON and safe on a terminal. */
char *json_quote(const char *s);

/* Number of terminal columns taken by s (code points; s must be valid UTF-8, as escaped text is). */
size_t utf8_width(const char *s);

/* "Wed 2026-11-25 21:58:02 UTC" in local time; "n/a" for 0. */
char *format_timestamp(char *buf, size_t size, uint64_t usec);
/* "3min 2s ago", "2 days 3h ago" for the distance between now and then (both µs, realtime). */
char *format_ago(char *buf, size_t size, uint64_t now, uint64_t then);

/* A text table: cells are escaped when added, a NULL cell prints as "-". */
typedef struct Table Table;
Table *table_new(size_t n_columns, const char *const *headers);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);
int table_add_row(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
/* Columns are padded to their widest cell, separated by one space; the last one is not padded. */
int table_format(const Table *t, bool header, char **ret);

/* An address from GetMachineAddresses: AF_INET with 4 bytes or AF_INET6 with 16; -EINVAL otherwise. */
int format_in_addr(int family, const void *bytes, size_t n, char *buf, size_t size);
