/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "image-clone.h"
#include "image-dbus.h"
#include "image-metadata.h"
#include "log.h"
#include "machined-bus.h"
#include "manager-image.h"
#include "operation.h"
#include "string-util.h"
#include "strv.h"

/* The org.freedesktop.machine1.Image objects: marshal, validate, authorize, call, reply. Images are
 * not kept in memory (the pool is the truth, as in systemd: a tree copied in by hand is an image at
 * once); an object lookup reads the image from the pool, and the Image read for one message is kept
 * until the event loop is idle again, so that a GetAll and its properties see one image. */

static Manager *image_manager;
static Image **image_cache;
static size_t image_cache_n;
static sd_event_source *image_cache_flush;

static int on_image_cache_flush(sd_event_source *s, void *userdata) {
        image_array_free(image_cache, image_cache_n);
        image_cache = NULL;
        image_cache_n = 0;
        image_cache_flush = sd_event_source_unref(image_cache_flush);
        return 0;
}

static int image_cache_add(Image *i) {
        Image **n = realloc(image_cache, (image_cache_n + 1) * sizeof(Image *));
        int r;

        if (!n)
                return -ENOMEM;
        image_cache = n;
        image_cache[image_cache_n++] = i;
        if (!image_cache_flush && image_manager && image_manager->event) {
                r = sd_event_add_defer(image_manager->event, &image_cache_flush, on_image_cache_flush, NULL);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_priority(image_cache_flush, SD_EVENT_PRIORITY_IDLE);
        }
        return 0;
}

int bus_image_path(const char *name, char **ret) {
        return sd_bus_path_encode(MACHINE1_IMAGE_PREFIX, name, ret);
}

int bus_image_lookup(const char *name, Image **ret, sd_bus_error *error) {
        int r;

        if (!image_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid image name '%s'", BUS_ARG(name));
        r = image_find(name, ret);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_IMAGE, "No image '%s' known", name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to look up image '%s': %m", name);
        return 0;
}

/* The pool's refusals, worded for the bus. */
static int image_error(sd_bus_error *error, int r, const Image *i, const char *what, const char *other) {
        switch (r) {
        case -EROFS:
                return sd_bus_error_set_errnof(error, r, "Image '%s' is a vendor image (read-only pool %s), it cannot be %s",
                                               i->name, i->path, what);
        case -EEXIST:
                return sd_bus_error_setf(error, SD_BUS_ERROR_FILE_EXISTS, "An image '%s' exists already", strna(other));
        case -EOPNOTSUPP:
                return sd_bus_error_set_errnof(error, r, "Image '%s' cannot be %s: the filesystem does not support it",
                                               i->name, what);
        default:
                return sd_bus_error_set_errnof(error, r, "Image '%s' could not be %s: %m", i->name, what);
        }
}

static int refuse_in_use(Manager *m, const Image *i, const char *what, sd_bus_error *error) {
        const char *machine = NULL;
        int r = manager_image_in_use(m, i, &machine);

        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to check whether image '%s' is in use: %m", i->name);
        if (r == 0)
                return 0;
        if (machine)
                return sd_bus_error_set_errnof(error, EBUSY, "Image '%s' is in use by running machine '%s', it cannot be %s",
                                               i->name, machine, what);
        return sd_bus_error_set_errnof(error, EBUSY, "Image '%s' is in use (locked by a running nspawn), it cannot be %s",
                                       i->name, what);
}

static int remove_work(void *userdata, char *message, size_t message_size) {
        int r = rm_rf_at(AT_FDCWD, userdata);

        if (r < 0)
                snprintf(message, message_size, "Failed to remove %s: %s", (const char *) userdata, strerror(-r));
        return r;
}

/* The image leaves the pool at once (renamed to a hidden work name); the tree goes in an operation,
 * so that a big one does not stop machined. */
int bus_image_remove(sd_bus_message *msg, Manager *m, Image *i, sd_bus_error *error) {
        _cleanup_free_ char *work = NULL, *copy = NULL;
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        r = refuse_in_use(m, i, "removed", error);
        if (r < 0)
                return r;
        r = image_remove_begin(i, &work);
        if (r < 0)
                return image_error(error, r, i, "removed", NULL);
        if (!work)
                return sd_bus_reply_method_return(msg, NULL);
        copy = strdup(work);
        if (!copy)
                return -ENOMEM;
        OperationSpec spec = { .work = remove_work, .userdata = TAKE_PTR(work), .free_userdata = free };
        r = operation_start(m, msg, &spec, NULL);
        if (r >= 0)
                return 1;
        /* No child to do it (too many operations): here, then. */
        r = rm_rf_at(AT_FDCWD, copy);
        if (r < 0)
                return image_error(error, r, i, "removed", NULL);
        return sd_bus_reply_method_return(msg, NULL);
}

static void clone_progress_child(uint64_t done, uint64_t total) {
        operation_progress("%llu %llu", (unsigned long long) done, (unsigned long long) total);
}

static int clone_work(void *userdata, char *message, size_t message_size) {
        return clone_job_run(userdata, clone_progress_child, message, message_size);
}

static void clone_progress(Operation *o, const char *line, void *userdata) {
        CloneJob *j = userdata;
        unsigned long long done, total;
        int r;

        if (!image_manager || !image_manager->bus || sscanf(line, "%llu %llu", &done, &total) != 2)
                return;
        r = sd_bus_emit_signal(image_manager->bus, MACHINE1_PATH, MACHINE1_MANAGER_INTERFACE, "CloneProgress", "stt",
                               j->new_name, (uint64_t) done, (uint64_t) total);
        if (r < 0)
                log_debug_errno(r, "Failed to send CloneProgress for %s, ignoring: %m", j->new_name);
}

static int clone_done(Operation *o, sd_bus_message *request, int error, const char *message, void *userdata) {
        CloneJob *j = userdata;
        int r;

        if (error < 0) {
                clone_job_abort(j);
                if (error == -ECANCELED)
                        return 0;
                return operation_reply_error(request, error, message);
        }
        r = clone_job_finish(j);
        if (r == -EEXIST)
                return sd_bus_reply_method_errorf(request, SD_BUS_ERROR_FILE_EXISTS, "An image '%s' exists already",
                                                  j->new_name);
        if (r < 0)
                return sd_bus_reply_method_errnof(request, -r, "Failed to complete the clone %s: %m", j->new_name);
        r = clone_job_mark_read_only(j);
        if (r < 0)
                return sd_bus_reply_method_errnof(request, -r, "Image '%s' was cloned, but could not be marked read-only: %m",
                                                  j->new_name);
        return sd_bus_reply_method_return(request, NULL);
}

int bus_image_clone(sd_bus_message *msg, Manager *m, Image *i, const char *new_name, int read_only,
                    sd_bus_error *error) {
        CloneJob *j = NULL;
        int r;

        if (!image_name_is_valid(new_name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid image name '%s'", BUS_ARG(new_name));
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        if (i->type == IMAGE_BLOCK)
                return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED, "Image '%s' is a block device; it cannot be cloned",
                                         i->name);
        r = clone_job_new(i, new_name, read_only, &j);
        if (r < 0)
                return image_error(error, r, i, "cloned", new_name);
        OperationSpec spec = {
                .work = clone_work,
                .done = clone_done,
                .progress = clone_progress,
                .userdata = j,
                .free_userdata = clone_job_free,
        };
        r = operation_start(m, msg, &spec, NULL);
        if (r == -EBUSY)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many operations in progress");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to start the clone of image '%s': %m", i->name);
        return 1;
}

int bus_image_rename(sd_bus_message *msg, Manager *m, Image *i, const char *new_name, sd_bus_error *error) {
        int r;

        if (!image_name_is_valid(new_name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid image name '%s'", BUS_ARG(new_name));
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        r = refuse_in_use(m, i, "renamed", error);
        if (r < 0)
                return r;
        r = image_rename(i, new_name);
        if (r < 0)
                return image_error(error, r, i, "renamed", new_name);
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_image_mark_read_only(sd_bus_message *msg, Manager *m, Image *i, int read_only, sd_bus_error *error) {
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        r = image_set_read_only(i, read_only);
        if (r < 0)
                return image_error(error, r, i, read_only ? "marked read-only" : "marked writable", NULL);
        return sd_bus_reply_method_return(msg, NULL);
}

int bus_image_set_limit(sd_bus_message *msg, Image *i, uint64_t limit, sd_bus_error *error) {
        int r = bus_verify_root(msg, error);

        if (r < 0)
                return r;
        /* systemd sets btrfs quota groups; this pool keeps no quota. */
        return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                 "Image size limits need btrfs quota, which machined does not manage");
}

static int read_metadata(Image *i, ImageMetadata *ret, sd_bus_error *error) {
        char problem[256];
        int r = image_read_metadata(i, ret, problem, sizeof(problem));

        if (r == -EBADMSG && problem[0])
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Image '%s' is not a usable disk image: %s",
                                         i->name, problem);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the metadata of image '%s': %m", i->name);
        return 0;
}

int bus_image_get_hostname(sd_bus_message *msg, Image *i, sd_bus_error *error) {
        _cleanup_(image_metadata_done) ImageMetadata md = {};
        int r = read_metadata(i, &md, error);

        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "s", strempty(md.hostname));
}

int bus_image_get_machine_id(sd_bus_message *msg, Image *i, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(image_metadata_done) ImageMetadata md = {};
        int r = read_metadata(i, &md, error);

        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        /* No id: an empty array, as systemd answers. */
        r = sd_bus_message_append_array(reply, 'y', md.machine_id, md.has_machine_id ? sizeof(md.machine_id) : 0);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_image_get_machine_info(sd_bus_message *msg, Image *i, sd_bus_error *error) {
        _cleanup_(image_metadata_done) ImageMetadata md = {};
        int r = read_metadata(i, &md, error);

        if (r < 0)
                return r;
        return bus_reply_pairs(msg, md.machine_info);
}

int bus_image_get_os_release(sd_bus_message *msg, Image *i, sd_bus_error *error) {
        _cleanup_(image_metadata_done) ImageMetadata md = {};
        int r = read_metadata(i, &md, error);

        if (r < 0)
                return r;
        return bus_reply_pairs(msg, md.os_release);
}

static int method_remove(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_image_remove(msg, image_manager, userdata, error);
}

static int method_rename(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *new_name;
        int r = sd_bus_message_read(msg, "s", &new_name);

        if (r < 0)
                return r;
        return bus_image_rename(msg, image_manager, userdata, new_name, error);
}

static int method_clone(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        const char *new_name;
        int read_only;
        int r = sd_bus_message_read(msg, "sb", &new_name, &read_only);

        if (r < 0)
                return r;
        return bus_image_clone(msg, image_manager, userdata, new_name, read_only, error);
}

static int method_mark_read_only(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        int read_only;
        int r = sd_bus_message_read(msg, "b", &read_only);

        if (r < 0)
                return r;
        return bus_image_mark_read_only(msg, image_manager, userdata, read_only, error);
}

static int method_set_limit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        uint64_t limit;
        int r = sd_bus_message_read(msg, "t", &limit);

        if (r < 0)
                return r;
        return bus_image_set_limit(msg, userdata, limit, error);
}

static int method_get_hostname(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_image_get_hostname(msg, userdata, error);
}

static int method_get_machine_id(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_image_get_machine_id(msg, userdata, error);
}

static int method_get_machine_info(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_image_get_machine_info(msg, userdata, error);
}

static int method_get_os_release(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        return bus_image_get_os_release(msg, userdata, error);
}

static int property_get_type(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append(reply, "s", image_type_to_string(i->type));
}

static int property_get_read_only(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Image *i = userdata;
        return sd_bus_message_append(reply, "b", (int) i->read_only);
}

#define U SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Image, name), 0),
        SD_BUS_PROPERTY("Path", "s", NULL, offsetof(Image, path), 0),
        SD_BUS_PROPERTY("Type", "s", property_get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ReadOnly", "b", property_get_read_only, 0, 0),
        SD_BUS_PROPERTY("CreationTimestamp", "t", NULL, offsetof(Image, crtime), 0),
        SD_BUS_PROPERTY("ModificationTimestamp", "t", NULL, offsetof(Image, mtime), 0),
        SD_BUS_PROPERTY("Usage", "t", NULL, offsetof(Image, usage), 0),
        SD_BUS_PROPERTY("Limit", "t", NULL, offsetof(Image, limit), 0),
        SD_BUS_PROPERTY("UsageExclusive", "t", NULL, offsetof(Image, usage_exclusive), 0),
        SD_BUS_PROPERTY("LimitExclusive", "t", NULL, offsetof(Image, limit_exclusive), 0),
        SD_BUS_METHOD_WITH_ARGS("Remove", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_remove, U),
        SD_BUS_METHOD_WITH_ARGS("Rename", SD_BUS_ARGS("s", new_name), SD_BUS_NO_RESULT, method_rename, U),
        SD_BUS_METHOD_WITH_ARGS("Clone", SD_BUS_ARGS("s", new_name, "b", read_only), SD_BUS_NO_RESULT,
                                method_clone, U),
        SD_BUS_METHOD_WITH_ARGS("MarkReadOnly", SD_BUS_ARGS("b", read_only), SD_BUS_NO_RESULT,
                                method_mark_read_only, U),
        SD_BUS_METHOD_WITH_ARGS("SetLimit", SD_BUS_ARGS("t", limit), SD_BUS_NO_RESULT, method_set_limit, U),
        SD_BUS_METHOD_WITH_ARGS("GetHostname", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", hostname),
                                method_get_hostname, U),
        SD_BUS_METHOD_WITH_ARGS("GetMachineID", SD_BUS_NO_ARGS, SD_BUS_RESULT("ay", id),
                                method_get_machine_id, U),
        SD_BUS_METHOD_WITH_ARGS("GetMachineInfo", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{ss}", machine_info),
                                method_get_machine_info, U),
        SD_BUS_METHOD_WITH_ARGS("GetOSRelease", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{ss}", os_release),
                                method_get_os_release, U),
        SD_BUS_VTABLE_END
};

/* The label must be the canonical escaping of a valid name (as for machines: "_2e" and "." must not
 * be two paths of one image). */
static int image_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                             void **ret_found, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL, *canonical = NULL;
        Image *i;
        int r;

        r = sd_bus_path_decode(path, MACHINE1_IMAGE_PREFIX, &name);
        if (r <= 0)
                return r;
        if (!image_name_is_valid(name))
                return 0;
        r = bus_image_path(name, &canonical);
        if (r < 0)
                return r;
        if (!streq(canonical, path))
                return 0;
        r = image_find(name, &i);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = image_cache_add(i);
        if (r < 0) {
                image_free(i);
                return r;
        }
        *ret_found = i;
        return 1;
}

static int image_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                 sd_bus_error *error) {
        Image **images = NULL;
        char **l = NULL;
        size_t n = 0;
        int r;

        r = image_discover(&images, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n && r >= 0; k++) {
                char *p;
                r = bus_image_path(images[k]->name, &p);
                if (r >= 0)
                        r = strv_consume(&l, p);
        }
        image_array_free(images, n);
        if (r < 0) {
                strv_free(l);
                return r;
        }
        *nodes = l;
        return 1;
}

int image_dbus_register(Manager *m) {
        int r;

        image_manager = m;
        r = sd_bus_add_fallback_vtable(m->bus, NULL, MACHINE1_IMAGE_PREFIX, MACHINE1_IMAGE_INTERFACE, image_vtable,
                                       image_object_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(m->bus, NULL, MACHINE1_IMAGE_PREFIX, image_node_enumerator, m);
}
