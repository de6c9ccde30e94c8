/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "netlink-link.h"
#include "netlink-util.h"
#include "nspawn-network.h"
#include "siphash24.h"
#include "i18n.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"

/* systemd's keys (nspawn-network.c, netif-util.c): the same inputs give the same names and
 * addresses, so a DHCP server on the host sees the same container as under systemd-nspawn. */
static const uint8_t shorten_ifname_key[16] = {
        0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51, 0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc, 0xa2 };
static const uint8_t host_mac_key[16] = {
        0x1a, 0x37, 0x6f, 0xc7, 0x46, 0xec, 0x45, 0x0b, 0xad, 0xa3, 0xd5, 0x31, 0x06, 0x60, 0x5d, 0xb1 };
static const uint8_t container_mac_key[16] = {
        0xc3, 0xc4, 0xf9, 0x19, 0xb5, 0x57, 0xb2, 0x1c, 0xe6, 0xcf, 0x14, 0x27, 0x03, 0x9c, 0xee, 0xa2 };
static const uint8_t veth_extra_host_key[16] = {
        0x48, 0xc7, 0xf6, 0xb7, 0xea, 0x9d, 0x4c, 0x9e, 0xb7, 0x28, 0xd4, 0xde, 0x91, 0xd5, 0xbf, 0x66 };
static const uint8_t veth_extra_container_key[16] = {
        0xaf, 0x50, 0x17, 0x61, 0xce, 0xf9, 0x4d, 0x35, 0x84, 0x0d, 0x2b, 0x20, 0x54, 0xbe, 0xce, 0x59 };
static const uint8_t macvlan_mac_key[16] = {
        0x00, 0x13, 0x6d, 0xbc, 0x66, 0x83, 0x44, 0x81, 0xbb, 0x0c, 0xf9, 0x51, 0x1f, 0x24, 0xa6, 0x6f };

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

/* The hash of the host's machine id, the machine name and (idx > 0) idx as 8 little-endian bytes,
 * as a locally administered unicast address. */
static void generate_mac(const Id128 *host_machine_id, const char *machine, const uint8_t key[static 16], uint64_t idx,
                         struct ether_addr *ret) {
        size_t l = strlen(machine);
        uint8_t v[16 + 256 + 8];

        if (l > 256)
                l = 256;        /* machine names are at most 64 bytes */
        memcpy(v, host_machine_id->bytes, 16);
        memcpy(v + 16, machine, l);
        size_t n = 16 + l;
        for (int i = 0; idx > 0 && i < 8; i++)
                v[n++] = (uint8_t) (idx >> (8 * i));
        uint64_t h = siphash24(v, n, key);
        /* The hash's bytes in little-endian order, as systemd takes them. */
        for (int i = 0; i < ETH_ALEN; i++)
                ret->ether_addr_octet[i] = (uint8_t) (h >> (8 * i));
        ret->ether_addr_octet[0] &= 0xfe;       /* unicast */
        ret->ether_addr_octet[0] |= 0x02;       /* locally administered */
}

void network_veth_mac(const Id128 *host_machine_id, const char *machine, bool container_side,
                      struct ether_addr *ret) {
        generate_mac(host_machine_id, machine, container_side ? container_mac_key : host_mac_key, 0, ret);
}

static void host_machine_id(Id128 *ret) {
        _cleanup_free_ char *s = NULL;

        *ret = (Id128) {};
        if (read_small_file_at(AT_FDCWD, "/etc/machine-id", 64, &s) < 0)
                return;
        s[strcspn(s, "\n")] = 0;
        (void) id128_from_string(s, ret);
}

static int pairs_from(char **names, const char *prefix, NetworkLinkPair **ret, size_t *ret_n) {
        size_t n = strv_length(names);
        NetworkLinkPair *p = n > 0 ? calloc(n, sizeof(*p)) : NULL;
        char buf[64];

        if (n > 0 && !p)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *colon = strchr(names[i], ':');
                if (colon) {
                        /* HOST:CONTAINER, both checked by the option parser */
                        snprintf(p[i].host, sizeof(p[i].host), "%.*s", (int) (colon - names[i]), names[i]);
                        snprintf(p[i].container, sizeof(p[i].container), "%s", colon + 1);
                        continue;
                }
                snprintf(p[i].host, sizeof(p[i].host), "%s", names[i]);
                snprintf(buf, sizeof(buf), "%s%s", prefix ?: "", names[i]);
                network_shorten_ifname(buf);
                memcpy(p[i].container, buf, IFNAMSIZ - 1);     /* shortened: it fits */
        }
        *ret = p;
        *ret_n = n;
        return 0;
}

int network_plan_build(const Settings *s, NetworkPlan *ret) {
        NetworkPlan p = NETWORK_PLAN_NULL;
        char name[3 + 256 + 1];         /* the whole name is hashed: never truncated here */
        Id128 id;
        int r;

        host_machine_id(&id);
        p.veth = s->network_veth;
        if (p.veth) {
                snprintf(name, sizeof(name), "%s-%s", s->network_bridge || s->network_zone ? "vb" : "ve", s->machine);
                network_shorten_ifname(name);
                memcpy(p.host_ifname, name, IFNAMSIZ);
                network_veth_mac(&id, s->machine, false, &p.host_mac);
                network_veth_mac(&id, s->machine, true, &p.container_mac);
        }
        if (s->network_bridge)
                snprintf(p.bridge, sizeof(p.bridge), "%s", s->network_bridge);
        if (s->network_zone) {
                snprintf(p.bridge, sizeof(p.bridge), "vz-%s", s->network_zone);
                p.zone = true;
        }
        r = pairs_from(s->network_veth_extra, NULL, &p.extra, &p.n_extra);
        if (r >= 0)
                r = pairs_from(s->network_macvlan, "mv-", &p.macvlan, &p.n_macvlan);
        if (r >= 0)
                r = pairs_from(s->network_ipvlan, "iv-", &p.ipvlan, &p.n_ipvlan);
        if (r >= 0)
                r = pairs_from(s->network_interfaces, NULL, &p.ifaces, &p.n_ifaces);
        if (r >= 0 && p.n_ifaces > 0 && !(p.moved = calloc(p.n_ifaces, sizeof(int))))
                r = -ENOMEM;
        if (r < 0) {
                network_plan_done(&p);
                return r;
        }
        /* systemd-nspawn's addresses: the extra veths and the macvlans count from 0, in the order
         * given. */
        for (size_t i = 0; i < p.n_extra; i++) {
                generate_mac(&id, s->machine, veth_extra_host_key, i, &p.extra[i].host_mac);
                generate_mac(&id, s->machine, veth_extra_container_key, i, &p.extra[i].mac);
        }
        for (size_t i = 0; i < p.n_macvlan; i++)
                generate_mac(&id, s->machine, macvlan_mac_key, i, &p.macvlan[i].mac);
        *ret = p;
        return 0;
}

void network_plan_done(NetworkPlan *p) {
        free(p->extra);
        free(p->macvlan);
        free(p->ipvlan);
        free(p->ifaces);
        free(p->moved);
        p->moved = NULL;
        rtnl_close(p->nl_container);
        p->nl_container = NULL;
        p->netns_fd = safe_close(p->netns_fd);
        p->extra = p->macvlan = p->ipvlan = NULL;
        p->ifaces = NULL;
}

int network_plan_check(const NetworkPlan *p, const char **ret_what) {
        /* The zone's bridge is made when missing; a bridge of --network-bridge= must exist. */
        if (p->bridge[0] && !p->zone && if_nametoindex(p->bridge) == 0) {
                *ret_what = p->bridge;
                return -ENODEV;
        }
        for (size_t i = 0; i < p->n_ifaces; i++)
                if (if_nametoindex(p->ifaces[i].host) == 0) {
                        *ret_what = p->ifaces[i].host;
                        return -ENODEV;
                }
        for (size_t i = 0; i < p->n_macvlan; i++)
                if (if_nametoindex(p->macvlan[i].host) == 0) {
                        *ret_what = p->macvlan[i].host;
                        return -ENODEV;
                }
        for (size_t i = 0; i < p->n_ipvlan; i++)
                if (if_nametoindex(p->ipvlan[i].host) == 0) {
                        *ret_what = p->ipvlan[i].host;
                        return -ENODEV;
                }
        if (p->n_extra + (p->veth ? 1 : 0) > ELEMENTSOF(p->ifindices)) {
                *ret_what = "--network-veth-extra";
                return -E2BIG;
        }
        return 0;
}

/* One lock for all zones (one file that stays, not one per zone name): joining and leaving are short. */
static int zone_lock(void) {
        (void) mkdir("/run/nspawn", 0755);
        return lock_file_exclusive(NETWORK_ZONE_LOCK);
}

/* Zone bridges without ports are what a killed nspawn left (joining happens under the zones' lock: a
 * bridge is never empty between its making and its first port). Called with the lock held. */
static void sweep_empty_zones(struct mnl_socket *nl) {
        _cleanup_free_ int *idx = NULL;
        size_t n = 0;

        if (link_empty_bridges(nl, "vz-", &idx, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                (void) link_delete_index(nl, idx[i]);
}

/* One veth pair, the host's end up (and in the bridge), retried for a moment while a pair of that
 * name is still going with the namespace of a container that just ended. */
static int make_veth(struct mnl_socket *nl, const char *host, const struct ether_addr *host_mac,
                     const char *container, const struct ether_addr *container_mac, pid_t pid, int bridge_ifindex) {
        int r;

        for (int i = 0;; i++) {
                r = link_create_veth(nl, host, host_mac, container, container_mac, pid);
                /* The kernel tears a namespace down asynchronously: over a second under load. */
                if (r != -EEXIST || i >= 100)
                        break;
                struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
                nanosleep(&ts, NULL);
        }
        if (r >= 0 && bridge_ifindex > 0)
                r = link_set_master(nl, host, bridge_ifindex);
        if (r >= 0)
                r = link_set_up(nl, host);
        return r;
}

/* An rtnetlink socket in the container's network namespace, for the links moved in: their indices
 * there, and the move back. */
static int open_container_socket(NetworkPlan *p, pid_t pid) {
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        p->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (p->netns_fd < 0)
                return -errno;
        int r = rtnl_open_in_netns(p->netns_fd, 0, &p->nl_container);
        if (r == -ENOTRECOVERABLE)
                /* nspawn would go on in the container's namespace: nothing sensible is left to do. */
                return log_error_errno(r, _("Failed to return to nspawn's network namespace: %m"));
        return r;
}

static int setup_links(NetworkPlan *p, struct mnl_socket *nl, pid_t pid, const char **ret_what) {
        _cleanup_close_ int lock = -EBADF;
        int bridge = 0, r;

        if (p->veth) {
                *ret_what = p->host_ifname;
                if (p->zone) {
                        lock = zone_lock();
                        if (lock < 0)
                                return lock;
                        sweep_empty_zones(nl);
                        r = link_create_bridge(nl, p->bridge);
                        if (r < 0 && r != -EEXIST) {
                                *ret_what = p->bridge;
                                return r;
                        }
                        /* From here the teardown looks at the bridge, also when this start fails. */
                        p->zone_joined = true;
                }
                if (p->bridge[0]) {
                        bridge = (int) if_nametoindex(p->bridge);
                        if (bridge == 0) {
                                *ret_what = p->bridge;
                                return -ENODEV;
                        }
                }
                r = make_veth(nl, p->host_ifname, &p->host_mac, NETWORK_CONTAINER_IFNAME, &p->container_mac, pid, bridge);
                if (r == -EOPNOTSUPP && bridge > 0) {
                        *ret_what = p->bridge;
                        return -ENOTTY;         /* not a bridge */
                }
                if (r < 0)
                        return r;
                p->ifindices[p->n_ifindices++] = (int) if_nametoindex(p->host_ifname);
                lock = safe_close(lock);
        }
        for (size_t i = 0; i < p->n_extra; i++) {
                *ret_what = p->extra[i].host;
                r = make_veth(nl, p->extra[i].host, &p->extra[i].host_mac, p->extra[i].container, &p->extra[i].mac, pid, 0);
                if (r < 0)
                        return r;
                p->ifindices[p->n_ifindices++] = (int) if_nametoindex(p->extra[i].host);
        }
        if (p->n_ifaces > 0) {
                *ret_what = "rtnetlink";
                r = open_container_socket(p, pid);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_ifaces; i++) {
                const NetworkLinkPair *f = &p->ifaces[i];
                *ret_what = f->host;
                int idx = (int) if_nametoindex(f->host);
                if (idx == 0)
                        return -errno;
                r = link_move_to_netns(nl, idx, p->netns_fd, streq(f->host, f->container) ? NULL : f->container);
                if (r < 0)
                        return r;
                /* Its index there, now, before the payload can rename it or make another link of
                 * its name: the move back goes by index. */
                r = link_get_ifindex(p->nl_container, f->container);
                if (r < 0)
                        return r;
                p->moved[i] = r;
        }
        for (size_t i = 0; i < p->n_macvlan; i++) {
                *ret_what = p->macvlan[i].container;
                r = link_create_macvlan(nl, p->macvlan[i].container, (int) if_nametoindex(p->macvlan[i].host),
                                        &p->macvlan[i].mac, pid);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_ipvlan; i++) {
                *ret_what = p->ipvlan[i].container;
                r = link_create_ipvlan(nl, p->ipvlan[i].container, (int) if_nametoindex(p->ipvlan[i].host), pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

int network_setup(NetworkPlan *p, pid_t pid, const char **ret_what) {
        struct mnl_socket *nl = NULL;
        int r;

        *ret_what = "rtnetlink";
        r = rtnl_open(&nl);
        if (r < 0)
                return r;
        r = setup_links(p, nl, pid, ret_what);
        rtnl_close(nl);
        if (r >= 0)
                p->done = true;
        return r;
}

/* The host's interfaces go back where they came from, to nspawn's own network namespace, by the
 * index they had in the container's when they arrived and under their own names again: whatever the
 * payload renamed them to, or made under their names, does not matter. */
static void move_interfaces_back(NetworkPlan *p) {
        _cleanup_close_ int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

        if (own < 0)
                return (void) log_error_errno(-errno, _("Failed to open nspawn's network namespace: %m"));
        for (size_t i = 0; i < p->n_ifaces; i++) {
                if (p->moved[i] <= 0)
                        continue;
                int r = link_move_to_netns(p->nl_container, p->moved[i], own, p->ifaces[i].host);
                if (r < 0)
                        log_error_errno(r, _("Failed to move network interface %s back to the host: %m"), p->ifaces[i].host);
                p->moved[i] = 0;
        }
}

/* The zone's bridge goes with its last port (and any other empty zone bridge a killed nspawn left), under the zones' lock, so that a container joining
 * the zone meanwhile never finds its bridge gone. The host's end is deleted first, by index (its
 * namespace would take it along, but only later; a new container of the same name may have made a
 * link of the same name meanwhile). */
static void leave_zone(NetworkPlan *p) {
        struct mnl_socket *nl = NULL;
        _cleanup_close_ int lock = zone_lock();

        if (lock < 0 || rtnl_open(&nl) < 0)
                return;
        if (p->n_ifindices > 0)
                (void) link_delete_index(nl, p->ifindices[0]);
        sweep_empty_zones(nl);
        rtnl_close(nl);
        p->zone_joined = false;
}

void network_teardown(NetworkPlan *p) {
        if (p->nl_container && p->moved)
                move_interfaces_back(p);
        p->netns_fd = safe_close(p->netns_fd);
        if (p->zone_joined)
                leave_zone(p);
}
