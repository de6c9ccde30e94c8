/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-cgroup.h"
#include "machinectl-format.h"
#include "machinectl-properties.h"
#include "machinectl-unit.h"
#include "machinectl-verbs.h"
#include "string-util.h"
#include "strv.h"

#define LABEL_WIDTH 16
#define TREE_PREFIX "                  "

/* Whole seconds would make a machine registered a moment ago look as if it came from the future. */
static uint64_t now_realtime_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static bool strv_has(char **l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

/* Escaped, as every value in "show" and "status" may come from the container. */
static void print_field(const char *label, const char *value) {
        _cleanup_free_ char *e = escape_untrusted(value);
        /* An empty label continues the field above it (a second address). */
        printf("%*s%s %s\n", LABEL_WIDTH, label, *label ? ":" : " ", e ?: "");
}

static const char *prop_text(const PropertyList *l, const char *name) {
        const Property *p = properties_find(l, name);
        return p && !p->empty ? p->text : NULL;
}

static uint64_t prop_number(const PropertyList *l, const char *name) {
        const Property *p = properties_find(l, name);
        return p ? p->number : 0;
}

static int print_properties_text(const PropertyList *l, const Args *args) {
        for (size_t i = 0; i < l->n; i++) {
                const Property *p = &l->items[i];
                bool requested = strv_has(args->properties, p->name);
                _cleanup_free_ char *e = NULL;

                if (args->properties && !requested)
                        continue;
                if (!requested && p->empty && !args->all)
                        continue;
                e = escape_untrusted(p->text);
                if (!e)
                        return log_oom();
                if (args->value)
                        puts(e);
                else
                        printf("%s=%s\n", p->name, e);
        }
        return 0;
}

static int print_properties_json(const PropertyList *l, const Args *args) {
        bool first = true;

        putchar('{');
        for (size_t i = 0; i < l->n; i++) {
                const Property *p = &l->items[i];
                _cleanup_free_ char *k = NULL;

                if (args->properties && !strv_has(args->properties, p->name))
                        continue;
                k = json_quote(p->name);
                if (!k)
                        return log_oom();
                printf("%s%s:%s", first ? "" : ",", k, p->json);
                first = false;
        }
        puts("}");
        return 0;
}

int print_properties(const PropertyList *l, const Args *args) {
        return args->output == OUTPUT_JSON ? print_properties_json(l, args) : print_properties_text(l, args);
}

static int get_machine_properties(sd_bus *bus, const char *name, PropertyList *ret) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = machine1_get_machine_path(bus, name, &path);
        if (r < 0)
                return r;
        r = properties_get_all(bus, path, MACHINE1_MACHINE, ret, &error);
        if (r < 0)
                return log_machine_error(name, &error, r, _("Could not get properties of machine"));
        return 0;
}

int verb_show(sd_bus *bus, char **names, const Args *args) {
        int r, ret = 0;

        if (!names || !names[0]) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                PropertyList l = {};

                r = properties_get_all(bus, MACHINE1_PATH, MACHINE1_MANAGER, &l, &error);
                if (r < 0)
                        return log_error_errno(r, _("Could not get the properties of the manager: %s"),
                                               error.message ?: strerror(-r));
                r = print_properties(&l, args);
                property_list_done(&l);
                return r;
        }

        STRV_FOREACH(name, names) {
                PropertyList l = {};

                r = get_machine_properties(bus, *name, &l);
                if (r >= 0) {
                        if (name != names && args->output != OUTPUT_JSON && !args->value)
                                putchar('\n');
                        r = print_properties(&l, args);
                }
                property_list_done(&l);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

static int call_with_name(sd_bus *bus, const char *method, const char *name, sd_bus_message **ret) {
        return sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, method, NULL, ret,
                                  "s", name);
}

static void print_since(const PropertyList *l) {
        uint64_t ts = prop_number(l, "Timestamp");
        char a[64], b[64], line[160];

        if (ts == 0)
                return;
        snprintf(line, sizeof(line), "%s; %s", format_timestamp(a, sizeof(a), ts),
                 format_ago(b, sizeof(b), now_realtime_usec(), ts));
        print_field(_("Since"), line);
}

static void print_leader(const PropertyList *l) {
        uint64_t leader = prop_number(l, "Leader");
        _cleanup_free_ char *comm = NULL, *line = NULL;
        char p[64];

        if (leader == 0)
                return;
        snprintf(p, sizeof(p), "/proc/%llu/comm", (unsigned long long) leader);
        if (read_small_file_at(AT_FDCWD, p, 64, &comm) >= 0)
                comm[strcspn(comm, "\n")] = 0;
        snprintf(p, sizeof(p), "%llu", (unsigned long long) leader);
        line = comm ? strjoin(p, " (", comm, ")") : strdup(p);
        if (line)
                print_field(_("Leader"), line);
}

static void print_service(const PropertyList *l) {
        const char *service = prop_text(l, "Service"), *class = prop_text(l, "Class");
        _cleanup_free_ char *line = NULL;

        if (service && class)
                line = strjoin(service, "; class ", class);
        if (line)
                print_field(_("Service"), line);
        else if (service)
                print_field(_("Service"), service);
        else if (class)
                print_field(_("Class"), class);
}

/* The host's names of the machine's interfaces ("NetworkInterfaces" holds ifindexes). */
static void print_interfaces(const PropertyList *l) {
        const char *t = prop_text(l, "NetworkInterfaces");
        char line[512] = "";
        size_t n = 0;

        if (!t)
                return;
        for (const char *p = t; *p;) {
                char *end, name[IF_NAMESIZE + 1];
                long i = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (i <= 0 || !if_indextoname((unsigned) i, name))
                        snprintf(name, sizeof(name), "%ld", i);
                n += (size_t) snprintf(line + n, sizeof(line) - MIN(n, sizeof(line)), "%s%s", n ? " " : "", name);
                if (n >= sizeof(line))
                        break;
                p = end + strspn(end, " ");
        }
        print_field(_("Iface"), line);
}

static void print_addresses_and_os(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *a = NULL, *o = NULL;
        _cleanup_strv_free_ char **addresses = NULL, **env = NULL;

        if (call_with_name(bus, "GetMachineAddresses", name, &a) >= 0 && bus_read_addresses(a, &addresses) >= 0)
                STRV_FOREACH(i, addresses)
                        print_field(i == addresses ? _("Address") : "", *i);
        if (call_with_name(bus, "GetMachineOSRelease", name, &o) >= 0 && bus_read_os_release(o, &env) >= 0) {
                const char *pretty = strv_env_get(env, "PRETTY_NAME") ?: strv_env_get(env, "ID");
                if (!isempty(pretty))
                        print_field(_("OS"), pretty);
        }
}

/* Where PID 1 is systemd, the unit is systemd's, and systemd knows its cgroup (ControlGroup), also
 * when the leader is gone already or lives where this process cannot see its cgroup. */
static int unit_control_group(sd_bus *bus, const char *unit, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *cg = NULL;
        const char *path, *type = strrchr(unit, '.');
        char iface[64];
        int r;

        if (!systemd_is_pid1() || !type || (!streq(type, ".scope") && !streq(type, ".service")))
                return -EOPNOTSUPP;
        snprintf(iface, sizeof(iface), "org.freedesktop.systemd1.%s", streq(type, ".scope") ? "Scope" : "Service");
        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", NULL, &reply, "s", unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, iface, "ControlGroup", NULL, &cg);
        if (r < 0)
                return r;
        if (isempty(cg))
                return -ENODATA;
        *ret = TAKE_PTR(cg);
        return 0;
}

static void print_tree(sd_bus *bus, const PropertyList *l) {
        uint64_t leader = prop_number(l, "Leader");
        const char *unit = prop_text(l, "Unit"), *root;
        _cleanup_free_ char *path = NULL;

        if (!unit || cgroup_unified_root(&root) < 0)
                return;
        /* Else, without its unit in the leader's cgroup path the machine has no cgroup of its own,
         * and the leader's cgroup holds processes that are not the machine's: show none. */
        if (unit_control_group(bus, unit, &path) < 0 &&
            (leader == 0 || cgroup_pid_get_path((pid_t) leader, &path) < 0 || !cgroup_path_trim_to_unit(path, unit)))
                return;
        fflush(stdout);
        (void) cgroup_show_tree(stdout, root, path, TREE_PREFIX);
}

static void print_status(sd_bus *bus, const char *name, const PropertyList *l) {
        const Property *id = properties_find(l, "Id");
        _cleanup_free_ char *e = escape_untrusted(name);
        const char *t;

        if (id && !id->empty && strspn(id->text, "0") != strlen(id->text))
                printf("%s(%s)\n", e ?: "", id->text);
        else
                printf("%s\n", e ?: "");
        print_since(l);
        /* An extension of machine1: only said when the machine is not simply running. */
        if ((t = prop_text(l, "FreezerState")) && !streq(t, "running"))
                print_field(_("Freezer"), t);
        print_leader(l);
        print_service(l);
        if ((t = prop_text(l, "RootDirectory")))
                print_field(_("Root"), t);
        print_interfaces(l);
        print_addresses_and_os(bus, name);
        if ((t = prop_text(l, "Unit")))
                print_field(_("Unit"), t);
        print_tree(bus, l);
}

int verb_status(sd_bus *bus, char **names, const Args *args) {
        int r, ret = 0;

        STRV_FOREACH(name, names) {
                PropertyList l = {};

                r = get_machine_properties(bus, *name, &l);
                if (r >= 0) {
                        if (name != names)
                                putchar('\n');
                        print_status(bus, *name, &l);
                }
                property_list_done(&l);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}
