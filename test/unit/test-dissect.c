/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Partition selection on fake tables (partition_table_select() is pure), and the parts of probing
 * that need no loop device: a memfd stands in for the disk. */
#include <endian.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dissect.h"
#include "fd-util.h"
#include "tests.h"

#define ROOT     "4f68bce3-e8cd-4db1-96e7-fbcaf984b709"
#define USR      "8484680c-9521-48c6-9c11-b0720656f69e"
#define HOME     "933ac7e1-2eb4-4f13-b844-0e14e2aef915"
#define SRV      "3b8f8425-20e0-4f3b-907f-1a25a76f98e8"
#define VAR      "4d21b016-b534-45c2-a9fb-5c16e091fd2d"
#define TMP      "7ec6f557-3bc5-4aca-b293-16ef5df639d1"
#define ESP      "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define XBOOTLDR "bc13c2ff-59e6-4262-a352-b275fd6f7172"
#define GENERIC  "0fc63daf-8483-4772-8e79-3d69d8477de4"
#define SWAP     "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f"
#define UNKNOWN  "11111111-2222-3333-4444-555555555555"

#define MiB (UINT64_C(1) << 20)
#define DISK (1024 * MiB)

/* Partition N of a GPT: N MiB-sized slots, so that numbers and places never collide by accident. */
static RawPartition gpt(unsigned partno, const char *type, uint64_t flags) {
        RawPartition p = {
                .partno = partno,
                .offset = partno * 16 * MiB,
                .size = 16 * MiB,
                .flags = flags,
        };
        strcpy(p.type_uuid, type);
        return p;
}

static RawPartition mbr(unsigned partno, unsigned type, bool bootable) {
        return (RawPartition) {
                .partno = partno,
                .offset = partno * 16 * MiB,
                .size = 16 * MiB,
                .mbr_type = type,
                .mbr_bootable = bootable,
        };
}

static int select_from(PartitionTableType type, RawPartition *p, size_t n, PartitionSelection *s, DissectProblem *problem) {
        PartitionTable t = {
                .type = type,
                .disk_size = DISK,
                .partitions = p,
                .n_partitions = n,
        };
        return partition_table_select(&t, s, problem);
}

#define SELECT_GPT(s, pr, ...) ({                                                       \
        RawPartition _p[] = { __VA_ARGS__ };                                            \
        select_from(PARTITION_TABLE_GPT, _p, ELEMENTSOF(_p), (s), (pr));               \
})
#define SELECT_MBR(s, pr, ...) ({                                                       \
        RawPartition _p[] = { __VA_ARGS__ };                                            \
        select_from(PARTITION_TABLE_MBR, _p, ELEMENTSOF(_p), (s), (pr));               \
})

static unsigned n_found(const PartitionSelection *s) {
        unsigned n = 0;
        for (size_t i = 0; i < _PARTITION_DESIGNATOR_MAX; i++)
                n += s->partitions[i].found;
        return n;
}

TEST(designator_to_string) {
        ASSERT_STREQ(partition_designator_to_string(PARTITION_ROOT), "root");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_USR), "usr");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_HOME), "home");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_SRV), "srv");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_VAR), "var");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_TMP), "tmp");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_ESP), "esp");
        ASSERT_STREQ(partition_designator_to_string(PARTITION_XBOOTLDR), "xbootldr");
        ASSERT_TRUE(partition_designator_to_string(_PARTITION_DESIGNATOR_MAX) == NULL);
        ASSERT_TRUE(partition_designator_to_string(_PARTITION_DESIGNATOR_INVALID) == NULL);
}

TEST(problem_to_string) {
        PartitionSelection s;
        DissectProblem pr;
        char *m;

        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), gpt(2, HOME, 0), gpt(7, ROOT, 0)), ENOTUNIQ);
        m = dissect_problem_to_string(&pr);
        ASSERT_STREQ(m, "Partitions 1 and 7 are of the same kind; only one is allowed.");
        free(m);

        pr = (DissectProblem) {};
        ASSERT_TRUE(dissect_problem_to_string(&pr) == NULL);
        ASSERT_TRUE(dissect_problem_to_string(NULL) == NULL);
}

TEST(root_only) {
        PartitionSelection s;
        DissectProblem pr = { .format = "stale" };

        ASSERT_OK(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0)));
        ASSERT_TRUE(pr.format == NULL);
        ASSERT_EQ(n_found(&s), 1);
        ASSERT_TRUE(s.partitions[PARTITION_ROOT].found);
        ASSERT_FALSE(s.partitions[PARTITION_ROOT].whole_disk);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 1);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].offset, 16 * MiB);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].size, 16 * MiB);
        ASSERT_FALSE(s.partitions[PARTITION_ROOT].read_only);
        ASSERT_FALSE(s.partitions[PARTITION_ROOT].growfs);
}

TEST(all_designators) {
        PartitionSelection s;

        ASSERT_OK(SELECT_GPT(&s, NULL,
                             gpt(1, ESP, 0), gpt(2, XBOOTLDR, 0), gpt(3, ROOT, 0), gpt(4, USR, 0),
                             gpt(5, HOME, 0), gpt(6, SRV, 0), gpt(7, VAR, 0), gpt(8, TMP, 0)));
        ASSERT_EQ(n_found(&s), 8);
        ASSERT_EQ(s.partitions[PARTITION_ESP].partno, 1);
        ASSERT_EQ(s.partitions[PARTITION_XBOOTLDR].partno, 2);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 3);
        ASSERT_EQ(s.partitions[PARTITION_USR].partno, 4);
        ASSERT_EQ(s.partitions[PARTITION_HOME].partno, 5);
        ASSERT_EQ(s.partitions[PARTITION_SRV].partno, 6);
        ASSERT_EQ(s.partitions[PARTITION_VAR].partno, 7);
        ASSERT_EQ(s.partitions[PARTITION_TMP].partno, 8);
        ASSERT_EQ(s.partitions[PARTITION_TMP].offset, 8 * 16 * MiB);
}

TEST(type_uuid_case) {
        /* The table holds lower case (partition_table_probe() lowers libblkid's string). */
        PartitionSelection s;
        DissectProblem pr;

        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", 0)), ENXIO);
}

TEST(no_auto) {
        PartitionSelection s;
        DissectProblem pr;

        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, ROOT, 0), gpt(2, HOME, GPT_FLAG_NO_AUTO)));
        ASSERT_EQ(n_found(&s), 1);
        ASSERT_FALSE(s.partitions[PARTITION_HOME].found);

        /* A second root marked no-auto is no rival. */
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, ROOT, GPT_FLAG_NO_AUTO), gpt(2, ROOT, 0)));
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 2);

        /* A root marked no-auto is no root. */
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, GPT_FLAG_NO_AUTO), gpt(2, HOME, 0)), ENXIO);
        ASSERT_TRUE(pr.format != NULL);
}

TEST(read_only_and_growfs) {
        PartitionSelection s;

        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, ROOT, GPT_FLAG_READ_ONLY), gpt(2, HOME, GPT_FLAG_GROWFS),
                             gpt(3, SRV, GPT_FLAG_READ_ONLY | GPT_FLAG_GROWFS | 1)));
        ASSERT_TRUE(s.partitions[PARTITION_ROOT].read_only);
        ASSERT_FALSE(s.partitions[PARTITION_ROOT].growfs);
        ASSERT_FALSE(s.partitions[PARTITION_HOME].read_only);
        ASSERT_TRUE(s.partitions[PARTITION_HOME].growfs);
        ASSERT_TRUE(s.partitions[PARTITION_SRV].read_only);
        ASSERT_TRUE(s.partitions[PARTITION_SRV].growfs);
}

TEST(swap_and_unknown_ignored) {
        PartitionSelection s;

        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, SWAP, 0), gpt(2, UNKNOWN, 0), gpt(3, ROOT, 0), gpt(4, "", 0)));
        ASSERT_EQ(n_found(&s), 1);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 3);
}

TEST(generic_linux) {
        PartitionSelection s;
        DissectProblem pr;

        /* The only Linux partition, generic type: the root, with its attributes. */
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, ESP, 0), gpt(2, GENERIC, GPT_FLAG_READ_ONLY), gpt(3, SWAP, 0)));
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 2);
        ASSERT_TRUE(s.partitions[PARTITION_ROOT].read_only);
        ASSERT_EQ(s.partitions[PARTITION_ESP].partno, 1);

        /* Beside a real root it is ignored. */
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, GENERIC, 0), gpt(2, ROOT, 0)));
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 2);
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, GENERIC, 0), gpt(2, GENERIC, 0), gpt(3, ROOT, 0)));
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 3);

        /* Two of them and no root: which one? */
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, GENERIC, 0), gpt(3, GENERIC, 0)), ENOTUNIQ);
        ASSERT_TRUE(pr.format != NULL);
        ASSERT_EQ(pr.a, 1);
        ASSERT_EQ(pr.b, 3);

        /* A generic one marked no-auto does not count. */
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, GENERIC, GPT_FLAG_NO_AUTO), gpt(2, GENERIC, 0)));
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 2);
}

TEST(mbr) {
        PartitionSelection s;
        DissectProblem pr;

        ASSERT_OK(SELECT_MBR(&s, NULL, mbr(1, 0x82, false), mbr(2, 0x83, false)));
        ASSERT_EQ(n_found(&s), 1);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 2);
        ASSERT_FALSE(s.partitions[PARTITION_ROOT].read_only);

        /* Two: the bootable one, when exactly one is. */
        ASSERT_OK(SELECT_MBR(&s, NULL, mbr(1, 0x83, false), mbr(2, 0x83, true)));
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 2);

        ASSERT_ERROR(SELECT_MBR(&s, &pr, mbr(1, 0x83, false), mbr(2, 0x83, false)), ENOTUNIQ);
        ASSERT_EQ(pr.a, 1);
        ASSERT_EQ(pr.b, 2);
        ASSERT_ERROR(SELECT_MBR(&s, &pr, mbr(1, 0x83, true), mbr(2, 0x83, true)), ENOTUNIQ);

        ASSERT_ERROR(SELECT_MBR(&s, &pr, mbr(1, 0x07, true), mbr(2, 0x82, false)), ENXIO);
        ASSERT_TRUE(pr.format != NULL);

        /* GPT attribute bits mean nothing in an MBR table. */
        RawPartition p = mbr(1, 0x83, false);
        p.flags = GPT_FLAG_READ_ONLY | GPT_FLAG_NO_AUTO;
        ASSERT_OK(select_from(PARTITION_TABLE_MBR, &p, 1, &s, NULL));
        ASSERT_FALSE(s.partitions[PARTITION_ROOT].read_only);
}

TEST(bare_filesystem) {
        PartitionTable t = { .type = PARTITION_TABLE_NONE, .disk_size = DISK };
        PartitionSelection s;
        DissectProblem pr;

        ASSERT_OK(partition_table_select(&t, &s, &pr));
        ASSERT_EQ(n_found(&s), 1);
        ASSERT_TRUE(s.partitions[PARTITION_ROOT].whole_disk);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].partno, 0);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].offset, 0);
        ASSERT_EQ(s.partitions[PARTITION_ROOT].size, DISK);

        t.disk_size = 0;
        ASSERT_ERROR(partition_table_select(&t, &s, &pr), ENOMEDIUM);
        ASSERT_TRUE(pr.format != NULL);
}

TEST(past_end) {
        PartitionSelection s;
        DissectProblem pr;
        RawPartition p = gpt(2, ROOT, 0);

        p.offset = DISK - 8 * MiB;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, HOME, 0), p), ERANGE);
        ASSERT_EQ(pr.a, 2);

        /* Exactly up to the end is fine. */
        p.offset = DISK - 16 * MiB;
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, HOME, 0), p));

        /* Sums that would wrap around. */
        p.offset = UINT64_MAX - 4096;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, p), ERANGE);
        p.offset = 16 * MiB;
        p.size = UINT64_MAX - 1024;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, p), ERANGE);
        p.size = 0;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, p), ERANGE);

        /* Checked for every entry, also for types we ignore, and for MBR tables. */
        p = gpt(3, SWAP, 0);
        p.size = DISK;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), p), ERANGE);
        ASSERT_EQ(pr.a, 3);
        RawPartition m = mbr(1, 0x83, true);
        m.size = DISK;
        ASSERT_ERROR(select_from(PARTITION_TABLE_MBR, &m, 1, &s, &pr), ERANGE);
}

TEST(overlap) {
        PartitionSelection s;
        DissectProblem pr;
        RawPartition p = gpt(2, HOME, 0);

        p.offset -= 512;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), p), EBADMSG);
        ASSERT_EQ(pr.a, 1);
        ASSERT_EQ(pr.b, 2);

        /* One inside another, listed in either order. */
        p = gpt(2, SWAP, 0);
        p.offset = 20 * MiB;
        p.size = MiB;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, p, gpt(1, ROOT, 0)), EBADMSG);
        ASSERT_EQ(pr.a, 1);
        ASSERT_EQ(pr.b, 2);

        /* Touching is not overlapping. */
        ASSERT_OK(SELECT_GPT(&s, NULL, gpt(1, ROOT, 0), gpt(2, HOME, 0)));

        /* The same number twice. */
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), ({ RawPartition q = gpt(2, HOME, 0); q.partno = 1; q; })), EBADMSG);
}

TEST(duplicates) {
        PartitionSelection s;
        DissectProblem pr;

        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), gpt(2, HOME, 0), gpt(4, ROOT, 0)), ENOTUNIQ);
        ASSERT_EQ(pr.a, 1);
        ASSERT_EQ(pr.b, 4);
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), gpt(2, ESP, 0), gpt(3, ESP, 0)), ENOTUNIQ);
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, ROOT, 0), gpt(2, HOME, 0), gpt(3, HOME, GPT_FLAG_READ_ONLY)), ENOTUNIQ);
}

TEST(no_root) {
        PartitionSelection s = {}, untouched;
        DissectProblem pr;

        memset(&s, 0x5a, sizeof(s));
        untouched = s;
        ASSERT_ERROR(SELECT_GPT(&s, &pr, gpt(1, HOME, 0), gpt(2, USR, 0), gpt(3, ESP, 0)), ENXIO);
        ASSERT_TRUE(pr.format != NULL);
        ASSERT_TRUE(memcmp(&s, &untouched, sizeof(s)) == 0);     /* ret is written only on success */
}

TEST(empty_table) {
        PartitionTable t = { .type = PARTITION_TABLE_GPT, .disk_size = DISK };
        PartitionSelection s;
        DissectProblem pr;

        ASSERT_ERROR(partition_table_select(&t, &s, &pr), ENXIO);
        t.type = PARTITION_TABLE_MBR;
        ASSERT_ERROR(partition_table_select(&t, &s, &pr), ENXIO);
}

TEST(bad_arguments) {
        RawPartition p = gpt(1, ROOT, 0);
        PartitionTable t = { .type = PARTITION_TABLE_NONE, .disk_size = DISK, .partitions = &p, .n_partitions = 1 };
        PartitionSelection s;

        ASSERT_ERROR(partition_table_select(&t, &s, NULL), EINVAL);
        t.type = _PARTITION_TABLE_TYPE_MAX;
        ASSERT_ERROR(partition_table_select(&t, &s, NULL), EINVAL);
        t.type = PARTITION_TABLE_GPT;
        t.partitions = NULL;
        ASSERT_ERROR(partition_table_select(&t, &s, NULL), EINVAL);
        ASSERT_ERROR(partition_table_select(NULL, &s, NULL), EINVAL);
}

TEST(too_many) {
        static RawPartition p[257];
        PartitionTable t = { .type = PARTITION_TABLE_GPT, .disk_size = UINT64_MAX, .partitions = p, .n_partitions = 257 };
        PartitionSelection s;
        DissectProblem pr;

        for (unsigned i = 0; i < ELEMENTSOF(p); i++)
                p[i] = gpt(i + 1, i == 0 ? ROOT : UNKNOWN, 0);
        ASSERT_ERROR(partition_table_select(&t, &s, &pr), E2BIG);
        ASSERT_TRUE(pr.format != NULL);
        t.n_partitions = 256;
        ASSERT_OK(partition_table_select(&t, &s, &pr));
}

/* ---- Probing without a loop device: a memfd is the disk. ---- */

static int memfd_with(const void *data, size_t size, off_t at, off_t total) {
        int fd = memfd_create("disk", MFD_CLOEXEC);
        if (fd < 0)
                return -1;
        if (ftruncate(fd, total) < 0 || (size > 0 && pwrite(fd, data, size, at) != (ssize_t) size)) {
                close(fd);
                return -1;
        }
        return fd;
}

TEST(probe_empty_and_zeroed) {
        PartitionTable t = { .type = PARTITION_TABLE_GPT };
        DissectProblem pr;
        _cleanup_close_ int empty = memfd_with(NULL, 0, 0, 0), zeroed = memfd_with(NULL, 0, 0, 4 * MiB);

        ASSERT_TRUE(empty >= 0 && zeroed >= 0);
        ASSERT_ERROR(partition_table_probe(empty, &t, &pr), ENOMEDIUM);
        ASSERT_TRUE(pr.format != NULL);
        ASSERT_ERROR(partition_table_probe(zeroed, &t, &pr), ENOMEDIUM);
        ASSERT_TRUE(pr.format != NULL);
        ASSERT_EQ(t.type, PARTITION_TABLE_GPT);         /* untouched */
}

TEST(probe_absurd_entry_array) {
        /* A header whose entry array would be 512 GiB: refused before libblkid reads (and
         * allocates) it, whatever the CRC says. */
        uint8_t h[512] = "EFI PART";
        uint32_t n = htole32(UINT32_C(0xFFFFFFFF)), size = htole32(128);
        PartitionTable t;
        DissectProblem pr;

        memcpy(h + 80, &n, sizeof(n));
        memcpy(h + 84, &size, sizeof(size));
        _cleanup_close_ int fd = memfd_with(h, sizeof(h), 512, 4 * MiB);
        ASSERT_TRUE(fd >= 0);
        ASSERT_ERROR(partition_table_probe(fd, &t, &pr), E2BIG);
        ASSERT_EQ(pr.a, 0xFFFFFFFF);
        ASSERT_EQ(pr.b, 128);

        /* The same in the backup header, in the last sector. */
        _cleanup_close_ int fd2 = memfd_with(h, sizeof(h), 4 * MiB - 512, 4 * MiB);
        ASSERT_TRUE(fd2 >= 0);
        ASSERT_ERROR(partition_table_probe(fd2, &t, &pr), E2BIG);
}

static int ext_superblock(uint16_t state, uint32_t incompat, uint16_t magic) {
        uint8_t sb[1024] = {};
        magic = htole16(magic);
        state = htole16(state);
        incompat = htole32(incompat);
        memcpy(sb + 56, &magic, 2);
        memcpy(sb + 58, &state, 2);
        memcpy(sb + 96, &incompat, 4);
        return memfd_with(sb, sizeof(sb), 1024, 64 * 1024);
}

TEST(ext_clean) {
        struct { uint16_t state; uint32_t incompat; uint16_t magic; int expected; } cases[] = {
                { 1, 0x2c2, 0xEF53, 1 },        /* valid, no recovery needed (extents, flex_bg, filetype) */
                { 0, 0x2c2, 0xEF53, 0 },        /* mounted, or not cleanly unmounted */
                { 3, 0x2c2, 0xEF53, 0 },        /* errors found */
                { 1, 0x2c6, 0xEF53, 0 },        /* the journal needs recovery */
                { 1, 0x2c2, 0x1234, -EMEDIUMTYPE },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_close_ int fd = ext_superblock(cases[i].state, cases[i].incompat, cases[i].magic);
                ASSERT_TRUE(fd >= 0);
                ASSERT_EQ(ext_filesystem_is_clean(fd), cases[i].expected);
        }

        _cleanup_close_ int short_fd = memfd_with(NULL, 0, 0, 1100);     /* ends inside the superblock */
        ASSERT_TRUE(short_fd >= 0);
        ASSERT_ERROR(ext_filesystem_is_clean(short_fd), EIO);
}

DEFINE_TEST_MAIN
