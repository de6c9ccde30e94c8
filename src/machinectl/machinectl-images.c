/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "machinectl-properties.h"
#include "machinectl-verbs.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

/* The image verbs: list-images, image-status, show-image, clone, rename, remove, read-only, clean. */

#define MACHINE1_IMAGE "org.freedesktop.machine1.Image"
#define MACHINE1_NO_SUCH_IMAGE "org.freedesktop.machine1.NoSuchImage"
#define LABEL_WIDTH 16
/* Long work (a clone of a big tree, the removal of one) is done when it is done. */
#define LONG_CALL_TIMEOUT_USEC (UINT64_C(24) * 3600 * 1000000)

/* "1.5G" as systemd's format_bytes() prints sizes; "-" for unknown. */
static char *format_bytes(char *buf, size_t size, uint64_t bytes) {
        static const char suffixes[] = "KMGTPE";
        double v = (double) bytes;
        size_t i = 0;

        if (bytes == UINT64_MAX) {
                snprintf(buf, size, "-");
                return buf;
        }
        if (bytes < 1024) {
                snprintf(buf, size, "%" PRIu64 "B", bytes);
                return buf;
        }
        v /= 1024;
        while (v >= 1024 && i + 1 < sizeof(suffixes) - 1) {
                v /= 1024;
                i++;
        }
        snprintf(buf, size, "%.1f%c", v, suffixes[i]);
        return buf;
}

static int log_image_error(const char *name, const sd_bus_error *error, int r, const char *what) {
        return log_object_error(name, error, r, what, MACHINE1_NO_SUCH_IMAGE, _("No image '%s' known"), -ENOENT);
}

typedef struct ImageRow {
        char *name, *type;
        int read_only;
        uint64_t crtime, mtime, usage;
} ImageRow;

static void image_rows_free(ImageRow *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(rows[i].name);
                free(rows[i].type);
        }
        free(rows);
}

static int read_images(sd_bus *bus, const Args *args, ImageRow **ret, size_t *ret_n) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *type, *path;
        ImageRow *rows = NULL;
        uint64_t crtime, mtime, usage;
        size_t n = 0;
        int ro, r;

        r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "ListImages", &error, &reply,
                               NULL);
        if (r < 0)
                return log_error_errno(r, _("Could not get images: %s"), error.message ?: strerror(-r));
        r = sd_bus_message_enter_container(reply, 'a', "(ssbttto)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(ssbttto)", &name, &type, &ro, &crtime, &mtime, &usage,
                                                  &path)) > 0) {
                if (name[0] == '.' && !args->all)
                        continue;
                ImageRow *nr = realloc(rows, (n + 1) * sizeof(ImageRow));
                if (!nr) {
                        r = -ENOMEM;
                        break;
                }
                rows = nr;
                rows[n] = (ImageRow) { .name = strdup(name), .type = strdup(type), .read_only = ro,
                                       .crtime = crtime, .mtime = mtime, .usage = usage };
                n++;
                if (!rows[n - 1].name || !rows[n - 1].type) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r < 0) {
                image_rows_free(rows, n);
                return log_error_errno(r, _("Failed to parse the reply of ListImages: %m"));
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

static int print_images_json(const ImageRow *rows, size_t n) {
        putchar('[');
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = json_quote(rows[i].name), *type = json_quote(rows[i].type);
                char usage[32] = "null", crtime[32] = "null";

                if (!name || !type)
                        return log_oom();
                if (rows[i].usage != UINT64_MAX)
                        snprintf(usage, sizeof(usage), "%" PRIu64, rows[i].usage);
                if (rows[i].crtime != 0)
                        snprintf(crtime, sizeof(crtime), "%" PRIu64, rows[i].crtime);
                printf("%s{\"name\":%s,\"type\":%s,\"ro\":%s,\"usage\":%s,\"created\":%s,\"modified\":%" PRIu64 "}",
                       i > 0 ? "," : "", name, type, rows[i].read_only ? "true" : "false", usage, crtime, rows[i].mtime);
        }
        puts("]");
        return 0;
}

static int print_images_table(const ImageRow *rows, size_t n, const Args *args) {
        static const char *const headers[] = { "NAME", "TYPE", "RO", "USAGE", "CREATED", "MODIFIED" };
        _cleanup_(table_freep) Table *t = table_new(ELEMENTSOF(headers), headers);
        _cleanup_free_ char *text = NULL;
        int r;

        if (!t)
                return log_oom();
        if (n == 0) {
                if (args->legend)
                        puts(_("No images."));
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                char usage[32], created[64], modified[64];
                const char *cells[] = {
                        rows[i].name, rows[i].type, rows[i].read_only ? "yes" : "no",
                        format_bytes(usage, sizeof(usage), rows[i].usage),
                        format_timestamp(created, sizeof(created), rows[i].crtime),
                        format_timestamp(modified, sizeof(modified), rows[i].mtime),
                };
                r = table_add_row(t, cells);
                if (r < 0)
                        return log_oom();
        }
        r = table_format(t, args->legend, &text);
        if (r < 0)
                return log_oom();
        fputs(text, stdout);
        if (args->legend)
                printf(NG_("\n%zu image listed.\n", "\n%zu images listed.\n", n), n);
        return 0;
}

int verb_list_images(sd_bus *bus, char **names, const Args *args) {
        ImageRow *rows = NULL;
        size_t n = 0;
        int r;

        r = read_images(bus, args, &rows, &n);
        if (r < 0)
                return r;
        r = args->output == OUTPUT_JSON ? print_images_json(rows, n) : print_images_table(rows, n, args);
        image_rows_free(rows, n);
        return r;
}

static int get_image_path(sd_bus *bus, const char *name, char **ret) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "GetImage", &error, &reply,
                               "s", name);
        if (r < 0)
                return log_image_error(name, &error, r, _("Could not get image"));
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of GetImage: %m"));
        *ret = strdup(path);
        return *ret ? 0 : log_oom();
}

static int get_image_properties(sd_bus *bus, const char *name, char **ret_path, PropertyList *ret) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        r = get_image_path(bus, name, &path);
        if (r < 0)
                return r;
        r = properties_get_all(bus, path, MACHINE1_IMAGE, ret, &error);
        if (r < 0)
                return log_image_error(name, &error, r, _("Could not get properties of image"));
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

int verb_show_image(sd_bus *bus, char **names, const Args *args) {
        int r, ret = 0;

        if (!names || !names[0])
                return verb_show(bus, NULL, args);
        STRV_FOREACH(name, names) {
                PropertyList l = {};

                r = get_image_properties(bus, *name, NULL, &l);
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

/* Escaped: the image's files are the guest's. */
static void print_field(const char *label, const char *value) {
        _cleanup_free_ char *e = escape_untrusted(value);
        printf("%*s: %s\n", LABEL_WIDTH, label, e ?: "");
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void print_time_field(const char *label, uint64_t t) {
        char a[64], b[64], line[160];

        if (t == 0)
                return;
        snprintf(line, sizeof(line), "%s; %s", format_timestamp(a, sizeof(a), t), format_ago(b, sizeof(b), now_usec(), t));
        print_field(label, line);
}

static void print_size_field(const char *label, uint64_t v) {
        char buf[32];

        if (v != UINT64_MAX)
                print_field(label, format_bytes(buf, sizeof(buf), v));
}

/* What the image says of itself; a file it does not have is simply not shown. */
static void print_image_metadata(sd_bus *bus, const char *path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *h = NULL, *id = NULL, *os = NULL;
        _cleanup_strv_free_ char **env = NULL;
        const char *hostname;
        const void *p;
        size_t n;

        if (sd_bus_call_method(bus, MACHINE1_SERVICE, path, MACHINE1_IMAGE, "GetHostname", NULL, &h, NULL) >= 0 &&
            sd_bus_message_read(h, "s", &hostname) >= 0 && !isempty(hostname))
                print_field(_("Hostname"), hostname);
        if (sd_bus_call_method(bus, MACHINE1_SERVICE, path, MACHINE1_IMAGE, "GetMachineID", NULL, &id, NULL) >= 0 &&
            sd_bus_message_read_array(id, 'y', &p, &n) >= 0 && n == 16) {
                char hex[33];
                for (size_t i = 0; i < 16; i++)
                        snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *) p)[i]);
                print_field(_("Machine ID"), hex);
        }
        if (sd_bus_call_method(bus, MACHINE1_SERVICE, path, MACHINE1_IMAGE, "GetOSRelease", NULL, &os, NULL) >= 0 &&
            bus_read_os_release(os, &env) >= 0) {
                const char *pretty = strv_env_get(env, "PRETTY_NAME") ?: strv_env_get(env, "ID");
                if (!isempty(pretty))
                        print_field(_("OS"), pretty);
        }
}

static const char *prop_text(const PropertyList *l, const char *name) {
        const Property *p = properties_find(l, name);
        return p && !p->empty ? p->text : NULL;
}

static uint64_t prop_number(const PropertyList *l, const char *name, uint64_t fallback) {
        const Property *p = properties_find(l, name);
        return p ? p->number : fallback;
}

int verb_image_status(sd_bus *bus, char **names, const Args *args) {
        int r, ret = 0;

        STRV_FOREACH(name, names) {
                _cleanup_free_ char *path = NULL, *e = NULL;
                PropertyList l = {};
                const char *t;

                r = get_image_properties(bus, *name, &path, &l);
                if (r >= 0) {
                        if (name != names)
                                putchar('\n');
                        e = escape_untrusted(*name);
                        printf("%s\n", strempty(e));
                        if ((t = prop_text(&l, "Path")))
                                print_field(_("Path"), t);
                        if ((t = prop_text(&l, "Type")))
                                print_field(_("Type"), t);
                        print_image_metadata(bus, path);
                        print_field(_("RO"), streq_ptr(prop_text(&l, "ReadOnly"), "yes") ? _("read-only") : _("writable"));
                        print_time_field(_("Created"), prop_number(&l, "CreationTimestamp", 0));
                        print_time_field(_("Modified"), prop_number(&l, "ModificationTimestamp", 0));
                        print_size_field(_("Usage"), prop_number(&l, "Usage", UINT64_MAX));
                        print_size_field(_("Limit"), prop_number(&l, "Limit", UINT64_MAX));
                }
                property_list_done(&l);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

static int call_long(sd_bus *bus, const char *method, const char *name, sd_bus_error *error,
                     sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, method);
        if (r < 0)
                return r;
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, LONG_CALL_TIMEOUT_USEC, error, reply);
}

int verb_rename_image(sd_bus *bus, char **names, const Args *args) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = call_long(bus, "RenameImage", names[0], &error, NULL, "ss", names[0], names[1]);

        if (r < 0)
                return log_image_error(names[0], &error, r, _("Could not rename image"));
        return 0;
}

int verb_remove_image(sd_bus *bus, char **names, const Args *args) {
        int ret = 0;

        STRV_FOREACH(name, names) {
                _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = call_long(bus, "RemoveImage", *name, &error, NULL, "s", *name);
                if (r < 0 && ret == 0)
                        ret = log_image_error(*name, &error, r, _("Could not remove image"));
        }
        return ret;
}

int verb_read_only_image(sd_bus *bus, char **names, const Args *args) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        int b = 1, r;

        if (names[1]) {
                b = parse_boolean(names[1]);
                if (b < 0)
                        return log_error_errno(-EINVAL, _("Failed to parse read-only boolean '%s'."), names[1]);
        }
        r = call_long(bus, "MarkImageReadOnly", names[0], &error, NULL, "sb", names[0], b);
        if (r < 0)
                return log_image_error(names[0], &error, r, _("Could not mark image read-only"));
        return 0;
}

int verb_clean_images(sd_bus *bus, char **names, const Args *args) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t usage, total = 0;
        const char *name;
        size_t n = 0;
        char buf[32];
        int r;

        r = call_long(bus, "CleanPool", NULL, &error, &reply, "s", args->all ? "all" : "hidden");
        if (r < 0)
                return log_error_errno(r, _("Could not clean the pool: %s"), error.message ?: strerror(-r));
        r = sd_bus_message_enter_container(reply, 'a', "(st)");
        while (r >= 0 && (r = sd_bus_message_read(reply, "(st)", &name, &usage)) > 0) {
                _cleanup_free_ char *e = escape_untrusted(name);
                if (usage == UINT64_MAX)
                        log_info(_("Removed image '%s'."), strempty(e));
                else {
                        log_info(_("Removed image '%s'. Freed %s."), strempty(e), format_bytes(buf, sizeof(buf), usage));
                        total += usage;
                }
                n++;
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of CleanPool: %m"));
        if (total > 0)
                log_info(NG_("Removed %zu image in total, %s freed.", "Removed %zu images in total, %s freed.", n), n,
                         format_bytes(buf, sizeof(buf), total));
        else
                log_info(NG_("Removed %zu image in total.", "Removed %zu images in total.", n), n);
        return 0;
}

typedef struct CloneWait {
        const char *new_name;
        bool quiet, tty, done;
        int last_step;
        sd_bus_error error;
        int r;
} CloneWait;

/* On a terminal one line, rewritten; elsewhere (a log) a line per tenth. */
static int on_clone_progress(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        CloneWait *w = userdata;
        const char *name;
        uint64_t done, total;
        char a[32], b[32];
        int percent;

        if (w->quiet || sd_bus_message_read(m, "stt", &name, &done, &total) < 0 || !streq(name, w->new_name) ||
            total == 0)
                return 0;
        percent = (int) (done >= total ? 100 : done * 100 / total);
        if (w->tty)
                fprintf(stderr, "\r%s %3d%% (%s of %s)\033[K", _("Copying:"), percent,
                        format_bytes(a, sizeof(a), done), format_bytes(b, sizeof(b), total));
        else if (percent / 10 > w->last_step) {
                w->last_step = percent / 10;
                fprintf(stderr, "%s %3d%% (%s of %s)\n", _("Copying:"), percent, format_bytes(a, sizeof(a), done),
                        format_bytes(b, sizeof(b), total));
        }
        return 0;
}

static int on_clone_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        CloneWait *w = userdata;

        w->done = true;
        if (sd_bus_message_is_method_error(m, NULL)) {
                (void) sd_bus_error_copy(&w->error, sd_bus_message_get_error(m));
                w->r = -sd_bus_message_get_errno(m) ?: -EIO;
        }
        return 0;
}

int verb_clone_image(sd_bus *bus, char **names, const Args *args) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL, *call = NULL;
        CloneWait w = { .new_name = names[1], .quiet = args->quiet, .tty = isatty(STDERR_FILENO),
                        .last_step = -1, .error = SD_BUS_ERROR_NULL };
        int r;

        /* The progress signals of this clone (an extension of machine1: an older machined sends
         * none, and the clone simply shows no progress). */
        r = sd_bus_match_signal(bus, &match, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "CloneProgress",
                                on_clone_progress, &w);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER,
                                                   "CloneImage");
        if (r >= 0)
                r = sd_bus_message_append(m, "ssb", names[0], names[1], (int) args->read_only);
        if (r >= 0)
                r = sd_bus_call_async(bus, &call, m, on_clone_reply, &w, LONG_CALL_TIMEOUT_USEC);
        if (r < 0)
                return log_error_errno(r, _("Failed to issue a method call: %m"));
        while (!w.done) {
                r = bus_process_or_wait(bus);
                if (r < 0)
                        return r;
        }
        if (w.tty && !w.quiet)
                fputs("\r\033[K", stderr);
        if (w.r < 0) {
                r = log_image_error(names[0], &w.error, w.r, _("Could not clone image"));
                sd_bus_error_free(&w.error);
                return r;
        }
        return 0;
}
