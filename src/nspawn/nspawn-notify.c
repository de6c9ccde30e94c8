/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "nspawn-notify.h"

/* sd_notify() callers may pass fds (FDSTORE=1): we keep none, and must close every one the kernel
 * installed, also when the control buffer was too small for all of them (MSG_CTRUNC: the kernel
 * drops those that did not fit, the ones it installed are ours to close). */
static void close_passed_fds(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        safe_close(fd);
                }
        }
}

static const struct ucred *find_credentials(struct msghdr *mh) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                    c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        return (const struct ucred *) (const void *) CMSG_DATA(c);
        return NULL;
}

int notify_receive(int fd, pid_t leader, char *buf, size_t size, pid_t *ret_sender) {
        size_t max = MIN(size, (size_t) NOTIFY_MESSAGE_MAX);
        struct iovec iov = { .iov_base = buf, .iov_len = max - 1 };
        /* Room for the credentials and a few fds; more fds set MSG_CTRUNC, which is harmless. */
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
        } control;
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        ssize_t n;

        if (max < 2)
                return -EINVAL;
        do
                n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        close_passed_fds(&mh);

        /* The kernel fills SCM_CREDENTIALS itself (a sender may claim another pid only with
         * CAP_SYS_ADMIN over the guest's PID namespace), and gives the pid in our namespace: the
         * guest's PID 1 is the pid clone3() returned to us. */
        const struct ucred *uc = find_credentials(&mh);
        pid_t sender = uc ? uc->pid : 0;
        NotifyVerdict v;
        if (!uc)
                v = NOTIFY_NO_CREDENTIALS;
        else if (sender != leader)
                v = NOTIFY_WRONG_SENDER;
        else if (mh.msg_flags & MSG_TRUNC)
                v = NOTIFY_TOO_LONG;
        else {
                buf[n] = 0;
                v = NOTIFY_ACCEPTED;
        }
        if (ret_sender)
                *ret_sender = sender;
        return (int) v;
}
