/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* For test-syscall-filter: makes one system call through the x86-64 ABI, the i386 ABI (int $0x80) and
 * the x32 ABI, and prints "name abi result" (OK or the errno name) for each. The arguments make the
 * call fail with something other than EPERM when it reaches the kernel, so that EPERM can only come
 * from the filter: adjtimex with modes 0 (a read, allowed to anyone), clock_settime of an invalid clock
 * (EINVAL), keyctl of an invalid operation, mkdir of a path given on the command line. Built
 * statically (non-PIE, so that its static data has 32-bit addresses for the i386 calls). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe-abi.h"


static char buf[4096];  /* zeroes: a struct timex with modes 0, a timespec */
static char path[3][256];

int main(int argc, char **argv) {
        static const struct { const char *name; long x64, i386; } calls[] = {
                { "adjtimex", 159, 124 }, { "clock_settime", 227, 264 }, { "keyctl", 250, 288 },
                { "mkdir", 83, 39 },
        };
        if (argc < 2)
                return 2;
        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
                if (strcmp(argv[1], calls[i].name) != 0)
                        continue;
                long a[3] = { (long) buf, (long) buf, (long) buf }, b = 0;
                if (calls[i].x64 == 227)        /* clock_settime(-1, ts) */
                        a[0] = a[1] = a[2] = -1, b = (long) buf;
                else if (calls[i].x64 == 250)   /* keyctl(-1): no such operation */
                        a[0] = a[1] = a[2] = -1;
                else if (calls[i].x64 == 83) {  /* mkdir(argv[2].ABI, 0755) */
                        static const char *const abi[] = { "x86-64", "i386", "x32" };
                        for (int k = 0; k < 3; k++) {
                                snprintf(path[k], sizeof(path[k]), "%s.%s", argc > 2 ? argv[2] : "/tmp/d", abi[k]);
                                a[k] = (long) path[k];
                        }
                        b = 0755;
                }
                errno = 0;
                long r = syscall(calls[i].x64, a[0], b, 0, 0, 0);
                report(calls[i].name, "x86-64", r, errno);
                r = i386_call(calls[i].i386, a[1], b, 0);
                report(calls[i].name, "i386", r < 0 && r > -4096 ? -1 : r, r < 0 ? (int) -r : 0);
                errno = 0;
                r = syscall(0x40000000L | calls[i].x64, a[2], b, 0, 0, 0);
                report(calls[i].name, "x32", r, errno);
                return 0;
        }
        return 2;
}
