/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-util.h"
#include "machinectl-properties.h"
#include "tests.h"

/* A bus object that is never used for I/O: sd-bus builds messages only for a started bus. The peer
 * end stays open (in ret_peer) so that starting does not fail on a closed socket. */
static sd_bus *fake_bus(int *ret_peer) {
        sd_bus *bus = NULL;
        int fds[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return NULL;
        *ret_peer = fds[1];
        if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0) {
                sd_bus_unref(bus);
                return NULL;
        }
        return bus;
}

/* Builds the a{sv} that Properties.GetAll returns for a machine, ready to be read. */
static sd_bus_message *machine_properties(sd_bus *bus) {
        static const uint8_t id[16] = { 0xde, 0xad, 0xbe, 0xef, [15] = 0x01 };
        sd_bus_message *m = NULL;

        if (sd_bus_message_new_method_call(bus, &m, "a.b", "/a", "a.b", "X") < 0)
                return NULL;
        if (sd_bus_message_open_container(m, 'a', "{sv}") < 0 ||
            sd_bus_message_append(m, "{sv}", "Name", "s", "mc-a") < 0 ||
            sd_bus_message_open_container(m, 'e', "sv") < 0 ||
            sd_bus_message_append(m, "s", "Id") < 0 ||
            sd_bus_message_open_container(m, 'v', "ay") < 0 ||
            sd_bus_message_append_array(m, 'y', id, sizeof(id)) < 0 ||
            sd_bus_message_close_container(m) < 0 ||
            sd_bus_message_close_container(m) < 0 ||
            sd_bus_message_append(m, "{sv}", "Timestamp", "t", UINT64_C(0)) < 0 ||
            sd_bus_message_append(m, "{sv}", "TimestampMonotonic", "t", UINT64_C(123456)) < 0 ||
            sd_bus_message_append(m, "{sv}", "Service", "s", "q\"\033") < 0 ||
            sd_bus_message_append(m, "{sv}", "Unit", "s", "") < 0 ||
            sd_bus_message_append(m, "{sv}", "Leader", "u", (uint32_t) 4711) < 0 ||
            sd_bus_message_append(m, "{sv}", "NetworkInterfaces", "ai", 2, (int32_t) 3, (int32_t) 7) < 0 ||
            sd_bus_message_append(m, "{sv}", "Empty", "ai", 0) < 0 ||
            sd_bus_message_append(m, "{sv}", "Flag", "b", 1) < 0 ||
            sd_bus_message_append(m, "{sv}", "Names", "as", 2, "a", "b c") < 0 ||
            sd_bus_message_append(m, "{sv}", "Odd", "(ii)", (int32_t) 1, (int32_t) 2) < 0 ||
            sd_bus_message_append(m, "{sv}", "Offset", "x", (int64_t) -5) < 0 ||
            sd_bus_message_close_container(m) < 0 ||
            sd_bus_message_seal(m, 1, 0) < 0 ||
            sd_bus_message_rewind(m, true) < 0)
                return sd_bus_message_unref(m);
        return m;
}

TEST(properties_parse) {
        _cleanup_close_ int peer = -EBADF;
        _cleanup_(sd_bus_unrefp) sd_bus *bus = fake_bus(&peer);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        PropertyList l = {};
        const Property *p;

        ASSERT_TRUE(bus != NULL);
        m = machine_properties(bus);
        ASSERT_TRUE(m != NULL);
        ASSERT_OK(properties_parse(m, &l));

        /* "Odd" has a type show does not print: left out, the rest is read. */
        ASSERT_EQ(l.n, 12);
        ASSERT_TRUE(properties_find(&l, "Odd") == NULL);

        ASSERT_TRUE((p = properties_find(&l, "Name")));
        ASSERT_STREQ(p->text, "mc-a");
        ASSERT_STREQ(p->json, "\"mc-a\"");
        ASSERT_TRUE((p = properties_find(&l, "Id")));
        ASSERT_STREQ(p->text, "deadbeef000000000000000000000001");
        ASSERT_STREQ(p->json, "\"deadbeef000000000000000000000001\"");
        ASSERT_TRUE((p = properties_find(&l, "Timestamp")));
        ASSERT_TRUE(p->empty);
        ASSERT_STREQ(p->json, "0");
        ASSERT_TRUE((p = properties_find(&l, "TimestampMonotonic")));
        ASSERT_STREQ(p->text, "123456");
        ASSERT_FALSE(p->empty);
        ASSERT_TRUE((p = properties_find(&l, "Service")));
        ASSERT_STREQ(p->text, "q\"\033"); /* raw here: escaped when printed */
        ASSERT_STREQ(p->json, "\"q\\\"\\u001b\"");
        ASSERT_TRUE((p = properties_find(&l, "Unit")));
        ASSERT_TRUE(p->empty);
        ASSERT_TRUE((p = properties_find(&l, "Leader")));
        ASSERT_EQ(p->number, 4711);
        ASSERT_STREQ(p->text, "4711");
        ASSERT_TRUE((p = properties_find(&l, "NetworkInterfaces")));
        ASSERT_STREQ(p->text, "3 7");
        ASSERT_STREQ(p->json, "[3,7]");
        ASSERT_TRUE((p = properties_find(&l, "Empty")));
        ASSERT_TRUE(p->empty);
        ASSERT_STREQ(p->json, "[]");
        ASSERT_TRUE((p = properties_find(&l, "Flag")));
        ASSERT_STREQ(p->text, "yes");
        ASSERT_STREQ(p->json, "true");
        ASSERT_TRUE((p = properties_find(&l, "Names")));
        ASSERT_STREQ(p->text, "a b c");
        ASSERT_STREQ(p->json, "[\"a\",\"b c\"]");
        ASSERT_TRUE((p = properties_find(&l, "Offset")));
        ASSERT_STREQ(p->text, "-5");
        ASSERT_STREQ(p->json, "-5");

        property_list_done(&l);
        ASSERT_EQ(l.n, 0);
}

DEFINE_TEST_MAIN
