/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

/* The registry daemon comes with its own issue; until then it says so instead of pretending. */
int main(int argc, char *argv[]) {
        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                printf("machined %s\n", PROJECT_VERSION);
                return EXIT_SUCCESS;
        }
        fprintf(stderr, "%s\n", _("machined: not implemented yet."));
        return EXIT_FAILURE;
}
