/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct MachineAddress {
        int32_t family;         /* AF_INET or AF_INET6 */
        uint8_t bytes[16];      /* 4 bytes used for AF_INET */
} MachineAddress;

/* The addresses (not host-scoped: no loopback) in the leader's network namespace. A leader that
 * shares machined's network namespace has no addresses of its own: the list is empty. A child process
 * enters the namespace (setns on the pidfd) and dumps them over rtnetlink. */
int machine_get_addresses(pid_t leader, int leader_pidfd, MachineAddress **ret, size_t *ret_n);

/* Parses one rtnetlink RTM_GETADDR dump buffer (exposed for the unit tests); appends to *list.
 * Returns 1 when the dump is done (NLMSG_DONE). */
int rtnl_parse_addresses(const void *buf, size_t len, MachineAddress **list, size_t *n);
