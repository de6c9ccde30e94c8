/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlink-link.h"
#include "nspawn-network.h"
#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "nspawn-sync.h"
#include "siphash24.h"
#include "string-util.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))
#define PARSE(s, ...) settings_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (s))

/* The reference vector of the SipHash paper (appendix A): key 00..0f, message 00..0e. */
TEST(siphash24_vector) {
        uint8_t key[16], msg[15];

        for (int i = 0; i < 16; i++)
                key[i] = (uint8_t) i;
        for (int i = 0; i < 15; i++)
                msg[i] = (uint8_t) i;
        ASSERT_EQ(siphash24(msg, sizeof(msg), key), 0xa129ca6149be45e5ULL);
        ASSERT_EQ(siphash24(msg, 0, key), 0x726fdb47dd0e0e31ULL);
}

static void mac_string(const struct ether_addr *a, char buf[static 18]) {
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a->ether_addr_octet[0], a->ether_addr_octet[1],
                 a->ether_addr_octet[2], a->ether_addr_octet[3], a->ether_addr_octet[4], a->ether_addr_octet[5]);
}

/* Names and addresses as systemd-nspawn 252 made them on a host with this machine id (its
 * --network-veth, observed). */
TEST(systemd_compatible) {
        Id128 id;
        struct ether_addr a;
        char buf[18], name[64];

        ASSERT_OK(id128_from_string("3d1219c7c4c5404aaa1f6d2a48adfda4", &id));
        network_veth_mac(&id, "netx", true, &a);
        mac_string(&a, buf);
        ASSERT_STREQ(buf, "e2:50:f6:d5:a6:88");
        network_veth_mac(&id, "netx", false, &a);
        mac_string(&a, buf);
        ASSERT_STREQ(buf, "72:0c:3b:1d:30:d7");
        network_veth_mac(&id, "averyveryverylongmachinename", true, &a);
        mac_string(&a, buf);
        ASSERT_STREQ(buf, "a2:7f:25:fa:d3:b5");
        network_veth_mac(&id, "averyveryverylongmachinename", false, &a);
        mac_string(&a, buf);
        ASSERT_STREQ(buf, "ea:1a:94:fd:cf:1c");

        strcpy(name, "ve-averyveryverylongmachinename");
        network_shorten_ifname(name);
        ASSERT_STREQ(name, "ve-averyvermBQ8");
        strcpy(name, "ve-netx");
        network_shorten_ifname(name);
        ASSERT_STREQ(name, "ve-netx");
        strcpy(name, "ve-123456789012");       /* 15 bytes: fits */
        network_shorten_ifname(name);
        ASSERT_STREQ(name, "ve-123456789012");
        strcpy(name, "ve-1234567890123");      /* 16: does not */
        network_shorten_ifname(name);
        ASSERT_EQ(strlen(name), 15u);
        ASSERT_TRUE(strncmp(name, "ve-12345678", 11) == 0);
        ASSERT_TRUE(ifname_valid(name));
}

TEST(ifname_valid) {
        ASSERT_TRUE(ifname_valid("ve-a"));
        ASSERT_TRUE(ifname_valid("123456789012345"));
        ASSERT_FALSE(ifname_valid("1234567890123456"));
        ASSERT_FALSE(ifname_valid(""));
        ASSERT_FALSE(ifname_valid("."));
        ASSERT_FALSE(ifname_valid(".."));
        ASSERT_FALSE(ifname_valid("a/b"));
        ASSERT_FALSE(ifname_valid("a:b"));
        ASSERT_FALSE(ifname_valid("a b"));
        ASSERT_FALSE(ifname_valid("a\x1b[2J"));
        ASSERT_FALSE(ifname_valid("\xc2\x9b" "1"));   /* UTF-8 of the C1 control CSI */
        ASSERT_FALSE(ifname_valid(NULL));
}

TEST(options) {
        Settings s = {};

        ASSERT_EQ(PARSE(&s, "-n"), 1);
        ASSERT_TRUE(s.network_veth && s.private_network);
        ASSERT_TRUE(sync_plan_build(&s) & SYNC_PLAN_STEP(SYNC_STEP_NETWORK_READY));
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--network-veth"), 1);
        ASSERT_TRUE(s.network_veth && s.private_network);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-network"), 1);
        ASSERT_FALSE(s.network_veth);
        ASSERT_FALSE(sync_plan_build(&s) & SYNC_PLAN_STEP(SYNC_STEP_NETWORK_READY));
        settings_done(&s);

        /* Bridge and zone imply a veth whose host end is vb-NAME; extras, interfaces, macvlans. */
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-M", "averyveryverylongmachinename", "--network-zone=lab", "--network-veth-extra=ex1",
                        "--network-veth-extra=ex2:inner", "--network-interface=eth7", "--network-macvlan=eth8",
                        "--network-ipvlan=eth9"), 1);
        ASSERT_TRUE(s.network_veth && s.private_network);
        NetworkPlan p;
        ASSERT_OK(network_plan_build(&s, &p));
        ASSERT_STREQ(p.host_ifname, "vb-averyverZZ6y");
        ASSERT_STREQ(p.bridge, "vz-lab");
        ASSERT_TRUE(p.zone);
        ASSERT_EQ(p.n_extra, 2u);
        ASSERT_STREQ(p.extra[0].host, "ex1");
        ASSERT_STREQ(p.extra[0].container, "ex1");
        ASSERT_STREQ(p.extra[1].host, "ex2");
        ASSERT_STREQ(p.extra[1].container, "inner");
        ASSERT_EQ(p.n_ifaces, 1u);
        ASSERT_STREQ(p.ifaces[0].host, "eth7");
        ASSERT_STREQ(p.ifaces[0].container, "eth7");
        ASSERT_EQ(p.n_macvlan, 1u);
        ASSERT_STREQ(p.macvlan[0].host, "eth8");
        ASSERT_STREQ(p.macvlan[0].container, "mv-eth8");
        ASSERT_STREQ(p.ipvlan[0].container, "iv-eth9");
        const char *what = NULL;
        ASSERT_ERROR(network_plan_check(&p, &what), ENODEV);    /* no eth7 here */
        ASSERT_STREQ(what, "eth7");
        network_plan_done(&p);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-M", "x", "--network-bridge=br0"), 1);
        ASSERT_OK(network_plan_build(&s, &p));
        ASSERT_STREQ(p.host_ifname, "vb-x");
        ASSERT_STREQ(p.bridge, "br0");
        ASSERT_FALSE(p.zone);
        network_plan_done(&p);
        settings_done(&s);

        /* IF:NAME: the name in the container. */
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "-M", "x", "--network-interface=eth7:inner0", "--network-macvlan=eth8:mvx"), 1);
        ASSERT_OK(network_plan_build(&s, &p));
        ASSERT_STREQ(p.ifaces[0].host, "eth7");
        ASSERT_STREQ(p.ifaces[0].container, "inner0");
        ASSERT_STREQ(p.macvlan[0].host, "eth8");
        ASSERT_STREQ(p.macvlan[0].container, "mvx");
        network_plan_done(&p);
        settings_done(&s);

        /* Bad input. */
        s = (Settings) {};
        ASSERT_TRUE(PARSE(&s, "--network-zone=thirteenchars") < 0);   /* vz- + 13 > 15 */
        ASSERT_TRUE(PARSE(&s, "--network-bridge=a/b") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-interface=") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-veth-extra=a:") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-macvlan=sixteencharsxxxx") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-interface=eth0:") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-interface=eth0:a/b") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-bridge=br0", "--network-zone=z") < 0);
        ASSERT_TRUE(PARSE(&s, "--network-namespace-path=/run/netns/x", "-n") < 0);
        ASSERT_EQ(PARSE(&s, "--network-namespace-path=/run/netns/x", "-U"), 1);
        settings_done(&s);
        s = (Settings) {};
        ASSERT_TRUE(PARSE(&s, "--network-namespace-path=relative") < 0);
        ASSERT_EQ(PARSE(&s, "--network-zone=twelvechars1"), 1);
        settings_done(&s);
}

TEST(port_parse) {
        PortForward f;

        ASSERT_EQ(port_forward_parse("8080", &f), 0);
        ASSERT_TRUE(f.protocol == IPPROTO_TCP && f.host_port == 8080 && f.container_port == 8080);
        ASSERT_EQ(port_forward_parse("udp:53:5353", &f), 0);
        ASSERT_TRUE(f.protocol == IPPROTO_UDP && f.host_port == 53 && f.container_port == 5353);
        ASSERT_EQ(port_forward_parse("tcp:1:65535", &f), 0);
        ASSERT_TRUE(f.protocol == IPPROTO_TCP && f.host_port == 1 && f.container_port == 65535);
        ASSERT_EQ(port_forward_parse("0", &f), -ERANGE);
        ASSERT_EQ(port_forward_parse("65536", &f), -ERANGE);
        ASSERT_EQ(port_forward_parse("80:0", &f), -ERANGE);
        ASSERT_EQ(port_forward_parse("80:999999", &f), -ERANGE);
        ASSERT_EQ(port_forward_parse("sctp:80", &f), -EINVAL);
        ASSERT_EQ(port_forward_parse("", &f), -EINVAL);
        ASSERT_EQ(port_forward_parse("80:", &f), -EINVAL);
        ASSERT_EQ(port_forward_parse("80:81:82", &f), -EINVAL);
        ASSERT_EQ(port_forward_parse("-80", &f), -EINVAL);
        ASSERT_EQ(port_forward_parse("tcp:", &f), -EINVAL);
        ASSERT_EQ(port_forward_parse(" 80", &f), -EINVAL);

        Settings s = {};
        ASSERT_EQ(PARSE(&s, "-n", "-p", "80", "--port=udp:80:8080", "-p443:8443"), 1);
        ASSERT_EQ(s.n_ports, 3u);
        ASSERT_TRUE(s.ports[1].protocol == IPPROTO_UDP && s.ports[1].container_port == 8080);
        ASSERT_TRUE(s.ports[2].host_port == 443 && s.ports[2].container_port == 8443);
        settings_done(&s);
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--network-zone=z", "-p", "80"), 1);
        settings_done(&s);
        s = (Settings) {};
        ASSERT_TRUE(PARSE(&s, "-p", "80") < 0);                         /* no veth */
        ASSERT_TRUE(PARSE(&s, "--private-network", "-p", "80") < 0);
        ASSERT_TRUE(PARSE(&s, "-n", "-p", "80", "-p", "tcp:80:81") < 0); /* twice */
        ASSERT_TRUE(PARSE(&s, "-n", "-p", "70000") < 0);
}

TEST(port_nft_text) {
        PortForward p[2] = {
                { .protocol = IPPROTO_TCP, .host_port = 8080, .container_port = 80 },
                { .protocol = IPPROTO_UDP, .host_port = 53, .container_port = 5353 },
        };
        struct in_addr a4;
        struct in6_addr a6;
        char *t;

        ASSERT_EQ(inet_pton(AF_INET, "10.0.0.2", &a4), 1);
        ASSERT_EQ(inet_pton(AF_INET6, "fd00::2", &a6), 1);
        t = port_nft_elements(p, 2, AF_INET, &a4);
        ASSERT_STREQ(t, "add element inet nspawn ports4 { tcp . 8080 : 10.0.0.2 . 80, udp . 53 : 10.0.0.2 . 5353 }\n");
        free(t);
        t = port_nft_elements(p, 2, AF_INET6, &a6);
        ASSERT_STREQ(t, "add element inet nspawn ports6 { tcp . 8080 : fd00::2 . 80, udp . 53 : fd00::2 . 5353 }\n");
        free(t);
        t = port_nft_elements(p + 1, 1, AF_INET6, NULL);
        ASSERT_STREQ(t, "delete element inet nspawn ports6 { udp . 53 }\n");
        free(t);

        /* The longest addresses and ports, many of them: the text is whole. */
        PortForward many[200];
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = (PortForward) { .protocol = IPPROTO_UDP, .host_port = (uint16_t) (65535 - i), .container_port = 65535 };
        ASSERT_EQ(inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &a6), 1);
        t = port_nft_elements(many, ELEMENTSOF(many), AF_INET6, &a6);
        ASSERT_TRUE(endswith(t, ", udp . 65336 : ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff . 65535 }\n"));
        free(t);

        /* The table replaces an old one in the same transaction, and has both maps and all hooks. */
        t = port_nft_table();
        ASSERT_TRUE(startswith(t, "add table inet nspawn\ndelete table inet nspawn\ntable inet nspawn {"));
        ASSERT_TRUE(strstr(t, "map ports4 { type inet_proto . inet_service : ipv4_addr . inet_service; }"));
        ASSERT_TRUE(strstr(t, "map ports6 { type inet_proto . inet_service : ipv6_addr . inet_service; }"));
        ASSERT_TRUE(strstr(t, "hook prerouting priority raw"));
        ASSERT_TRUE(strstr(t, "type nat hook output"));
        ASSERT_TRUE(strstr(t, "ct status dnat ip saddr 127.0.0.0/8 masquerade"));
        free(t);

        /* The state file's list, and back. */
        t = port_forward_format_list(p, 2);
        ASSERT_STREQ(t, "tcp:8080:80 udp:53:5353");
        PortForward *q = NULL;
        size_t n = 0;
        ASSERT_EQ(port_forward_parse_list(t, &q, &n), 0);
        ASSERT_EQ(n, 2u);
        ASSERT_EQ(memcmp(p, q, sizeof(p)), 0);
        free(q);
        free(t);
        ASSERT_EQ(port_forward_parse_list("", &q, &n), 0);
        ASSERT_EQ(n, 0u);
        ASSERT_TRUE(port_forward_parse_list("tcp:80 tcp:80:81", &q, &n) < 0);
        ASSERT_TRUE(port_forward_parse_list("tcp:80 garbage", &q, &n) < 0);
        ASSERT_TRUE(port_forward_parse_list("tcp:80:81xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", &q, &n) < 0);
}

DEFINE_TEST_MAIN
