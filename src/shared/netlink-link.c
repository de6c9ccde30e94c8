/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>

#include "netlink-link.h"
#include "netlink-util.h"

static struct nlmsghdr *link_message(char *buf, uint16_t type, uint16_t flags, struct ifinfomsg **ret_ifi) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        if (ret_ifi)
                *ret_ifi = ifi;
        return nlh;
}

int link_create_veth(struct mnl_socket *nl, const char *name, const struct ether_addr *mac,
                     const char *peer, const struct ether_addr *peer_mac, pid_t peer_netns_pid) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_message(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, NULL);

        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        /* The peer's attributes follow an ifinfomsg of their own inside VETH_INFO_PEER. */
        struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
        pifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
        if (peer_mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, peer_mac);
        if (peer_netns_pid > 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t) peer_netns_pid);
        mnl_attr_nest_end(nlh, p);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(nl, nlh);
}

int link_set_up(struct mnl_socket *nl, const char *name) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh = link_message(buf, RTM_NEWLINK, 0, &ifi);

        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        return rtnl_call(nl, nlh);
}

int link_create_bridge(struct mnl_socket *nl, const char *name) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh = link_message(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi);

        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(nl, nlh);
}

int link_set_master(struct mnl_socket *nl, const char *name, int master_ifindex) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_message(buf, RTM_NEWLINK, 0, NULL);

        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) master_ifindex);
        return rtnl_call(nl, nlh);
}

int link_move_to_netns(struct mnl_socket *nl, int ifindex, int netns_fd, const char *new_name) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh = link_message(buf, RTM_NEWLINK, 0, &ifi);

        /* By index: IFLA_IFNAME is the name it gets there. */
        ifi->ifi_index = ifindex;
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        if (new_name)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
        return rtnl_call(nl, nlh);
}

int link_delete_index(struct mnl_socket *nl, int ifindex) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh = link_message(buf, RTM_DELLINK, 0, &ifi);

        ifi->ifi_index = ifindex;
        return rtnl_call(nl, nlh);
}

static int get_index(const struct nlmsghdr *nlh, void *data) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        *(int *) data = ifi->ifi_index;
        return MNL_CB_OK;
}

int link_get_ifindex(struct mnl_socket *nl, const char *name) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_message(buf, RTM_GETLINK, 0, NULL);
        int idx = 0;

        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        int r = rtnl_call_full(nl, nlh, get_index, &idx);
        if (r < 0)
                return r;
        return idx > 0 ? idx : -ENODEV;
}

/* mode goes into IFLA_INFO_DATA as attribute 1 (IFLA_MACVLAN_MODE, a u32; IFLA_IPVLAN_MODE, a u16:
 * the same number, another size). */
static int create_on_parent(struct mnl_socket *nl, const char *kind, const char *name, int parent_ifindex,
                            const struct ether_addr *mac, pid_t netns_pid, bool mode_u16, uint32_t mode) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_message(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, NULL);

        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t) parent_ifindex);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
        if (netns_pid > 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t) netns_pid);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        if (mode_u16)
                mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, (uint16_t) mode);
        else
                mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, mode);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        return rtnl_call(nl, nlh);
}

int link_create_macvlan(struct mnl_socket *nl, const char *name, int parent_ifindex, const struct ether_addr *mac,
                        pid_t netns_pid) {
        return create_on_parent(nl, "macvlan", name, parent_ifindex, mac, netns_pid, false, MACVLAN_MODE_BRIDGE);
}

int link_create_ipvlan(struct mnl_socket *nl, const char *name, int parent_ifindex, pid_t netns_pid) {
        return create_on_parent(nl, "ipvlan", name, parent_ifindex, NULL, netns_pid, true, IPVLAN_MODE_L2);
}

bool ifname_valid(const char *name) {
        size_t n = name ? strlen(name) : 0;

        if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        /* The kernel takes more (any byte but '/', ':' and white space), but these names reach
         * messages and tables: printable ASCII only, as systemd's default check. */
        for (const unsigned char *c = (const unsigned char *) name; *c; c++)
                if (*c == '/' || *c == ':' || *c <= ' ' || *c >= 0x7f)
                        return false;
        return true;
}

typedef struct BridgeScan {
        const char *prefix;
        int *bridges;           /* bridges named prefix* */
        size_t n_bridges;
        int *masters;           /* the masters of all links */
        size_t n_masters;
        bool oom;
} BridgeScan;

static bool append_int(int **a, size_t *n, int v) {
        int *m = realloc(*a, (*n + 1) * sizeof(int));
        if (!m)
                return false;
        m[(*n)++] = v;
        *a = m;
        return true;
}

static int scan_link(const struct nlmsghdr *nlh, void *data) {
        BridgeScan *s = data;
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *a, *b;
        const char *name = NULL;
        bool bridge = false;
        int master = 0;

        mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
                switch (mnl_attr_get_type(a)) {
                case IFLA_IFNAME:
                        if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
                                name = mnl_attr_get_str(a);
                        break;
                case IFLA_MASTER:
                        if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
                                master = (int) mnl_attr_get_u32(a);
                        break;
                case IFLA_LINKINFO:
                        mnl_attr_for_each_nested(b, a)
                                if (mnl_attr_get_type(b) == IFLA_INFO_KIND && mnl_attr_validate(b, MNL_TYPE_NUL_STRING) >= 0 &&
                                    strcmp(mnl_attr_get_str(b), "bridge") == 0)
                                        bridge = true;
                        break;
                }
        }
        if (master > 0 && !append_int(&s->masters, &s->n_masters, master))
                s->oom = true;
        if (bridge && name && strncmp(name, s->prefix, strlen(s->prefix)) == 0 &&
            !append_int(&s->bridges, &s->n_bridges, ifi->ifi_index))
                s->oom = true;
        return MNL_CB_OK;
}

int link_empty_bridges(struct mnl_socket *nl, const char *prefix, int **ret, size_t *ret_n) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_message(buf, RTM_GETLINK, NLM_F_DUMP, NULL);
        BridgeScan s = { .prefix = prefix };
        size_t n = 0;

        int r = rtnl_call_full(nl, nlh, scan_link, &s);
        if (r >= 0 && s.oom)
                r = -ENOMEM;
        if (r < 0) {
                free(s.bridges);
                free(s.masters);
                return r;
        }
        for (size_t i = 0; i < s.n_bridges; i++) {
                bool used = false;
                for (size_t j = 0; j < s.n_masters && !used; j++)
                        used = s.masters[j] == s.bridges[i];
                if (!used)
                        s.bridges[n++] = s.bridges[i];
        }
        free(s.masters);
        *ret = s.bridges;
        *ret_n = n;
        return 0;
}
