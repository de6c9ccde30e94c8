/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Row A6 (CVE-2017-5226): reports whether fd 0 is a terminal, then tries to push a command line into it
 * with TIOCSTI and prints the result. Built statically by the security suite, run inside a container. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void) {
        const char *s = "echo PWNED-by-tiocsti\n";

        printf("tty=%d\n", isatty(0));
        for (const char *p = s; *p; p++)
                if (ioctl(0, TIOCSTI, p) < 0) {
                        printf("TIOCSTI: %s\n", strerrorname_np(errno));
                        return 1;
                }
        printf("TIOCSTI: injected\n");
        return 0;
}
