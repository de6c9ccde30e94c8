/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Disk images: the partition table as libblkid reads it, and the choice of partitions the Discoverable
 * Partitions Specification makes from it. partition_table_select() is pure (no I/O): unit tests feed it
 * fake tables. Library code: errors are returned, never logged above debug. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum PartitionDesignator {
        PARTITION_ROOT,
        PARTITION_USR,
        PARTITION_HOME,
        PARTITION_SRV,
        PARTITION_VAR,
        PARTITION_TMP,
        PARTITION_ESP,
        PARTITION_XBOOTLDR,
        _PARTITION_DESIGNATOR_MAX,
        _PARTITION_DESIGNATOR_INVALID = -EINVAL,
} PartitionDesignator;

/* "root", "usr", "home", "srv", "var", "tmp", "esp", "xbootldr" */
const char *partition_designator_to_string(PartitionDesignator d);

typedef enum PartitionTableType {
        PARTITION_TABLE_NONE,   /* a bare filesystem (or nothing at all) */
        PARTITION_TABLE_GPT,
        PARTITION_TABLE_MBR,
        _PARTITION_TABLE_TYPE_MAX,
        _PARTITION_TABLE_TYPE_INVALID = -EINVAL,
} PartitionTableType;

/* GPT attribute bits the specification gives a meaning. */
#define GPT_FLAG_GROWFS    (UINT64_C(1) << 59)
#define GPT_FLAG_READ_ONLY (UINT64_C(1) << 60)
#define GPT_FLAG_NO_AUTO   (UINT64_C(1) << 63)

/* One entry of the table, as written there. */
typedef struct RawPartition {
        unsigned partno;        /* 1-based, as in the table (and in /dev/loopNpM) */
        uint64_t offset;        /* bytes from the start of the disk */
        uint64_t size;          /* bytes */
        char type_uuid[37];     /* GPT: the type GUID, lower case; MBR: empty */
        unsigned mbr_type;      /* MBR: the type byte (0x83 Linux); GPT: 0 */
        bool mbr_bootable;
        uint64_t flags;         /* GPT attribute bits */
} RawPartition;

typedef struct PartitionTable {
        PartitionTableType type;
        uint64_t disk_size;     /* bytes */
        RawPartition *partitions;
        size_t n_partitions;
} PartitionTable;

void partition_table_done(PartitionTable *t);

/* The partition chosen for one designator. */
typedef struct SelectedPartition {
        bool found;
        bool whole_disk;        /* a bare filesystem: the disk itself, partno 0 */
        unsigned partno;
        uint64_t offset;
        uint64_t size;
        bool read_only;         /* GPT_FLAG_READ_ONLY */
        bool growfs;            /* GPT_FLAG_GROWFS */
} SelectedPartition;

typedef struct PartitionSelection {
        SelectedPartition partitions[_PARTITION_DESIGNATOR_MAX];
} PartitionSelection;

/* Why a table was refused: a message for the user (marked with N_(), translated by the caller, with at
 * most two %u conversions, filled from a and b, e.g. partition numbers). */
typedef struct DissectProblem {
        const char *format;
        unsigned a, b;
} DissectProblem;

/* The message, translated and formatted (malloc'd; the caller frees it); NULL when p has no format
 * (a system error: report the errno instead) or when out of memory. */
char *dissect_problem_to_string(const DissectProblem *p);

/* Reads the partition table of fd (a whole disk: a loop device or a block device) with libblkid's
 * partition-table probing. No table at all gives PARTITION_TABLE_NONE with no partitions. Entry counts
 * and sizes are bounded before anything is allocated. */
int partition_table_probe(int fd, PartitionTable *ret, DissectProblem *ret_problem);

/* Picks the partitions, for this architecture, as the Discoverable Partitions Specification says:
 * root, /usr, /home, /srv, /var, /tmp, ESP, XBOOTLDR by type UUID; no-auto entries skipped; swap and
 * unknown types ignored; a GPT whose only Linux partition has the generic Linux data type, an MBR table
 * with one Linux (0x83) partition, and a bare filesystem (PARTITION_TABLE_NONE) give the root. Refuses
 * (negative errno, *ret_problem filled) entries past the end of the disk, overlapping entries, two
 * partitions of one designator, and a table without a root. Pure: no I/O. */
int partition_table_select(const PartitionTable *t, PartitionSelection *ret, DissectProblem *ret_problem);

/* Probes the filesystem on fd (a partition or whole-disk device) with libblkid's superblock probing.
 * Returns the type ("ext4", "xfs", "btrfs", "vfat", "squashfs", "erofs", ...) in *ret_fstype, or
 * -ENOMEDIUM-style errors when there is none or it is ambiguous. */
int probe_filesystem(int fd, char **ret_fstype);

/* ext2/3/4 only: > 0 when the superblock says the filesystem was unmounted cleanly and needs no
 * journal recovery, 0 when it needs a check, negative errno when it cannot be read. */
int ext_filesystem_is_clean(int fd);
