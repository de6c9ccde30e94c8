/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The x86_64 table, from the kernel's names for its calls (compiled on x86 only). */
#include <asm/unistd_64.h>
#include <linux/audit.h>

#include "nspawn-seccomp-table.h"

static const uint32_t deny[] = {
#include "nspawn-seccomp-deny.h"
};

static const SyscallName names[] = {
#include "nspawn-syscall-names.h"
};

SECCOMP_TABLE_DEFINE(seccomp_table_x86_64, AUDIT_ARCH_X86_64, __NR_ioctl, deny, names);
