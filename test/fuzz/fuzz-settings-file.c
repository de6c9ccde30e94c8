/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the text of a NAME.nspawn settings file, trusted and untrusted, through the
 * parser, the merge with an empty command line and settings_verify(). Built with -Dfuzz=true (clang);
 * without it, fuzz-main.c replays the corpus as a unit test. */
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "nspawn-options.h"
#include "nspawn-settings-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, bool trusted) {
        OptionAssignments file = {}, none = {};
        Settings empty = {}, s;

        if (settings_file_parse("fuzz.nspawn", (const char *) data, size, trusted, &file) < 0)
                return;
        if (settings_merge(&empty, &none, &file, SETTINGS_YES, &s) >= 0) {
                (void) settings_verify(&s);
                settings_done(&s);
        }
        option_assignments_done(&file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The reader caps what reaches the parser. */
        if (size > SETTINGS_FILE_SIZE_MAX)
                return 0;
        log_set_max_level(-1);
        one(data, size, true);
        one(data, size, false);
        return 0;
}
