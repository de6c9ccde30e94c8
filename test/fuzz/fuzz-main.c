/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Without libFuzzer: runs a fuzz target once on each file named on the command line (the corpus), so
 * that every build checks the corpus still passes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nspawn-settings-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                FILE *f = fopen(argv[i], "re");
                if (!f) {
                        perror(argv[i]);
                        return EXIT_FAILURE;
                }
                static uint8_t buf[SETTINGS_FILE_SIZE_MAX + 1];
                size_t n = fread(buf, 1, sizeof(buf), f);
                fclose(f);
                LLVMFuzzerTestOneInput(buf, n);
                printf("ok %s\n", argv[i]);
        }
        return EXIT_SUCCESS;
}
