/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --volatile=, as systemd-nspawn(1) defines the modes. */
typedef enum VolatileMode {
        VOLATILE_NO,            /* the tree as it is */
        VOLATILE_YES,           /* a tmpfs root with the tree's /usr, read-only */
        VOLATILE_STATE,         /* the tree read-only, a tmpfs on /var */
        VOLATILE_OVERLAY,       /* a tmpfs overlay over the whole tree */
        _VOLATILE_MODE_MAX,
        _VOLATILE_MODE_INVALID = -EINVAL,
} VolatileMode;

const char *volatile_mode_to_string(VolatileMode m);
/* The mode names, and the boolean spellings (yes/no, true/false, on/off, 1/0) for yes and no. */
VolatileMode volatile_mode_from_string(const char *s);

/* What becomes of the tree under the container's root. */
typedef enum RootLayers {
        ROOT_LAYERS_NONE,       /* the tree itself is the root */
        ROOT_LAYERS_OVERLAY,    /* --ephemeral, --volatile=overlay: the tree under a tmpfs upper layer */
        ROOT_LAYERS_STATE,      /* --volatile=state */
        ROOT_LAYERS_USR,        /* --volatile=yes */
        _ROOT_LAYERS_MAX,
} RootLayers;

RootLayers root_layers_pick(bool ephemeral, VolatileMode volatile_mode);
const char *root_layers_to_string(RootLayers l);
/* The layered root never writes the tree. */
static inline bool root_layers_protect_tree(RootLayers l) {
        return l != ROOT_LAYERS_NONE;
}
/* The container's root is read-only (the tree itself, with only /var writable). */
static inline bool root_layers_read_only(RootLayers l) {
        return l == ROOT_LAYERS_STATE;
}

struct stat;
/* A new detached tmpfs (*ret_tmp, root owned by owner) with the directories "upper" (owner and mode of
 * model when given, else 0700 root's) and "work" for an overlay, opened for reading. */
int tmpfs_layer_dirs(uint32_t owner, const struct stat *model, int *ret_tmp, int *ret_upper, int *ret_work);
/* A detached overlay mount of the layers (the top one first in lower_fds, as the kernel stacks
 * "lowerdir+" layers); no upper layer when upper_fd < 0 (read-only). The fds must be readable, not O_PATH. */
int overlay_detached(const int *lower_fds, size_t n_lower, int upper_fd, int work_fd, int *ret_fd);

/* Makes the container's root for layers l over the tree tree_fd as one detached mount tree (fsmount(),
 * open_tree(), never attached anywhere on the host): its tmpfs mounts and the overlay go away with the
 * last fd of it, so nothing is left behind, not even after a SIGKILL of nspawn. With userns_fd >= 0
 * the tree's layer is id-mapped through it before it becomes a layer (the kernel cannot id-map an
 * overlay mount, but stacks one over id-mapped layers), and the new tmpfs roots belong to owner (the
 * container's root on the host). On failure returns a negative errno and what failed in *ret_what. */
int root_layers_make(RootLayers l, int tree_fd, int userns_fd, uint32_t owner, int *ret_mount_fd,
                     const char **ret_what);
