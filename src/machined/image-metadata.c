/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dissect.h"
#include "fd-util.h"
#include "image-metadata.h"
#include "log.h"
#include "loop-util.h"
#include "mount-util.h"
#include "os-release.h"
#include "string-util.h"
#include "strv.h"

#define SMALL_FILE_MAX (4 * 1024)
#define MACHINE_INFO_MAX (64 * 1024)

void image_metadata_done(ImageMetadata *m) {
        free(m->hostname);
        strv_free(m->machine_info);
        strv_free(m->os_release);
        *m = (ImageMetadata) {};
}

/* A missing file is no error: most of these are optional. */
static int read_in_root(int root_fd, const char *path, size_t max, char **ret) {
        _cleanup_close_ int fd = openat_in_root(root_fd, path);

        if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP) {
                *ret = NULL;
                return 0;
        }
        if (fd < 0)
                return fd;
        return read_fd_limited(fd, max, ret);
}

static int parse_machine_id(const char *text, uint8_t ret[16]) {
        size_t n = strcspn(text, "\n");

        if (n != 32 || strspn(text, "0123456789abcdefABCDEF") < 32)
                return -EINVAL;
        for (size_t i = 0; i < 16; i++) {
                unsigned v;
                if (sscanf(text + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                ret[i] = (uint8_t) v;
        }
        return 0;
}

static int read_metadata_at(int root_fd, ImageMetadata *m) {
        _cleanup_free_ char *hostname = NULL, *id = NULL, *info = NULL, *osr = NULL;
        int r;

        r = read_in_root(root_fd, "etc/hostname", SMALL_FILE_MAX, &hostname);
        if (r < 0)
                return r;
        if (hostname) {
                hostname[strcspn(hostname, "\n")] = 0;
                strstrip(hostname);
                if (*hostname)
                        m->hostname = strdup(hostname);
        }
        r = read_in_root(root_fd, "etc/machine-id", SMALL_FILE_MAX, &id);
        if (r < 0)
                return r;
        /* "uninitialized" or empty (first boot pending): no id, as systemd reports it. */
        if (id && parse_machine_id(id, m->machine_id) >= 0)
                m->has_machine_id = true;
        r = read_in_root(root_fd, "etc/machine-info", MACHINE_INFO_MAX, &info);
        if (r < 0)
                return r;
        if (info) {
                r = os_release_parse(info, &m->machine_info);
                if (r < 0)
                        return r;
        }
        r = os_release_read_root(root_fd, &osr);
        if (r < 0 && r != -ENOENT && r != -ENOTDIR && r != -ELOOP)
                return r;
        if (osr)
                return os_release_parse(osr, &m->os_release);
        return 0;
}

static int problem_set(char *problem, size_t size, int r, const char *fmt, ...) _printf_(4, 5);
static int problem_set(char *problem, size_t size, int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(problem, size, fmt, ap);
        va_end(ap);
        return r;
}

/* The root partition of a disk image, mounted read-only into a detached mount (its fd); the loop
 * device goes (autoclear) when the mount does. */
static int mount_image_root(const Image *i, int *ret_root_fd, char *problem, size_t psize) {
        _cleanup_(partition_table_done) PartitionTable table = {};
        _cleanup_close_ int fd = -EBADF, part_fd = -EBADF;
        _cleanup_free_ char *node = NULL, *fstype = NULL, *what = NULL;
        LoopDevice loop = LOOP_DEVICE_NULL;
        PartitionSelection sel;
        DissectProblem dp = {};
        struct stat st;
        char kmsg[200] = "";
        int r;

        fd = open(i->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return problem_set(problem, psize, -EBADMSG, "not a regular file or block device");
        if (S_ISREG(st.st_mode) && st.st_size == 0)
                return problem_set(problem, psize, -EBADMSG, "the file is empty");
        r = loop_device_attach(fd, true, &loop);
        if (r < 0)
                return r;
        r = partition_table_probe(loop.fd, &table, &dp);
        if (r >= 0)
                r = partition_table_select(&table, &sel, &dp);
        if (r < 0) {
                what = dissect_problem_to_string(&dp);
                loop_device_done(&loop);
                if (what)
                        return problem_set(problem, psize, -EBADMSG, "%s", what);
                return r;
        }
        const SelectedPartition *root = &sel.partitions[PARTITION_ROOT];
        if (root->whole_disk)
                node = strdup(loop.node);
        else
                r = loop_device_add_partition(&loop, root->partno, root->offset, root->size, &node);
        if (r >= 0 && !node)
                r = -ENOMEM;
        if (r >= 0) {
                part_fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                r = part_fd < 0 ? -errno : probe_filesystem(part_fd, &fstype);
                if (r < 0)
                        r = problem_set(problem, psize, -EBADMSG, "no filesystem found on the root partition");
        }
        if (r >= 0) {
                r = mount_device_detached(node, fstype, true, kmsg, sizeof(kmsg), ret_root_fd);
                if (r < 0)
                        r = problem_set(problem, psize, -EBADMSG, "cannot mount the root partition (%s): %s",
                                        fstype, kmsg[0] ? kmsg : strerror(-r));
        }
        /* Our reference goes; the mount (if any) holds the device until its fd is closed. */
        loop_device_done(&loop);
        return r;
}

int image_read_metadata(const Image *i, ImageMetadata *ret, char *problem, size_t problem_size) {
        _cleanup_close_ int root_fd = -EBADF;
        ImageMetadata m = {};
        int r;

        problem[0] = 0;
        if (i->type == IMAGE_RAW || i->type == IMAGE_BLOCK)
                r = mount_image_root(i, &root_fd, problem, problem_size);
        else {
                root_fd = open(i->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                r = root_fd < 0 ? -errno : 0;
        }
        if (r < 0)
                return r;
        r = read_metadata_at(root_fd, &m);
        if (r < 0) {
                image_metadata_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}
