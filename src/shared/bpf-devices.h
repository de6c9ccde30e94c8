/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Attaches a BPF_CGROUP_DEVICE program to the cgroup2 directory cgroup_fd that allows only the API
 * devices (null, zero, full, random, urandom, tty, console, ptmx, pts, net/tun) and denies every other
 * device node, to open or to create. It works on hybrid hosts too (the kernel runs cgroup2 device
 * programs before the v1 controller's rules), and needs no task migration: the payload is placed in
 * the cgroup by clone3(CLONE_INTO_CGROUP). Attached with BPF_F_ALLOW_MULTI, so that a guest's own
 * manager can add stricter programs below. */
/* DeviceAllow= entries beyond the API devices: type 'c' or 'b', minor -1 for any, access a mask of
 * BPF_DEVCG_ACC_MKNOD (m), _READ (r), _WRITE (w). */
typedef struct DeviceRule {
        char type;
        int major, minor;
        unsigned access;
} DeviceRule;
#define DEVICE_RULES_MAX 64
int bpf_devices_attach_container_policy(int cgroup_fd, bool replace, const DeviceRule *extra, size_t n_extra,
                                        int *ret_prog_fd);
/* With replace, the BPF device programs attached to cgroup_fd before go first: only for cgroups that
 * nspawn made. *ret_prog_fd (if not NULL) identifies our program for bpf_devices_detach(), which
 * detaches exactly that program and nothing else. */
int bpf_devices_detach(int cgroup_fd, int prog_fd);
