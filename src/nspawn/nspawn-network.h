/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "parse-util.h"

/* --network-veth: the links of the container's network, planned before clone() (names and addresses,
 * pure data) and made by the parent at the handshake's NETWORK_READY step. */
typedef struct NetworkPlan {
        bool veth;
        char host_ifname[IFNAMSIZ];     /* ve-NAME, shortened as systemd-nspawn does */
        struct ether_addr host_mac, container_mac;
        bool veth_created;
} NetworkPlan;

#define NETWORK_CONTAINER_IFNAME "host0"

/* Shortens an interface name of IFNAMSIZ or more bytes as systemd does: its first 11 bytes and four
 * URL-safe base64 characters of a hash of the whole name. Names that fit are left alone. */
void network_shorten_ifname(char *name);
/* The MAC address systemd-nspawn gives a veth end: a hash of the host's machine id and the machine
 * name under the key of that end (host or container side), locally administered, unicast. */
void network_veth_mac(const Id128 *host_machine_id, const char *machine, bool container_side,
                      struct ether_addr *ret);
/* The plan for the settings: ve-NAME and both addresses. Reads /etc/machine-id. */
int network_plan_build(const char *machine, bool veth, NetworkPlan *ret);

/* Makes the veth pair, the container's end (host0) in the network namespace of pid, the host's end
 * up. An interface of the host's name that exists already is given a moment to go (the one of a
 * container that just died goes with its namespace), then refused with -EEXIST. */
int network_veth_create(NetworkPlan *p, pid_t pid);
/* Removes the host's end if it is still there (the container's namespace takes the pair along when
 * it goes). */
void network_veth_remove(NetworkPlan *p);
