/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>

#include "string-util.h"
#include "unit-property-internal.h"

/* StartTransientUnit's spelling where it differs from systemctl set-property's: CPUQuota= travels as
 * the time per second, and BlockIOAccounting= (cgroup v1's name, gone from systemd 256 on) as
 * IOAccounting=. */
const char *unit_property_bus_name(UnitPropertyId id) {
        switch (id) {
        case UNIT_PROPERTY_CPU_QUOTA:
                return "CPUQuotaPerSecUSec";
        case UNIT_PROPERTY_BLOCK_IO_ACCOUNTING:
                return "IOAccounting";
        default:
                return unit_property_to_string(id);
        }
}

static int append_u64(const UnitPropertyBusApi *api, sd_bus_message *m, const char *name, uint64_t v) {
        return api->append(m, "(sv)", name, "t", v);
}

static int append_cpu_set(const UnitPropertyBusApi *api, sd_bus_message *m, const char *name, const UnitCpuSet *c) {
        int r = api->open_container(m, 'r', "sv");
        if (r >= 0)
                r = api->append(m, "s", name);
        if (r >= 0)
                r = api->open_container(m, 'v', "ay");
        if (r >= 0)
                r = api->open_container(m, 'a', "y");
        for (size_t i = 0; r >= 0 && i < c->n; i++)
                r = api->append(m, "y", c->bits[i]);
        for (int k = 0; r >= 0 && k < 3; k++)
                r = api->close_container(m);
        return r;
}

static int append_bandwidths(const UnitPropertyBusApi *api, sd_bus_message *m, const char *name,
                             const UnitBandwidth *b, size_t n) {
        int r = api->open_container(m, 'r', "sv");
        if (r >= 0)
                r = api->append(m, "s", name);
        if (r >= 0)
                r = api->open_container(m, 'v', "a(st)");
        if (r >= 0)
                r = api->open_container(m, 'a', "(st)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = api->append(m, "(st)", b[i].path, b[i].bytes);
        for (int k = 0; r >= 0 && k < 3; k++)
                r = api->close_container(m);
        return r;
}

static int append_devices(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitDevice *d, size_t n) {
        int r = api->open_container(m, 'r', "sv");
        if (r >= 0)
                r = api->append(m, "s", "DeviceAllow");
        if (r >= 0)
                r = api->open_container(m, 'v', "a(ss)");
        if (r >= 0)
                r = api->open_container(m, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = api->append(m, "(ss)", d[i].path, d[i].access);
        for (int k = 0; r >= 0 && k < 3; k++)
                r = api->close_container(m);
        return r;
}

static int append_one(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitProperties *p, UnitPropertyId id) {
        const char *name = unit_property_bus_name(id);

        switch (id) {
        case UNIT_PROPERTY_MEMORY_MAX:
                return append_u64(api, m, name, p->memory_max);
        case UNIT_PROPERTY_MEMORY_HIGH:
                return append_u64(api, m, name, p->memory_high);
        case UNIT_PROPERTY_MEMORY_SWAP_MAX:
                return append_u64(api, m, name, p->memory_swap_max);
        case UNIT_PROPERTY_TASKS_MAX:
                return append_u64(api, m, name, p->tasks_max);
        case UNIT_PROPERTY_CPU_QUOTA:
                return append_u64(api, m, name, p->cpu_quota_per_sec_usec);
        case UNIT_PROPERTY_CPU_WEIGHT:
                return append_u64(api, m, name, p->cpu_weight);
        case UNIT_PROPERTY_IO_WEIGHT:
                return append_u64(api, m, name, p->io_weight);
        case UNIT_PROPERTY_ALLOWED_CPUS:
                return append_cpu_set(api, m, name, &p->allowed_cpus);
        case UNIT_PROPERTY_ALLOWED_MEMORY_NODES:
                return append_cpu_set(api, m, name, &p->allowed_memory_nodes);
        case UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX:
                return append_bandwidths(api, m, name, p->io_read, p->n_io_read);
        case UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX:
                return append_bandwidths(api, m, name, p->io_write, p->n_io_write);
        case UNIT_PROPERTY_DEVICE_ALLOW:
                return append_devices(api, m, p->devices, p->n_devices);
        case UNIT_PROPERTY_SLICE:
                return api->append(m, "(sv)", name, "s", p->slice);
        case UNIT_PROPERTY_DESCRIPTION:
                return api->append(m, "(sv)", name, "s", p->description);
        default:
                return api->append(m, "(sv)", name, "b", (int) p->accounting[id]);
        }
}

int unit_properties_append_bus_full(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitProperties *p,
                                    UnitApplyFlags flags) {
        int r;

        for (UnitPropertyId id = 0; id < _UNIT_PROPERTY_MAX; id++) {
                if (!unit_properties_has(p, id))
                        continue;
                if (id == UNIT_PROPERTY_DEVICE_ALLOW && (flags & UNIT_APPLY_DEVICES_DONE))
                        continue;
                /* Both spellings of IO accounting set: one entry is enough. */
                if (id == UNIT_PROPERTY_BLOCK_IO_ACCOUNTING && unit_properties_has(p, UNIT_PROPERTY_IO_ACCOUNTING))
                        continue;
                r = append_one(api, m, p, id);
                if (r < 0)
                        return r;
        }
        return 0;
}

int unit_properties_append_bus(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitProperties *p) {
        return unit_properties_append_bus_full(api, m, p, 0);
}
