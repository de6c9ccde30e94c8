/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-sync.h"
#include "string-util.h"

int sync_send_error(int fd, ChildStep step, int error, const char *detail) {
        SyncMessage m = { .type = SYNC_ERROR, .step = step, .error = error < 0 ? -error : error };

        if (detail)
                strncpy(m.detail, detail, sizeof(m.detail) - 1);
        return RET_NERRNO(send(fd, &m, sizeof(m), MSG_NOSIGNAL));
}

int sync_send_fd(int fd, int payload_fd) {
        SyncMessage m = { .type = SYNC_CONSOLE_FD };
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &payload_fd, sizeof(int));
        return RET_NERRNO(sendmsg(fd, &mh, MSG_NOSIGNAL));
}

int sync_receive(int fd, SyncMessage *ret, int *ret_fd) {
        SyncMessage m = {};
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        ssize_t n;

        /* A child that exits without reading the go byte makes the kernel report ECONNRESET once, ahead
         * of what the child sent before: read on, its failure report is still queued. */
        do
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && (errno == EINTR || errno == ECONNRESET));
        if (n < 0)
                return -errno;
        if (n == 0)
                return 0;

        int passed = -EBADF;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(&passed, CMSG_DATA(c), sizeof(int));
        if ((size_t) n != sizeof(m)) {
                safe_close(passed);
                return -EBADMSG;
        }
        m.detail[sizeof(m.detail) - 1] = 0;
        if (ret_fd)
                *ret_fd = passed;
        else
                safe_close(passed);
        *ret = m;
        return 1;
}

int sync_send_byte(int fd) {
        char c = 1;
        return RET_NERRNO(send(fd, &c, 1, MSG_NOSIGNAL));
}

int sync_wait_byte(int fd) {
        char c;
        ssize_t n;

        do
                n = recv(fd, &c, 1, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return n == 1 ? 0 : -EPIPE;
}

const char *child_step_format(ChildStep step) {
        switch (step) {
        case STEP_WAIT_PARENT:
                return _("Failed to receive the start signal from nspawn%s: %m");
        case STEP_FDS:
                return _("Failed to move the set-up channel to its file descriptor%s: %m");
        case STEP_PARENT_DEATH_SIGNAL:
                return _("Failed to set the parent-death signal (PR_SET_PDEATHSIG)%s: %m");
        case STEP_USER_DB_NOT_REGULAR:
                return _("The container's %s is not a regular file.");
        case STEP_GETCWD:
                return _("Failed to check the working directory '%s' (getcwd): %m");
        case STEP_CHDIR_OUTSIDE:
                return _("The working directory '%s' is outside the container.");
        case STEP_NAMESPACE:
                return _("Failed to set up the container's namespaces%s: %m");
        case STEP_HOSTNAME:
                return _("Failed to set the hostname '%s': %m");
        case STEP_MOUNT:
                return _("Failed to mount '%s' in the container: %m");
        case STEP_MKDIR:
                return _("Failed to create '%s' in the container: %m");
        case STEP_MASK:
                return _("Failed to mask '%s' in the container: %m");
        case STEP_DEVICE:
                return _("Failed to create device node '%s': %m");
        case STEP_CONSOLE:
                return _("Failed to set up the console%s: %m");
        case STEP_ETC:
                return _("Failed to set up '%s' in the container: %m");
        case STEP_PIVOT_ROOT:
                return _("Failed to switch to the container's root directory%s: %m");
        case STEP_NETWORK:
                return _("Failed to set up the network%s: %m");
        case STEP_USER:
                return _("Failed to switch to the user '%s': %m");
        case STEP_USER_UNKNOWN:
                return _("User '%s' not found in the container's /etc/passwd.");
        case STEP_USER_DB:
                return _("The container's /etc/passwd or /etc/group is too large or has an over-long line%s: %m");
        case STEP_CHDIR:
                return _("Failed to change to the working directory '%s': %m");
        case STEP_CAPABILITIES:
                return _("Failed to set capabilities%s: %m");
        case STEP_SECCOMP:
                return _("Failed to install the system call filter%s: %m");
        case STEP_FORK:
                return _("Failed to fork the payload%s: %m");
        case STEP_EXEC_NOT_FOUND:
                return _("Command '%s' not found in the container.");
        case STEP_EXEC:
                return _("Failed to execute '%s' in the container: %m");
        case STEP_INIT_LINK:
                return _("The container's init '%s' is a symbolic link to a path that does not exist in the container; refusing to boot.");
        default:
                return _("Container setup failed%s: %m");
        }
}

void sync_log_child_error(const SyncMessage *m) {
        const char *fmt = child_step_format((ChildStep) m->step);
        /* The detail may be guest data (a passwd shell or home field, a path inside the tree). */
        _cleanup_free_ char *detail = escape_for_terminal(m->detail, ESCAPE_MESSAGE_MAX);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        (void) log_error_errno(-m->error, fmt, strna(detail));
#pragma GCC diagnostic pop
}

bool sync_log_pending_child_error(int fd) {
        SyncMessage m;

        if (fd_nonblock(fd, true) < 0)
                return false;
        int r = sync_receive(fd, &m, NULL);
        (void) fd_nonblock(fd, false);
        if (r <= 0 || m.type != SYNC_ERROR)
                return false;
        sync_log_child_error(&m);
        return true;
}
