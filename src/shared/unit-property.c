/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "parse-util.h"
#include "string-util.h"
#include "unit-property-internal.h"

/* systemctl set-property's spelling; the bus names differ only where listed in unit-property-bus.c. */
static const char *const unit_property_table[_UNIT_PROPERTY_MAX] = {
        [UNIT_PROPERTY_MEMORY_MAX] = "MemoryMax",
        [UNIT_PROPERTY_MEMORY_HIGH] = "MemoryHigh",
        [UNIT_PROPERTY_MEMORY_SWAP_MAX] = "MemorySwapMax",
        [UNIT_PROPERTY_TASKS_MAX] = "TasksMax",
        [UNIT_PROPERTY_CPU_QUOTA] = "CPUQuota",
        [UNIT_PROPERTY_CPU_WEIGHT] = "CPUWeight",
        [UNIT_PROPERTY_IO_WEIGHT] = "IOWeight",
        [UNIT_PROPERTY_ALLOWED_CPUS] = "AllowedCPUs",
        [UNIT_PROPERTY_ALLOWED_MEMORY_NODES] = "AllowedMemoryNodes",
        [UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX] = "IOReadBandwidthMax",
        [UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX] = "IOWriteBandwidthMax",
        [UNIT_PROPERTY_DEVICE_ALLOW] = "DeviceAllow",
        [UNIT_PROPERTY_SLICE] = "Slice",
        [UNIT_PROPERTY_MEMORY_ACCOUNTING] = "MemoryAccounting",
        [UNIT_PROPERTY_TASKS_ACCOUNTING] = "TasksAccounting",
        [UNIT_PROPERTY_CPU_ACCOUNTING] = "CPUAccounting",
        [UNIT_PROPERTY_IO_ACCOUNTING] = "IOAccounting",
        [UNIT_PROPERTY_BLOCK_IO_ACCOUNTING] = "BlockIOAccounting",
        [UNIT_PROPERTY_DESCRIPTION] = "Description",
};

const char *unit_property_to_string(UnitPropertyId id) {
        return id >= 0 && id < _UNIT_PROPERTY_MAX ? unit_property_table[id] : NULL;
}

UnitPropertyId unit_property_from_string(const char *name) {
        for (UnitPropertyId id = 0; id < _UNIT_PROPERTY_MAX; id++)
                if (streq(unit_property_table[id], name))
                        return id;
        return _UNIT_PROPERTY_INVALID;
}

int unit_properties_new(UnitProperties **ret) {
        UnitProperties *p = calloc(1, sizeof(UnitProperties));

        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static void bandwidths_free(UnitBandwidth **b, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                free((*b)[i].path);
        free(*b);
        *b = NULL;
        *n = 0;
}

void unit_properties_reset(UnitProperties *p, UnitPropertyId id) {
        switch (id) {
        case UNIT_PROPERTY_ALLOWED_CPUS:
        case UNIT_PROPERTY_ALLOWED_MEMORY_NODES: {
                UnitCpuSet *c = id == UNIT_PROPERTY_ALLOWED_CPUS ? &p->allowed_cpus : &p->allowed_memory_nodes;
                free(c->bits);
                *c = (UnitCpuSet) {};
                break;
        }
        case UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX:
                bandwidths_free(&p->io_read, &p->n_io_read);
                break;
        case UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX:
                bandwidths_free(&p->io_write, &p->n_io_write);
                break;
        case UNIT_PROPERTY_DEVICE_ALLOW:
                for (size_t i = 0; i < p->n_devices; i++)
                        free(p->devices[i].path);
                free(p->devices);
                p->devices = NULL;
                p->n_devices = 0;
                break;
        case UNIT_PROPERTY_SLICE:
                free(p->slice);
                p->slice = NULL;
                break;
        case UNIT_PROPERTY_DESCRIPTION:
                free(p->description);
                p->description = NULL;
                break;
        default:
                break;
        }
        unit_properties_mark(p, id, false);
}

UnitProperties *unit_properties_free(UnitProperties *p) {
        if (!p)
                return NULL;
        for (UnitPropertyId id = 0; id < _UNIT_PROPERTY_MAX; id++)
                unit_properties_reset(p, id);
        free(p);
        return NULL;
}

/* "64M", "1.5G", "4096", base 1024 as systemd's parse_size(); NUL-terminated s, *ret in bytes. */
static int parse_bytes(const char *s, uint64_t *ret) {
        static const struct { char suffix; unsigned shift; } units[] = {
                { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 }, { 'E', 60 },
        };
        uint64_t whole = 0, frac = 0, frac_div = 1;
        const char *q = s;
        unsigned shift = 0;

        if (!isdigit((unsigned char) *q))
                return -EINVAL;
        for (; isdigit((unsigned char) *q); q++) {
                if (whole > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                whole = whole * 10 + (uint64_t) (*q - '0');
        }
        if (*q == '.') {
                q++;
                if (!isdigit((unsigned char) *q))
                        return -EINVAL;
                for (; isdigit((unsigned char) *q); q++)
                        if (frac_div < UINT64_C(1000000000)) {
                                frac = frac * 10 + (uint64_t) (*q - '0');
                                frac_div *= 10;
                        }
        }
        if (*q) {
                for (size_t i = 0; i < ELEMENTSOF(units) && !shift; i++)
                        if (*q == units[i].suffix)
                                shift = units[i].shift;
                if (!shift || q[1])
                        return -EINVAL;
        } else if (frac)
                return -EINVAL;         /* a fraction of a byte */
        if (shift && whole > (UINT64_MAX >> shift))
                return -ERANGE;
        uint64_t v = whole << shift;
        uint64_t f = (uint64_t) (((unsigned __int128) frac << shift) / frac_div);
        if (v > UINT64_MAX - f)
                return -ERANGE;
        *ret = v + f;
        return 0;
}

/* "50%", "12.5%": in 1/10000 (permyriad), as systemd's parse_permyriad(). */
static int parse_permyriad(const char *s, uint64_t *ret) {
        const char *pct = endswith(s, "%");
        uint64_t whole = 0, frac = 0;
        unsigned digits = 0;
        const char *q = s;

        if (!pct || !isdigit((unsigned char) *q))
                return -EINVAL;
        for (; q < pct && isdigit((unsigned char) *q); q++) {
                if (whole > UINT64_C(1000000000))
                        return -ERANGE;
                whole = whole * 10 + (uint64_t) (*q - '0');
        }
        if (q < pct && *q == '.') {
                for (q++; q < pct && isdigit((unsigned char) *q) && digits < 2; q++, digits++)
                        frac = frac * 10 + (uint64_t) (*q - '0');
                if (digits == 0)
                        return -EINVAL;
        }
        if (q != pct)
                return -EINVAL;
        for (; digits < 2; digits++)
                frac *= 10;
        *ret = whole * 100 + frac;
        return 0;
}

static uint64_t physical_memory(void) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        return pages > 0 && size > 0 ? (uint64_t) pages * (uint64_t) size : UINT64_MAX;
}

/* The kernel's limit on tasks, which TasksMax=N% is relative to (as systemd's system_tasks_max()). */
static uint64_t system_tasks_max(void) {
        static const char *const files[] = { "/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max" };
        uint64_t m = UINT64_C(4194304);

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *s = NULL;
                uint64_t v;
                if (read_small_file_at(AT_FDCWD, files[i], 64, &s) >= 0 && parse_bytes(strstrip(s), &v) >= 0 && v > 0)
                        m = MIN(m, v);
        }
        return m;
}

/* A limit: bytes (or a count), "N%" of total (100% at most), or "infinity". 0 is refused, as systemd
 * refuses a maximum of nothing. */
static int parse_limit(const char *s, uint64_t total, bool bytes, uint64_t *ret) {
        uint64_t v, pm;

        if (streq(s, "infinity")) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (endswith(s, "%")) {
                if (parse_permyriad(s, &pm) < 0 || pm == 0 || pm > 10000)
                        return -EINVAL;
                v = total == UINT64_MAX ? UINT64_MAX : (uint64_t) ((unsigned __int128) total * pm / 10000);
        } else if (bytes) {
                if (parse_bytes(s, &v) < 0)
                        return -EINVAL;
        } else {
                char *end;
                errno = 0;
                v = strtoull(s, &end, 10);
                if (!isdigit((unsigned char) s[0]) || *end || errno != 0)
                        return -EINVAL;
        }
        if (v == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int unit_properties_set_u64(UnitProperties *p, UnitPropertyId id, uint64_t v) {
        switch (id) {
        case UNIT_PROPERTY_MEMORY_MAX:
        case UNIT_PROPERTY_MEMORY_HIGH:
        case UNIT_PROPERTY_TASKS_MAX:
                if (v == 0)
                        return -EINVAL;
                *(id == UNIT_PROPERTY_MEMORY_MAX ? &p->memory_max :
                  id == UNIT_PROPERTY_MEMORY_HIGH ? &p->memory_high : &p->tasks_max) = v;
                break;
        case UNIT_PROPERTY_MEMORY_SWAP_MAX:
                p->memory_swap_max = v;         /* 0: no swap at all, which is a limit too */
                break;
        case UNIT_PROPERTY_CPU_QUOTA:
                /* At least 1 ms per second (the kernel's smallest quota in a period of 100 ms is 1 ms). */
                if (v < 1000 || v == UINT64_MAX)
                        return -EINVAL;
                p->cpu_quota_per_sec_usec = v;
                break;
        case UNIT_PROPERTY_CPU_WEIGHT:
        case UNIT_PROPERTY_IO_WEIGHT:
                if (v < CGROUP_WEIGHT_MIN || v > CGROUP_WEIGHT_MAX)
                        return -EINVAL;
                *(id == UNIT_PROPERTY_CPU_WEIGHT ? &p->cpu_weight : &p->io_weight) = v;
                break;
        default:
                return -EINVAL;
        }
        unit_properties_mark(p, id, true);
        return 0;
}

/* "0-2,5" or "0 1 2": a list of numbers and ranges, separated by commas or white space. */
static int parse_cpu_set(const char *s, UnitCpuSet *ret) {
        uint8_t bits[CPU_SET_BITS_MAX / 8] = {};
        size_t n = 0;

        for (const char *q = s; *q;) {
                unsigned long lo, hi;
                char *end;

                if (*q == ',' || isspace((unsigned char) *q)) {
                        q++;
                        continue;
                }
                if (!isdigit((unsigned char) *q))
                        return -EINVAL;
                lo = hi = strtoul(q, &end, 10);
                if (*end == '-') {
                        if (!isdigit((unsigned char) end[1]))
                                return -EINVAL;
                        hi = strtoul(end + 1, &end, 10);
                }
                if (*end && *end != ',' && !isspace((unsigned char) *end))
                        return -EINVAL;
                if (lo > hi || hi >= CPU_SET_BITS_MAX)
                        return -EINVAL;
                for (unsigned long c = lo; c <= hi; c++)
                        bits[c / 8] |= (uint8_t) (1u << (c % 8));
                n = MAX(n, hi / 8 + 1);
                q = end;
        }
        if (n == 0)
                return -EINVAL;
        uint8_t *b = malloc(n);
        if (!b)
                return -ENOMEM;
        memcpy(b, bits, n);
        *ret = (UnitCpuSet) { .bits = b, .n = n };
        return 0;
}

int unit_properties_set_cpu_set(UnitProperties *p, UnitPropertyId id, const uint8_t *bits, size_t n) {
        UnitCpuSet *c;
        bool any = false;

        if (id != UNIT_PROPERTY_ALLOWED_CPUS && id != UNIT_PROPERTY_ALLOWED_MEMORY_NODES)
                return -EINVAL;
        if (n > CPU_SET_BITS_MAX / 8)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                any = any || bits[i];
        if (!any) {
                /* An empty mask, as systemd takes it: back to no restriction. */
                unit_properties_reset(p, id);
                return 0;
        }
        uint8_t *b = malloc(n);
        if (!b)
                return -ENOMEM;
        memcpy(b, bits, n);
        c = id == UNIT_PROPERTY_ALLOWED_CPUS ? &p->allowed_cpus : &p->allowed_memory_nodes;
        free(c->bits);
        *c = (UnitCpuSet) { .bits = b, .n = n };
        unit_properties_mark(p, id, true);
        return 0;
}

static bool path_ok(const char *path) {
        return path && path[0] == '/' && !string_has_cc(path) && strlen(path) < 4096 && !strstr(path, "/../") &&
                !endswith(path, "/..");
}

int unit_properties_add_bandwidth(UnitProperties *p, UnitPropertyId id, const char *path, uint64_t bytes) {
        UnitBandwidth **list = id == UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX ? &p->io_read : &p->io_write;
        size_t *n = id == UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX ? &p->n_io_read : &p->n_io_write;

        if ((id != UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX && id != UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX) ||
            !path_ok(path) || bytes == 0)
                return -EINVAL;
        /* The same device again: the later limit replaces the earlier one. */
        for (size_t i = 0; i < *n; i++)
                if (streq((*list)[i].path, path)) {
                        (*list)[i].bytes = bytes;
                        return 0;
                }
        char *c = strdup(path);
        UnitBandwidth *b = c ? reallocarray(*list, *n + 1, sizeof(UnitBandwidth)) : NULL;
        if (!b) {
                free(c);
                return -ENOMEM;
        }
        *list = b;
        b[(*n)++] = (UnitBandwidth) { .path = c, .bytes = bytes };
        unit_properties_mark(p, id, true);
        return 0;
}

/* "/dev/sda", or systemd's "char-NAME" / "block-NAME" (every device of that driver in /proc/devices). */
static bool device_spec_ok(const char *s) {
        const char *name = startswith(s, "char-") ?: startswith(s, "block-");

        if (name)
                return !isempty(name) && !string_has_cc(name) && !strchr(name, ' ') && strlen(name) < 128;
        return path_ok(s) && startswith(s, "/dev/");
}

int unit_properties_add_device(UnitProperties *p, const char *path, const char *access) {
        char norm[4] = {};
        size_t k = 0;

        if (!device_spec_ok(path))
                return -EINVAL;
        if (isempty(access))
                access = "rwm";
        if (strspn(access, "rwm") != strlen(access))
                return -EINVAL;
        for (const char *c = "rwm"; *c; c++)
                if (strchr(access, *c))
                        norm[k++] = *c;
        for (size_t i = 0; i < p->n_devices; i++)
                if (streq(p->devices[i].path, path)) {
                        memcpy(p->devices[i].access, norm, sizeof(norm));
                        return 0;
                }
        char *c = strdup(path);
        UnitDevice *d = c ? reallocarray(p->devices, p->n_devices + 1, sizeof(UnitDevice)) : NULL;
        if (!d) {
                free(c);
                return -ENOMEM;
        }
        p->devices = d;
        d[p->n_devices] = (UnitDevice) { .path = c };
        memcpy(d[p->n_devices++].access, norm, sizeof(norm));
        unit_properties_mark(p, UNIT_PROPERTY_DEVICE_ALLOW, true);
        return 0;
}

/* A slice unit name as systemd takes it: "foo.slice", "foo-bar.slice" (nested in foo.slice), without
 * empty dash-separated parts. The root slice "-.slice" is no place for a machine. */
bool unit_slice_name_is_valid(const char *s) {
        const char *e = s ? endswith(s, ".slice") : NULL;
        size_t l;

        if (!e || e == s || strlen(s) > 255)
                return false;
        l = (size_t) (e - s);
        if (s[0] == '-' || s[l - 1] == '-')
                return false;
        for (size_t i = 0; i < l; i++) {
                char c = s[i];
                if (!(isalnum((unsigned char) c) || strchr(":_.\\-", c)))
                        return false;
                if (c == '-' && s[i + 1] == '-')
                        return false;
        }
        return true;
}

int unit_properties_set_slice(UnitProperties *p, const char *slice) {
        if (!unit_slice_name_is_valid(slice))
                return -EINVAL;
        char *c = strdup(slice);
        if (!c)
                return -ENOMEM;
        free(p->slice);
        p->slice = c;
        unit_properties_mark(p, UNIT_PROPERTY_SLICE, true);
        return 0;
}

int unit_properties_set_description(UnitProperties *p, const char *description) {
        if (isempty(description) || string_has_cc(description) || strlen(description) > 2048)
                return -EINVAL;
        char *c = strdup(description);
        if (!c)
                return -ENOMEM;
        free(p->description);
        p->description = c;
        unit_properties_mark(p, UNIT_PROPERTY_DESCRIPTION, true);
        return 0;
}

char *unit_slice_cgroup_path(const char *slice) {
        size_t l = strlen(slice) - strlen(".slice");
        char *r = malloc(strlen(slice) * (strlen(slice) / 2 + 2) + 1), *w = r;

        if (!r)
                return NULL;
        /* foo-bar-baz.slice lives in foo.slice/foo-bar.slice/foo-bar-baz.slice. */
        for (size_t i = 0; i <= l; i++)
                if (i == l || slice[i] == '-') {
                        if (w != r)
                                *w++ = '/';
                        memcpy(w, slice, i);
                        w += i;
                        w = stpcpy(w, ".slice");
                }
        *w = 0;
        return r;
}

/* "PATH VALUE": the path up to the last run of white space, as systemd splits it. */
static int split_path_value(const char *v, char **ret_path, const char **ret_value) {
        const char *sp = v + strcspn(v, " \t");

        if (!*sp)
                return -EINVAL;
        char *path = strndup(v, (size_t) (sp - v));
        if (!path)
                return -ENOMEM;
        *ret_path = path;
        *ret_value = sp + strspn(sp, " \t");
        return 0;
}

static int parse_list_entry(UnitProperties *p, UnitPropertyId id, const char *v) {
        _cleanup_free_ char *path = NULL;
        const char *rest;
        uint64_t bytes;
        int r;

        if (id == UNIT_PROPERTY_DEVICE_ALLOW && !strpbrk(v, " \t"))
                return unit_properties_add_device(p, v, NULL);
        r = split_path_value(v, &path, &rest);
        if (r < 0)
                return r;
        if (id == UNIT_PROPERTY_DEVICE_ALLOW)
                return isempty(rest) ? -EINVAL : unit_properties_add_device(p, path, rest);
        if (streq(rest, "infinity"))
                bytes = UINT64_MAX;
        else if (parse_bytes(rest, &bytes) < 0 || bytes == 0)
                return -EINVAL;
        return unit_properties_add_bandwidth(p, id, path, bytes);
}

static int parse_value(UnitProperties *p, UnitPropertyId id, const char *v) {
        UnitCpuSet set;
        uint64_t u;
        int r;

        switch (id) {
        case UNIT_PROPERTY_MEMORY_MAX:
        case UNIT_PROPERTY_MEMORY_HIGH:
        case UNIT_PROPERTY_MEMORY_SWAP_MAX:
                if (id == UNIT_PROPERTY_MEMORY_SWAP_MAX && streq(v, "0")) {
                        u = 0;
                } else if (parse_limit(v, physical_memory(), true, &u) < 0)
                        return -EINVAL;
                return unit_properties_set_u64(p, id, u);
        case UNIT_PROPERTY_TASKS_MAX:
                if (parse_limit(v, system_tasks_max(), false, &u) < 0)
                        return -EINVAL;
                return unit_properties_set_u64(p, id, u);
        case UNIT_PROPERTY_CPU_QUOTA:
                /* 1% is 10 ms of CPU time per second; more than 100% uses more than one CPU. */
                if (parse_permyriad(v, &u) < 0 || u == 0 || u > UINT64_C(100000000))
                        return -EINVAL;
                return unit_properties_set_u64(p, id, u * 100);
        case UNIT_PROPERTY_CPU_WEIGHT:
        case UNIT_PROPERTY_IO_WEIGHT: {
                uint32_t w;
                if (safe_atou32(v, &w) < 0)
                        return -EINVAL;
                return unit_properties_set_u64(p, id, w);
        }
        case UNIT_PROPERTY_ALLOWED_CPUS:
        case UNIT_PROPERTY_ALLOWED_MEMORY_NODES:
                r = parse_cpu_set(v, &set);
                if (r < 0)
                        return r;
                r = unit_properties_set_cpu_set(p, id, set.bits, set.n);
                free(set.bits);
                return r;
        case UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX:
        case UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX:
        case UNIT_PROPERTY_DEVICE_ALLOW:
                return parse_list_entry(p, id, v);
        case UNIT_PROPERTY_SLICE:
                return unit_properties_set_slice(p, v);
        case UNIT_PROPERTY_DESCRIPTION:
                return unit_properties_set_description(p, v);
        default:
                r = parse_boolean(v);
                if (r < 0)
                        return -EINVAL;
                p->accounting[id] = r;
                unit_properties_mark(p, id, true);
                return 0;
        }
}

int unit_properties_parse(UnitProperties *p, const char *assignment) {
        const char *eq = strchr(assignment, '=');
        char name[64];

        if (!eq || eq == assignment || (size_t) (eq - assignment) >= sizeof(name))
                return -EINVAL;
        memcpy(name, assignment, (size_t) (eq - assignment));
        name[eq - assignment] = 0;
        UnitPropertyId id = unit_property_from_string(name);
        if (id < 0)
                return -EOPNOTSUPP;
        if (string_has_cc(eq + 1))
                return -EINVAL;
        if (isempty(eq + 1)) {
                unit_properties_reset(p, id);
                return 0;
        }
        return parse_value(p, id, eq + 1);
}

const char *unit_properties_get_slice(const UnitProperties *p) {
        return p ? p->slice : NULL;
}

bool unit_properties_is_empty(const UnitProperties *p) {
        return !p || p->set == 0;
}

bool unit_properties_has_limits(const UnitProperties *p) {
        return p && (p->set & ~((UINT32_C(1) << UNIT_PROPERTY_SLICE) | (UINT32_C(1) << UNIT_PROPERTY_DESCRIPTION))) != 0;
}

bool unit_properties_get_device(const UnitProperties *p, size_t i, const char **ret_path, const char **ret_access) {
        if (!p || i >= p->n_devices)
                return false;
        *ret_path = p->devices[i].path;
        *ret_access = p->devices[i].access;
        return true;
}

int unit_properties_copy(const UnitProperties *p, UnitProperties **ret) {
        _cleanup_(unit_properties_freep) UnitProperties *c = NULL;
        int r;

        if (unit_properties_is_empty(p)) {
                *ret = NULL;
                return 0;
        }
        r = unit_properties_new(&c);
        if (r < 0)
                return r;
        *c = *p;
        /* The owned parts are made again below, through the setters. */
        c->allowed_cpus = c->allowed_memory_nodes = (UnitCpuSet) {};
        c->io_read = c->io_write = NULL;
        c->n_io_read = c->n_io_write = 0;
        c->devices = NULL;
        c->n_devices = 0;
        c->slice = c->description = NULL;
        if (unit_properties_has(p, UNIT_PROPERTY_ALLOWED_CPUS))
                r = unit_properties_set_cpu_set(c, UNIT_PROPERTY_ALLOWED_CPUS, p->allowed_cpus.bits, p->allowed_cpus.n);
        if (r >= 0 && unit_properties_has(p, UNIT_PROPERTY_ALLOWED_MEMORY_NODES))
                r = unit_properties_set_cpu_set(c, UNIT_PROPERTY_ALLOWED_MEMORY_NODES, p->allowed_memory_nodes.bits,
                                                p->allowed_memory_nodes.n);
        for (size_t i = 0; r >= 0 && i < p->n_io_read; i++)
                r = unit_properties_add_bandwidth(c, UNIT_PROPERTY_IO_READ_BANDWIDTH_MAX, p->io_read[i].path, p->io_read[i].bytes);
        for (size_t i = 0; r >= 0 && i < p->n_io_write; i++)
                r = unit_properties_add_bandwidth(c, UNIT_PROPERTY_IO_WRITE_BANDWIDTH_MAX, p->io_write[i].path, p->io_write[i].bytes);
        for (size_t i = 0; r >= 0 && i < p->n_devices; i++)
                r = unit_properties_add_device(c, p->devices[i].path, p->devices[i].access);
        if (r >= 0 && p->slice)
                r = unit_properties_set_slice(c, p->slice);
        if (r >= 0 && p->description)
                r = unit_properties_set_description(c, p->description);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

char *unit_properties_scope_path(const UnitProperties *p, const char *machine) {
        const char *slice = unit_properties_get_slice(p);
        _cleanup_free_ char *e = unit_name_escape(machine);
        _cleanup_free_ char *s = unit_slice_cgroup_path(slice ?: "machine.slice");

        return e && s ? strjoin(s, "/machine-", e, ".scope") : NULL;
}
