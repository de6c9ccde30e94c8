/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "machined-bus.h"
#include "string-util.h"
#include "unit-property-internal.h"
#include "unit-property-read.h"

/* StartTransientUnit's spelling back to ours. */
static UnitPropertyId bus_name_to_id(const char *name) {
        if (streq(name, "CPUQuotaPerSecUSec"))
                return UNIT_PROPERTY_CPU_QUOTA;
        if (streq(name, "CPUQuota"))
                return _UNIT_PROPERTY_INVALID;  /* systemctl's spelling: on the bus it is the time per second */
        return unit_property_from_string(name);
}

static const char *bus_signature(UnitPropertyId id) {
        switch (id) {
        case UNIT_PROPERTY_ALLOWED_CPUS:
        case UNIT_PROPERTY_ALLOWED_MEMORY_NODES:
                return "ay";
        case UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX:
        case UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX:
                return "a(st)";
        case UNIT_PROPERTY_DEVICE_ALLOW:
                return "a(ss)";
        case UNIT_PROPERTY_SLICE:
        case UNIT_PROPERTY_DESCRIPTION:
                return "s";
        case UNIT_PROPERTY_MEMORY_ACCOUNTING ... UNIT_PROPERTY_BLOCK_IO_ACCOUNTING:
                return "b";
        default:
                return "t";
        }
}

static int read_list(sd_bus_message *m, UnitProperties *p, UnitPropertyId id) {
        const char *path, *s;
        uint64_t t;
        int r;

        /* As systemd: an assignment of a list appends to what the same call assigned before. */
        r = sd_bus_message_enter_container(m, 'a', id == UNIT_PROPERTY_DEVICE_ALLOW ? "(ss)" : "(st)");
        if (r < 0)
                return r;
        for (;;) {
                if (id == UNIT_PROPERTY_DEVICE_ALLOW)
                        r = sd_bus_message_read(m, "(ss)", &path, &s);
                else
                        r = sd_bus_message_read(m, "(st)", &path, &t);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = id == UNIT_PROPERTY_DEVICE_ALLOW ? unit_properties_add_device(p, path, s)
                                                     : unit_properties_add_bandwidth(p, id, path, t);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_exit_container(m);
}

static int read_value(sd_bus_message *m, UnitProperties *p, UnitPropertyId id) {
        const void *bits;
        const char *s;
        size_t n;
        uint64_t t;
        int b, r;

        switch (id) {
        case UNIT_PROPERTY_ALLOWED_CPUS:
        case UNIT_PROPERTY_ALLOWED_MEMORY_NODES:
                r = sd_bus_message_read_array(m, 'y', &bits, &n);
                return r < 0 ? r : unit_properties_set_cpu_set(p, id, bits, n);
        case UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX:
        case UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX:
        case UNIT_PROPERTY_DEVICE_ALLOW:
                return read_list(m, p, id);
        case UNIT_PROPERTY_SLICE:
                r = sd_bus_message_read(m, "s", &s);
                return r < 0 ? r : unit_properties_set_slice(p, s);
        case UNIT_PROPERTY_DESCRIPTION:
                r = sd_bus_message_read(m, "s", &s);
                return r < 0 ? r : unit_properties_set_description(p, s);
        case UNIT_PROPERTY_MEMORY_ACCOUNTING ... UNIT_PROPERTY_BLOCK_IO_ACCOUNTING:
                r = sd_bus_message_read(m, "b", &b);
                if (r < 0)
                        return r;
                p->accounting[id] = b;
                unit_properties_mark(p, id, true);
                return 0;
        default:
                r = sd_bus_message_read(m, "t", &t);
                return r < 0 ? r : unit_properties_set_u64(p, id, t);
        }
}

int unit_properties_read_bus(sd_bus_message *m, UnitProperties **ret, sd_bus_error *error) {
        _cleanup_(unit_properties_freep) UnitProperties *p = NULL;
        const char *name, *contents;
        int r;

        r = unit_properties_new(&p);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'r', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                UnitPropertyId id = bus_name_to_id(name);
                if (id < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown scope property '%s' (not supported by this machined)", BUS_ARG(name));
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (!streq(contents, bus_signature(id)))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Scope property %s has type '%s', expected '%s'", name,
                                                 BUS_ARG(contents), bus_signature(id));
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r >= 0)
                        r = read_value(m, p, id);
                if (r == -EINVAL)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid value for scope property %s", name);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = unit_properties_is_empty(p) ? NULL : TAKE_PTR(p);
        return 0;
}
