/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
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
