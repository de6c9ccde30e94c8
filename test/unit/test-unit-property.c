/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UnitProperties (issue 9): the systemctl set-property parser, the (sv) entries for systemd's
 * StartTransientUnit and machined's reader of CreateMachine's scope_properties. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "string-util.h"
#include "tests.h"
#include "unit-property-internal.h"
#include "unit-property-read.h"

static UnitProperties *parse(const char *const *assignments, int *ret) {
        UnitProperties *p = NULL;

        *ret = unit_properties_new(&p);
        for (size_t i = 0; *ret >= 0 && assignments[i]; i++)
                *ret = unit_properties_parse(p, assignments[i]);
        return p;
}

/* One assignment on a fresh set: its result. */
static int parse1(const char *a) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        int r;

        p = parse((const char *const[]) { a, NULL }, &r);
        return r;
}

TEST(memory) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        int r;

        p = parse((const char *const[]) { "MemoryMax=64M", "MemoryHigh=1.5G", "MemorySwapMax=0", NULL }, &r);
        ASSERT_OK(r);
        ASSERT_EQ(p->memory_max, 64 << 20);
        ASSERT_EQ(p->memory_high, (3ULL << 30) / 2);
        ASSERT_TRUE(unit_properties_has(p, UNIT_PROPERTY_MEMORY_SWAP_MAX));
        ASSERT_EQ(p->memory_swap_max, 0);
        ASSERT_OK(unit_properties_parse(p, "MemoryMax=infinity"));
        ASSERT_TRUE(p->memory_max == UINT64_MAX);
        ASSERT_OK(unit_properties_parse(p, "MemoryMax=4096"));
        ASSERT_EQ(p->memory_max, 4096);
        ASSERT_OK(unit_properties_parse(p, "MemoryMax=2K"));
        ASSERT_EQ(p->memory_max, 2048);
        /* A percentage of physical memory. */
        uint64_t phys = (uint64_t) sysconf(_SC_PHYS_PAGES) * (uint64_t) sysconf(_SC_PAGESIZE);
        ASSERT_OK(unit_properties_parse(p, "MemoryMax=50%"));
        ASSERT_EQ(p->memory_max, phys / 2);
        /* The last assignment wins; an empty one resets. */
        ASSERT_OK(unit_properties_parse(p, "MemoryMax="));
        ASSERT_FALSE(unit_properties_has(p, UNIT_PROPERTY_MEMORY_MAX));

        ASSERT_ERROR(parse1("MemoryMax=0"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=101%"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=0%"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=abc"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=64X"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=64MM"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=-1"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=1.5"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=99999999999999999999"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=20E"), EINVAL);
        ASSERT_ERROR(parse1("MemoryHigh= 1G"), EINVAL);
}

TEST(tasks_cpu) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        int r;

        p = parse((const char *const[]) { "TasksMax=50", "CPUQuota=50%", "CPUWeight=200", "IOWeight=10000", NULL }, &r);
        ASSERT_OK(r);
        ASSERT_EQ(p->tasks_max, 50);
        ASSERT_EQ(p->cpu_quota_per_sec_usec, 500000);
        ASSERT_EQ(p->cpu_weight, 200);
        ASSERT_EQ(p->io_weight, 10000);
        ASSERT_OK(unit_properties_parse(p, "CPUQuota=150%"));
        ASSERT_EQ(p->cpu_quota_per_sec_usec, 1500000);
        ASSERT_OK(unit_properties_parse(p, "CPUQuota=12.5%"));
        ASSERT_EQ(p->cpu_quota_per_sec_usec, 125000);
        ASSERT_OK(unit_properties_parse(p, "TasksMax=infinity"));
        ASSERT_TRUE(p->tasks_max == UINT64_MAX);
        ASSERT_OK(unit_properties_parse(p, "TasksMax=10%"));
        ASSERT_TRUE(p->tasks_max > 0 && p->tasks_max < UINT64_MAX);

        ASSERT_ERROR(parse1("TasksMax=0"), EINVAL);
        ASSERT_ERROR(parse1("TasksMax=5K"), EINVAL);
        ASSERT_ERROR(parse1("TasksMax=x"), EINVAL);
        ASSERT_ERROR(parse1("CPUQuota=50"), EINVAL);
        ASSERT_ERROR(parse1("CPUQuota=0%"), EINVAL);
        ASSERT_ERROR(parse1("CPUQuota=%"), EINVAL);
        ASSERT_ERROR(parse1("CPUQuota=5.%"), EINVAL);
        ASSERT_ERROR(parse1("CPUWeight=0"), EINVAL);
        ASSERT_ERROR(parse1("CPUWeight=10001"), EINVAL);
        ASSERT_ERROR(parse1("CPUWeight=idle"), EINVAL);
        ASSERT_ERROR(parse1("IOWeight=0"), EINVAL);
        ASSERT_ERROR(parse1("IOWeight=-5"), EINVAL);
}

TEST(cpu_sets) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        p = parse((const char *const[]) { "AllowedCPUs=0-2,5", "AllowedMemoryNodes=0 9", NULL }, &r);
        ASSERT_OK(r);
        ASSERT_EQ(p->allowed_cpus.n, 1);
        ASSERT_EQ(p->allowed_cpus.bits[0], 0x27);
        ASSERT_EQ(p->allowed_memory_nodes.n, 2);
        ASSERT_EQ(p->allowed_memory_nodes.bits[0], 0x01);
        ASSERT_EQ(p->allowed_memory_nodes.bits[1], 0x02);
        ASSERT_OK(unit_properties_parse(p, "AllowedCPUs="));
        ASSERT_FALSE(unit_properties_has(p, UNIT_PROPERTY_ALLOWED_CPUS));
        ASSERT_TRUE(p->allowed_cpus.bits == NULL);

        ASSERT_ERROR(parse1("AllowedCPUs=2-1"), EINVAL);
        ASSERT_ERROR(parse1("AllowedCPUs=a"), EINVAL);
        ASSERT_ERROR(parse1("AllowedCPUs=1-"), EINVAL);
        ASSERT_ERROR(parse1("AllowedCPUs=0-99999"), EINVAL);
        ASSERT_ERROR(parse1("AllowedCPUs=,"), EINVAL);
}

TEST(lists) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        int r;

        p = parse((const char *const[]) {
                "IOReadBandwidthMax=/dev/sda 1M", "IOReadBandwidthMax=/var/lib 2K", "IOReadBandwidthMax=/dev/sda 3M",
                "IOWriteBandwidthMax=/dev/sdb infinity",
                "DeviceAllow=/dev/fuse rw", "DeviceAllow=/dev/net/tun", "DeviceAllow=char-pts r", "DeviceAllow=/dev/fuse mrw",
                NULL }, &r);
        ASSERT_OK(r);
        /* The same device again replaces its limit. */
        ASSERT_EQ(p->n_io_read, 2);
        ASSERT_STREQ(p->io_read[0].path, "/dev/sda");
        ASSERT_EQ(p->io_read[0].bytes, 3 << 20);
        ASSERT_STREQ(p->io_read[1].path, "/var/lib");
        ASSERT_EQ(p->n_io_write, 1);
        ASSERT_TRUE(p->io_write[0].bytes == UINT64_MAX);
        ASSERT_EQ(p->n_devices, 3);
        ASSERT_STREQ(p->devices[0].access, "rwm");     /* normalized order */
        ASSERT_STREQ(p->devices[1].path, "/dev/net/tun");
        ASSERT_STREQ(p->devices[1].access, "rwm");     /* the default */
        ASSERT_STREQ(p->devices[2].access, "r");
        /* An empty assignment empties the list. */
        ASSERT_OK(unit_properties_parse(p, "IOReadBandwidthMax="));
        ASSERT_EQ(p->n_io_read, 0);
        ASSERT_OK(unit_properties_parse(p, "DeviceAllow="));
        ASSERT_EQ(p->n_devices, 0);
        ASSERT_FALSE(unit_properties_has(p, UNIT_PROPERTY_DEVICE_ALLOW));

        ASSERT_ERROR(parse1("IOReadBandwidthMax=/dev/sda"), EINVAL);
        ASSERT_ERROR(parse1("IOReadBandwidthMax=sda 1M"), EINVAL);
        ASSERT_ERROR(parse1("IOReadBandwidthMax=/dev/sda 0"), EINVAL);
        ASSERT_ERROR(parse1("IOWriteBandwidthMax=/dev/sda lots"), EINVAL);
        ASSERT_ERROR(parse1("DeviceAllow=/dev/sda x"), EINVAL);
        ASSERT_ERROR(parse1("DeviceAllow=/etc/passwd r"), EINVAL);
        ASSERT_ERROR(parse1("DeviceAllow=/dev/../etc r"), EINVAL);
        ASSERT_ERROR(parse1("DeviceAllow=char- r"), EINVAL);
}

TEST(slice_and_more) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        int r;

        p = parse((const char *const[]) { "Slice=foo-bar.slice", "MemoryAccounting=yes", "BlockIOAccounting=no",
                                          "Description=a b", NULL }, &r);
        ASSERT_OK(r);
        ASSERT_STREQ(unit_properties_get_slice(p), "foo-bar.slice");
        ASSERT_TRUE(unit_properties_has(p, UNIT_PROPERTY_MEMORY_ACCOUNTING) && p->accounting[UNIT_PROPERTY_MEMORY_ACCOUNTING]);
        ASSERT_TRUE(unit_properties_has(p, UNIT_PROPERTY_BLOCK_IO_ACCOUNTING) && !p->accounting[UNIT_PROPERTY_BLOCK_IO_ACCOUNTING]);
        ASSERT_FALSE(unit_properties_is_empty(p));
        ASSERT_STREQ(p->description, "a b");

        ASSERT_STREQ(a = unit_slice_cgroup_path("foo-bar-baz.slice"), "foo.slice/foo-bar.slice/foo-bar-baz.slice");
        ASSERT_STREQ(b = unit_slice_cgroup_path("machine.slice"), "machine.slice");
        ASSERT_STREQ(c = unit_properties_scope_path(p, "a-b"), "foo.slice/foo-bar.slice/machine-a\\x2db.scope");
        ASSERT_STREQ(d = unit_properties_scope_path(NULL, "x"), "machine.slice/machine-x.scope");

        ASSERT_TRUE(unit_slice_name_is_valid("a.slice"));
        ASSERT_TRUE(unit_slice_name_is_valid("a-b_c:d.slice"));
        ASSERT_FALSE(unit_slice_name_is_valid("-.slice"));
        ASSERT_FALSE(unit_slice_name_is_valid(".slice"));
        ASSERT_FALSE(unit_slice_name_is_valid("a--b.slice"));
        ASSERT_FALSE(unit_slice_name_is_valid("a-.slice"));
        ASSERT_FALSE(unit_slice_name_is_valid("-a.slice"));
        ASSERT_FALSE(unit_slice_name_is_valid("a.service"));
        ASSERT_FALSE(unit_slice_name_is_valid("a/b.slice"));
        ASSERT_FALSE(unit_slice_name_is_valid("a b.slice"));

        ASSERT_ERROR(parse1("Slice=machine"), EINVAL);
        ASSERT_ERROR(parse1("MemoryAccounting=maybe"), EINVAL);
        ASSERT_ERROR(parse1("Frobnicate=1"), EOPNOTSUPP);
        ASSERT_ERROR(parse1("memorymax=1G"), EOPNOTSUPP);
        ASSERT_ERROR(parse1("CPUQuotaPerSecUSec=1"), EOPNOTSUPP);
        ASSERT_ERROR(parse1("MemoryMax"), EINVAL);
        ASSERT_ERROR(parse1("=1"), EINVAL);
        ASSERT_ERROR(parse1("MemoryMax=1G\n"), EINVAL);

        /* Only Slice= and Description=: nothing to apply to a cgroup. */
        _cleanup_(unit_properties_freep) UnitProperties *s = NULL;
        s = parse((const char *const[]) { "Slice=x.slice", "Description=x", NULL }, &r);
        ASSERT_OK(r);
        ASSERT_FALSE(unit_properties_has_limits(s));
        ASSERT_TRUE(unit_properties_has_limits(p));
        ASSERT_TRUE(unit_properties_is_empty(NULL));
}

static const UnitPropertyBusApi api = {
        .append = sd_bus_message_append,
        .open_container = sd_bus_message_open_container,
        .close_container = sd_bus_message_close_container,
};

/* sd-bus builds messages only for a started bus: one that is never used for I/O, on a socket pair
 * whose peer end stays open. */
static sd_bus *fake_bus(void) {
        static sd_bus *bus = NULL;
        int fds[2];

        if (bus)
                return bus;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return NULL;
        if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fds[0], fds[0]) < 0 || sd_bus_start(bus) < 0)
                return NULL;
        return bus;
}

static sd_bus_message *new_message(sd_bus **bus) {
        sd_bus_message *m = NULL;

        *bus = sd_bus_ref(fake_bus());
        if (!*bus || sd_bus_message_new_method_call(*bus, &m, "a.b", "/a", "a.b", "X") < 0)
                return NULL;
        return m;
}

/* The (sv) entries as systemd's StartTransientUnit takes them, and back through machined's reader. */
TEST(bus_round_trip) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL, *q = NULL;
        sd_bus *bus = NULL;
        sd_bus_message *m;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        p = parse((const char *const[]) {
                "MemoryMax=64M", "TasksMax=50", "CPUQuota=50%", "CPUWeight=200", "AllowedCPUs=0,9",
                "IOReadBandwidthMax=/dev/sda 1M", "DeviceAllow=/dev/fuse rw", "Slice=foo.slice",
                "BlockIOAccounting=yes", "Description=hello", NULL }, &r);
        ASSERT_OK(r);
        m = new_message(&bus);
        ASSERT_TRUE(m);
        ASSERT_OK(sd_bus_message_open_container(m, 'a', "(sv)"));
        ASSERT_OK(unit_properties_append_bus(&api, m, p));
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_seal(m, 1, 0));

        /* The names and types systemd expects. */
        const char *name, *contents, *path, *access;
        uint64_t t;
        const void *bits;
        size_t n;
        ASSERT_OK(sd_bus_message_enter_container(m, 'a', "(sv)"));
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "t", &t));
        ASSERT_STREQ(name, "MemoryMax");
        ASSERT_EQ(t, 64 << 20);
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "t", &t));
        ASSERT_STREQ(name, "TasksMax");
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "t", &t));
        ASSERT_STREQ(name, "CPUQuotaPerSecUSec");
        ASSERT_EQ(t, 500000);
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "t", &t));
        ASSERT_STREQ(name, "CPUWeight");
        ASSERT_OK(sd_bus_message_enter_container(m, 'r', "sv"));
        ASSERT_OK(sd_bus_message_read(m, "s", &name));
        ASSERT_STREQ(name, "AllowedCPUs");
        ASSERT_OK(sd_bus_message_peek_type(m, NULL, &contents));
        ASSERT_STREQ(contents, "ay");
        ASSERT_OK(sd_bus_message_enter_container(m, 'v', "ay"));
        ASSERT_OK(sd_bus_message_read_array(m, 'y', &bits, &n));
        ASSERT_EQ(n, 2);
        ASSERT_EQ(((const uint8_t *) bits)[0], 0x01);
        ASSERT_EQ(((const uint8_t *) bits)[1], 0x02);
        ASSERT_OK(sd_bus_message_exit_container(m));
        ASSERT_OK(sd_bus_message_exit_container(m));
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "a(st)", 1, &path, &t));
        ASSERT_STREQ(name, "IOReadBandwidthMax");
        ASSERT_STREQ(path, "/dev/sda");
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "a(ss)", 1, &path, &access));
        ASSERT_STREQ(name, "DeviceAllow");
        ASSERT_STREQ(access, "rw");
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "s", &path));
        ASSERT_STREQ(name, "Slice");
        ASSERT_STREQ(path, "foo.slice");
        int b;
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "b", &b));
        ASSERT_STREQ(name, "IOAccounting");     /* BlockIOAccounting= is gone from systemd 256 on */
        ASSERT_TRUE(b);
        ASSERT_OK(sd_bus_message_read(m, "(sv)", &name, "s", &path));
        ASSERT_STREQ(name, "Description");
        ASSERT_STREQ(path, "hello");
        ASSERT_EQ(sd_bus_message_at_end(m, false), 1);

        /* machined reads back what nspawn sends. */
        ASSERT_OK(sd_bus_message_rewind(m, true));
        ASSERT_OK(unit_properties_read_bus(m, &q, &error));
        ASSERT_TRUE(q);
        ASSERT_EQ(q->memory_max, 64 << 20);
        ASSERT_EQ(q->tasks_max, 50);
        ASSERT_EQ(q->cpu_quota_per_sec_usec, 500000);
        ASSERT_EQ(q->cpu_weight, 200);
        ASSERT_EQ(q->allowed_cpus.bits[1], 0x02);
        ASSERT_EQ(q->n_io_read, 1);
        ASSERT_STREQ(q->devices[0].access, "rw");
        ASSERT_STREQ(unit_properties_get_slice(q), "foo.slice");
        ASSERT_TRUE(q->accounting[UNIT_PROPERTY_IO_ACCOUNTING]);
        ASSERT_STREQ(q->description, "hello");
        sd_bus_message_unref(m);
        sd_bus_unref(bus);

        /* With UNIT_APPLY_DEVICES_DONE (nspawn's own device policy), DeviceAllow= stays out. */
        m = new_message(&bus);
        ASSERT_TRUE(m);
        ASSERT_OK(sd_bus_message_open_container(m, 'a', "(sv)"));
        ASSERT_OK(unit_properties_append_bus_full(&api, m, p, UNIT_APPLY_DEVICES_DONE));
        ASSERT_OK(sd_bus_message_close_container(m));
        ASSERT_OK(sd_bus_message_seal(m, 1, 0));
        unit_properties_free(q);
        q = NULL;
        ASSERT_OK(unit_properties_read_bus(m, &q, &error));
        ASSERT_FALSE(unit_properties_has(q, UNIT_PROPERTY_DEVICE_ALLOW));
        ASSERT_TRUE(unit_properties_has(q, UNIT_PROPERTY_MEMORY_MAX));
        sd_bus_message_unref(m);
        sd_bus_unref(bus);
}

/* One (sv) entry with a value of the given type: the reader's verdict and its error message. */
static int read_one(const char *name, const char *type, const void *value, char **ret_message) {
        _cleanup_(unit_properties_freep) UnitProperties *q = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        sd_bus_message *m = new_message(&bus);
        int r;

        if (!m)
                return -ENOMEM;
        r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0 && type[0] == 't')
                r = sd_bus_message_append(m, "(sv)", name, "t", *(const uint64_t *) value);
        else if (r >= 0 && type[0] == 's')
                r = sd_bus_message_append(m, "(sv)", name, "s", (const char *) value);
        else if (r >= 0)
                r = sd_bus_message_append(m, "(sv)", name, "u", *(const uint32_t *) value);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_seal(m, 1, 0);
        if (r >= 0)
                r = unit_properties_read_bus(m, &q, &error);
        *ret_message = error.message ? strdup(error.message) : NULL;
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        sd_bus_unref(bus);
        return r;
}

TEST(bus_refusals) {
        _cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;
        uint64_t zero = 0, big = 20000, ok = 1 << 20;
        uint32_t u = 5;

        ASSERT_TRUE(read_one("Frobnicate", "t", &ok, &m1) < 0);
        ASSERT_TRUE(m1 && strstr(m1, "Unknown scope property 'Frobnicate'"));
        ASSERT_TRUE(read_one("MemoryMax", "u", &u, &m2) < 0);
        ASSERT_TRUE(m2 && strstr(m2, "MemoryMax") && strstr(m2, "'u'"));
        ASSERT_TRUE(read_one("CPUWeight", "t", &big, &m3) < 0);
        ASSERT_TRUE(m3 && strstr(m3, "Invalid value for scope property CPUWeight"));
        ASSERT_TRUE(read_one("TasksMax", "t", &zero, &m4) < 0);
        ASSERT_TRUE(m4 && strstr(m4, "TasksMax"));
        ASSERT_TRUE(read_one("Slice", "s", "a--b.slice", &m5) < 0);
        ASSERT_TRUE(m5 && strstr(m5, "Slice"));
        free(m1);
        m1 = NULL;
        ASSERT_OK(read_one("MemoryMax", "t", &ok, &m1));
        ASSERT_TRUE(!m1);
}

DEFINE_TEST_MAIN
