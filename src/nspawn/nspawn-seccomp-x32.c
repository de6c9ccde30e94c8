/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The x32 table, from the kernel's names for its calls (compiled on x86 only). x32 programs run under
 * x86-64's audit arch; their numbers carry __X32_SYSCALL_BIT, which the header includes. */
#include <asm/unistd_x32.h>
#include <linux/audit.h>

#include "nspawn-seccomp-table.h"

/* unistd_x32.h uses the bit but leaves its definition to asm/unistd.h, which cannot be included
 * here (on x86-64 it brings the x86-64 numbers under the same names). The kernel's uapi value. */
#ifndef __X32_SYSCALL_BIT
#  define __X32_SYSCALL_BIT 0x40000000
#endif

static const uint32_t deny[] = {
#include "nspawn-seccomp-deny.h"
};

static const SyscallName names[] = {
#include "nspawn-syscall-names.h"
};

SECCOMP_TABLE_DEFINE(seccomp_table_x32, AUDIT_ARCH_X86_64, __NR_ioctl, deny, names);
