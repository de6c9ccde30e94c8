/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "nspawn-port.h"

/* The forwards of one container at run time (-p/--port=).
 *
 * Before clone(): the host ports are reserved in a state file of the machine's,
 * /run/nspawn/ports/net-INODE/NAME (one directory per network namespace of the host: the rules
 * live in the namespace nspawn runs in), locked (flock) while nspawn runs, under one lock for all
 * containers. A port another running container forwards is refused there, naming it; files whose
 * lock nobody holds are what a killed nspawn left: their forwards are removed first. The first
 * container of a namespace makes the nftables table (PORT_NFT_TABLE), the last one removes it.
 *
 * After the links exist: a socket in the container's network namespace watches its addresses; the
 * maps point at its first global IPv4 and IPv6 address as they come and go (from the guest's own
 * network configuration or DHCP client). */
struct mnl_socket;

typedef struct PortRuntime {
        const PortForward *ports;
        size_t n_ports;
        int state_fd;           /* the locked state file, -EBADF when nothing is reserved */
        char *state_path;
        bool have4, have6;      /* the maps point at these */
        struct in_addr addr4;
        struct in6_addr addr6;
        struct mnl_socket *watch;       /* address announcements, in the container's namespace */
        struct mnl_socket *query;       /* address dumps there */
} PortRuntime;

#define PORT_RUNTIME_NULL ((PortRuntime) { .state_fd = -EBADF })
#define PORT_STATE_DIR "/run/nspawn/ports"

/* Reserves the ports for machine (see above). -EADDRINUSE with the other machine's name in
 * *ret_other when one of them is forwarded already; -EBUSY when a running nspawn of this machine
 * name holds forwards; -ENOPKG without libnftables. Errors are logged here. With no ports (n = 0),
 * only sweeps up what a killed nspawn left. */
int port_reserve(PortRuntime *p, const PortForward *ports, size_t n, const char *machine);
/* Once the container's links exist (its network namespace is that of pid): route_localnet on
 * host_link (the host's end of the veth, or the zone's bridge; NULL for a bridge of the user's),
 * the watch sockets, the first look at the addresses. */
int port_watch_start(PortRuntime *p, pid_t pid, const char *host_link);
/* The watch socket's fd for the event loop, -EBADF when none. */
int port_watch_fd(const PortRuntime *p);
/* The watch socket is readable: reads it and updates the maps. */
void port_watch_event(PortRuntime *p);
/* Removes the container's forwards (and the table with the last container's). */
void port_release(PortRuntime *p);
