/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-notify.h"
#include "tests.h"

/* A receiving socket as the supervisor has it (SO_PASSCRED unless told otherwise) and its peer. */
static int pair(bool passcred, int sv[2]) {
        int one = 1;
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        if (passcred && setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;
        return 0;
}

static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;
        if (!d)
                return -1;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static int send_with_fds(int fd, const char *msg, const int *fds, size_t n_fds) {
        struct iovec iov = { .iov_base = (void *) msg, .iov_len = strlen(msg) };
        char control[CMSG_SPACE(sizeof(int) * 64)] = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (n_fds > 0) {
                mh.msg_control = control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

TEST(accepted_from_the_leader) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char buf[NOTIFY_MESSAGE_MAX];
        pid_t sender = 0;
        ASSERT_OK(pair(true, sv));
        ASSERT_OK(send(sv[1], "READY=1\nSTATUS=up", 17, 0));
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_ACCEPTED);
        ASSERT_STREQ(buf, "READY=1\nSTATUS=up");
        ASSERT_EQ(sender, getpid());
        ASSERT_ERROR(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), EAGAIN);
}

TEST(refused_from_another_process) {
        /* The guest's PID 1 is the leader; a child of it (another pid) must not speak for it. */
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char buf[NOTIFY_MESSAGE_MAX];
        pid_t sender = 0;
        ASSERT_OK(pair(true, sv));
        pid_t pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                _exit(send(sv[1], "READY=1", 7, 0) == 7 && send(sv[1], "READY=1", 7, 0) == 7 ? 0 : 1);
        int status;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_WRONG_SENDER);
        ASSERT_EQ(sender, pid);
        /* The same datagram is accepted when its sender is the leader. */
        ASSERT_EQ(notify_receive(sv[0], pid, buf, sizeof(buf), &sender), NOTIFY_ACCEPTED);
        ASSERT_STREQ(buf, "READY=1");
}

TEST(refused_without_credentials) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char buf[NOTIFY_MESSAGE_MAX];
        pid_t sender = 1;
        ASSERT_OK(pair(false, sv));
        ASSERT_OK(send(sv[1], "READY=1", 7, 0));
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_NO_CREDENTIALS);
        ASSERT_EQ(sender, 0);
}

TEST(refused_when_too_long) {
        /* A long datagram is refused whole: its first line must not count as READY=1. */
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char big[NOTIFY_MESSAGE_MAX * 2], buf[NOTIFY_MESSAGE_MAX];
        pid_t sender;
        memset(big, 'x', sizeof(big));
        memcpy(big, "READY=1\n", 8);
        ASSERT_OK(pair(true, sv));
        ASSERT_EQ(send(sv[1], big, sizeof(big), 0), (ssize_t) sizeof(big));
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_TOO_LONG);
        /* The longest message that fits is accepted. */
        ASSERT_EQ(send(sv[1], big, NOTIFY_MESSAGE_MAX - 1, 0), NOTIFY_MESSAGE_MAX - 1);
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_ACCEPTED);
        ASSERT_EQ(strlen(buf), NOTIFY_MESSAGE_MAX - 1);
        ASSERT_EQ(send(sv[1], big, NOTIFY_MESSAGE_MAX, 0), NOTIFY_MESSAGE_MAX);
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_TOO_LONG);
}

TEST(passed_fds_are_closed) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        char buf[NOTIFY_MESSAGE_MAX];
        int fds[40];
        pid_t sender;
        ASSERT_OK(pair(true, sv));
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                ASSERT_TRUE((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
        /* A few (fit in the control buffer) and many (MSG_CTRUNC), accepted or not: none stays open. */
        ASSERT_OK(send_with_fds(sv[1], "READY=1", fds, 2));
        ASSERT_OK(send_with_fds(sv[1], "READY=1", fds, ELEMENTSOF(fds)));
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                safe_close(fds[i]);
        int before = count_fds();
        ASSERT_EQ(notify_receive(sv[0], getpid(), buf, sizeof(buf), &sender), NOTIFY_ACCEPTED);
        ASSERT_EQ(count_fds(), before);
        ASSERT_EQ(notify_receive(sv[0], getpid() + 1, buf, sizeof(buf), &sender), NOTIFY_WRONG_SENDER);
        ASSERT_EQ(count_fds(), before);
}

DEFINE_TEST_MAIN
