/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/ethernet.h>
#include <stdbool.h>
#include <sys/types.h>

struct mnl_socket;

/* Links by rtnetlink, in the network namespace of the socket (netlink-util.h). Names are checked by
 * the callers (ifname_valid()). */

/* A veth pair: name (with mac) here, peer (with peer_mac) moved at creation into the network
 * namespace of process peer_netns_pid. -EEXIST when a link of either name exists already. */
int link_create_veth(struct mnl_socket *nl, const char *name, const struct ether_addr *mac,
                     const char *peer, const struct ether_addr *peer_mac, pid_t peer_netns_pid);
/* Deletes the link; -ENODEV when there is none of that name. */
int link_delete(struct mnl_socket *nl, const char *name);
/* Sets the link up (IFF_UP). */
int link_set_up(struct mnl_socket *nl, const char *name);

/* True for a name the kernel takes for a link: 1-15 bytes, no '/', ':' or white space, not "." or "..". */
bool ifname_valid(const char *name);
