/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Message catalogues are loaded on the first translated string, not at start-up: a container run
 * that prints nothing never touches the locale. errno is preserved. */
const char *i18n_gettext(const char *msgid) __attribute__((format_arg(1)));
#define _(s) i18n_gettext(s)
#define N_(s) s
