/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "nspawn-settings.h"
#include "parse-util.h"

/* The container's links (-n, --network-bridge=, --network-zone=, --network-veth-extra=,
 * --network-interface=, --network-macvlan=, --network-ipvlan=): planned before clone() (names and
 * addresses, pure data, checked against the host's links), made by the parent at the handshake's
 * NETWORK_READY step in the container's network namespace, taken apart when the container ends. */
struct mnl_socket;

#define NETWORK_CONTAINER_IFNAME "host0"
#define NETWORK_VETH_MAX 16
#define NETWORK_ZONE_LOCK "/run/nspawn/network-zone.lock"

typedef struct NetworkLinkPair {
        char host[IFNAMSIZ];            /* the host's end (veth), or the parent link (macvlan, ipvlan) */
        char container[IFNAMSIZ];       /* its name in the container */
        struct ether_addr mac;          /* the container's end's address (extra veth, macvlan) */
        struct ether_addr host_mac;     /* the host's end's (extra veth) */
} NetworkLinkPair;

typedef struct NetworkPlan {
        bool veth;
        char host_ifname[IFNAMSIZ];     /* ve-NAME, or vb-NAME with a bridge or zone; shortened as
                                         * systemd-nspawn does */
        struct ether_addr host_mac, container_mac;
        char bridge[IFNAMSIZ];          /* the bridge the host's end joins, "" for none */
        bool zone;                      /* the bridge is vz-ZONE: made on first use, removed with its
                                         * last port, both under NETWORK_ZONE_LOCK */
        NetworkLinkPair *extra;
        size_t n_extra;
        NetworkLinkPair *ifaces;        /* host links moved in (named container there, IF:NAME),
                                         * and back out at the end under their own names */
        size_t n_ifaces;
        NetworkLinkPair *macvlan, *ipvlan;
        size_t n_macvlan, n_ipvlan;

        /* What was done, for the registration and the teardown. */
        int ifindices[NETWORK_VETH_MAX];  /* the host's ends of the veths (NetworkInterfaces); the
                                         * first is the main veth's when there is one */
        size_t n_ifindices;
        int netns_fd;                   /* the container's network namespace, kept while interfaces
                                         * of the host are in it */
        struct mnl_socket *nl_container;  /* an rtnetlink socket in that namespace */
        int *moved;                     /* per interface: its index in the container's namespace,
                                         * taken right after the move (before the payload runs),
                                         * 0 for one not moved (yet) */
        bool zone_joined;
        bool done;                      /* network_setup() ran (successfully) */
} NetworkPlan;


#define NETWORK_PLAN_NULL ((NetworkPlan) { .netns_fd = -EBADF })

/* Shortens an interface name of IFNAMSIZ or more bytes as systemd does: its first 11 bytes and four
 * URL-safe base64 characters of a hash of the whole name. Names that fit are left alone. */
void network_shorten_ifname(char *name);
/* The MAC address systemd-nspawn gives a veth end: a hash of the host's machine id and the machine
 * name under the key of that end (host or container side), locally administered, unicast. */
void network_veth_mac(const Id128 *host_machine_id, const char *machine, bool container_side,
                      struct ether_addr *ret);
/* The plan for the settings. Reads /etc/machine-id. */
int network_plan_build(const Settings *s, NetworkPlan *ret);
/* Before clone(): the links the plan names on the host exist (the bridge, the interfaces to move,
 * the parents of macvlans and ipvlans), and at most NETWORK_VETH_MAX veths. -ENODEV (or -E2BIG) with the name in
 * *ret_what. */
int network_plan_check(const NetworkPlan *p, const char **ret_what);
/* Makes the links, the container's ends in the network namespace of pid. On failure *ret_what names
 * the link; whatever was made goes with the container's namespace, or back in network_teardown(). */
int network_setup(NetworkPlan *p, pid_t pid, const char **ret_what);
/* Moves the host's interfaces back out of the container's namespace and removes a zone's bridge
 * that has no port left. Logs what fails (nothing to report to the caller). */
void network_teardown(NetworkPlan *p);
void network_plan_done(NetworkPlan *p);
