/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Message catalogues are loaded on the first translated string, not at start-up: a container run
 * that prints nothing never touches the locale. A program whose output depends on the locale
 * beyond its messages (machinectl's timestamps) calls i18n_init() before it prints anything, so
 * that all of its output uses one locale. errno is preserved by all of these. */
void i18n_init(void);
const char *i18n_gettext(const char *msgid) __attribute__((format_arg(1)));
/* Plural forms: msgid for n == 1 in English, msgid_plural otherwise; catalogues have their own rules. */
const char *i18n_ngettext(const char *msgid, const char *msgid_plural, unsigned long n)
        __attribute__((format_arg(1), format_arg(2)));
#define _(s) i18n_gettext(s)
#define N_(s) s
#define NG_(s, p, n) i18n_ngettext(s, p, n)
