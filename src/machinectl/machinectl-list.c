/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "machinectl-verbs.h"
#include "string-util.h"
#include "strv.h"

/* dbus-daemon's system bus allows 128 pending replies per connection; stay well below. */
#define MAX_IN_FLIGHT 64

typedef struct ListContext ListContext;

typedef struct Row {
        ListContext *ctx;
        char *name, *class, *service, *path, *os, *version;
        char **addresses;
        /* FreezerState (an extension of machine1) when it is not "running"; NULL otherwise and with a
         * registry that does not know it. */
        char *freezer;
} Row;

struct ListContext {
        Row *rows;
        size_t n;
        size_t in_flight;
        int error;
};

static void list_context_done(ListContext *c) {
        for (size_t i = 0; i < c->n; i++) {
                Row *r = &c->rows[i];
                free(r->name);
                free(r->class);
                free(r->service);
                free(r->os);
                free(r->version);
                free(r->path);
                free(r->freezer);
                strv_free(r->addresses);
        }
        free(c->rows);
}

static int read_machines(sd_bus *bus, const Args *args, ListContext *c) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *class, *service, *path;
        int r;

        r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "ListMachines",
                               &error, &reply, NULL);
        if (r < 0)
                return log_error_errno(r, _("Could not get machines: %s"),
                                       error.message ?: strerror(-r));
        r = sd_bus_message_enter_container(reply, 'a', "(ssso)");
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of ListMachines: %m"));
        while ((r = sd_bus_message_read(reply, "(ssso)", &name, &class, &service, &path)) > 0) {
                if (name[0] == '.' && !args->all)
                        continue;
                Row *n = realloc(c->rows, (c->n + 1) * sizeof(Row));
                if (!n)
                        return log_oom();
                c->rows = n;
                c->rows[c->n] = (Row) {
                        .ctx = c,
                        .name = strdup(name),
                        .class = strdup(class),
                        .service = strdup(service),
                        .path = strdup(path),
                };
                c->n++;
                if (!c->rows[c->n - 1].name || !c->rows[c->n - 1].class || !c->rows[c->n - 1].service ||
                    !c->rows[c->n - 1].path)
                        return log_oom();
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of ListMachines: %m"));
        return 0;
}

static char *strdup_nonempty(const char *s) {
        return isempty(s) ? NULL : strdup(s);
}

/* As systemd's machinectl: an empty value is "-" in the table and null in JSON. */
static const char *empty_to_null(const char *s) {
        return isempty(s) ? NULL : s;
}

static int on_os_release(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_strv_free_ char **env = NULL;
        Row *row = userdata;

        row->ctx->in_flight--;
        /* A machine whose os-release cannot be read shows "-", as with systemd's machinectl. */
        if (sd_bus_message_is_method_error(m, NULL) || bus_read_os_release(m, &env) < 0)
                return 0;
        row->os = strdup_nonempty(strv_env_get(env, "ID"));
        row->version = strdup_nonempty(strv_env_get(env, "VERSION_ID"));
        return 0;
}

static int on_addresses(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Row *row = userdata;

        row->ctx->in_flight--;
        if (!sd_bus_message_is_method_error(m, NULL))
                (void) bus_read_addresses(m, &row->addresses);
        return 0;
}

static int on_freezer_state(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Row *row = userdata;
        const char *s;

        row->ctx->in_flight--;
        if (!sd_bus_message_is_method_error(m, NULL) && sd_bus_message_read(m, "v", "s", &s) > 0 &&
            !streq(s, "running"))
                row->freezer = strdup(s);
        return 0;
}

static int call_detail(sd_bus *bus, Row *row, unsigned which) {
        switch (which) {
        case 0:
                return sd_bus_call_method_async(bus, NULL, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                                "GetMachineOSRelease", on_os_release, row, "s", row->name);
        case 1:
                return sd_bus_call_method_async(bus, NULL, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                                "GetMachineAddresses", on_addresses, row, "s", row->name);
        default:
                return sd_bus_call_method_async(bus, NULL, MACHINE1_SERVICE, row->path,
                                                "org.freedesktop.DBus.Properties", "Get", on_freezer_state, row,
                                                "ss", MACHINE1_MACHINE, "FreezerState");
        }
}

#define DETAILS_PER_ROW 3

/* Three calls per machine, pipelined: with 1,000 machines one round trip each would cost 150 ms. */
static int read_details(sd_bus *bus, ListContext *c) {
        size_t next = 0, total = c->n * DETAILS_PER_ROW;
        int r;

        while (next < total || c->in_flight > 0) {
                while (next < total && c->in_flight < MAX_IN_FLIGHT) {
                        r = call_detail(bus, &c->rows[next / DETAILS_PER_ROW], next % DETAILS_PER_ROW);
                        if (r < 0)
                                return log_error_errno(r, _("Failed to issue a method call: %m"));
                        c->in_flight++;
                        next++;
                }
                r = bus_process_or_wait(bus);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int row_compare(const void *a, const void *b) {
        return strcmp(((const Row *) a)->name, ((const Row *) b)->name);
}

static int print_json_string_or_null(const char *s) {
        _cleanup_free_ char *q = NULL;

        if (!s) {
                fputs("null", stdout);
                return 0;
        }
        q = json_quote(s);
        if (!q)
                return log_oom();
        fputs(q, stdout);
        return 0;
}

static int print_json(const ListContext *c) {
        static const char *const keys[] = { "machine", "class", "service", "os", "version" };

        putchar('[');
        for (size_t i = 0; i < c->n; i++) {
                const Row *row = &c->rows[i];
                const char *values[] = { row->name, empty_to_null(row->class), empty_to_null(row->service),
                                         row->os, row->version };

                printf("%s{", i > 0 ? "," : "");
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        printf("\"%s\":", keys[k]);
                        if (print_json_string_or_null(values[k]) < 0)
                                return -ENOMEM;
                        putchar(',');
                }
                /* Only where it says something: the objects stay as systemd's machinectl prints them. */
                if (row->freezer) {
                        fputs("\"freezer\":", stdout);
                        if (print_json_string_or_null(row->freezer) < 0)
                                return -ENOMEM;
                        putchar(',');
                }
                /* No addresses: null, not [], as systemd's machinectl has it. */
                fputs("\"addresses\":", stdout);
                if (!row->addresses || !row->addresses[0])
                        fputs("null", stdout);
                else {
                        putchar('[');
                        STRV_FOREACH(a, row->addresses) {
                                if (a != row->addresses)
                                        putchar(',');
                                if (print_json_string_or_null(*a) < 0)
                                        return -ENOMEM;
                        }
                        putchar(']');
                }
                putchar('}');
        }
        puts("]");
        return 0;
}

static bool any_freezer(const ListContext *c) {
        for (size_t i = 0; i < c->n; i++)
                if (c->rows[i].freezer)
                        return true;
        return false;
}

/* The FREEZER column comes last, and only while a machine is not running: the columns that scripts
 * and the existing tools read keep their places. */
static int print_table(const ListContext *c, const Args *args) {
        static const char *const headers[] = { "MACHINE", "CLASS", "SERVICE", "OS", "VERSION", "ADDRESSES", "FREEZER" };
        bool freezer = any_freezer(c);
        _cleanup_(table_freep) Table *t = table_new(ELEMENTSOF(headers) - !freezer, headers);
        _cleanup_free_ char *text = NULL;
        int r;

        if (!t)
                return log_oom();
        for (size_t i = 0; i < c->n; i++) {
                const Row *row = &c->rows[i];
                _cleanup_free_ char *addr = NULL;

                /* One address per row, "…" when there are more (systemd's --max-addresses=1). */
                if (row->addresses && row->addresses[0]) {
                        addr = strjoin(row->addresses[0], row->addresses[1] ? "…" : "");
                        if (!addr)
                                return log_oom();
                }
                const char *cells[] = { row->name, empty_to_null(row->class), empty_to_null(row->service),
                                        row->os, row->version, addr, row->freezer };
                r = table_add_row(t, cells);
                if (r < 0)
                        return log_oom();
        }

        if (c->n == 0) {
                if (args->legend)
                        puts(_("No machines."));
                return 0;
        }
        r = table_format(t, args->legend, &text);
        if (r < 0)
                return log_oom();
        fputs(text, stdout);
        if (args->legend)
                printf(NG_("\n%zu machine listed.\n", "\n%zu machines listed.\n", c->n), c->n);
        return 0;
}

int verb_list(sd_bus *bus, char **names, const Args *args) {
        ListContext c = {};
        int r;

        r = read_machines(bus, args, &c);
        if (r >= 0)
                r = read_details(bus, &c);
        if (r >= 0) {
                qsort(c.rows, c.n, sizeof(Row), row_compare);
                r = args->output == OUTPUT_JSON ? print_json(&c) : print_table(&c, args);
        }
        list_context_done(&c);
        return r;
}
