/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf-devices.h"
#include "fd-util.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ANY_MINOR (-1)

static const struct { int major, minor; } allowed[] = {
        { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 }, { 1, 9 },       /* null zero full random urandom */
        { 5, 0 }, { 5, 1 }, { 5, 2 },                           /* tty console ptmx */
        { 136, ANY_MINOR },                                     /* pts slaves, read/write only */
        { 10, 200 },                                            /* net/tun */
};

/* A machine cgroup reused after a killed launcher still carries that launcher's program: detach what
 * is attached, so that programs do not pile up on a name started again and again. Only for cgroups
 * nspawn made: a service's cgroup (--keep-unit) carries the service manager's own device filter. */
static void detach_all(int cgroup_fd) {
        uint32_t ids[64];
        union bpf_attr q = {
                .query.target_fd = (uint32_t) cgroup_fd,
                .query.attach_type = BPF_CGROUP_DEVICE,
                .query.prog_ids = (uint64_t) (uintptr_t) ids,
                .query.prog_cnt = ELEMENTSOF(ids),
        };

        if (syscall(SYS_bpf, BPF_PROG_QUERY, &q, sizeof(q)) < 0)
                return;
        for (uint32_t i = 0; i < q.query.prog_cnt && i < ELEMENTSOF(ids); i++) {
                union bpf_attr g = { .prog_id = ids[i] };
                _cleanup_close_ int prog = RET_NERRNO(syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &g, sizeof(g)));
                if (prog < 0)
                        continue;
                union bpf_attr d = {
                        .target_fd = (uint32_t) cgroup_fd,
                        .attach_bpf_fd = (uint32_t) prog,
                        .attach_type = BPF_CGROUP_DEVICE,
                };
                (void) syscall(SYS_bpf, BPF_PROG_DETACH, &d, sizeof(d));
        }
}

int bpf_devices_attach_container_policy(int cgroup_fd, bool replace, const DeviceRule *extra, size_t n_extra,
                                        int *ret_prog_fd) {
        if (n_extra > DEVICE_RULES_MAX)
                return -E2BIG;
        if (replace)
                detach_all(cgroup_fd);

        struct bpf_insn prog[64 + DEVICE_RULES_MAX * 6];
        size_t n = 0, jumps[ELEMENTSOF(allowed) + DEVICE_RULES_MAX], n_jumps = 0, to_deny;

        /* r2 = access_type (type | access << 16), r3 = type, r4 = major, r5 = minor */
        prog[n++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        prog[n++] = LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
        prog[n++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        prog[n++] = MOV_REG(BPF_REG_3, BPF_REG_2);
        prog[n++] = AND_IMM(BPF_REG_3, 0xFFFF);
        /* r6 = the mknod bit of the access mask: pts nodes are opened, never created */
        prog[n++] = MOV_REG(BPF_REG_6, BPF_REG_2);
        prog[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_6, 0, 0, 16);
        prog[n++] = AND_IMM(BPF_REG_6, BPF_DEVCG_ACC_MKNOD);
        /* DeviceAllow=: type, major, minor (unless any) match and no access beyond the allowed ones
         * (r7 = the access mask). Each rule's mismatches jump to the next rule. */
        prog[n++] = MOV_REG(BPF_REG_7, BPF_REG_2);
        prog[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_7, 0, 0, 16);
        for (size_t i = 0; i < n_extra; i++) {
                short len = extra[i].minor < 0 ? 5 : 6;
                prog[n++] = JNE_IMM(BPF_REG_3, extra[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                                    len - 1);
                prog[n++] = JNE_IMM(BPF_REG_4, extra[i].major, len - 2);
                if (extra[i].minor >= 0)
                        prog[n++] = JNE_IMM(BPF_REG_5, extra[i].minor, len - 3);
                prog[n++] = MOV_REG(BPF_REG_8, BPF_REG_7);
                prog[n++] = AND_IMM(BPF_REG_8, ~extra[i].access & 7);
                jumps[n_jumps++] = n;
                prog[n++] = JEQ_IMM(BPF_REG_8, 0, 0);
        }
        to_deny = n;
        prog[n++] = JNE_IMM(BPF_REG_3, BPF_DEVCG_DEV_CHAR, 0);
        for (size_t i = 0; i < ELEMENTSOF(allowed); i++) {
                if (allowed[i].minor == ANY_MINOR) {
                        prog[n++] = JNE_IMM(BPF_REG_4, allowed[i].major, 1);
                        jumps[n_jumps++] = n;
                        prog[n++] = JEQ_IMM(BPF_REG_6, 0, 0);
                } else {
                        prog[n++] = JNE_IMM(BPF_REG_4, allowed[i].major, 1);
                        jumps[n_jumps++] = n;
                        prog[n++] = JEQ_IMM(BPF_REG_5, allowed[i].minor, 0);
                }
        }
        size_t deny = n;
        prog[n++] = MOV_IMM(BPF_REG_0, 0);
        prog[n++] = EXIT();
        size_t allow = n;
        prog[n++] = MOV_IMM(BPF_REG_0, 1);
        prog[n++] = EXIT();

        prog[to_deny].off = (short) (deny - to_deny - 1);
        for (size_t i = 0; i < n_jumps; i++)
                prog[jumps[i]].off = (short) (allow - jumps[i] - 1);

        union bpf_attr load = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t) (uintptr_t) prog,
                .insn_cnt = (uint32_t) n,
                .license = (uint64_t) (uintptr_t) "GPL",
        };
        _cleanup_close_ int prog_fd = RET_NERRNO(syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load)));
        if (prog_fd < 0)
                return prog_fd;

        union bpf_attr attach = {
                .target_fd = (uint32_t) cgroup_fd,
                .attach_bpf_fd = (uint32_t) prog_fd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach)) < 0)
                return -errno;
        if (ret_prog_fd)
                *ret_prog_fd = TAKE_FD(prog_fd);
        return 0;
}

int bpf_devices_detach(int cgroup_fd, int prog_fd) {
        union bpf_attr d = {
                .target_fd = (uint32_t) cgroup_fd,
                .attach_bpf_fd = (uint32_t) prog_fd,
                .attach_type = BPF_CGROUP_DEVICE,
        };
        return RET_NERRNO(syscall(SYS_bpf, BPF_PROG_DETACH, &d, sizeof(d)));
}
