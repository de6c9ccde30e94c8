/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libintl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>

#include "i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif
#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "nspawn"
#endif

/* errno is kept: the first call loads the locale and looks for catalogues, which fails with ENOENT
 * where there are none, and a caller may read errno after _() in the same argument list
 * (log_error_errno(-errno, <translated format>, ...): the order of evaluation is unspecified). */
void i18n_init(void) {
        static bool initialized = false;
        int saved_errno = errno;

        if (initialized)
                return;
        /* NSPAWN_LOCALEDIR lets the test suite use the catalogues of an uninstalled build. */
        const char *dir = secure_getenv("NSPAWN_LOCALEDIR") ?: LOCALEDIR;

        initialized = true;
        (void) setlocale(LC_ALL, "");
        (void) bindtextdomain(GETTEXT_PACKAGE, dir);
        (void) bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        errno = saved_errno;
}

const char *i18n_gettext(const char *msgid) {
        int saved_errno;
        const char *s;

        i18n_init();
        saved_errno = errno;
        s = dgettext(GETTEXT_PACKAGE, msgid);
        errno = saved_errno;
        return s;
}

const char *i18n_ngettext(const char *msgid, const char *msgid_plural, unsigned long n) {
        int saved_errno;
        const char *s;

        i18n_init();
        saved_errno = errno;
        s = dngettext(GETTEXT_PACKAGE, msgid, msgid_plural, n);
        errno = saved_errno;
        return s;
}
