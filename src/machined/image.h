/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

/* The image pool: the trees and disk images below /var/lib/machines (writable) and
 * /usr/local/lib/machines, /usr/lib/machines (vendor pools, read-only), as systemd-machined has it.
 * An image is a directory, a btrfs subvolume, a NAME.raw file or a block device node (or a symlink to
 * one of them). The first pool that has a name wins. Library code: it knows nothing of D-Bus and logs
 * at debug at most. */

#define IMAGE_POOL "/var/lib/machines"
/* Hidden work names in the pool (never valid image names): a clone being copied, an image being
 * removed. Whatever carries them at machined's start is left over from a killed machined and goes. */
#define IMAGE_TEMP_PREFIX ".#"

typedef enum ImageType {
        IMAGE_DIRECTORY,
        IMAGE_SUBVOLUME,
        IMAGE_RAW,
        IMAGE_BLOCK,
        _IMAGE_TYPE_MAX,
        _IMAGE_TYPE_INVALID = -EINVAL,
} ImageType;

const char *image_type_to_string(ImageType t);

typedef struct Image {
        char *name;
        char *path;             /* pool directory + entry name */
        ImageType type;
        bool read_only;
        bool vendor;            /* in a read-only pool: never changed by us */
        uint64_t crtime;        /* µs, 0 when the filesystem does not say */
        uint64_t mtime;         /* µs */
        /* Bytes; UINT64_MAX when unknown (directories: as systemd without btrfs quota). */
        uint64_t usage, usage_exclusive, limit, limit_exclusive;
} Image;

Image *image_free(Image *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(Image *, image_free);
void image_array_free(Image **a, size_t n);

/* Names as strict as machine names; a hidden image is '.' + such a name. */
bool image_name_is_valid(const char *name);
static inline bool image_is_hidden(const Image *i) {
        return i->name[0] == '.';
}

/* The pools searched, in order (NULL-terminated); the first is the writable one. */
extern const char *const image_pools[];

/* 0 when no pool has an image of that name; -EEXIST when one has, -EINVAL for an invalid name. */
int image_name_check_free(const char *name);
/* A hidden work name for the writable pool: IMAGE_TEMP_PREFIX KIND "-" NAME "-" something unique. */
char *image_work_name(const char *kind, const char *name);

/* Looks the name up in the pools: -ENOENT when no pool has it, -EINVAL for an invalid name. */
int image_find(const char *name, Image **ret);
/* Every image of every pool, sorted by name (the first pool's wins for a name in several). */
int image_discover(Image ***ret, size_t *ret_n);

/* Renames within its pool (the NAME.nspawn settings file beside it goes along). -EEXIST when any
 * pool has new_name, -EROFS for a vendor image. */
int image_rename(Image *i, const char *new_name);
/* The read-only flag as systemd sets it: a btrfs subvolume's ro property, the immutable attribute of
 * a directory's top (chattr +i: the tree itself stays as it is, the container sees no difference), a
 * raw file's write bits (and chattr +i where the filesystem has it), a block device's BLKROSET.
 * -EOPNOTSUPP when the filesystem cannot keep the flag. */
int image_set_read_only(Image *i, bool b);

/* Removal in two steps, so that a big tree vanishes from the pool at once and a machined killed in
 * the middle leaves only a hidden work name (swept at the next start): image_remove_begin() renames
 * the image to a work name (or unlinks a file, a symlink, a block node: done at once, *ret_work
 * NULL); rm_rf_at() then removes the tree, which may take long (an operation). -EROFS for a vendor
 * image. */
int image_remove_begin(Image *i, char **ret_work);
/* Removes dir_fd/name and everything below it, on this filesystem only; clears the immutable flag and
 * btrfs read-only flags on the way. */
int rm_rf_at(int dir_fd, const char *name);
/* Both steps at once. */
int image_remove(Image *i);

/* Removes the work names left over by a killed machined from the writable pool. */
void image_pool_sweep(void);

/* The writable pool's filesystem: bytes used and its size (statvfs). */
int image_pool_usage(uint64_t *ret_usage, uint64_t *ret_limit);

/* A raw image that nspawn has open holds a BSD lock on it (loop-util.c's image_lock): > 0 when the
 * image is locked by someone, 0 when free or not a file. */
int image_is_locked(const Image *i);
