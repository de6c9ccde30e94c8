/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <asm/ioctls.h>
#include <endian.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "nspawn-seccomp-table.h"
#include "nspawn-seccomp.h"

static const SeccompTable *const tables[] = {
#if defined(__x86_64__) || defined(__i386__)
        &seccomp_table_x86_64, &seccomp_table_x32, &seccomp_table_i386,
#else
        &seccomp_table_native,
#endif
};

/* The low 32 bits of a call's argument: the kernel takes an ioctl request as an unsigned int and the
 * argument of TIOCSCTTY as an int, so the high bits must not decide (nor hide) anything. seccomp_data
 * holds the arguments as 64-bit values in the kernel's byte order. */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#  define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#else
#  define ARG_LO(i) (offsetof(struct seccomp_data, args[i]) + sizeof(uint32_t))
#endif

#define MAX_INSNS 255

typedef struct Program {
        struct sock_filter insn[MAX_INSNS];
        size_t n;
        bool overflow;
} Program;

static size_t emit(Program *p, struct sock_filter f) {
        if (p->n >= MAX_INSNS) {
                p->overflow = true;
                return 0;
        }
        p->insn[p->n] = f;
        return p->n++;
}

#define STMT(code, k) emit(p, (struct sock_filter) BPF_STMT((code), (k)))
#define JEQ(k) emit(p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, 0))

/* Points the true branch of the jump at index "from" to instruction "to". Classic BPF jumps go
 * forward only, at most 255 instructions, which MAX_INSNS keeps. */
static void set_jt(Program *p, size_t from, size_t to) {
        if (!p->overflow)
                p->insn[from].jt = (uint8_t) (to - from - 1);
}

/* The checks of every table with this audit arch: jumps to "deny" for a denied call, to "ioctl" for an
 * ioctl, which are patched by the caller (their indices in ret_deny, ret_ioctl). */
static void emit_arch_block(Program *p, uint32_t arch, size_t *ret_deny, size_t *n_deny,
                            size_t *ret_ioctl, size_t *n_ioctl) {
        STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
                if (tables[t]->arch != arch)
                        continue;
                for (size_t i = 0; i < tables[t]->n_deny; i++)
                        ret_deny[(*n_deny)++] = JEQ(tables[t]->deny[i]);
                ret_ioctl[(*n_ioctl)++] = JEQ(tables[t]->ioctl);
        }
        STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

static bool arch_seen_before(size_t t) {
        for (size_t i = 0; i < t; i++)
                if (tables[i]->arch == tables[t]->arch)
                        return true;
        return false;
}

static int build_program(Program *p, bool host_terminal) {
        size_t arch_jump[ELEMENTSOF(tables)] = {}, to_deny[MAX_INSNS], to_ioctl[MAX_INSNS];
        size_t n_deny = 0, n_ioctl = 0;

        STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
                if (tables[t]->arch == 0)
                        return -EOPNOTSUPP;
                if (!arch_seen_before(t))
                        arch_jump[t] = JEQ(tables[t]->arch);
        }
        /* An ABI without a table (a compat ABI of this kernel we have no numbers for) would pass the
         * filter unchecked: kill the process instead. */
        STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

        for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
                if (arch_seen_before(t))
                        continue;
                set_jt(p, arch_jump[t], p->n);
                emit_arch_block(p, tables[t]->arch, to_deny, &n_deny, to_ioctl, &n_ioctl);
        }

        /* ioctl: refuse the requests that push input into a terminal (TIOCSTI, TIOCLINUX) or hang it
         * up (TIOCVHANGUP). When the payload holds the host's terminal (pipe mode), also TIOCSCTTY with
         * a non-zero argument: with CAP_SYS_ADMIN that takes the terminal away from the operator's
         * session, after which vhangup() (denied above) or the payload's exit hangs it up. Elsewhere the
         * payload can reach no host terminal, and login(1) needs the forced TIOCSCTTY to give the
         * user's shell its controlling terminal. */
        size_t ioctl_check = STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
        size_t sti = JEQ(TIOCSTI), lnx = JEQ(TIOCLINUX), hup = JEQ(TIOCVHANGUP), sctty = 0;
        if (host_terminal)
                sctty = JEQ(TIOCSCTTY);
        STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        if (host_terminal) {
                set_jt(p, sctty, p->n);
                STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2));
                /* Zero: allowed (the next instruction); anything else: deny (the one after it). */
                emit(p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1));
                STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        }
        size_t deny = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);

        if (p->overflow)
                return -E2BIG;
        for (size_t i = 0; i < n_deny; i++)
                set_jt(p, to_deny[i], deny);
        for (size_t i = 0; i < n_ioctl; i++)
                set_jt(p, to_ioctl[i], ioctl_check);
        set_jt(p, sti, deny);
        set_jt(p, lnx, deny);
        set_jt(p, hup, deny);
        return 0;
}

int seccomp_install_container_filter(bool host_terminal) {
        Program p = {};
        int r;

        r = build_program(&p, host_terminal);
        if (r < 0)
                return r;
        struct sock_fprog prog = { .len = (unsigned short) p.n, .filter = p.insn };
        return RET_NERRNO(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}
