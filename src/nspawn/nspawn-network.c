/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fd-util.h"
#include "netlink-link.h"
#include "netlink-util.h"
#include "nspawn-network.h"
#include "siphash24.h"
#include "string-util.h"

/* systemd's keys (nspawn-network.c, netif-util.c): the same inputs give the same names and
 * addresses, so a DHCP server on the host sees the same container as under systemd-nspawn. */
static const uint8_t shorten_ifname_key[16] = {
        0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51, 0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc, 0xa2 };
static const uint8_t host_mac_key[16] = {
        0x1a, 0x37, 0x6f, 0xc7, 0x46, 0xec, 0x45, 0x0b, 0xad, 0xa3, 0xd5, 0x31, 0x06, 0x60, 0x5d, 0xb1 };
static const uint8_t container_mac_key[16] = {
        0xc3, 0xc4, 0xf9, 0x19, 0xb5, 0x57, 0xb2, 0x1c, 0xe6, 0xcf, 0x14, 0x27, 0x03, 0x9c, 0xee, 0xa2 };

static char urlsafe_base64_char(uint64_t v) {
        static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return table[v & 63];
}

void network_shorten_ifname(char *name) {
        if (strlen(name) < IFNAMSIZ)
                return;
        uint64_t h = siphash24(name, strlen(name), shorten_ifname_key);
        name[IFNAMSIZ - 5] = urlsafe_base64_char(h >> 18);
        name[IFNAMSIZ - 4] = urlsafe_base64_char(h >> 12);
        name[IFNAMSIZ - 3] = urlsafe_base64_char(h >> 6);
        name[IFNAMSIZ - 2] = urlsafe_base64_char(h);
        name[IFNAMSIZ - 1] = 0;
}

void network_veth_mac(const Id128 *host_machine_id, const char *machine, bool container_side,
                      struct ether_addr *ret) {
        size_t l = strlen(machine);
        uint8_t v[16 + 256];

        if (l > sizeof(v) - 16)
                l = sizeof(v) - 16;     /* machine names are at most 64 bytes */
        memcpy(v, host_machine_id->bytes, 16);
        memcpy(v + 16, machine, l);
        uint64_t h = siphash24(v, 16 + l, container_side ? container_mac_key : host_mac_key);
        /* The hash's bytes in little-endian order, as systemd takes them. */
        for (int i = 0; i < ETH_ALEN; i++)
                ret->ether_addr_octet[i] = (uint8_t) (h >> (8 * i));
        ret->ether_addr_octet[0] &= 0xfe;       /* unicast */
        ret->ether_addr_octet[0] |= 0x02;       /* locally administered */
}

static void host_machine_id(Id128 *ret) {
        _cleanup_free_ char *s = NULL;

        *ret = (Id128) {};
        if (read_small_file_at(AT_FDCWD, "/etc/machine-id", 64, &s) < 0)
                return;
        s[strcspn(s, "\n")] = 0;
        (void) id128_from_string(s, ret);
}

int network_plan_build(const char *machine, bool veth, NetworkPlan *ret) {
        NetworkPlan p = { .veth = veth };
        char name[64];
        Id128 id;

        if (veth) {
                snprintf(name, sizeof(name), "ve-%s", machine);
                network_shorten_ifname(name);
                memcpy(p.host_ifname, name, IFNAMSIZ);
                host_machine_id(&id);
                network_veth_mac(&id, machine, false, &p.host_mac);
                network_veth_mac(&id, machine, true, &p.container_mac);
        }
        *ret = p;
        return 0;
}

int network_veth_create(NetworkPlan *p, pid_t pid) {
        struct mnl_socket *nl = NULL;
        int r;

        r = rtnl_open(&nl);
        if (r < 0)
                return r;
        for (int i = 0;; i++) {
                r = link_create_veth(nl, p->host_ifname, &p->host_mac, NETWORK_CONTAINER_IFNAME,
                                     &p->container_mac, pid);
                if (r != -EEXIST || i >= 20)
                        break;
                /* A container of this name that just ended: its namespace takes its pair along
                 * a moment later. */
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        if (r >= 0) {
                p->veth_created = true;
                r = link_set_up(nl, p->host_ifname);
        }
        rtnl_close(nl);
        return r;
}

void network_veth_remove(NetworkPlan *p) {
        struct mnl_socket *nl = NULL;

        if (!p->veth_created || rtnl_open(&nl) < 0)
                return;
        (void) link_delete(nl, p->host_ifname);
        rtnl_close(nl);
        p->veth_created = false;
}
