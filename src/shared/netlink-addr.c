/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink-addr.h"
#include "netlink-util.h"

int rtnl_drain(struct mnl_socket *nl) {
        char buf[RTNL_BUFFER_SIZE];
        int any = 0;

        for (;;) {
                ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == ENOBUFS) {
                        any = 1;        /* announcements were lost: ask again anyway */
                        continue;
                }
                if (n <= 0)
                        return any;
                any = 1;
        }
}

typedef struct Pick {
        int family;
        int ifindex;            /* of the address picked so far, 0: none */
        unsigned char addr[16];
} Pick;

static int pick_cb(const struct nlmsghdr *nlh, void *data) {
        Pick *p = data;
        const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *attr;
        const void *addr = NULL;
        uint32_t flags;

        if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != p->family)
                return MNL_CB_OK;
        if (ifa->ifa_scope != RT_SCOPE_UNIVERSE)
                return MNL_CB_OK;       /* loopback (host), link-local (link) */
        flags = ifa->ifa_flags;
        mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
                switch (mnl_attr_get_type(attr)) {
                case IFA_ADDRESS:
                        /* On a point-to-point link IFA_LOCAL is ours and IFA_ADDRESS the peer's. */
                        if (!addr)
                                addr = mnl_attr_get_payload(attr);
                        break;
                case IFA_LOCAL:
                        addr = mnl_attr_get_payload(attr);
                        break;
                case IFA_FLAGS:
                        flags = mnl_attr_get_u32(attr);
                        break;
                }
        }
        if (!addr || (flags & (IFA_F_TENTATIVE | IFA_F_DEPRECATED | IFA_F_DADFAILED)))
                return MNL_CB_OK;
        if (p->ifindex != 0 && (int) ifa->ifa_index >= p->ifindex)
                return MNL_CB_OK;
        p->ifindex = (int) ifa->ifa_index;
        memcpy(p->addr, addr, p->family == AF_INET ? 4 : 16);
        return MNL_CB_OK;
}

int address_pick_global(struct mnl_socket *nl, int family, void *ret) {
        char buf[RTNL_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        Pick p = { .family = family };
        int r;

        nlh->nlmsg_type = RTM_GETADDR;
        nlh->nlmsg_flags = NLM_F_DUMP;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
        ifa->ifa_family = (unsigned char) family;
        r = rtnl_call_full(nl, nlh, pick_cb, &p);
        if (r < 0)
                return r;
        if (p.ifindex == 0)
                return -ENOENT;
        memcpy(ret, p.addr, family == AF_INET ? 4 : 16);
        return 0;
}
