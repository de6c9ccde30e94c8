/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* -p/--port=[tcp|udp:]HOSTPORT[:CONTAINERPORT]: a port of the host forwarded to the container's
 * address (DNAT in an nftables table of our own, see nspawn-port-nft.h). */
typedef struct PortForward {
        int protocol;           /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t host_port;
        uint16_t container_port;
} PortForward;

const char *port_protocol_to_string(int protocol);

/* Parses one --port= value. -EINVAL for bad syntax, -ERANGE for a port that is not 1-65535. */
int port_forward_parse(const char *s, PortForward *ret);
/* Appends f to the list; -EEXIST when the list forwards that protocol and host port already. */
int port_forward_add(PortForward **list, size_t *n, const PortForward *f);

/* The rules (nft(8) syntax), pure text: unit-tested, and what `nft list table inet nspawn` shows.
 *
 * One table for all containers, inet nspawn: maps from (protocol, host port) to (the container's
 * address, its port), one per address family, filled as the containers' addresses come and go; DNAT
 * of traffic to the host's own addresses (fib daddr type local) in prerouting (from other hosts
 * and containers) and output (from the host itself, 127.0.0.1 included); masquerading where the
 * answer would otherwise not come back through the host: connections from the host's loopback, and
 * connections from a container's link (ve-*, vz-*: another container, or the container itself). */
#define PORT_NFT_TABLE "inet nspawn"

/* The whole table, made fresh (an old one of that name is replaced): one transaction. */
char *port_nft_table(void);
/* "add element ..." (address given) or "delete element ..." (address NULL) of the list's forwards
 * for family (AF_INET: struct in_addr *, AF_INET6: struct in6_addr *). NULL on OOM. */
char *port_nft_elements(const PortForward *ports, size_t n, int family, const void *address);
/* The list as "tcp:8080 udp:53" (the state file's line); parsed back by port_forward_parse_list(). */
char *port_forward_format_list(const PortForward *ports, size_t n);
int port_forward_parse_list(const char *s, PortForward **ret, size_t *ret_n);
