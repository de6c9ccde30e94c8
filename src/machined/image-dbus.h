/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "image.h"
#include "manager.h"

#define BUS_ERROR_NO_SUCH_IMAGE "org.freedesktop.machine1.NoSuchImage"
#define MACHINE1_IMAGE_PREFIX "/org/freedesktop/machine1/image"
#define MACHINE1_IMAGE_INTERFACE "org.freedesktop.machine1.Image"

/* The object path of the image called name. */
int bus_image_path(const char *name, char **ret);

/* Finds the image called name, or sets NoSuchImage / InvalidArgs in error. */
int bus_image_lookup(const char *name, Image **ret, sd_bus_error *error);

/* Shared by the Manager methods that take a name and the Image object's methods: each authorizes
 * (root) where the call changes something, and replies. */
int bus_image_remove(sd_bus_message *msg, Manager *m, Image *i, sd_bus_error *error);
int bus_image_rename(sd_bus_message *msg, Manager *m, Image *i, const char *new_name, sd_bus_error *error);
int bus_image_clone(sd_bus_message *msg, Manager *m, Image *i, const char *new_name, int read_only,
                    sd_bus_error *error);
int bus_image_mark_read_only(sd_bus_message *msg, Manager *m, Image *i, int read_only, sd_bus_error *error);
int bus_image_set_limit(sd_bus_message *msg, Image *i, uint64_t limit, sd_bus_error *error);
int bus_image_get_hostname(sd_bus_message *msg, Image *i, sd_bus_error *error);
int bus_image_get_machine_id(sd_bus_message *msg, Image *i, sd_bus_error *error);
int bus_image_get_machine_info(sd_bus_message *msg, Image *i, sd_bus_error *error);
int bus_image_get_os_release(sd_bus_message *msg, Image *i, sd_bus_error *error);

/* The Image objects (a fallback vtable below MACHINE1_IMAGE_PREFIX, and their enumerator) and the
 * Manager's image methods (a second vtable on the Manager's path and interface). */
int image_dbus_register(Manager *m);
int manager_dbus_image_register(Manager *m);
