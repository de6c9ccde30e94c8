/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdio.h>
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

static int send_with_fd(int fd, const SyncMessage *msg, int payload_fd) {
        SyncMessage m = *msg;
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

int sync_send_fd(int fd, int payload_fd) {
        return send_with_fd(fd, &(SyncMessage) { .type = SYNC_CONSOLE_FD }, payload_fd);
}

int sync_send_mount_fd(int fd, int slot, int mount_fd) {
        return send_with_fd(fd, &(SyncMessage) { .type = SYNC_MOUNT_FD, .step = slot }, mount_fd);
}

/* One recvmsg() (plain recv() when no fd can come: the fault tests inject into the child's first
 * recvfrom()) into stack buffers: the length, or -errno. A passed fd goes to *ret_fd (-EBADF when none
 * came). A child that exits without reading what the parent sent makes the kernel report ECONNRESET
 * once, ahead of what the child sent before: with skip_reset the parent reads on, the child's failure
 * report is still queued. No allocation: the child calls it after clone(). */
static ssize_t receive_one(int fd, SyncMessage *m, bool want_fd, bool skip_reset, int *ret_fd) {
        struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
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

        *ret_fd = -EBADF;
        do
                n = want_fd ? recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC) : recv(fd, m, sizeof(*m), MSG_TRUNC);
        while (n < 0 && (errno == EINTR || (skip_reset && errno == ECONNRESET)));
        if (n < 0)
                return -errno;
        for (struct cmsghdr *c = want_fd ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return n;
}

/* One packet: 0 at EOF, else 1 with its length in *ret_n (more than sizeof(SyncMessage) for a
 * longer one, cut off). A passed fd goes to *ret_fd, or is closed. */
static int receive_packet(int fd, SyncMessage *ret, int *ret_fd, size_t *ret_n) {
        int passed;
        ssize_t n = receive_one(fd, ret, true, true, &passed);

        if (n < 0)
                return (int) n;
        if (ret_fd)
                *ret_fd = passed;
        else
                safe_close(passed);
        if (n == 0)
                return 0;
        ret->detail[sizeof(ret->detail) - 1] = 0;
        *ret_n = (size_t) n;
        return 1;
}

int sync_receive(int fd, SyncMessage *ret, int *ret_fd) {
        SyncMessage m = {};
        int passed = -EBADF;
        size_t n = 0;
        int r;

        r = receive_packet(fd, &m, &passed, &n);
        if (r <= 0)
                return r;
        if (n != sizeof(m)) {
                safe_close(passed);
                return -EBADMSG;
        }
        if (ret_fd)
                *ret_fd = passed;
        else
                safe_close(passed);
        *ret = m;
        return 1;
}

static const char *const sync_step_table[_SYNC_STEP_MAX] = {
        [SYNC_STEP_CGROUP_PLACED] = "cgroup-placed",
        [SYNC_STEP_ID_MAPS_WRITTEN] = "id-maps-written",
        [SYNC_STEP_NETWORK_READY] = "network-ready",
        [SYNC_STEP_GO] = "go",
};

const char *sync_step_to_string(SyncStep step) {
        return step >= 0 && step < _SYNC_STEP_MAX ? sync_step_table[step] : NULL;
}

SyncPlan sync_plan_build(const Settings *s) {
        /* Placement and registration happen for every container. The id-map and network steps join
         * the plan with the options that need them. */
        (void) s;
        return SYNC_PLAN_STEP(SYNC_STEP_CGROUP_PLACED) | SYNC_PLAN_STEP(SYNC_STEP_GO) |
                (s->private_users != PRIVATE_USERS_NO ? SYNC_PLAN_STEP(SYNC_STEP_ID_MAPS_WRITTEN) : 0) |
                (s->network_veth || s->network_veth_extra || s->network_interfaces || s->network_macvlan ||
                 s->network_ipvlan ? SYNC_PLAN_STEP(SYNC_STEP_NETWORK_READY) : 0);
}

SyncStep sync_plan_next(SyncPlan plan, int after) {
        for (int step = after < 0 ? 0 : after + 1; step < _SYNC_STEP_MAX; step++)
                if (plan & SYNC_PLAN_STEP(step))
                        return (SyncStep) step;
        return _SYNC_STEP_MAX;
}

int sync_send_step(int fd, SyncMessageType type, SyncStep step) {
        SyncMessage m = { .type = type, .step = step };
        return RET_NERRNO(send(fd, &m, sizeof(m), MSG_NOSIGNAL));
}

int sync_check_step(const SyncMessage *m, size_t n, SyncMessageType type, SyncStep step) {
        if (n != sizeof(*m) || m->type < 0 || m->type >= _SYNC_MESSAGE_TYPE_MAX)
                return -EBADMSG;
        if (m->type == SYNC_STEP_READY || m->type == SYNC_STEP_DONE) {
                if (!sync_step_to_string(m->step))
                        return -EBADMSG;
        } else if (m->type == SYNC_MOUNT_FD) {
                if (m->step < 0)
                        return -EBADMSG;
        } else if (m->step < 0 || m->step >= _STEP_MAX)
                return -EBADMSG;
        return m->type == (int32_t) type && m->step == (int32_t) step ? 0 : -EPROTO;
}

void sync_describe_step_failure(char *buf, size_t size, SyncStep step, const SyncMessage *m, int r) {
        const char *name = sync_step_to_string(step) ?: "?";

        if (r == -EPROTO && m && (m->type == SYNC_STEP_READY || m->type == SYNC_STEP_DONE))
                snprintf(buf, size, "'%s' (received %s of step '%s')", name,
                         m->type == SYNC_STEP_READY ? "ready" : "done", sync_step_to_string(m->step));
        else if (r == -EPROTO && m)
                snprintf(buf, size, "'%s' (received a message of type %d)", name, (int) m->type);
        else if (r == -EBADMSG)
                snprintf(buf, size, "'%s' (received a garbled message)", name);
        else if (r == -EPIPE)
                snprintf(buf, size, "'%s' (the other side closed the channel)", name);
        else
                snprintf(buf, size, "'%s'", name);
}

int sync_child_step(int fd, SyncStep step, int *slots, size_t n_slots, char *detail, size_t detail_size) {
        SyncMessage m = {};
        int r;

        r = sync_send_step(fd, SYNC_STEP_READY, step);
        while (r >= 0) {
                int passed;
                ssize_t n = receive_one(fd, &m, n_slots > 0, false, &passed);

                r = n < 0 ? (int) n : n == 0 ? -EPIPE : 0;
                if (r >= 0 && (size_t) n == sizeof(m) && m.type == SYNC_MOUNT_FD) {
                        if (passed < 0 || m.step < 0 || (size_t) m.step >= n_slots || slots[m.step] >= 0) {
                                safe_close(passed);
                                r = -EBADMSG;
                                break;
                        }
                        slots[m.step] = passed;
                        continue;
                }
                safe_close(passed);
                if (r >= 0)
                        r = sync_check_step(&m, (size_t) n, SYNC_STEP_DONE, step);
                break;
        }
        if (r < 0)
                sync_describe_step_failure(detail, detail_size, step, &m, r);
        return r;
}

int sync_wait_ready(int fd, SyncStep step, SyncMessage *ret) {
        SyncMessage m = {};
        size_t n = 0;
        int r;

        r = receive_packet(fd, &m, NULL, &n);
        if (r < 0)
                return r;
        if (r == 0)
                return -EPIPE;
        r = sync_check_step(&m, n, SYNC_STEP_READY, step);
        *ret = m;
        return r;
}

const char *child_step_format(ChildStep step) {
        switch (step) {
        case STEP_HANDSHAKE:
                return _("Failed at step %s of the start-up handshake with nspawn: %m");
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
        int r;

        if (fd_nonblock(fd, true) < 0)
                return false;
        /* Its report may come after a ready message that nobody read yet: the parent's part of a step
         * runs before it reads the child's ready message. */
        do
                r = sync_receive(fd, &m, NULL);
        while (r > 0 && m.type != SYNC_ERROR);
        (void) fd_nonblock(fd, false);
        if (r <= 0)
                return false;
        sync_log_child_error(&m);
        return true;
}
