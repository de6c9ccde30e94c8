/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "image.h"
#include "manager.h"

/* The rules the registry adds to the pool: an image that a running machine uses cannot be removed or
 * renamed. A machine uses an image when its root directory is the image's path (or below it, or the
 * path the image's symlink leads to), and nspawn uses a raw image while it holds its BSD lock.
 * Returns > 0 (and the machine's name in *ret_machine, NULL for a lock of nspawn's) when in use. */
int manager_image_in_use(Manager *m, const Image *i, const char **ret_machine);

/* What CleanPool removed: name and usage (UINT64_MAX when unknown). */
typedef struct CleanedImage {
        char *name;
        uint64_t usage;
        char *work;     /* the hidden work name of a tree still to be deleted (rm_rf_at()), or NULL */
} CleanedImage;

void cleaned_images_free(CleanedImage *l, size_t n);

/* Takes the images of the writable pool out of it: the hidden ones (all == false) or all, as
 * systemd's CleanPool: vendor images and images in use are kept. Files go at once, trees are renamed
 * to work names (image_remove_begin()), to be deleted by the caller (an operation). On failure the
 * first error is returned and *ret_failed names the image; what was taken out before is returned
 * too (its trees still to be deleted). */
int manager_clean_pool(Manager *m, bool all, CleanedImage **ret, size_t *ret_n, char **ret_failed);
