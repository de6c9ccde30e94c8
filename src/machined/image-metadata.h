/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "image.h"

/* What an image says about itself: /etc/hostname, /etc/machine-id, /etc/machine-info and os-release,
 * read inside the image (openat2 with RESOLVE_IN_ROOT, size limits, never a procfs or sysfs file). A
 * raw image or block device is attached read-only to a loop device, its root partition picked as
 * nspawn does (dissect.c) and mounted read-only into a detached mount that no path reaches. */
typedef struct ImageMetadata {
        char *hostname;            /* NULL when the image has none */
        uint8_t machine_id[16];
        bool has_machine_id;
        char **machine_info;       /* alternating keys and values; NULL when none */
        char **os_release;         /* the same */
} ImageMetadata;

void image_metadata_done(ImageMetadata *m);

/* Fails (-EBADMSG with a message in problem) when a raw image is not one nspawn could start: no
 * partition table with a root partition, no filesystem, a filesystem that does not mount. */
int image_read_metadata(const Image *i, ImageMetadata *ret, char *problem, size_t problem_size);
