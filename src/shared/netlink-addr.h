/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>

struct mnl_socket;

/* Addresses by rtnetlink, in the network namespace of the socket (netlink-util.h). */

/* Reads what a socket subscribed to address changes (rtnl_open_in_netns() with RTMGRP_IPV4_IFADDR |
 * RTMGRP_IPV6_IFADDR) holds (the announcements themselves do not matter: the caller asks for
 * the addresses again). 1 when something was read (or the socket overflowed), 0 when nothing. */
int rtnl_drain(struct mnl_socket *nl);

/* The address of family (AF_INET: struct in_addr, AF_INET6: struct in6_addr) a port forward goes to:
 * a global one (not loopback, link-local or host scope), usable (not tentative, deprecated or failed
 * duplicate detection), on the link with the lowest index, the first there. -ENOENT when none. */
int address_pick_global(struct mnl_socket *nl, int family, void *ret);
