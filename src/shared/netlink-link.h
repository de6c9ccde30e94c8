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
/* Sets the link up (IFF_UP). */
int link_set_up(struct mnl_socket *nl, const char *name);

/* A bridge (up). -EEXIST when a link of that name exists. */
int link_create_bridge(struct mnl_socket *nl, const char *name);
/* Makes the link a port of the link master_ifindex (a bridge); 0 takes it out of its bridge. */
int link_set_master(struct mnl_socket *nl, const char *name, int master_ifindex);
/* Moves the link ifindex into the network namespace netns_fd (an fd of /proc/PID/ns/net), named
 * new_name there (NULL: keeps its name). */
int link_move_to_netns(struct mnl_socket *nl, int ifindex, int netns_fd, const char *new_name);
/* Deletes the link ifindex; -ENODEV when there is none. */
int link_delete_index(struct mnl_socket *nl, int ifindex);
/* The index of the link of that name in the socket's network namespace; -ENODEV when none. */
int link_get_ifindex(struct mnl_socket *nl, const char *name);
/* A macvlan (bridge mode) or an ipvlan (L2 mode) on the link parent_ifindex, made in the network
 * namespace of process netns_pid, named name there. */
int link_create_macvlan(struct mnl_socket *nl, const char *name, int parent_ifindex, const struct ether_addr *mac,
                        pid_t netns_pid);
int link_create_ipvlan(struct mnl_socket *nl, const char *name, int parent_ifindex, pid_t netns_pid);

/* The indices of the bridges named prefix* without ports (freed by the caller). */
int link_empty_bridges(struct mnl_socket *nl, const char *prefix, int **ret, size_t *ret_n);

/* True for a link name we accept: 1-15 bytes of printable ASCII, no '/', ':' or space, not "." or
 * "..". */
bool ifname_valid(const char *name);
