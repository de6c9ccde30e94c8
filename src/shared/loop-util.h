/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loop devices without udev: LOOP_CONFIGURE with autoclear (the device detaches itself when its last
 * user goes, also when the process that set it up is SIGKILLed), partitions added with BLKPG (this
 * kernel scans no partition tables; partition nodes come from devtmpfs). Library code: errors are
 * returned, never logged above debug. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct LoopDevice {
        int fd;                 /* the whole loop device, open O_RDWR or O_RDONLY */
        int nr;                 /* N of /dev/loopN */
        char *node;             /* "/dev/loopN" */
        uint64_t size;          /* bytes */
        bool read_only;
} LoopDevice;

#define LOOP_DEVICE_NULL ((LoopDevice) { .fd = -EBADF, .nr = -1 })

/* Attaches backing_fd (a regular file or a block device) to a free loop device, read-only if asked,
 * with autoclear and partition support on; retries when another process takes the same free device. */
int loop_device_attach(int backing_fd, bool read_only, LoopDevice *ret);

/* Adds partition partno (offset and size in bytes) with BLKPG_ADD_PARTITION and returns its device
 * node ("/dev/loopNpM"), waiting for nothing: devtmpfs has it when the ioctl returns. */
int loop_device_add_partition(LoopDevice *d, unsigned partno, uint64_t offset, uint64_t size, char **ret_node);

/* Closes our reference: with autoclear the device detaches once nothing else (a mount) holds it. */
void loop_device_done(LoopDevice *d);

/* A BSD lock on the image file, as systemd-nspawn takes it: shared for read-only use, exclusive for
 * writable use, never waiting. -EBUSY when another user holds a conflicting lock. */
int image_lock(int image_fd, bool exclusive);
