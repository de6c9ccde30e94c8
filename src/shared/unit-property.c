/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "unit-property.h"

/* The parser and the appliers come with issue 9's property work; until then no property is known. */
struct UnitProperties {
        char *slice;
};

int unit_properties_new(UnitProperties **ret) {
        UnitProperties *p = calloc(1, sizeof(UnitProperties));

        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

UnitProperties *unit_properties_free(UnitProperties *p) {
        if (!p)
                return NULL;
        free(p->slice);
        free(p);
        return NULL;
}

int unit_properties_parse(UnitProperties *p, const char *assignment) {
        return -EOPNOTSUPP;
}

const char *unit_properties_get_slice(const UnitProperties *p) {
        return p ? p->slice : NULL;
}

bool unit_properties_is_empty(const UnitProperties *p) {
        return !p || !p->slice;
}

int unit_properties_append_bus(const UnitPropertyBusApi *api, sd_bus_message *m, const UnitProperties *p) {
        return 0;
}

int unit_properties_apply_cgroupfs(const UnitProperties *p, const char *path) {
        return unit_properties_is_empty(p) ? 0 : -EOPNOTSUPP;
}
