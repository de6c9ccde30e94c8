/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tries to take the terminal on standard input away from the host and hang it up: TIOCSCTTY with the
 * "steal" argument, vhangup() and TIOCVHANGUP. Writes "name errno-name" for each to the file named by
 * argv[1] (standard output may be the terminal it just hung up). Built statically by the test and run
 * inside a container in pipe mode. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(FILE *f, const char *name, long r) {
        fprintf(f, "%s %s\n", name, r >= 0 ? "OK" : strerrorname_np(errno) ?: "?");
        fflush(f);
}

int main(int argc, char *argv[]) {
        FILE *f = argc > 1 ? fopen(argv[1], "we") : NULL;

        if (!f)
                return 2;
        fprintf(f, "isatty %d\n", isatty(STDIN_FILENO));
        report(f, "TIOCSCTTY-steal", ioctl(STDIN_FILENO, TIOCSCTTY, 1));
        report(f, "vhangup", syscall(SYS_vhangup));
        report(f, "TIOCVHANGUP", ioctl(STDIN_FILENO, TIOCVHANGUP));
        return fclose(f) == 0 ? 0 : 3;
}
