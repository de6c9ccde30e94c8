/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <asm/ioctls.h>
#include <endian.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "nspawn-seccomp-table.h"
#include "nspawn-seccomp.h"
#include "nspawn-syscall-filter.h"

/* Calls refused per ABI: the default list and the largest group with room to spare. */
#define MAX_DENY 1024

const SeccompTable *const seccomp_tables[] = {
#if defined(__x86_64__) || defined(__i386__)
        &seccomp_table_x86_64, &seccomp_table_x32, &seccomp_table_i386,
#else
        &seccomp_table_native,
#endif
};
const size_t seccomp_n_tables = ELEMENTSOF(seccomp_tables);

int64_t seccomp_table_resolve(const SeccompTable *t, const char *name) {
        for (size_t i = 0; i < t->n_names; i++)
                if (strcmp(t->names[i].name, name) == 0)
                        return t->names[i].nr;
        return -ENOENT;
}

/* Calls each number that the entries (names, and @groups expanded) stand for on t's ABI. Names the
 * ABI does not have are skipped: a group lists the calls of every architecture. */
static void for_each_nr(const SeccompTable *t, const char *const *list, void (*cb)(uint32_t nr, void *userdata),
                        void *userdata) {
        for (; list && *list; list++) {
                if ((*list)[0] == '@') {
                        const SyscallGroup *g = syscall_group_find(*list);
                        if (g)
                                for_each_nr(t, g->members, cb, userdata);
                        continue;
                }
                int64_t nr = seccomp_table_resolve(t, *list);
                if (nr >= 0)
                        cb((uint32_t) nr, userdata);
        }
}

typedef struct NrSet {
        uint32_t nr[MAX_DENY];
        size_t n;
        bool overflow;
} NrSet;

static bool nr_set_has(const NrSet *s, uint32_t nr) {
        for (size_t i = 0; i < s->n; i++)
                if (s->nr[i] == nr)
                        return true;
        return false;
}

static void nr_set_add(uint32_t nr, void *userdata) {
        NrSet *s = userdata;

        if (nr_set_has(s, nr))
                return;
        if (s->n >= MAX_DENY) {
                s->overflow = true;
                return;
        }
        s->nr[s->n++] = nr;
}

/* The calls refused on t's ABI: the default list less what --system-call-filter= allows, plus what it
 * denies (a denial wins over an allow entry). Built in static storage: this runs in the child, which
 * does not allocate. */
static int denied_calls(const SeccompTable *t, const SyscallFilter *f, NrSet *ret) {
        static NrSet allowed;

        /* Reset only the counts: clearing the arrays would touch pages for nothing. */
        ret->n = allowed.n = 0;
        ret->overflow = allowed.overflow = false;
        if (f)
                for_each_nr(t, (const char *const *) f->allow, nr_set_add, &allowed);
        for (size_t i = 0; i < t->n_deny; i++)
                if (!nr_set_has(&allowed, t->deny[i]))
                        nr_set_add(t->deny[i], ret);
        if (f)
                for_each_nr(t, (const char *const *) f->deny, nr_set_add, ret);
        return allowed.overflow || ret->overflow ? -E2BIG : 0;
}

/* The low 32 bits of a call's argument: the kernel takes an ioctl request as an unsigned int and the
 * argument of TIOCSCTTY as an int, so the high bits must not decide (nor hide) anything. seccomp_data
 * holds the arguments as 64-bit values in the kernel's byte order. */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#  define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#else
#  define ARG_LO(i) (offsetof(struct seccomp_data, args[i]) + sizeof(uint32_t))
#endif

/* The kernel's limit. Every jump that may cross a long stretch is a BPF_JA, whose offset has 32 bits;
 * the conditional jumps (8-bit offsets) only skip the next instruction. */
#define MAX_INSNS BPF_MAXINSNS

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
/* Equal: go on with the next instruction; else skip it. */
#define JEQ_NEXT(k) emit(p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), 0, 1))
#define JA() STMT(BPF_JMP | BPF_JA, 0)
/* Conditional jumps per shared return, so that each reaches it (offsets of 8 bits). */
#define RUN 250
#define RET_EPERM() STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)

/* Points the BPF_JA at index "from" to instruction "to" (forward). */
static void set_ja(Program *p, size_t from, size_t to) {
        if (!p->overflow)
                p->insn[from].k = (uint32_t) (to - from - 1);
}

/* The checks of every table with this audit arch: EPERM for a refused call; an ioctl jumps to the
 * request check (the index of its BPF_JA in ret_ioctl, patched by the caller). */
static int emit_arch_block(Program *p, uint32_t arch, const SyscallFilter *f, size_t *ret_ioctl, size_t *n_ioctl) {
        static NrSet denied;
        int r;

        STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        for (size_t t = 0; t < ELEMENTSOF(seccomp_tables); t++) {
                if (seccomp_tables[t]->arch != arch)
                        continue;
                r = denied_calls(seccomp_tables[t], f, &denied);
                if (r < 0)
                        return r;
                /* In runs that share one EPERM return, within reach of the 8-bit offsets: a short
                 * program loads faster. */
                for (size_t start = 0; start < denied.n; start += RUN) {
                        size_t k = MIN(RUN, denied.n - start);
                        for (size_t i = 0; i < k; i++)
                                emit(p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, denied.nr[start + i],
                                                                      (uint8_t) (k - i), 0));
                        STMT(BPF_JMP | BPF_JA, 1);
                        RET_EPERM();
                }
                JEQ_NEXT(seccomp_tables[t]->ioctl);
                ret_ioctl[(*n_ioctl)++] = JA();
        }
        STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        return 0;
}

static bool arch_seen_before(size_t t) {
        for (size_t i = 0; i < t; i++)
                if (seccomp_tables[i]->arch == seccomp_tables[t]->arch)
                        return true;
        return false;
}

static int build_program(Program *p, bool host_terminal, const SyscallFilter *f) {
        size_t arch_jump[ELEMENTSOF(seccomp_tables)] = {}, to_ioctl[ELEMENTSOF(seccomp_tables)];
        size_t n_ioctl = 0;
        int r;

        STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        for (size_t t = 0; t < ELEMENTSOF(seccomp_tables); t++) {
                if (seccomp_tables[t]->arch == 0)
                        return -EOPNOTSUPP;
                if (!arch_seen_before(t)) {
                        JEQ_NEXT(seccomp_tables[t]->arch);
                        arch_jump[t] = JA();
                }
        }
        /* An ABI without a table (a compat ABI of this kernel we have no numbers for) would pass the
         * filter unchecked: kill the process instead. */
        STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

        for (size_t t = 0; t < ELEMENTSOF(seccomp_tables); t++) {
                if (arch_seen_before(t))
                        continue;
                set_ja(p, arch_jump[t], p->n);
                r = emit_arch_block(p, seccomp_tables[t]->arch, f, to_ioctl, &n_ioctl);
                if (r < 0)
                        return r;
        }

        /* ioctl: refuse the requests that push input into a terminal (TIOCSTI, TIOCLINUX) or hang it
         * up (TIOCVHANGUP). When the payload holds the host's terminal (pipe mode), also TIOCSCTTY with
         * a non-zero argument: with CAP_SYS_ADMIN that takes the terminal away from the operator's
         * session, after which vhangup() (denied above) or the payload's exit hangs it up. Elsewhere the
         * payload can reach no host terminal, and login(1) needs the forced TIOCSCTTY to give the
         * user's shell its controlling terminal. */
        size_t ioctl_check = STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
        JEQ_NEXT(TIOCSTI);
        RET_EPERM();
        JEQ_NEXT(TIOCLINUX);
        RET_EPERM();
        JEQ_NEXT(TIOCVHANGUP);
        RET_EPERM();
        if (host_terminal) {
                /* Not TIOCSCTTY: allowed (skip to the last instruction). */
                emit(p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSCTTY, 0, 3));
                STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2));
                /* Zero: allowed (skip to the last instruction); anything else: deny. */
                emit(p, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0));
                RET_EPERM();
        }
        STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

        if (p->overflow)
                return -E2BIG;
        for (size_t i = 0; i < n_ioctl; i++)
                set_ja(p, to_ioctl[i], ioctl_check);
        return 0;
}

int seccomp_install_container_filter(bool host_terminal, const SyscallFilter *f) {
        /* Static: up to 32 KiB, more than the child's stack should carry. */
        static Program p;
        int r;

        p.n = 0;
        p.overflow = false;
        r = build_program(&p, host_terminal, f);
        if (r < 0)
                return r;
        struct sock_fprog prog = { .len = (unsigned short) p.n, .filter = p.insn };
        return RET_NERRNO(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
}
