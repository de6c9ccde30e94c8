/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-dbus.h"
#include "log.h"
#include "machined-bus.h"
#include "manager-image.h"
#include "operation.h"
#include "string-util.h"

/* The image part of org.freedesktop.machine1.Manager: a second vtable on the Manager's path and
 * interface (sd-bus merges them in introspection). Marshal, validate, authorize, call, reply. */

static int method_list_images(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Image **images = NULL;
        size_t n = 0;
        int r;

        r = image_discover(&images, &n);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to read the image pool: %m");
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssbttto)");
        for (size_t k = 0; k < n && r >= 0; k++) {
                _cleanup_free_ char *path = NULL;
                Image *i = images[k];

                r = bus_image_path(i->name, &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(ssbttto)", i->name, image_type_to_string(i->type),
                                                  (int) i->read_only, i->crtime, i->mtime, i->usage, path);
        }
        image_array_free(images, n);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Reads the name and finds the image (the caller authorizes). */
static int read_image(sd_bus_message *msg, Image **ret, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        return bus_image_lookup(name, ret, error);
}

static int method_get_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *i = NULL;
        _cleanup_free_ char *path = NULL;
        int r = read_image(msg, &i, error);

        if (r < 0)
                return r;
        r = bus_image_path(i->name, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_remove_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *i = NULL;
        int r = read_image(msg, &i, error);

        if (r < 0)
                return r;
        return bus_image_remove(msg, userdata, i, error);
}

static int method_rename_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *i = NULL;
        const char *new_name;
        int r = read_image(msg, &i, error);

        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &new_name);
        if (r < 0)
                return r;
        return bus_image_rename(msg, userdata, i, new_name, error);
}

static int method_clone_image(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *i = NULL;
        const char *new_name;
        int read_only;
        int r = read_image(msg, &i, error);

        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "sb", &new_name, &read_only);
        if (r < 0)
                return r;
        return bus_image_clone(msg, userdata, i, new_name, read_only, error);
}

static int method_mark_image_read_only(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *i = NULL;
        int read_only;
        int r = read_image(msg, &i, error);

        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &read_only);
        if (r < 0)
                return r;
        return bus_image_mark_read_only(msg, userdata, i, read_only, error);
}

static int method_set_image_limit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(image_freep) Image *i = NULL;
        uint64_t limit;
        int r = read_image(msg, &i, error);

        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "t", &limit);
        if (r < 0)
                return r;
        return bus_image_set_limit(msg, i, limit, error);
}

static int method_set_pool_limit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        uint64_t limit;
        int r = sd_bus_message_read(msg, "t", &limit);

        if (r < 0)
                return r;
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        return sd_bus_error_setf(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                 "Pool size limits need a btrfs loopback pool with quota, which machined does not manage");
}

#define DEFINE_IMAGE_GETTER(method, call)                                                       \
        static int method(sd_bus_message *msg, void *userdata, sd_bus_error *error) {          \
                _cleanup_(image_freep) Image *i = NULL;                                        \
                int r = read_image(msg, &i, error);                                            \
                if (r < 0)                                                                     \
                        return r;                                                              \
                return call(msg, i, error);                                                    \
        }

DEFINE_IMAGE_GETTER(method_get_image_hostname, bus_image_get_hostname)
DEFINE_IMAGE_GETTER(method_get_image_machine_id, bus_image_get_machine_id)
DEFINE_IMAGE_GETTER(method_get_image_machine_info, bus_image_get_machine_info)
DEFINE_IMAGE_GETTER(method_get_image_os_release, bus_image_get_os_release)

typedef struct CleanJob {
        CleanedImage *cleaned;
        size_t n;
} CleanJob;

static void clean_job_free(void *userdata) {
        CleanJob *j = userdata;

        cleaned_images_free(j->cleaned, j->n);
        free(j);
}

static int clean_work(void *userdata, char *message, size_t message_size) {
        CleanJob *j = userdata;

        for (size_t k = 0; k < j->n; k++) {
                int r = j->cleaned[k].work ? rm_rf_at(AT_FDCWD, j->cleaned[k].work) : 0;
                if (r < 0) {
                        snprintf(message, message_size, "Failed to remove image '%s': %s", j->cleaned[k].name,
                                 strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int clean_done(Operation *o, sd_bus_message *request, int error, const char *message, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        CleanJob *j = userdata;
        int r;

        /* A tree that could not be deleted keeps its work name: the next start sweeps it. */
        if (error == -ECANCELED)
                return 0;
        if (error < 0)
                return operation_reply_error(request, error, message);
        r = sd_bus_message_new_method_return(request, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(st)");
        for (size_t k = 0; k < j->n && r >= 0; k++)
                r = sd_bus_message_append(reply, "(st)", j->cleaned[k].name, j->cleaned[k].usage);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The images leave the pool at once; their trees are deleted in an operation. */
static int method_clean_pool(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *failed = NULL;
        CleanJob *j;
        const char *mode;
        bool all;
        int r, k;

        r = sd_bus_message_read(msg, "s", &mode);
        if (r < 0)
                return r;
        if (streq(mode, "all"))
                all = true;
        else if (streq(mode, "hidden"))
                all = false;
        else
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown mode '%s': expected 'hidden' or 'all'", BUS_ARG(mode));
        r = bus_verify_root(msg, error);
        if (r < 0)
                return r;
        /* Checked before anything leaves the pool (the operation could not start after). */
        if (operation_count(userdata) >= OPERATIONS_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED, "Too many operations in progress");
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        k = manager_clean_pool(userdata, all, &j->cleaned, &j->n, &failed);
        OperationSpec spec = { .work = clean_work, .done = clean_done, .userdata = j, .free_userdata = clean_job_free };
        if (k < 0) {
                /* What was taken out already still goes. */
                (void) clean_work(j, (char[OPERATION_MESSAGE_MAX]) {}, OPERATION_MESSAGE_MAX);
                clean_job_free(j);
                if (failed)
                        return sd_bus_error_set_errnof(error, k, "Failed to remove image '%s': %m", failed);
                return sd_bus_error_set_errnof(error, k, "Failed to clean the image pool: %m");
        }
        r = operation_start(userdata, msg, &spec, NULL);
        if (r >= 0)
                return 1;
        /* The work names stay hidden; the next start of machined deletes them. */
        return sd_bus_error_set_errnof(error, r, "Failed to start the removal of the images (they are out of the pool "
                                       "and go at the next start of machined): %m");
}

static int property_get_pool_path(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", IMAGE_POOL);
}

/* The pool's filesystem (statvfs): what is used of it and its size; UINT64_MAX when it cannot be
 * read (no pool directory). systemd reports its btrfs quota instead, where it has one. */
static int property_get_pool_size(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        uint64_t usage = UINT64_MAX, limit = UINT64_MAX;

        (void) image_pool_usage(&usage, &limit);
        return sd_bus_message_append(reply, "t", streq(property, "PoolUsage") ? usage : limit);
}

#define U SD_BUS_VTABLE_UNPRIVILEGED

static const sd_bus_vtable manager_image_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("PoolPath", "s", property_get_pool_path, 0, 0),
        SD_BUS_PROPERTY("PoolUsage", "t", property_get_pool_size, 0, 0),
        SD_BUS_PROPERTY("PoolLimit", "t", property_get_pool_size, 0, 0),
        SD_BUS_METHOD_WITH_ARGS("GetImage", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", image),
                                method_get_image, U),
        SD_BUS_METHOD_WITH_ARGS("ListImages", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssbttto)", images),
                                method_list_images, U),
        SD_BUS_METHOD_WITH_ARGS("RemoveImage", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_remove_image, U),
        SD_BUS_METHOD_WITH_ARGS("RenameImage", SD_BUS_ARGS("s", name, "s", new_name), SD_BUS_NO_RESULT,
                                method_rename_image, U),
        SD_BUS_METHOD_WITH_ARGS("CloneImage", SD_BUS_ARGS("s", name, "s", new_name, "b", read_only),
                                SD_BUS_NO_RESULT, method_clone_image, U),
        SD_BUS_METHOD_WITH_ARGS("MarkImageReadOnly", SD_BUS_ARGS("s", name, "b", read_only), SD_BUS_NO_RESULT,
                                method_mark_image_read_only, U),
        SD_BUS_METHOD_WITH_ARGS("GetImageHostname", SD_BUS_ARGS("s", name), SD_BUS_RESULT("s", hostname),
                                method_get_image_hostname, U),
        SD_BUS_METHOD_WITH_ARGS("GetImageMachineID", SD_BUS_ARGS("s", name), SD_BUS_RESULT("ay", id),
                                method_get_image_machine_id, U),
        SD_BUS_METHOD_WITH_ARGS("GetImageMachineInfo", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a{ss}", machine_info),
                                method_get_image_machine_info, U),
        SD_BUS_METHOD_WITH_ARGS("GetImageOSRelease", SD_BUS_ARGS("s", name), SD_BUS_RESULT("a{ss}", os_release),
                                method_get_image_os_release, U),
        SD_BUS_METHOD_WITH_ARGS("SetPoolLimit", SD_BUS_ARGS("t", size), SD_BUS_NO_RESULT, method_set_pool_limit, U),
        SD_BUS_METHOD_WITH_ARGS("SetImageLimit", SD_BUS_ARGS("s", name, "t", size), SD_BUS_NO_RESULT,
                                method_set_image_limit, U),
        SD_BUS_METHOD_WITH_ARGS("CleanPool", SD_BUS_ARGS("s", mode), SD_BUS_RESULT("a(st)", images),
                                method_clean_pool, U),
        /* Extension of machine1: how far a CloneImage (or an Image's Clone) has come, in bytes. */
        SD_BUS_SIGNAL_WITH_ARGS("CloneProgress", SD_BUS_ARGS("s", new_name, "t", done, "t", total), 0),
        SD_BUS_VTABLE_END
};

int manager_dbus_image_register(Manager *m) {
        /* Leftovers of a clone or a removal that a killed machined left in the pool. */
        image_pool_sweep();
        return sd_bus_add_object_vtable(m->bus, NULL, MACHINE1_PATH, MACHINE1_MANAGER_INTERFACE,
                                        manager_image_vtable, m);
}
