/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

struct mnl_socket;
struct nlmsghdr;

/* An rtnetlink socket of the calling process's network namespace (libmnl), bound, O_CLOEXEC. */
int rtnl_open(struct mnl_socket **ret);
/* The same in the network namespace netns_fd (an fd of /proc/PID/ns/net), entered for the socket's
 * making and left again. groups: the multicast groups to join (the socket is then non-blocking), 0
 * for none. -ENOTRECOVERABLE when the caller could not return to its own network namespace (it is
 * left in netns_fd's then). */
int rtnl_open_in_netns(int netns_fd, unsigned groups, struct mnl_socket **ret);
void rtnl_close(struct mnl_socket *nl);

/* Sends the request built in nlh (its type, flags and payload; sequence number and NLM_F_ACK are set
 * here) and waits for the kernel's acknowledgement: 0, or the negative errno the kernel answered
 * with. The buffer nlh lives in must hold RTNL_BUFFER_SIZE bytes: the answer is read into it. */
#define RTNL_BUFFER_SIZE 8192
int rtnl_call(struct mnl_socket *nl, struct nlmsghdr *nlh);
/* The same, with the kernel's answers (a reply, or each message of an NLM_F_DUMP) passed to cb; a
 * dump ends with its NLMSG_DONE instead of an acknowledgement. */
int rtnl_call_full(struct mnl_socket *nl, struct nlmsghdr *nlh, int (*cb)(const struct nlmsghdr *nlh, void *data),
                   void *data);
