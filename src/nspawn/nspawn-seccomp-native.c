/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of the native ABI, on architectures other than x86, from the kernel's names for its calls. */
#include <asm/unistd.h>
#include <endian.h>
#include <linux/audit.h>

#include "nspawn-seccomp-table.h"

#if __BYTE_ORDER == __LITTLE_ENDIAN
#  define LE(le, be) (le)
#else
#  define LE(le, be) (be)
#endif

/* What the kernel reports in seccomp_data.arch for a call of this ABI (Debian's architectures and
 * ports). */
#if defined(__aarch64__)
#  define NATIVE_ARCH LE(AUDIT_ARCH_AARCH64, 0)
#elif defined(__arm__)
#  define NATIVE_ARCH LE(AUDIT_ARCH_ARM, AUDIT_ARCH_ARMEB)
#elif defined(__powerpc64__)
#  define NATIVE_ARCH LE(AUDIT_ARCH_PPC64LE, AUDIT_ARCH_PPC64)
#elif defined(__powerpc__)
#  define NATIVE_ARCH AUDIT_ARCH_PPC
#elif defined(__s390x__)
#  define NATIVE_ARCH AUDIT_ARCH_S390X
#elif defined(__s390__)
#  define NATIVE_ARCH AUDIT_ARCH_S390
#elif defined(__riscv) && __riscv_xlen == 64
#  define NATIVE_ARCH AUDIT_ARCH_RISCV64
#elif defined(__riscv) && __riscv_xlen == 32
#  define NATIVE_ARCH AUDIT_ARCH_RISCV32
#elif defined(__loongarch__) && __loongarch_grlen == 64 && defined(AUDIT_ARCH_LOONGARCH64)
#  define NATIVE_ARCH AUDIT_ARCH_LOONGARCH64
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI64
#  define NATIVE_ARCH LE(AUDIT_ARCH_MIPSEL64, AUDIT_ARCH_MIPS64)
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_NABI32
#  define NATIVE_ARCH LE(AUDIT_ARCH_MIPSEL64N32, AUDIT_ARCH_MIPS64N32)
#elif defined(__mips__) && _MIPS_SIM == _MIPS_SIM_ABI32
#  define NATIVE_ARCH LE(AUDIT_ARCH_MIPSEL, AUDIT_ARCH_MIPS)
#elif defined(__sparc__) && defined(__arch64__)
#  define NATIVE_ARCH AUDIT_ARCH_SPARC64
#elif defined(__sparc__)
#  define NATIVE_ARCH AUDIT_ARCH_SPARC
#elif defined(__alpha__)
#  define NATIVE_ARCH AUDIT_ARCH_ALPHA
#elif defined(__hppa__) && defined(__LP64__)
#  define NATIVE_ARCH AUDIT_ARCH_PARISC64
#elif defined(__hppa__)
#  define NATIVE_ARCH AUDIT_ARCH_PARISC
#elif defined(__m68k__)
#  define NATIVE_ARCH AUDIT_ARCH_M68K
#elif defined(__sh__)
#  define NATIVE_ARCH LE(AUDIT_ARCH_SHEL, AUDIT_ARCH_SH)
#elif defined(__ia64__)
#  define NATIVE_ARCH AUDIT_ARCH_IA64
#else
/* Unknown here: no table, and seccomp_install_container_filter() refuses to start a container
 * (with EOPNOTSUPP) instead of running it without a filter. */
#  define NATIVE_ARCH 0
#endif

static const uint32_t deny[] = {
#include "nspawn-seccomp-deny.h"
};

static const SyscallName names[] = {
#include "nspawn-syscall-names.h"
};

SECCOMP_TABLE_DEFINE(seccomp_table_native, NATIVE_ARCH, __NR_ioctl, deny, names);
