/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* For the static probes of the seccomp tests: a system call through the i386 ABI (int $0x80, on
 * x86-64 kernels with IA32 emulation), and one line "name abi result" per call. */
#include <stdio.h>
#include <string.h>

static inline long i386_call(long nr, long a, long b, long c) {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
        return ret;
}

static inline void report(const char *name, const char *abi, long r, int err) {
        printf("%s %s %s\n", name, abi, r >= 0 ? "OK" : strerrorname_np(err) ?: "?");
}
