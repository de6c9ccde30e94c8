/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* One property read with Properties.GetAll, formatted for "show" and "status". */
typedef struct Property {
        char *name;
        char *text;      /* as "show" prints it, not yet escaped */
        char *json;      /* a JSON value */
        uint64_t number; /* for integer types */
        char type;       /* the first character of the signature */
        bool empty;
} Property;

typedef struct PropertyList {
        Property *items;
        size_t n;
} PropertyList;

int properties_get_all(sd_bus *bus, const char *path, const char *interface, PropertyList *ret,
                       sd_bus_error *error);
/* Parses an a{sv} (as GetAll returns it). */
int properties_parse(sd_bus_message *m, PropertyList *ret);
const Property *properties_find(const PropertyList *l, const char *name);
void property_list_done(PropertyList *l);

struct Args;
/* As "show" prints them: NAME=VALUE lines (escaped; -p, --value, -a) or one JSON object (-o json). */
int print_properties(const PropertyList *l, const struct Args *args);
