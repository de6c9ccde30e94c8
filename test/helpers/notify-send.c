/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sends sd_notify-style datagrams, in order, to a notify socket, from its own pid:
 *   notify-send [--wait] SOCKET MESSAGE...
 * A MESSAGE that starts with "+big:" is sent padded with newlines to 8 KiB (longer than any
 * notification the supervisor accepts); one that starts with "+fds:" carries three open fds of
 * /notify-fd-marker (a file the test makes, easy to spot in /proc/PID/fd).
 * With --wait it then waits for SIGTERM, SIGINT or SIGRTMIN+3 and exits 0: as a container's PID 1 it
 * stops on the supervisor's shutdown signal. Built statically by the tests and run inside a container. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int send_one(int fd, const struct sockaddr_un *sa, const char *arg) {
        static char big[8192];
        const char *text = arg;
        size_t len;
        int fds[3] = { -1, -1, -1 };
        char control[CMSG_SPACE(sizeof(fds))] = {};
        struct msghdr mh = { .msg_name = (void *) sa, .msg_namelen = sizeof(*sa) };
        struct iovec iov;

        if (strncmp(arg, "+big:", 5) == 0) {
                text = big;
                memset(big, '\n', sizeof(big));
                memcpy(big, arg + 5, strlen(arg + 5));
                len = sizeof(big);
        } else if (strncmp(arg, "+fds:", 5) == 0) {
                text = arg + 5;
                len = strlen(text);
                for (int i = 0; i < 3; i++)
                        if ((fds[i] = open("/notify-fd-marker", O_RDONLY | O_CLOEXEC)) < 0)
                                return -1;
                mh.msg_control = control;
                mh.msg_controllen = sizeof(control);
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(fds));
                memcpy(CMSG_DATA(c), fds, sizeof(fds));
        } else
                len = strlen(text);
        iov = (struct iovec) { .iov_base = (void *) text, .iov_len = len };
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        int r = sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        return r;
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int wait = argc > 1 && strcmp(argv[1], "--wait") == 0;
        sigset_t ss;

        if (argc < 3 + wait || strlen(argv[1 + wait]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: notify-send [--wait] SOCKET MESSAGE...\n");
                return 2;
        }
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGRTMIN + 3);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        strcpy(sa.sun_path, argv[1 + wait]);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                perror("socket");
                return 1;
        }
        for (int i = 2 + wait; i < argc; i++)
                if (send_one(fd, &sa, argv[i]) < 0) {
                        perror("sendmsg");
                        return 1;
                }
        close(fd);
        if (wait) {
                int sig;
                sigwait(&ss, &sig);
        }
        return 0;
}
