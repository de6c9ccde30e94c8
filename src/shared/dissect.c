/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <blkid.h>
#include <ctype.h>
#include <endian.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dissect.h"
#include "fd-util.h"
#include "i18n.h"
#include "string-util.h"

/* More partitions than any real image has: a table with more is refused before we copy it. */
#define PARTITIONS_MAX 256U

/* The entry array a GPT header may ask for: 128 entries of 128 bytes is the norm (16 KiB); 1 MiB
 * allows 8192 of them. libblkid checks the header's CRC and entry size, but it reads (and allocates)
 * whatever entry array a header with a good CRC claims, up to 4 GiB; we look at both headers' two
 * size fields before it does. */
#define GPT_ENTRY_ARRAY_MAX (UINT64_C(1) << 20)

static const char *const partition_designator_table[_PARTITION_DESIGNATOR_MAX] = {
        [PARTITION_ROOT] = "root",
        [PARTITION_USR] = "usr",
        [PARTITION_HOME] = "home",
        [PARTITION_SRV] = "srv",
        [PARTITION_VAR] = "var",
        [PARTITION_TMP] = "tmp",
        [PARTITION_ESP] = "esp",
        [PARTITION_XBOOTLDR] = "xbootldr",
};

const char *partition_designator_to_string(PartitionDesignator d) {
        if (d < 0 || d >= _PARTITION_DESIGNATOR_MAX)
                return NULL;
        return partition_designator_table[d];
}

/* The type UUIDs of the Discoverable Partitions Specification. Root and /usr differ per
 * architecture; an architecture without an entry here finds its root only through the generic
 * Linux type (or MBR, or a bare filesystem). */
#if defined(__x86_64__)
#  define GPT_ROOT_NATIVE "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#  define GPT_USR_NATIVE  "8484680c-9521-48c6-9c11-b0720656f69e"
#elif defined(__aarch64__)
#  define GPT_ROOT_NATIVE "b921b045-1df0-41c3-af44-4c6f280d3fae"
#  define GPT_USR_NATIVE  "b0e01050-ee5f-4390-949a-9101b17104e9"
#endif
#define GPT_LINUX_GENERIC "0fc63daf-8483-4772-8e79-3d69d8477de4"

static const struct {
        const char *uuid;
        PartitionDesignator designator;
} gpt_types[] = {
#ifdef GPT_ROOT_NATIVE
        { GPT_ROOT_NATIVE,                        PARTITION_ROOT     },
        { GPT_USR_NATIVE,                         PARTITION_USR      },
#endif
        { "933ac7e1-2eb4-4f13-b844-0e14e2aef915", PARTITION_HOME     },
        { "3b8f8425-20e0-4f3b-907f-1a25a76f98e8", PARTITION_SRV      },
        { "4d21b016-b534-45c2-a9fb-5c16e091fd2d", PARTITION_VAR      },
        { "7ec6f557-3bc5-4aca-b293-16ef5df639d1", PARTITION_TMP      },
        { "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", PARTITION_ESP      },
        { "bc13c2ff-59e6-4262-a352-b275fd6f7172", PARTITION_XBOOTLDR },
};

static PartitionDesignator gpt_type_to_designator(const char *uuid) {
        for (size_t i = 0; i < ELEMENTSOF(gpt_types); i++)
                if (streq(uuid, gpt_types[i].uuid))
                        return gpt_types[i].designator;
        return _PARTITION_DESIGNATOR_INVALID;
}

void partition_table_done(PartitionTable *t) {
        if (!t)
                return;
        free(t->partitions);
        t->partitions = NULL;
        t->n_partitions = 0;
}

static void partition_table_donep(PartitionTable *t) {
        partition_table_done(t);
}

static int problem(DissectProblem *p, int error, const char *format, unsigned a, unsigned b) {
        if (p)
                *p = (DissectProblem) { .format = format, .a = a, .b = b };
        return error;
}

char *dissect_problem_to_string(const DissectProblem *p) {
        char *s = NULL;

        if (!p || !p->format)
                return NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        /* Our own N_() formats, each with at most two %u. */
        if (asprintf(&s, _(p->format), p->a, p->b) < 0)
                return NULL;
#pragma GCC diagnostic pop
        return s;
}

/* ---- Selection: pure ---- */

static int check_geometry(const PartitionTable *t, DissectProblem *p) {
        for (size_t i = 0; i < t->n_partitions; i++) {
                const RawPartition *a = t->partitions + i;

                /* Written so that no sum can wrap around. */
                if (a->size == 0 || a->size > t->disk_size || a->offset > t->disk_size - a->size)
                        return problem(p, -ERANGE, N_("Partition %u lies past the end of the disk."), a->partno, 0);

                for (size_t j = 0; j < i; j++) {
                        const RawPartition *b = t->partitions + j;

                        if (a->partno == b->partno)
                                return problem(p, -EBADMSG, N_("Partition number %u appears twice."), a->partno, 0);
                        if (a->offset < b->offset + b->size && b->offset < a->offset + a->size)
                                return problem(p, -EBADMSG, N_("Partitions %u and %u overlap."),
                                               MIN(a->partno, b->partno), MAX(a->partno, b->partno));
                }
        }
        return 0;
}

static void select_one(SelectedPartition *s, const RawPartition *r) {
        *s = (SelectedPartition) {
                .found = true,
                .partno = r->partno,
                .offset = r->offset,
                .size = r->size,
                .read_only = r->flags & GPT_FLAG_READ_ONLY,
                .growfs = r->flags & GPT_FLAG_GROWFS,
        };
}

static int select_gpt(const PartitionTable *t, PartitionSelection *s, DissectProblem *p) {
        const RawPartition *generic[2] = {};
        unsigned n_generic = 0;

        for (size_t i = 0; i < t->n_partitions; i++) {
                const RawPartition *r = t->partitions + i;
                PartitionDesignator d;

                if (r->flags & GPT_FLAG_NO_AUTO)
                        continue;

                if (streq(r->type_uuid, GPT_LINUX_GENERIC)) {
                        if (n_generic < ELEMENTSOF(generic))
                                generic[n_generic] = r;
                        n_generic++;
                        continue;
                }

                d = gpt_type_to_designator(r->type_uuid);
                if (d < 0)
                        continue;       /* swap, and types that are not ours */
                if (s->partitions[d].found)
                        return problem(p, -ENOTUNIQ, N_("Partitions %u and %u are of the same kind; only one is allowed."),
                                       s->partitions[d].partno, r->partno);
                select_one(s->partitions + d, r);
        }

        if (s->partitions[PARTITION_ROOT].found)
                return 0;
        if (n_generic == 1) {
                select_one(s->partitions + PARTITION_ROOT, generic[0]);
                return 0;
        }
        if (n_generic > 1)
                return problem(p, -ENOTUNIQ,
                               N_("No root partition, and more than one generic Linux partition (%u and %u) to take its place."),
                               generic[0]->partno, generic[1]->partno);
        return problem(p, -ENXIO, N_("No root partition."), 0, 0);
}

/* An MBR table has no types for /usr and friends: its one Linux partition is the root. With several,
 * the one marked bootable (0x80) is the root when exactly one is; otherwise we cannot tell. */
static int select_mbr(const PartitionTable *t, PartitionSelection *s, DissectProblem *p) {
        const RawPartition *linux_part[2] = {}, *bootable = NULL;
        unsigned n_linux = 0, n_bootable = 0;

        for (size_t i = 0; i < t->n_partitions; i++) {
                const RawPartition *r = t->partitions + i;

                if (r->mbr_type != 0x83)
                        continue;
                if (n_linux < ELEMENTSOF(linux_part))
                        linux_part[n_linux] = r;
                n_linux++;
                if (r->mbr_bootable) {
                        bootable = r;
                        n_bootable++;
                }
        }

        if (n_linux == 0)
                return problem(p, -ENXIO, N_("No Linux partition (type 0x83) in the MBR partition table."), 0, 0);
        if (n_linux == 1)
                select_one(s->partitions + PARTITION_ROOT, linux_part[0]);
        else if (n_bootable == 1)
                select_one(s->partitions + PARTITION_ROOT, bootable);
        else
                return problem(p, -ENOTUNIQ,
                               N_("More than one Linux partition (%u and %u) in the MBR partition table, and not exactly one of them is marked bootable."),
                               linux_part[0]->partno, linux_part[1]->partno);
        /* GPT attribute bits do not exist here. */
        s->partitions[PARTITION_ROOT].read_only = s->partitions[PARTITION_ROOT].growfs = false;
        return 0;
}

int partition_table_select(const PartitionTable *t, PartitionSelection *ret, DissectProblem *ret_problem) {
        PartitionSelection s = {};
        int r;

        if (ret_problem)
                *ret_problem = (DissectProblem) {};
        if (!t || !ret)
                return -EINVAL;
        if (t->n_partitions > 0 && !t->partitions)
                return -EINVAL;
        if (t->n_partitions > PARTITIONS_MAX)
                return problem(ret_problem, -E2BIG, N_("The partition table has more than %u partitions."),
                               PARTITIONS_MAX, 0);

        switch (t->type) {
        case PARTITION_TABLE_NONE:
                if (t->n_partitions > 0)
                        return -EINVAL;
                if (t->disk_size == 0)
                        return problem(ret_problem, -ENOMEDIUM, N_("No partition table and no filesystem."), 0, 0);
                s.partitions[PARTITION_ROOT] = (SelectedPartition) {
                        .found = true,
                        .whole_disk = true,
                        .size = t->disk_size,
                };
                break;
        case PARTITION_TABLE_GPT:
        case PARTITION_TABLE_MBR:
                r = check_geometry(t, ret_problem);
                if (r < 0)
                        return r;
                r = t->type == PARTITION_TABLE_GPT ? select_gpt(t, &s, ret_problem) : select_mbr(t, &s, ret_problem);
                if (r < 0)
                        return r;
                break;
        default:
                return -EINVAL;
        }

        *ret = s;
        return 0;
}

/* ---- Probing: libblkid ---- */

static int disk_size(int fd, uint64_t *ret_size, unsigned *ret_sector_size) {
        struct stat st;
        int ssz = 512;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISBLK(st.st_mode)) {
                if (ioctl(fd, BLKGETSIZE64, ret_size) < 0)
                        return negative_errno();
                if (ioctl(fd, BLKSSZGET, &ssz) < 0)
                        return negative_errno();
                if (ssz < 512 || ssz > 65536)
                        return -EBADMSG;
        } else if (S_ISREG(st.st_mode))
                *ret_size = (uint64_t) st.st_size;
        else
                return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
        *ret_sector_size = (unsigned) ssz;
        return 0;
}

/* Only the two size fields of a header with the GPT signature, nothing else: the check of the
 * header (CRC, LBAs) and the reading of the entries is libblkid's. */
static int gpt_header_check_size(int fd, uint64_t offset, DissectProblem *p) {
        uint8_t h[92];
        uint32_t n, size;
        ssize_t l;

        l = pread(fd, h, sizeof(h), (off_t) offset);
        if (l < 0)
                return negative_errno();
        if ((size_t) l < sizeof(h) || memcmp(h, "EFI PART", 8) != 0)
                return 0;

        memcpy(&n, h + 80, sizeof(n));
        memcpy(&size, h + 84, sizeof(size));
        n = le32toh(n);
        size = le32toh(size);
        if ((uint64_t) n * size > GPT_ENTRY_ARRAY_MAX)
                return problem(p, -E2BIG, N_("The GPT header claims %u partition entries of %u bytes each."), n, size);
        return 0;
}

static void blkid_free_probep(blkid_probe *pr) {
        if (*pr)
                blkid_free_probe(*pr);
}
#define _cleanup_blkid_probe_ _cleanup_(blkid_free_probep)

static int new_probe(int fd, blkid_probe *ret) {
        blkid_probe pr = blkid_new_probe();
        if (!pr)
                return -ENOMEM;
        errno = 0;
        if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
                int r = negative_errno();
                blkid_free_probe(pr);
                return r;
        }
        *ret = pr;
        return 0;
}

/* Superblock probing on a probe set up on the whole device: 0 with the type, -ENOMEDIUM when there
 * is nothing, -ENOTUNIQ when several signatures contradict each other. */
static int probe_superblock(blkid_probe pr, char **ret_fstype) {
        const char *type = NULL;
        int r;

        (void) blkid_probe_enable_partitions(pr, 0);
        (void) blkid_probe_enable_superblocks(pr, 1);
        (void) blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
        /* Only the file systems an image may carry: the safe probe then runs a dozen probers, not
         * every one libblkid has (a millisecond per partition, most of an image's start-up cost),
         * and still finds two of them claiming one partition. */
        static const char *const types[] = {
                "ext2", "ext3", "ext4", "jbd", "xfs", "btrfs", "vfat", "squashfs", "erofs", "f2fs",
                "iso9660", "udf", "swap", "crypto_LUKS", "DM_verity_hash", NULL,
        };
        (void) blkid_probe_filter_superblocks_type(pr, BLKID_FLTR_ONLYIN, (char **) types);

        errno = 0;
        r = blkid_do_safeprobe(pr);
        if (r == 1)
                return -ENOMEDIUM;
        if (r == -2)
                return -ENOTUNIQ;
        if (r < 0)
                return negative_errno();

        if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) < 0 || isempty(type))
                return -ENOMEDIUM;
        if (ret_fstype) {
                char *s = strdup(type);
                if (!s)
                        return -ENOMEM;
                *ret_fstype = s;
        }
        return 0;
}

static void type_uuid_lower(char dst[static 37], const char *src) {
        size_t i;

        for (i = 0; src && src[i] && i < 36; i++)
                dst[i] = (char) tolower((unsigned char) src[i]);
        dst[i] = 0;
}

static int read_partitions(blkid_partlist ls, blkid_parttable tab, PartitionTableType type, uint64_t disk_size_bytes,
                           PartitionTable *ret, DissectProblem *p) {
        int n = blkid_partlist_numof_partitions(ls);
        size_t k = 0;

        if (n < 0)
                return -EIO;
        if ((unsigned) n > PARTITIONS_MAX)
                return problem(p, -E2BIG, N_("The partition table has more than %u partitions."), PARTITIONS_MAX, 0);

        _cleanup_free_ RawPartition *parts = n > 0 ? calloc((size_t) n, sizeof(RawPartition)) : NULL;
        if (n > 0 && !parts)
                return -ENOMEM;

        for (int i = 0; i < n; i++) {
                blkid_partition par = blkid_partlist_get_partition(ls, i);
                RawPartition *r = parts + k;
                blkid_loff_t start, size;
                int partno;

                if (!par)
                        return -EIO;
                /* An MBR's extended partition is a container of the logical ones, which libblkid
                 * lists too; a BSD (or other) label inside a partition is a table of its own, whose
                 * entries lie inside that partition. Neither is a place for a filesystem of ours,
                 * and both would look like overlaps. */
                if (blkid_partition_is_extended(par) || blkid_partition_get_table(par) != tab)
                        continue;
                partno = blkid_partition_get_partno(par);
                start = blkid_partition_get_start(par);
                size = blkid_partition_get_size(par);
                if (partno < 1)
                        return problem(p, -EBADMSG, N_("The partition table has an entry without a valid number."), 0, 0);
                /* libblkid counts in 512-byte sectors, whatever the device's sector size; a GPT entry
                 * whose end lies before its start comes out as a huge size. */
                if (start < 0 || size <= 0 || (uint64_t) start > UINT64_MAX / 512 || (uint64_t) size > UINT64_MAX / 512)
                        return problem(p, -ERANGE, N_("Partition %u lies past the end of the disk."), (unsigned) partno, 0);

                r->partno = (unsigned) partno;
                r->offset = (uint64_t) start * 512;
                r->size = (uint64_t) size * 512;
                if (type == PARTITION_TABLE_GPT) {
                        type_uuid_lower(r->type_uuid, blkid_partition_get_type_string(par));
                        r->flags = blkid_partition_get_flags(par);
                } else {
                        r->mbr_type = (unsigned) blkid_partition_get_type(par);
                        /* For DOS tables libblkid's flags are the boot indicator byte. */
                        r->mbr_bootable = blkid_partition_get_flags(par) == 0x80;
                }
                k++;
        }

        *ret = (PartitionTable) {
                .type = type,
                .disk_size = disk_size_bytes,
                .partitions = TAKE_PTR(parts),
                .n_partitions = k,
        };
        return 0;
}

/* No table: a bare filesystem, or nothing we can use. One more probe, of both kinds, in libblkid's
 * ordinary mode: it names a protective MBR whose GPT is gone ("PMBR"), which the table probe above
 * reports as no table at all, and finds a filesystem if there is one. */
static int probe_no_table(blkid_probe pr, DissectProblem *p) {
        const char *v = NULL;
        int r;

        (void) blkid_probe_enable_partitions(pr, 1);
        (void) blkid_probe_set_partitions_flags(pr, 0);
        (void) blkid_probe_enable_superblocks(pr, 1);
        (void) blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);

        errno = 0;
        r = blkid_do_safeprobe(pr);
        if (r == -2)
                return problem(p, -ENOTUNIQ, N_("No partition table, and more than one filesystem signature on the disk."), 0, 0);
        if (r < 0)
                return negative_errno();
        if (r == 0 && blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL) >= 0 && streq_ptr(v, "PMBR"))
                return problem(p, -EBADMSG, N_("A protective MBR but no valid GPT header: the image is corrupt or truncated."), 0, 0);
        if (r == 0 && blkid_probe_lookup_value(pr, "TYPE", &v, NULL) >= 0 && !isempty(v))
                return 0;
        return problem(p, -ENOMEDIUM, N_("No partition table and no filesystem."), 0, 0);
}

/* libblkid checks the GPT header and the entry array's CRC, and then silently leaves out entries
 * that lie outside the usable area (past the end of the disk, over the backup table): an image
 * would come up without its /home, say. The CRC has been checked, so the entry array is what the
 * header says it is; all we read from it is which entries are in use, and refuse the table when one
 * of those is missing from libblkid's list. */
static int gpt_check_dropped_entries(int fd, uint64_t header_offset, unsigned sector_size,
                                     const PartitionTable *t, DissectProblem *p) {
        uint8_t h[92];
        uint64_t entries_lba;
        uint32_t n, size;
        ssize_t l;

        l = pread(fd, h, sizeof(h), (off_t) header_offset);
        if (l < 0)
                return negative_errno();
        if ((size_t) l < sizeof(h) || memcmp(h, "EFI PART", 8) != 0)
                return -EIO;    /* libblkid just read it */
        memcpy(&entries_lba, h + 72, sizeof(entries_lba));
        memcpy(&n, h + 80, sizeof(n));
        memcpy(&size, h + 84, sizeof(size));
        entries_lba = le64toh(entries_lba);
        n = le32toh(n);
        size = le32toh(size);
        if (size < 16 || (uint64_t) n * size > GPT_ENTRY_ARRAY_MAX || entries_lba > INT64_MAX / sector_size)
                return -EBADMSG;

        _cleanup_free_ uint8_t *entries = malloc((size_t) n * size);
        if (!entries && n > 0)
                return -ENOMEM;
        l = pread(fd, entries, (size_t) n * size, (off_t) (entries_lba * sector_size));
        if (l < 0)
                return negative_errno();
        if ((size_t) l < (size_t) n * size)
                return -EIO;

        static const uint8_t unused[16] = {};
        for (uint32_t i = 0; i < n; i++) {
                bool listed = false;

                if (memcmp(entries + (size_t) i * size, unused, sizeof(unused)) == 0)
                        continue;
                /* libblkid numbers GPT partitions by their index in the array, from 1. */
                for (size_t j = 0; j < t->n_partitions && !listed; j++)
                        listed = t->partitions[j].partno == i + 1;
                if (!listed)
                        return problem(p, -ERANGE, N_("Partition %u lies outside the usable area of the disk."), i + 1, 0);
        }
        return 0;
}

int partition_table_probe(int fd, PartitionTable *ret, DissectProblem *ret_problem) {
        _cleanup_blkid_probe_ blkid_probe pr = NULL;
        _cleanup_(partition_table_donep) PartitionTable t = {};
        unsigned sector_size;
        uint64_t size;
        blkid_partlist ls;
        blkid_parttable tab;
        const char *pttype;
        int r;

        if (ret_problem)
                *ret_problem = (DissectProblem) {};
        if (fd < 0 || !ret)
                return -EINVAL;

        r = disk_size(fd, &size, &sector_size);
        if (r < 0)
                return r;
        if (size < sector_size)
                return problem(ret_problem, -ENOMEDIUM, N_("No partition table and no filesystem."), 0, 0);

        r = gpt_header_check_size(fd, sector_size, ret_problem);
        if (r < 0)
                return r;
        r = gpt_header_check_size(fd, size / sector_size * sector_size - sector_size, ret_problem);
        if (r < 0)
                return r;

        r = new_probe(fd, &pr);
        if (r < 0)
                return r;
        (void) blkid_probe_enable_superblocks(pr, 0);
        (void) blkid_probe_enable_partitions(pr, 1);

        errno = 0;
        ls = blkid_probe_get_partitions(pr);
        tab = ls ? blkid_partlist_get_table(ls) : NULL;
        if (!tab) {
                if (!ls && errno > 0 && errno != EINVAL)
                        return -errno;
                r = probe_no_table(pr, ret_problem);
                if (r < 0)
                        return r;
                *ret = (PartitionTable) { .type = PARTITION_TABLE_NONE, .disk_size = size };
                return 0;
        }

        pttype = blkid_parttable_get_type(tab);
        if (streq_ptr(pttype, "gpt")) {
                r = read_partitions(ls, tab, PARTITION_TABLE_GPT, size, &t, ret_problem);
                if (r < 0)
                        return r;
                r = gpt_check_dropped_entries(fd, (uint64_t) blkid_parttable_get_offset(tab), sector_size, &t, ret_problem);
                if (r < 0)
                        return r;
        } else if (streq_ptr(pttype, "dos")) {
                r = read_partitions(ls, tab, PARTITION_TABLE_MBR, size, &t, ret_problem);
                if (r < 0)
                        return r;
        } else
                return problem(ret_problem, -EPROTONOSUPPORT, N_("The partition table is neither GPT nor MBR."), 0, 0);

        *ret = t;
        t = (PartitionTable) {};
        return 0;
}

int probe_filesystem(int fd, char **ret_fstype) {
        _cleanup_blkid_probe_ blkid_probe pr = NULL;
        int r;

        if (fd < 0 || !ret_fstype)
                return -EINVAL;
        r = new_probe(fd, &pr);
        if (r < 0)
                return r;
        return probe_superblock(pr, ret_fstype);
}

/* The few fields of the ext2/3/4 superblock we need, at their offsets in it (it starts at byte
 * 1024 of the filesystem). */
#define EXT_SUPERBLOCK_OFFSET 1024
#define EXT_MAGIC_OFFSET 56
#define EXT_STATE_OFFSET 58
#define EXT_FEATURE_INCOMPAT_OFFSET 96
#define EXT_MAGIC 0xEF53
#define EXT_STATE_VALID 0x0001
#define EXT_STATE_ERROR 0x0002
#define EXT_FEATURE_INCOMPAT_RECOVER 0x0004

int ext_filesystem_is_clean(int fd) {
        uint8_t sb[EXT_FEATURE_INCOMPAT_OFFSET + 4];
        uint16_t magic, state;
        uint32_t incompat;
        ssize_t l;

        l = pread(fd, sb, sizeof(sb), EXT_SUPERBLOCK_OFFSET);
        if (l < 0)
                return negative_errno();
        if ((size_t) l < sizeof(sb))
                return -EIO;

        memcpy(&magic, sb + EXT_MAGIC_OFFSET, sizeof(magic));
        memcpy(&state, sb + EXT_STATE_OFFSET, sizeof(state));
        memcpy(&incompat, sb + EXT_FEATURE_INCOMPAT_OFFSET, sizeof(incompat));
        if (le16toh(magic) != EXT_MAGIC)
                return -EMEDIUMTYPE;
        state = le16toh(state);
        incompat = le32toh(incompat);

        return (state & EXT_STATE_VALID) && !(state & EXT_STATE_ERROR) &&
                !(incompat & EXT_FEATURE_INCOMPAT_RECOVER);
}
