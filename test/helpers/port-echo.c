/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Port forwarding tests (built static, run in busybox containers and in the test's namespace).
 *   port-echo PORT                 serves TCP and UDP on PORT (IPv4 and IPv6): answers each connection
 *                                  or datagram with "tcp|udp PEERADDR\n"; prints "listening" first
 *   port-echo tcp|udp ADDR PORT    asks once and prints the answer; exit 1 after 3 s without one */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void peer_string(const struct sockaddr_storage *sa, char *buf, size_t size) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) sa;
        if (sa->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
                inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, size);
        else if (sa->ss_family == AF_INET6)
                inet_ntop(AF_INET6, &s6->sin6_addr, buf, size);
        else
                inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, buf, size);
}

static int serve(int port) {
        struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any };
        int zero = 0, one = 1;
        int t = socket(AF_INET6, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0);

        if (t < 0 || u < 0)
                return perror("socket"), 1;
        setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(t, (struct sockaddr *) &a, sizeof(a)) < 0 || bind(u, (struct sockaddr *) &a, sizeof(a)) < 0 ||
            listen(t, 16) < 0)
                return perror("bind"), 1;
        printf("listening\n");
        fflush(stdout);
        for (;;) {
                struct pollfd p[2] = { { .fd = t, .events = POLLIN }, { .fd = u, .events = POLLIN } };
                struct sockaddr_storage peer;
                socklen_t l = sizeof(peer);
                char addr[INET6_ADDRSTRLEN], msg[128], buf[512];

                if (poll(p, 2, -1) < 0)
                        continue;
                if (p[0].revents & POLLIN) {
                        int c = accept(t, (struct sockaddr *) &peer, &l);
                        if (c >= 0) {
                                peer_string(&peer, addr, sizeof(addr));
                                int n = snprintf(msg, sizeof(msg), "tcp %s\n", addr);
                                (void) !write(c, msg, (size_t) n);
                                close(c);
                        }
                }
                if (p[1].revents & POLLIN) {
                        l = sizeof(peer);
                        if (recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *) &peer, &l) >= 0) {
                                peer_string(&peer, addr, sizeof(addr));
                                int n = snprintf(msg, sizeof(msg), "udp %s\n", addr);
                                sendto(u, msg, (size_t) n, 0, (struct sockaddr *) &peer, l);
                        }
                }
        }
}

static int ask(const char *proto, const char *host, const char *port) {
        struct sockaddr_storage sa = {};
        struct sockaddr_in *a4 = (struct sockaddr_in *) &sa;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) &sa;
        struct timeval tv = { .tv_sec = 3 };
        int type = strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
        char buf[256];

        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons(atoi(port));
        } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons(atoi(port));
        } else
                return fprintf(stderr, "bad address %s\n", host), 2;
        int s = socket(sa.ss_family, type, 0);
        if (s < 0)
                return perror("socket"), 1;
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(s, (struct sockaddr *) &sa, sa.ss_family == AF_INET ? sizeof(*a4) : sizeof(*a6)) < 0)
                return perror("connect"), 1;
        if (type == SOCK_DGRAM && send(s, "?", 1, 0) < 0)
                return perror("send"), 1;
        ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
                return fprintf(stderr, "no answer\n"), 1;
        fwrite(buf, 1, (size_t) n, stdout);
        return 0;
}

int main(int argc, char **argv) {
        if (argc == 2)
                return serve(atoi(argv[1]));
        if (argc == 4)
                return ask(argv[1], argv[2], argv[3]);
        fprintf(stderr, "usage: port-echo PORT | port-echo tcp|udp ADDR PORT\n");
        return 2;
}
