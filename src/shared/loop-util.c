/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fd-util.h"
#include "loop-util.h"

/* LOOP_CTL_GET_FREE hands the same free device to everyone who asks until one of them binds it: a
 * loser gets EBUSY from LOOP_CONFIGURE (or ENOENT, when a LOOP_CTL_REMOVE came in between) and asks
 * again. Each round binds a device for someone, so a few dozen rounds are only exceeded by a storm. */
#define LOOP_ATTACH_ATTEMPTS 64

static int loop_configure_one(int control_fd, const struct loop_config *config, bool read_only,
                              int *ret_fd, int *ret_nr) {
        char node[sizeof("/dev/loop") + 12];
        int nr, fd;

        nr = ioctl(control_fd, LOOP_CTL_GET_FREE);
        if (nr < 0)
                return negative_errno();
        snprintf(node, sizeof(node), "/dev/loop%i", nr);

        /* devtmpfs creates the node before LOOP_CTL_GET_FREE returns a new device: no udev. */
        fd = open(node, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (ioctl(fd, LOOP_CONFIGURE, config) < 0) {
                int r = negative_errno();
                safe_close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_nr = nr;
        return 0;
}

int loop_device_attach(int backing_fd, bool read_only, LoopDevice *ret) {
        struct stat st;
        int r = -EBUSY, fd = -EBADF, nr = -1, ro = 0;
        uint64_t size;

        if (fstat(backing_fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return -EBADFD;

        /* A backing fd opened read-only makes the kernel force the device read-only anyway; asking
         * for it keeps our open mode and the device's in step. PARTSCAN: the loop driver refuses
         * BLKPG without it; this kernel's scan itself finds nothing. AUTOCLEAR: the device goes when
         * its last opener does, also when we are SIGKILLed. */
        struct loop_config config = {
                .fd = (uint32_t) backing_fd,
                .info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_PARTSCAN | (read_only ? LO_FLAGS_READ_ONLY : 0),
        };

        _cleanup_close_ int control_fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (control_fd < 0)
                return negative_errno();

        for (unsigned i = 0; i < LOOP_ATTACH_ATTEMPTS; i++) {
                r = loop_configure_one(control_fd, &config, read_only, &fd, &nr);
                if (r != -EBUSY && r != -ENOENT)
                        break;
        }
        if (r < 0)
                return r;

        _cleanup_close_ int loop_fd = fd;
        if (ioctl(loop_fd, BLKGETSIZE64, &size) < 0)
                return negative_errno();
        if (ioctl(loop_fd, BLKROGET, &ro) < 0)
                return negative_errno();

        char *node = NULL;
        if (asprintf(&node, "/dev/loop%i", nr) < 0)
                return -ENOMEM;

        *ret = (LoopDevice) {
                .fd = TAKE_FD(loop_fd),
                .nr = nr,
                .node = node,
                .size = size,
                .read_only = ro != 0,
        };
        return 0;
}

static int read_sysfs_u64(const char *path, uint64_t *ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        unsigned long long v;

        if (!f)
                return negative_errno();
        if (fscanf(f, "%llu", &v) != 1)
                return -EIO;
        *ret = v;
        return 0;
}

/* A kernel with partition parsers (production hosts, unlike ours) has made the partitions itself
 * during LOOP_CONFIGURE's scan, and BLKPG then says EBUSY. That is fine when the kernel's partition
 * is ours: the same place, in 512-byte sectors. */
static int partition_matches(const LoopDevice *d, unsigned partno, uint64_t offset, uint64_t size) {
        char path[128];
        uint64_t start, sectors;
        int r;

        snprintf(path, sizeof(path), "/sys/class/block/loop%ip%u/start", d->nr, partno);
        r = read_sysfs_u64(path, &start);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/sys/class/block/loop%ip%u/size", d->nr, partno);
        r = read_sysfs_u64(path, &sectors);
        if (r < 0)
                return r;
        return start == offset / 512 && sectors == size / 512;
}

int loop_device_add_partition(LoopDevice *d, unsigned partno, uint64_t offset, uint64_t size, char **ret_node) {
        struct blkpg_partition p = {
                .start = (long long) offset,
                .length = (long long) size,
                .pno = (int) partno,
        };
        struct blkpg_ioctl_arg a = {
                .op = BLKPG_ADD_PARTITION,
                .datalen = sizeof(p),
                .data = &p,
        };
        struct stat st;
        char *node = NULL;

        if (!d || d->fd < 0 || partno == 0 || partno > INT32_MAX || size == 0 ||
            offset > INT64_MAX || size > INT64_MAX)
                return -EINVAL;

        if (ioctl(d->fd, BLKPG, &a) < 0) {
                int r = negative_errno();
                if (r != -EBUSY || partition_matches(d, partno, offset, size) <= 0)
                        return r;
        }

        if (asprintf(&node, "/dev/loop%ip%u", d->nr, partno) < 0)
                return -ENOMEM;

        /* The kernel's devtmpfs made the node synchronously; if /dev is not devtmpfs (a container's
         * private /dev) there is none, and nothing will make one. Say so rather than hand out a name. */
        int r = 0;
        if (stat(node, &st) < 0)
                r = errno == ENOENT ? -ENODEV : negative_errno();
        else if (!S_ISBLK(st.st_mode))
                r = -ENODEV;
        if (r < 0) {
                free(node);
                return r;
        }

        *ret_node = node;
        return 0;
}

void loop_device_done(LoopDevice *d) {
        if (!d)
                return;
        d->fd = safe_close(d->fd);
        free(d->node);
        d->node = NULL;
        d->nr = -1;
        d->size = 0;
        d->read_only = false;
}

int image_lock(int image_fd, bool exclusive) {
        if (flock(image_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
        return 0;
}
