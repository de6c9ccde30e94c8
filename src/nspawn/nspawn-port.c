/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nspawn-port.h"
#include "parse-util.h"
#include "string-util.h"

const char *port_protocol_to_string(int protocol) {
        return protocol == IPPROTO_UDP ? "udp" : "tcp";
}

static int parse_port(const char *s, size_t len, uint16_t *ret) {
        uint32_t v = 0;

        if (len == 0 || len > 5)
                return len == 0 ? -EINVAL : -ERANGE;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint32_t) (s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

int port_forward_parse(const char *s, PortForward *ret) {
        PortForward f = { .protocol = IPPROTO_TCP };
        const char *p = s;
        int r;

        if (startswith(p, "tcp:"))
                p += 4;
        else if (startswith(p, "udp:")) {
                f.protocol = IPPROTO_UDP;
                p += 4;
        }
        const char *colon = strchr(p, ':');
        r = parse_port(p, colon ? (size_t) (colon - p) : strlen(p), &f.host_port);
        if (r < 0)
                return r;
        if (colon) {
                r = parse_port(colon + 1, strlen(colon + 1), &f.container_port);
                if (r < 0)
                        return r;
        } else
                f.container_port = f.host_port;
        *ret = f;
        return 0;
}

int port_forward_add(PortForward **list, size_t *n, const PortForward *f) {
        for (size_t i = 0; i < *n; i++)
                if ((*list)[i].protocol == f->protocol && (*list)[i].host_port == f->host_port)
                        return -EEXIST;
        PortForward *l = realloc(*list, (*n + 1) * sizeof(PortForward));
        if (!l)
                return -ENOMEM;
        l[(*n)++] = *f;
        *list = l;
        return 0;
}

char *port_nft_table(void) {
        /* Connections from the host's loopback to a container need route_localnet on the host's end
         * of the link (set by nspawn, see nspawn-port-forward.c); that setting would also let the
         * container send to the host's 127.0.0.0/8 through it, which the raw-priority rule drops
         * (before the NAT hooks: the answers to the loopback connections are not addressed to
         * 127.0.0.1 yet there). The label marks new connections from containers' links for the
         * masquerade: the answer of a container reached through the host's address must come back
         * through the host, also when the client is on the same link. */
        static const char table[] =
                "add table " PORT_NFT_TABLE "\n"
                "delete table " PORT_NFT_TABLE "\n"
                "table " PORT_NFT_TABLE " {\n"
                "        map ports4 { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
                "        map ports6 { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
                "        chain localnet {\n"
                "                type filter hook prerouting priority raw; policy accept;\n"
                "                iifname \"ve-*\" ip daddr 127.0.0.0/8 drop\n"
                "                iifname \"vz-*\" ip daddr 127.0.0.0/8 drop\n"
                "        }\n"
                "        chain prerouting {\n"
                "                type nat hook prerouting priority dstnat; policy accept;\n"
                "                iifname { \"ve-*\", \"vz-*\" } ct label set 77\n"
                "                fib daddr type local dnat ip to meta l4proto . th dport map @ports4\n"
                "                fib daddr type local dnat ip6 to meta l4proto . th dport map @ports6\n"
                "        }\n"
                "        chain output {\n"
                "                type nat hook output priority -100; policy accept;\n"
                "                fib daddr type local dnat ip to meta l4proto . th dport map @ports4\n"
                "                fib daddr type local dnat ip6 to meta l4proto . th dport map @ports6\n"
                "        }\n"
                "        chain postrouting {\n"
                "                type nat hook postrouting priority srcnat; policy accept;\n"
                "                ct status dnat ip saddr 127.0.0.0/8 masquerade\n"
                "                ct status dnat ct label 77 masquerade\n"
                "        }\n"
                "}\n";
        return strdup(table);
}

char *port_nft_elements(const PortForward *ports, size_t n, int family, const void *address) {
        char a[INET6_ADDRSTRLEN];
        /* "add element inet nspawn ports6 {" and " }\n", then per forward at most
         * ", udp . 65535 : ADDRESS . 65535". */
        size_t size = 64 + n * (32 + sizeof(a));
        char *s = malloc(size);
        size_t l;

        if (!s)
                return NULL;
        if (address && !inet_ntop(family, address, a, sizeof(a))) {
                free(s);
                return NULL;
        }
        l = (size_t) snprintf(s, size, "%s element " PORT_NFT_TABLE " %s {", address ? "add" : "delete",
                              family == AF_INET ? "ports4" : "ports6");
        for (size_t i = 0; i < n; i++) {
                l += (size_t) snprintf(s + l, size - l, "%s %s . %u", i > 0 ? "," : "",
                                       port_protocol_to_string(ports[i].protocol), (unsigned) ports[i].host_port);
                if (address)
                        l += (size_t) snprintf(s + l, size - l, " : %s . %u", a, (unsigned) ports[i].container_port);
        }
        snprintf(s + l, size - l, " }\n");
        return s;
}

char *port_forward_format_list(const PortForward *ports, size_t n) {
        size_t size = 1 + n * 24;
        char *s = malloc(size);
        size_t l = 0;

        if (!s)
                return NULL;
        s[0] = 0;
        for (size_t i = 0; i < n; i++)
                l += (size_t) snprintf(s + l, size - l, "%s%s:%u:%u", i > 0 ? " " : "",
                                       port_protocol_to_string(ports[i].protocol), (unsigned) ports[i].host_port,
                                       (unsigned) ports[i].container_port);
        return s;
}

int port_forward_parse_list(const char *s, PortForward **ret, size_t *ret_n) {
        PortForward *list = NULL;
        size_t n = 0;
        char word[32];
        int r = 0;

        for (const char *p = s;;) {
                p += strspn(p, " \n");
                size_t l = strcspn(p, " \n");
                if (l == 0)
                        break;
                PortForward f;
                if (l >= sizeof(word))
                        r = -EINVAL;
                else {
                        memcpy(word, p, l);
                        word[l] = 0;
                        r = port_forward_parse(word, &f);
                }
                if (r >= 0)
                        r = port_forward_add(&list, &n, &f);
                if (r < 0) {
                        free(list);
                        return r;
                }
                p += l;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}
