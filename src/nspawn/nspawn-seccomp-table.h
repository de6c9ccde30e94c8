/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* No <asm/unistd*.h> here: each table is compiled in a file of its own that includes the header of
 * its ABI, since the headers of the x86 ABIs define the same __NR_* names with different numbers. */
#include <stddef.h>
#include <stdint.h>

/* One system call ABI: its audit architecture (what seccomp_data.arch says for it), its ioctl number,
 * and the numbers of the calls a container may not make. arch 0: there is no table for this
 * architecture. */
typedef struct SyscallName {
        const char *name;
        uint32_t nr;
} SyscallName;

typedef struct SeccompTable {
        uint32_t arch;
        uint32_t ioctl;
        const uint32_t *deny;
        size_t n_deny;
        const SyscallName *names;       /* every call of the ABI, for --system-call-filter= */
        size_t n_names;
} SeccompTable;

#if defined(__x86_64__) || defined(__i386__)
/* The kernel headers of x86 name the numbers of all three ABIs (asm/unistd_64.h, _x32.h, _32.h): an
 * x86-64 kernel runs programs of each, so each gets its table, whatever ABI nspawn was built for. */
extern const SeccompTable seccomp_table_x86_64, seccomp_table_x32, seccomp_table_i386;
#else
/* Elsewhere the headers name only the native ABI. A compat ABI of the kernel (32-bit ARM on AArch64,
 * s390 on s390x, ppc32 on ppc64, o32/n32 on mips64) has no table: the filter kills a process that makes
 * a call through it, rather than let it pass unfiltered. */
extern const SeccompTable seccomp_table_native;
#endif

/* The tables of this build, in the order the filter checks them. */
extern const SeccompTable *const seccomp_tables[];
extern const size_t seccomp_n_tables;

/* The number of a call on this table's ABI; -ENOENT when the ABI has no call of that name. */
int64_t seccomp_table_resolve(const SeccompTable *t, const char *name);

/* The names: after the ABI's <asm/unistd*.h>, every name of nspawn-syscall-names.h that it defines. */
#define SYSCALL(n) { #n, __NR_##n },
#define SECCOMP_TABLE_DEFINE(name, audit_arch, ioctl_nr, deny_array, names_array)                   \
        const SeccompTable name = {                                                                 \
                .arch = (audit_arch),                                                               \
                .ioctl = (ioctl_nr),                                                                \
                .deny = (deny_array),                                                               \
                .n_deny = sizeof(deny_array) / sizeof((deny_array)[0]),                             \
                .names = (names_array),                                                             \
                .n_names = sizeof(names_array) / sizeof((names_array)[0]),                          \
        }
