/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>

#include "unit-property.h"

/* The parsed properties, shared by the parser, the bus (de)serialisers and the cgroupfs applier: the
 * files that make up UnitProperties. Nothing else includes this header. */

typedef enum UnitPropertyId {
        UNIT_PROPERTY_MEMORY_MAX,
        UNIT_PROPERTY_MEMORY_HIGH,
        UNIT_PROPERTY_MEMORY_SWAP_MAX,
        UNIT_PROPERTY_TASKS_MAX,
        UNIT_PROPERTY_CPU_QUOTA,
        UNIT_PROPERTY_CPU_WEIGHT,
        UNIT_PROPERTY_IO_WEIGHT,
        UNIT_PROPERTY_ALLOWED_CPUS,
        UNIT_PROPERTY_ALLOWED_MEMORY_NODES,
        UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX,
        UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX,
        UNIT_PROPERTY_DEVICE_ALLOW,
        UNIT_PROPERTY_SLICE,
        UNIT_PROPERTY_MEMORY_ACCOUNTING,
        UNIT_PROPERTY_TASKS_ACCOUNTING,
        UNIT_PROPERTY_CPU_ACCOUNTING,
        UNIT_PROPERTY_IO_ACCOUNTING,
        UNIT_PROPERTY_BLOCK_IO_ACCOUNTING,
        UNIT_PROPERTY_DESCRIPTION,      /* the unit's; no cgroup meaning, passed on to systemd */
        _UNIT_PROPERTY_MAX,
        _UNIT_PROPERTY_INVALID = -EINVAL,
} UnitPropertyId;

/* The name as systemctl set-property and StartTransientUnit spell it (CPUQuota= goes to the bus as
 * CPUQuotaPerSecUSec). */
const char *unit_property_to_string(UnitPropertyId id);
UnitPropertyId unit_property_from_string(const char *name);
const char *unit_property_bus_name(UnitPropertyId id);

typedef struct UnitBandwidth {
        char *path;
        uint64_t bytes;
} UnitBandwidth;

typedef struct UnitDevice {
        char *path;
        char access[4];         /* a subset of "rwm", in that order; never empty */
} UnitDevice;

/* A bit per CPU (memory node): byte i bit j is number 8i+j, as systemd's "ay" masks. */
typedef struct UnitCpuSet {
        uint8_t *bits;
        size_t n;               /* bytes */
} UnitCpuSet;

struct UnitProperties {
        uint32_t set;           /* a bit per UnitPropertyId that was assigned */
        uint64_t memory_max, memory_high, memory_swap_max, tasks_max;   /* UINT64_MAX: infinity */
        uint64_t cpu_quota_per_sec_usec;
        uint64_t cpu_weight, io_weight;
        UnitCpuSet allowed_cpus, allowed_memory_nodes;
        UnitBandwidth *io_read;
        size_t n_io_read;
        UnitBandwidth *io_write;
        size_t n_io_write;
        UnitDevice *devices;
        size_t n_devices;
        char *slice;
        char *description;
        bool accounting[_UNIT_PROPERTY_MAX];
};

static inline bool unit_properties_has(const UnitProperties *p, UnitPropertyId id) {
        return p && (p->set & (UINT32_C(1) << id));
}

static inline void unit_properties_mark(UnitProperties *p, UnitPropertyId id, bool set) {
        if (set)
                p->set |= UINT32_C(1) << id;
        else
                p->set &= ~(UINT32_C(1) << id);
}

#define CGROUP_WEIGHT_MIN UINT64_C(1)
#define CGROUP_WEIGHT_MAX UINT64_C(10000)
#define CPU_SET_BITS_MAX 8192

/* Setters with the parser's validation, for the bus reader too. -EINVAL on a bad value. */
int unit_properties_add_bandwidth(UnitProperties *p, UnitPropertyId id, const char *path, uint64_t bytes);
int unit_properties_add_device(UnitProperties *p, const char *path, const char *access);
int unit_properties_set_slice(UnitProperties *p, const char *slice);
int unit_properties_set_description(UnitProperties *p, const char *description);
int unit_properties_set_cpu_set(UnitProperties *p, UnitPropertyId id, const uint8_t *bits, size_t n);
/* The scalar properties (memory, tasks, quota, weights), checked against their ranges. */
int unit_properties_set_u64(UnitProperties *p, UnitPropertyId id, uint64_t v);
/* Empty assignment: back to unset (lists emptied). */
void unit_properties_reset(UnitProperties *p, UnitPropertyId id);
