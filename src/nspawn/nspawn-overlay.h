/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-mount.h"

/* What the overlays of --overlay= and --overlay-ro= set up on the host: the work directories next to
 * host upper layers (overlayfs wants one on the upper layer's file system), removed afterwards. */
typedef struct OverlaySet {
        char **work_dirs;
} OverlaySet;

/* Makes the overlay of each MOUNT_OVERLAY entry of plan as a detached mount, into
 * slots[SYNC_SLOT_ENTRY(i)]: lower layers by fd, "+PATH" resolved inside the tree (root_fd), an empty
 * upper layer on a tmpfs of its own. Logs one line naming the option's path on failure. */
int overlay_set_make(OverlaySet *set, const MountPlan *plan, int root_fd, int *slots);
/* Removes the work directories; the overlays must be gone (the container's mount namespace with them). */
void overlay_set_done(OverlaySet *set);
