/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "nspawn-rootfs.h"

/* The root stage of a disk image (-i): opens and locks the image (a regular file or a block device),
 * attaches it to a loop device, reads its partition table (libblkid), adds the partitions it picks with
 * BLKPG, checks unclean file systems, and mounts them under a staging directory in a mount namespace
 * of nspawn's own. *ret's fd is the root of the mounted image; its teardown hook unmounts everything
 * and lets the loop device go. Logs one line naming the image on failure, with nothing left set up. */
int root_stage_open_image(const char *image, bool read_only, RootStage *ret);
