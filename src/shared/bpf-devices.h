/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Attaches a BPF_CGROUP_DEVICE program to the cgroup2 directory cgroup_fd that allows only the API
 * devices (null, zero, full, random, urandom, tty, console, ptmx, pts, net/tun) and denies every other
 * device node, to open or to create. It works on hybrid hosts too (the kernel runs cgroup2 device
 * programs before the v1 controller's rules), and needs no task migration: the payload is placed in
 * the cgroup by clone3(CLONE_INTO_CGROUP). Attached with BPF_F_ALLOW_MULTI, so that a guest's own
 * manager can add stricter programs below. */
int bpf_devices_attach_container_policy(int cgroup_fd);
