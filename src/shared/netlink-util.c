/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <time.h>

#include "fd-util.h"
#include "netlink-util.h"

static int open_with_groups(unsigned groups, struct mnl_socket **ret) {
        /* A socket that receives announcements must not block the event loop that reads it. */
        struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0));

        if (!nl)
                return -errno;
        if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
                int r = -errno;
                mnl_socket_close(nl);
                return r;
        }
        *ret = nl;
        return 0;
}

int rtnl_open(struct mnl_socket **ret) {
        return open_with_groups(0, ret);
}

int rtnl_open_in_netns(int netns_fd, unsigned groups, struct mnl_socket **ret) {
        _cleanup_close_ int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int r;

        if (own < 0)
                return -errno;
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return -errno;
        r = open_with_groups(groups, ret);
        if (setns(own, CLONE_NEWNET) < 0) {
                if (r >= 0)
                        mnl_socket_close(*ret);
                return -ENOTRECOVERABLE;
        }
        return r;
}

void rtnl_close(struct mnl_socket *nl) {
        if (nl)
                mnl_socket_close(nl);
}

int rtnl_call_full(struct mnl_socket *nl, struct nlmsghdr *nlh, int (*cb)(const struct nlmsghdr *nlh, void *data),
                   void *data) {
        static uint32_t seq;
        uint32_t portid = mnl_socket_get_portid(nl);
        char *buf = (char *) nlh;
        ssize_t n;

        if (seq == 0)
                seq = (uint32_t) time(NULL);
        nlh->nlmsg_seq = ++seq;
        /* No acknowledgement asked for a dump: NLMSG_DONE ends it. */
        nlh->nlmsg_flags |= NLM_F_REQUEST | ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ? 0 : NLM_F_ACK);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
                return -errno;
        for (;;) {
                n = mnl_socket_recvfrom(nl, buf, RTNL_BUFFER_SIZE);
                if (n < 0)
                        return -errno;
                /* mnl_cb_run() answers -1 with errno for an error message (an acknowledgement is an
                 * error message with error 0: MNL_CB_STOP, as is NLMSG_DONE), MNL_CB_OK to read on. */
                int r = mnl_cb_run(buf, (size_t) n, seq, portid, cb, data);
                if (r < 0)
                        return errno > 0 ? -errno : -EPROTO;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

int rtnl_call(struct mnl_socket *nl, struct nlmsghdr *nlh) {
        return rtnl_call_full(nl, nlh, NULL, NULL);
}
