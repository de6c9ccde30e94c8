/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "machinectl-properties.h"
#include "string-util.h"

static void fclose_memstream(FILE **f) {
        if (*f)
                fclose(*f);
}

static bool name_is_timestamp(const char *name) {
        size_t l = strlen(name), k = strlen("Timestamp");
        return l >= k && streq(name + l - k, "Timestamp");
}

static int read_number(sd_bus_message *m, char type, uint64_t *ret, bool *ret_signed) {
        union {
                uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u; int64_t x; uint64_t t;
        } v = {};
        int r = sd_bus_message_read_basic(m, type, &v);

        if (r < 0)
                return r;
        *ret_signed = strchr("nix", type) != NULL;
        switch (type) {
        case 'y': *ret = v.y; break;
        case 'n': *ret = (uint64_t) (int64_t) v.n; break;
        case 'q': *ret = v.q; break;
        case 'i': *ret = (uint64_t) (int64_t) v.i; break;
        case 'u': *ret = v.u; break;
        case 'x': *ret = (uint64_t) v.x; break;
        default: *ret = v.t; break;
        }
        return 0;
}

/* Arrays: ay as hex (an id), as/ao as space-separated strings, integer arrays as numbers. */
static int format_array(sd_bus_message *m, const char *contents, FILE *text, FILE *json, bool *ret_empty) {
        bool first = true;
        int r;

        if (streq(contents, "y")) {
                const void *p;
                size_t n;
                r = sd_bus_message_read_array(m, 'y', &p, &n);
                if (r < 0)
                        return r;
                fputc('"', json);
                for (size_t i = 0; i < n; i++) {
                        fprintf(text, "%02x", ((const uint8_t *) p)[i]);
                        fprintf(json, "%02x", ((const uint8_t *) p)[i]);
                }
                fputc('"', json);
                *ret_empty = n == 0;
                return 0;
        }
        if (!strchr("sognqiuxt", contents[0]) || contents[1])
                return -EOPNOTSUPP;

        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        fputc('[', json);
        for (;;) {
                if (strchr("sog", contents[0])) {
                        const char *s;
                        _cleanup_free_ char *q = NULL;
                        r = sd_bus_message_read_basic(m, contents[0], &s);
                        if (r <= 0)
                                break;
                        q = json_quote(s);
                        if (!q)
                                return -ENOMEM;
                        fprintf(text, "%s%s", first ? "" : " ", s);
                        fprintf(json, "%s%s", first ? "" : ",", q);
                } else {
                        uint64_t v;
                        bool sgn;
                        r = sd_bus_message_at_end(m, false);
                        if (r != 0)
                                break;
                        r = read_number(m, contents[0], &v, &sgn);
                        if (r < 0)
                                break;
                        char num[24];
                        if (sgn)
                                snprintf(num, sizeof(num), "%" PRIi64, (int64_t) v);
                        else
                                snprintf(num, sizeof(num), "%" PRIu64, v);
                        fprintf(text, "%s%s", first ? "" : " ", num);
                        fprintf(json, "%s%s", first ? "" : ",", num);
                }
                first = false;
        }
        if (r < 0)
                return r;
        fputc(']', json);
        *ret_empty = first;
        return sd_bus_message_exit_container(m);
}

static int format_value(sd_bus_message *m, const char *name, const char *contents, Property *p,
                        FILE *text, FILE *json) {
        char type = contents[0];
        int r;

        p->type = type;
        if (strchr("sog", type) && !contents[1]) {
                const char *s;
                _cleanup_free_ char *q = NULL;
                r = sd_bus_message_read_basic(m, type, &s);
                if (r < 0)
                        return r;
                q = json_quote(s);
                if (!q)
                        return -ENOMEM;
                fputs(s, text);
                fputs(q, json);
                p->empty = isempty(s);
                return 0;
        }
        if (type == 'b' && !contents[1]) {
                int b;
                r = sd_bus_message_read_basic(m, 'b', &b);
                if (r < 0)
                        return r;
                fputs(b ? "yes" : "no", text);
                fputs(b ? "true" : "false", json);
                return 0;
        }
        if (strchr("ynqiuxt", type) && !contents[1]) {
                bool sgn;
                r = read_number(m, type, &p->number, &sgn);
                if (r < 0)
                        return r;
                if (type == 't' && name_is_timestamp(name)) {
                        char buf[64];
                        fputs(p->number ? format_timestamp(buf, sizeof(buf), p->number) : "", text);
                        p->empty = p->number == 0;
                } else if (sgn)
                        fprintf(text, "%" PRIi64, (int64_t) p->number);
                else
                        fprintf(text, "%" PRIu64, p->number);
                if (sgn)
                        fprintf(json, "%" PRIi64, (int64_t) p->number);
                else
                        fprintf(json, "%" PRIu64, p->number);
                return 0;
        }
        if (type == 'd' && !contents[1]) {
                double d;
                r = sd_bus_message_read_basic(m, 'd', &d);
                if (r < 0)
                        return r;
                fprintf(text, "%g", d);
                fprintf(json, "%g", d);
                return 0;
        }
        if (type == 'a')
                return format_array(m, contents + 1, text, json, &p->empty);
        return -EOPNOTSUPP;
}

static int parse_one(sd_bus_message *m, Property *p) {
        _cleanup_(fclose_memstream) FILE *text = NULL, *json = NULL;
        size_t ltext, ljson;
        const char *name, *contents;
        int r;

        *p = (Property) {};
        r = sd_bus_message_read_basic(m, 's', &name);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;

        *p = (Property) { .name = strdup(name) };
        if (!p->name)
                return -ENOMEM;
        text = open_memstream(&p->text, &ltext);
        json = open_memstream(&p->json, &ljson);
        if (!text || !json)
                return -ENOMEM;
        r = format_value(m, name, contents, p, text, json);
        if (r == -EOPNOTSUPP) {
                /* A type "show" does not know: skipped, as the property is of no use to print. */
                r = sd_bus_message_skip(m, contents);
                if (r >= 0)
                        r = -EOPNOTSUPP;
        }
        if (fflush(text) != 0 || fflush(json) != 0)
                return -ENOMEM;
        if (r < 0 && r != -EOPNOTSUPP)
                return r;
        int k = sd_bus_message_exit_container(m);
        if (k < 0)
                return k;
        return r;
}

static void property_done(Property *p) {
        free(p->name);
        free(p->text);
        free(p->json);
}

int properties_parse(sd_bus_message *m, PropertyList *ret) {
        PropertyList l = {};
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r <= 0)
                        break;
                Property *n = realloc(l.items, (l.n + 1) * sizeof(Property));
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                l.items = n;
                r = parse_one(m, &l.items[l.n]);
                if (r == -EOPNOTSUPP) {
                        property_done(&l.items[l.n]);
                        r = 0;
                } else if (r < 0) {
                        property_done(&l.items[l.n]);
                        break;
                } else
                        l.n++;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                property_list_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

int properties_get_all(sd_bus *bus, const char *path, const char *interface, PropertyList *ret,
                       sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, MACHINE1_SERVICE, path, "org.freedesktop.DBus.Properties", "GetAll",
                               error, &reply, "s", interface);
        if (r < 0)
                return r;
        return properties_parse(reply, ret);
}

const Property *properties_find(const PropertyList *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].name, name))
                        return &l->items[i];
        return NULL;
}

void property_list_done(PropertyList *l) {
        for (size_t i = 0; i < l->n; i++)
                property_done(&l->items[i]);
        free(l->items);
        *l = (PropertyList) {};
}
