/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "machine-addresses.h"
#include "process-util.h"

#define ADDRESSES_MAX 4096

static int append(MachineAddress **list, size_t *n, int family, const void *data, size_t len) {
        MachineAddress *l;

        if (*n >= ADDRESSES_MAX)
                return 0;
        l = realloc(*list, (*n + 1) * sizeof(MachineAddress));
        if (!l)
                return -ENOMEM;
        *list = l;
        l[*n] = (MachineAddress) { .family = family };
        memcpy(l[*n].bytes, data, len);
        (*n)++;
        return 0;
}

int rtnl_parse_addresses(const void *buf, size_t len, MachineAddress **list, size_t *n) {
        for (const struct nlmsghdr *h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
                const struct ifaddrmsg *ifa;
                const void *addr = NULL, *local = NULL;
                size_t alen;
                int r;

                if (h->nlmsg_type == NLMSG_DONE)
                        return 1;
                if (h->nlmsg_type == NLMSG_ERROR) {
                        const struct nlmsgerr *e = NLMSG_DATA(h);
                        return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? e->error : -EIO;
                }
                if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
                        continue;
                ifa = NLMSG_DATA(h);
                if (ifa->ifa_scope == RT_SCOPE_HOST || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
                        continue;
                alen = ifa->ifa_family == AF_INET ? 4 : 16;
                size_t rlen = IFA_PAYLOAD(h);
                for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, rlen); a = RTA_NEXT(a, rlen)) {
                        if (RTA_PAYLOAD(a) != alen)
                                continue;
                        if (a->rta_type == IFA_ADDRESS)
                                addr = RTA_DATA(a);
                        else if (a->rta_type == IFA_LOCAL)
                                local = RTA_DATA(a);
                }
                /* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
                if (local)
                        addr = local;
                if (!addr)
                        continue;
                r = append(list, n, ifa->ifa_family, addr, alen);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int dump_addresses(MachineAddress **list, size_t *n) {
        struct {
                struct nlmsghdr h;
                struct ifaddrmsg ifa;
        } req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                .h.nlmsg_type = RTM_GETADDR,
                .h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .h.nlmsg_seq = 1,
                .ifa.ifa_family = AF_UNSPEC,
        };
        _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        static char buf[32768];
        int r;

        if (fd < 0)
                return -errno;
        if (send(fd, &req, req.h.nlmsg_len, 0) < 0)
                return -errno;
        for (;;) {
                ssize_t k = recv(fd, buf, sizeof(buf), 0);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                r = rtnl_parse_addresses(buf, (size_t) k, list, n);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
}

/* Compared after the stat: if the pidfd's process still lives, the namespace was its. */
static int same_netns(pid_t leader, int pidfd) {
        struct stat a, b;
        char p[64];

        snprintf(p, sizeof(p), "/proc/%d/ns/net", (int) leader);
        if (stat(p, &a) < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (stat("/proc/self/ns/net", &b) < 0)
                return -errno;
        if (pidfd_send_signal_(pidfd, 0) < 0)
                return -ESRCH;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int machine_get_addresses(pid_t leader, int leader_pidfd, MachineAddress **ret, size_t *ret_n) {
        _cleanup_close_pair_ int pipefd[2] = { -EBADF, -EBADF };
        MachineAddress *list = NULL;
        size_t n = 0;
        pid_t child;
        int r, status;

        r = same_netns(leader, leader_pidfd);
        if (r < 0)
                return r;
        if (r > 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        child = fork();
        if (child < 0)
                return -errno;
        if (child == 0) {
                (void) signal(SIGPIPE, SIG_DFL);
                pipefd[0] = safe_close(pipefd[0]);
                if (setns(leader_pidfd, CLONE_NEWNET) < 0 || dump_addresses(&list, &n) < 0)
                        _exit(EXIT_FAILURE);
                _exit(loop_write(pipefd[1], list, n * sizeof(MachineAddress)) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
        }
        pipefd[1] = safe_close(pipefd[1]);

        size_t size = 0, allocated = 0;
        char *buf = NULL;
        for (;;) {
                if (size == allocated) {
                        allocated = allocated ? allocated * 2 : 16 * sizeof(MachineAddress);
                        char *b = realloc(buf, allocated);
                        if (!b) {
                                r = -ENOMEM;
                                break;
                        }
                        buf = b;
                }
                ssize_t k = read(pipefd[0], buf + size, allocated - size);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = k < 0 ? -errno : 0;
                        break;
                }
                size += (size_t) k;
        }
        /* Closed before waiting: a child still writing gets EPIPE instead of blocking forever. */
        pipefd[0] = safe_close(pipefd[0]);
        (void) wait_for_child(child, &status);
        if (r >= 0 && status != 0)
                r = -EIO;
        if (r < 0 || size % sizeof(MachineAddress) != 0) {
                free(buf);
                return r < 0 ? r : -EIO;
        }
        *ret = (MachineAddress *) buf;
        *ret_n = size / sizeof(MachineAddress);
        return 0;
}
