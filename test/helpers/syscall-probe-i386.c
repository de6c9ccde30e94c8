/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Row A11 for a real 32-bit program: an i386 ELF (built with gcc -m32 -static -nostdlib, so without
 * the 32-bit C library of gcc-multilib) that makes each call the container's filter must refuse through
 * the i386 ABI and prints "name i386-elf RESULT" for each: OK, EPERM, ENOSYS or the errno number.
 * syscall-probe.c covers the same calls made with int $0x80 from a 64-bit process, and x32. */
typedef unsigned long size_t;

static long sys3(long nr, long a, long b, long c) {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
        return ret;
}

static size_t len(const char *s) {
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

static void put(const char *s) {
        sys3(4, 1, (long) s, (long) len(s));
}

static void put_result(long r) {
        char num[16], *p = num + sizeof(num) - 1;
        unsigned long e;

        if (r >= 0 || r < -4095) {
                put("OK\n");
                return;
        }
        e = (unsigned long) -r;
        if (e == 1) {
                put("EPERM\n");
                return;
        }
        if (e == 38) {
                put("ENOSYS\n");
                return;
        }
        *p = 0;
        do
                *--p = (char) ('0' + e % 10);
        while ((e /= 10) > 0);
        put(p);
        put("\n");
}

void _start(void) {
        static const struct { const char *name; long nr; } calls[] = {
                { "kexec_load", 283 }, { "init_module", 128 }, { "finit_module", 350 },
                { "delete_module", 129 }, { "swapon", 87 }, { "swapoff", 115 }, { "iopl", 110 },
                { "ioperm", 101 }, { "add_key", 286 }, { "request_key", 287 }, { "keyctl", 288 },
                { "open_by_handle_at", 342 }, { "acct", 51 }, { "vhangup", 111 },
        };

        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
                put(calls[i].name);
                put(" i386-elf ");
                put_result(sys3(calls[i].nr, 0, 0, 0));
        }
        sys3(1, 0, 0, 0);
        for (;;)
                ;
}
