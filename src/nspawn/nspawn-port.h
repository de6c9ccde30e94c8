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
