/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stand-in for a service manager's device filter (systemd's DevicePolicy=), for the tests:
 *   bpf-devprog attach CGROUP_DIR   attaches an allow-all BPF_CGROUP_DEVICE program (BPF_F_ALLOW_MULTI,
 *                                   as systemd does) and prints its id
 *   bpf-devprog query CGROUP_DIR    prints the ids of the device programs attached there, one a line */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *a) {
        return (int) syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int attach(int cg) {
        struct bpf_insn prog[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        union bpf_attr load = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t) (uintptr_t) prog,
                .insn_cnt = 2,
                .license = (uint64_t) (uintptr_t) "GPL",
        };
        int fd = bpf(BPF_PROG_LOAD, &load);
        if (fd < 0)
                return perror("BPF_PROG_LOAD"), 1;
        union bpf_attr at = {
                .target_fd = (uint32_t) cg,
                .attach_bpf_fd = (uint32_t) fd,
                .attach_type = BPF_CGROUP_DEVICE,
                .attach_flags = BPF_F_ALLOW_MULTI,
        };
        if (bpf(BPF_PROG_ATTACH, &at) < 0)
                return perror("BPF_PROG_ATTACH"), 1;
        struct bpf_prog_info info = {};
        union bpf_attr gi = {
                .info.bpf_fd = (uint32_t) fd,
                .info.info_len = sizeof(info),
                .info.info = (uint64_t) (uintptr_t) &info,
        };
        if (bpf(BPF_OBJ_GET_INFO_BY_FD, &gi) < 0)
                return perror("BPF_OBJ_GET_INFO_BY_FD"), 1;
        printf("%u\n", info.id);
        return 0;
}

static int query(int cg) {
        uint32_t ids[64];
        union bpf_attr q = {
                .query.target_fd = (uint32_t) cg,
                .query.attach_type = BPF_CGROUP_DEVICE,
                .query.prog_ids = (uint64_t) (uintptr_t) ids,
                .query.prog_cnt = 64,
        };
        if (bpf(BPF_PROG_QUERY, &q) < 0)
                return perror("BPF_PROG_QUERY"), 1;
        for (uint32_t i = 0; i < q.query.prog_cnt && i < 64; i++)
                printf("%u\n", ids[i]);
        return 0;
}

int main(int argc, char **argv) {
        if (argc != 3) {
                fprintf(stderr, "usage: %s attach|query CGROUP_DIR\n", argv[0]);
                return 2;
        }
        int cg = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cg < 0)
                return perror(argv[2]), 1;
        if (strcmp(argv[1], "attach") == 0)
                return attach(cg);
        if (strcmp(argv[1], "query") == 0)
                return query(cg);
        fprintf(stderr, "unknown verb %s\n", argv[1]);
        return 2;
}
