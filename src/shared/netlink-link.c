/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
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

int link_delete(struct mnl_socket *nl, const char *name) {
        _Alignas(struct nlmsghdr) char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_message(buf, RTM_DELLINK, 0, NULL);

        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
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

bool ifname_valid(const char *name) {
        size_t n = name ? strlen(name) : 0;

        if (n == 0 || n >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return false;
        for (const char *c = name; *c; c++)
                if (*c == '/' || *c == ':' || *c <= ' ' || *c == 0x7f)
                        return false;
        return true;
}
