/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

const char *i18n_gettext(const char *msgid) {
        static bool initialized = false;

        if (!initialized) {
                /* NSPAWN_LOCALEDIR lets the test suite use the catalogues of an uninstalled build. */
                const char *dir = secure_getenv("NSPAWN_LOCALEDIR") ?: LOCALEDIR;

                initialized = true;
                (void) setlocale(LC_ALL, "");
                (void) bindtextdomain(GETTEXT_PACKAGE, dir);
                (void) bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
        }
        return dgettext(GETTEXT_PACKAGE, msgid);
}
