/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <asm/ioctls.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "nspawn-seccomp.h"

#define X32 0x40000000U
#define NO_SYSCALL UINT32_MAX

/* One ABI: its audit arch, its ioctl numbers, and the calls the container may not make. */
typedef struct SeccompAbi {
        uint32_t arch;
        uint32_t ioctl[2];
        uint32_t deny[40];
} SeccompAbi;

/* The kernel interfaces a container has no business with (module loading, kexec, swap, port I/O,
 * the keyring, which is not namespaced, open_by_handle_at, which reaches host inodes with
 * CAP_DAC_READ_SEARCH, process accounting). x32 calls are the x86-64 numbers with the x32 bit, except
 * kexec_load (528). */
#define X86_64_DENY 246, 320, 175, 313, 176, 167, 168, 172, 173, 248, 249, 250, 304, 163
static const SeccompAbi abis[] = {
#if defined(__x86_64__) || defined(__i386__)
        { AUDIT_ARCH_X86_64, { 16, X32 | 514 }, {
                X86_64_DENY,
                X32 | 528, X32 | 320, X32 | 175, X32 | 313, X32 | 176, X32 | 167, X32 | 168, X32 | 172,
                X32 | 173, X32 | 248, X32 | 249, X32 | 250, X32 | 304, X32 | 163,
                NO_SYSCALL } },
        { AUDIT_ARCH_I386, { 54, NO_SYSCALL }, {
                283, 128, 350, 129, 87, 115, 110, 101, 286, 287, 288, 342, 51,
                NO_SYSCALL } },
#elif defined(__aarch64__)
        /* Only the terminal ioctls for now: the tables above are checked on x86 only. */
        { AUDIT_ARCH_AARCH64, { 29, NO_SYSCALL }, { NO_SYSCALL } },
        { AUDIT_ARCH_ARM, { 54, NO_SYSCALL }, { NO_SYSCALL } },
#else
#error "No system call filter for this architecture yet"
#endif
};

#define MAX_INSNS 256

typedef struct Program {
        struct sock_filter insn[MAX_INSNS];
        size_t n;
        /* jumps to patch: index of the instruction, and whether jt goes to deny (else to the ioctl check) */
        size_t to_deny[MAX_INSNS], n_deny;
        size_t to_ioctl[MAX_INSNS], n_ioctl;
} Program;

static void emit(Program *p, struct sock_filter f) {
        if (p->n < MAX_INSNS)
                p->insn[p->n++] = f;
}

int seccomp_install_container_filter(void) {
        Program p = {};
        size_t arch_jump[ELEMENTSOF(abis)];

        emit(&p, (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
        for (size_t a = 0; a < ELEMENTSOF(abis); a++) {
                arch_jump[a] = p.n;
                emit(&p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, abis[a].arch, 0, 0));
        }
        emit(&p, (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

        for (size_t a = 0; a < ELEMENTSOF(abis); a++) {
                p.insn[arch_jump[a]].jt = (uint8_t) (p.n - arch_jump[a] - 1);
                emit(&p, (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
                for (size_t i = 0; abis[a].deny[i] != NO_SYSCALL; i++) {
                        p.to_deny[p.n_deny++] = p.n;
                        emit(&p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, abis[a].deny[i], 0, 0));
                }
                for (size_t i = 0; i < 2 && abis[a].ioctl[i] != NO_SYSCALL; i++) {
                        p.to_ioctl[p.n_ioctl++] = p.n;
                        emit(&p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, abis[a].ioctl[i], 0, 0));
                }
                emit(&p, (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        }

        /* ioctl: refuse the requests that push input into a terminal (low 32 bits of the request, as
         * the kernel compares it). */
        size_t ioctl_check = p.n;
        emit(&p, (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])));
        size_t sti = p.n;
        emit(&p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 0, 0));
        size_t linux_ = p.n;
        emit(&p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 0));
        emit(&p, (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
        size_t deny = p.n;
        emit(&p, (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));

        if (p.n >= MAX_INSNS)
                return -E2BIG;
        for (size_t i = 0; i < p.n_deny; i++)
                p.insn[p.to_deny[i]].jt = (uint8_t) (deny - p.to_deny[i] - 1);
        for (size_t i = 0; i < p.n_ioctl; i++)
                p.insn[p.to_ioctl[i]].jt = (uint8_t) (ioctl_check - p.to_ioctl[i] - 1);
        p.insn[sti].jt = (uint8_t) (deny - sti - 1);
        p.insn[linux_].jt = (uint8_t) (deny - linux_ - 1);

        /* Classic BPF jumps reach at most 255 instructions ahead. */
        if (deny >= 255)
                return -E2BIG;

        struct sock_fprog prog = { .len = (unsigned short) p.n, .filter = p.insn };
        return RET_NERRNO(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}
