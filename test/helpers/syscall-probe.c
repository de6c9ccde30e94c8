/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Calls each system call the container's filter must refuse, through the native x86-64 ABI, the
 * i386 ABI (int $0x80) and the x32 ABI, and prints "name abi errno-name" for each; then the terminal
 * ioctls that take a terminal (TIOCSCTTY with force) or hang it up (TIOCVHANGUP) on fd 0. Built
 * statically by the test and run inside a container. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe-abi.h"


int main(void) {
        static const struct { const char *name; long x64, i386; } calls[] = {
                { "kexec_load", 246, 283 }, { "init_module", 175, 128 }, { "finit_module", 313, 350 },
                { "delete_module", 176, 129 }, { "swapon", 167, 87 }, { "swapoff", 168, 115 },
                { "iopl", 172, 110 }, { "ioperm", 173, 101 }, { "add_key", 248, 286 },
                { "request_key", 249, 287 }, { "keyctl", 250, 288 }, { "open_by_handle_at", 304, 342 },
                { "acct", 163, 51 }, { "vhangup", 153, 111 },
        };
        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
                errno = 0;
                long r = syscall(calls[i].x64, 0, 0, 0, 0, 0);
                report(calls[i].name, "x86-64", r, errno);
                r = i386_call(calls[i].i386, 0, 0, 0);
                report(calls[i].name, "i386", r < 0 && r > -4096 ? -1 : r, r < 0 ? (int) -r : 0);
                errno = 0;
                r = syscall(0x40000000L | (calls[i].x64 == 246 ? 528 : calls[i].x64), 0, 0, 0, 0, 0);
                report(calls[i].name, "x32", r, errno);
        }
        static const struct { const char *name; unsigned long request, arg; } ioctls[] = {
                { "TIOCSCTTY-force", TIOCSCTTY, 1 },
                /* The kernel takes the argument as an int: high bits do not hide the 1. */
                { "TIOCSCTTY-force-high", TIOCSCTTY, 1 | (1UL << 32) },
                { "TIOCVHANGUP", TIOCVHANGUP, 0 },
        };
        for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++) {
                errno = 0;
                long r = syscall(16, 0, ioctls[i].request, ioctls[i].arg);
                report(ioctls[i].name, "x86-64", r, errno);
                if (ioctls[i].arg >> 32)
                        continue;
                r = i386_call(54, 0, (long) ioctls[i].request, (long) ioctls[i].arg);
                report(ioctls[i].name, "i386", r < 0 && r > -4096 ? -1 : r, r < 0 ? (int) -r : 0);
                errno = 0;
                r = syscall(0x40000000L | 514, 0, ioctls[i].request, ioctls[i].arg);
                report(ioctls[i].name, "x32", r, errno);
        }
        return 0;
}
