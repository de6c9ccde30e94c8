/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "nspawn-options.h"
#include "nspawn-settings.h"

/* Bounds of the parser (reliability checks D1-D4): a file is at most this big, a line (after
 * joining continuation lines) at most this long. systemd's own files are a few hundred bytes. */
#define SETTINGS_FILE_SIZE_MAX (256U * 1024U)
#define SETTINGS_FILE_LINE_MAX (16U * 1024U)

/* Where trusted NAME.nspawn files live, in the order they are looked at; NULL-terminated. */
extern const char *const settings_file_trusted_dirs[];

/* Splits a value into words as systemd does: whitespace separates, '...' and "..." quote, a
 * backslash escapes the next character. -EINVAL on an unterminated quote or a trailing backslash. */
int settings_file_split_words(const char *value, char ***ret);

/* Reads a settings file without hanging or growing without bound: a FIFO, a device or a directory
 * is refused (opened non-blocking, checked with fstat), so is a file over SETTINGS_FILE_SIZE_MAX.
 * -ENOENT (not logged) when there is none; other errors are logged. *ret_buf is NUL-terminated. */
int settings_file_read(const char *path, char **ret_buf, size_t *ret_size);

/* Parses the text of a settings file (path names it in messages) into *ret, in file order. Every
 * value is checked by its option's parser. Untrusted: privileged keys are left out, one warning per
 * key. Unknown sections and keys, and keys of options nspawn does not have, are warnings. Bad input
 * (a NUL byte, invalid UTF-8, an overlong line, a bad value) is one logged line naming the file, the
 * line and the key, and an error. */
int settings_file_parse(const char *path, const char *buf, size_t size, bool trusted, OptionAssignments *ret);

/* The NAME.nspawn for s (its -M name, else its directory's or image's name) as --settings= says:
 * first in trusted_dirs (NULL-terminated), then next to the directory or image (trusted only with
 * --settings=trusted). Returns 0 when there is none or --settings=no, 1 with *ret_path and
 * *ret_trusted set. */
int settings_file_find(const Settings *s, const char *const *trusted_dirs, char **ret_path, bool *ret_trusted);

/* The command line and a file's assignments into *ret, group by group (SETTING_*): the command line
 * wins a group it set, unless mode is SETTINGS_OVERRIDE. Not verified: settings_verify() is next. */
int settings_merge(const Settings *cmdline, const OptionAssignments *cmdline_assignments,
                   const OptionAssignments *file, SettingsMode mode, Settings *ret);

/* nspawn's step between the command line and the plans: find, read and parse the file, merge it
 * into *s, then settings_verify(). */
int settings_load(Settings *s, const OptionAssignments *cmdline_assignments, const char *const *trusted_dirs);
