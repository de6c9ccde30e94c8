/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dissect-probe IMAGE: attaches IMAGE read-only to a loop device, reads its partition table, picks
 * the partitions as nspawn -i does, adds each picked one with BLKPG and probes its filesystem. One
 * line per picked partition on stdout:
 *     root 1 1048576 33554432 ro=0 growfs=0 fstype=ext4 clean=1
 * (designator, partition number (0: the whole disk), offset, size in bytes, the read-only and growfs
 * attributes, the filesystem libblkid finds, and for ext2/3/4 whether it is clean), or, on a refused
 * image, "problem: MESSAGE" on stderr and exit status 2; other errors exit 1. The loop device is
 * closed before exit, so autoclear detaches it and drops its partitions. With DISSECT_PROBE_SHOW_LOOP set,
 * the first line is "loop /dev/loopN"; with DISSECT_PROBE_HOLD set, the last is "held", and the
 * program then waits, holding everything, until it is killed. DISSECT_PROBE_READD adds each partition a
 * second time (lines "readd N same: NODE" and "readd N other: ERROR"). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissect.h"
#include "fd-util.h"
#include "loop-util.h"
#include "string-util.h"

static int print_partition(LoopDevice *d, PartitionDesignator designator, const SelectedPartition *s) {
        _cleanup_free_ char *node = NULL, *fstype = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r, clean = -1;

        if (s->whole_disk)
                fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
        else {
                r = loop_device_add_partition(d, s->partno, s->offset, s->size, &node);
                if (r < 0) {
                        fprintf(stderr, "adding partition %u: %s\n", s->partno, strerror(-r));
                        return r;
                }
                fd = open(node, O_RDONLY | O_CLOEXEC);

                /* DISSECT_PROBE_READD: as on a kernel whose own scan made the partition already:
                 * the same place again is fine, another place is not. */
                if (getenv("DISSECT_PROBE_READD")) {
                        _cleanup_free_ char *again = NULL, *other = NULL;
                        r = loop_device_add_partition(d, s->partno, s->offset, s->size, &again);
                        printf("readd %u same: %s\n", s->partno, r < 0 ? strerror(-r) : again);
                        r = loop_device_add_partition(d, s->partno, s->offset, s->size - 512, &other);
                        printf("readd %u other: %s\n", s->partno, r < 0 ? strerror(-r) : other);
                }
        }
        if (fd < 0) {
                perror("open partition");
                return -errno;
        }

        r = probe_filesystem(fd, &fstype);
        if (r < 0 && r != -ENOMEDIUM && r != -ENOTUNIQ) {
                fprintf(stderr, "probing partition %u: %s\n", s->partno, strerror(-r));
                return r;
        }
        if (fstype && (streq_ptr(fstype, "ext2") || streq_ptr(fstype, "ext3") || streq_ptr(fstype, "ext4")))
                clean = ext_filesystem_is_clean(fd);

        printf("%s %u %llu %llu ro=%d growfs=%d fstype=%s",
               partition_designator_to_string(designator), s->partno,
               (unsigned long long) s->offset, (unsigned long long) s->size,
               s->read_only, s->growfs,
               fstype ?: r == -ENOTUNIQ ? "ambiguous" : "none");
        if (clean >= 0)
                printf(" clean=%d", clean > 0);
        printf("\n");
        return 0;
}

static void partition_table_donep(PartitionTable *t) {
        partition_table_done(t);
}

static void loop_device_donep(LoopDevice *d) {
        loop_device_done(d);
}

int main(int argc, char *argv[]) {
        _cleanup_(loop_device_donep) LoopDevice d = LOOP_DEVICE_NULL;
        _cleanup_(partition_table_donep) PartitionTable t = {};
        PartitionSelection s;
        DissectProblem p = {};
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
                return 1;
        }

        _cleanup_close_ int image_fd = open(argv[1], O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (image_fd < 0) {
                perror(argv[1]);
                return 1;
        }
        r = image_lock(image_fd, false);
        if (r < 0) {
                fprintf(stderr, "locking %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        r = loop_device_attach(image_fd, true, &d);
        if (r < 0) {
                fprintf(stderr, "attaching %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        if (getenv("DISSECT_PROBE_SHOW_LOOP"))
                printf("loop %s\n", d.node);

        r = partition_table_probe(d.fd, &t, &p);
        if (r >= 0)
                r = partition_table_select(&t, &s, &p);
        if (r < 0) {
                if (p.format) {
                        _cleanup_free_ char *m = dissect_problem_to_string(&p);
                        fprintf(stderr, "problem: %s (%s)\n", m ?: "(out of memory)", strerror(-r));
                        return 2;
                }
                fprintf(stderr, "dissecting %s: %s\n", argv[1], strerror(-r));
                return 1;
        }

        for (PartitionDesignator i = 0; i < _PARTITION_DESIGNATOR_MAX; i++) {
                if (!s.partitions[i].found)
                        continue;
                r = print_partition(&d, i, s.partitions + i);
                if (r < 0)
                        return 1;
        }

        /* DISSECT_PROBE_HOLD: keep the loop device and its partitions until killed, so that a test
         * can look at them and kill us (with SIGKILL: autoclear must still clean up). */
        if (getenv("DISSECT_PROBE_HOLD")) {
                printf("held\n");
                fflush(stdout);
                for (;;)
                        pause();
        }
        return 0;
}
