#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Corrupts the GPT of a disk image file in one precise way, for tests of the image code.

    gpt-edit.py IMAGE [--primary|--backup|--both] OP [ARGS...]

Which header copy (and its entry array) is changed: --both (the default), --primary (LBA 1) or
--backup (the header the primary names as AlternateLBA, else the last sector). Sector size 512.
Every operation leaves everything but the field under test consistent: the CRCs that cover a
changed field are recomputed, unless breaking a CRC is the operation.

OP:
  header-crc              the header's CRC is wrong
  entries-crc             the entry array's CRC (in the header) is wrong; the header's own CRC is right
  set-count N             NumberOfPartitionEntries = N (e.g. 0xFFFFFFFF)
  set-entry-size N        SizeOfPartitionEntry = N (e.g. 0 or 7)
  set-entry I FIRST LAST [TYPE]
                          entry I (1-based) spans LBAs FIRST..LAST (inclusive), and has type TYPE
                          (a UUID) if given; the entry array's CRC is recomputed
  set-attrs I BITS        entry I gets the attribute bits BITS (e.g. 0x1000000000000000)
  zap                     the header sector is zeroed (as `sgdisk --zap` does to one copy)

Numbers may be decimal or 0x hex. Exit status 0, or 1 with a message on bad use.
"""
import struct
import sys
import uuid
import zlib

SECTOR = 512
HDR = struct.Struct("<8sIIII QQQQ 16s QIII")  # 92 bytes


def num(s):
    return int(s, 0)


class Header:
    def __init__(self, f, lba):
        self.f, self.lba = f, lba
        f.seek(lba * SECTOR)
        self.raw = bytearray(f.read(SECTOR))
        if len(self.raw) < HDR.size or self.raw[:8] != b"EFI PART":
            sys.exit(f"gpt-edit: no GPT header at LBA {lba}")
        (self.sig, self.rev, self.hsize, self.hcrc, self.res, self.my_lba, self.alt_lba,
         self.first, self.last, self.guid, self.entries_lba, self.count, self.esize,
         self.ecrc) = HDR.unpack_from(self.raw)

    def pack(self, crc=None):
        HDR.pack_into(self.raw, 0, self.sig, self.rev, self.hsize, 0, self.res, self.my_lba,
                      self.alt_lba, self.first, self.last, self.guid, self.entries_lba,
                      self.count, self.esize, self.ecrc)
        if crc is None:
            crc = zlib.crc32(bytes(self.raw[:self.hsize]))
        struct.pack_into("<I", self.raw, 16, crc)
        self.f.seek(self.lba * SECTOR)
        self.f.write(self.raw)

    def entries(self):
        self.f.seek(self.entries_lba * SECTOR)
        return bytearray(self.f.read(self.count * self.esize))

    def write_entries(self, data):
        self.f.seek(self.entries_lba * SECTOR)
        self.f.write(data)
        self.ecrc = zlib.crc32(bytes(data))


def edit(h, op, args):
    if op == "header-crc":
        h.pack(crc=(zlib.crc32(bytes(h.raw[:16]) + b"\0\0\0\0" + bytes(h.raw[20:h.hsize])) ^ 0xDEADBEEF))
    elif op == "entries-crc":
        h.ecrc ^= 0xDEADBEEF
        h.pack()
    elif op == "set-count":
        h.count = num(args[0])
        h.pack()
    elif op == "set-entry-size":
        h.esize = num(args[0])
        h.pack()
    elif op in ("set-entry", "set-attrs"):
        i = num(args[0])
        if not 1 <= i <= h.count or h.esize < 128:
            sys.exit(f"gpt-edit: no entry {i}")
        data = h.entries()
        off = (i - 1) * h.esize
        if op == "set-entry":
            struct.pack_into("<QQ", data, off + 32, num(args[1]), num(args[2]))
            if len(args) > 3:
                data[off:off + 16] = uuid.UUID(args[3]).bytes_le
                if data[off + 16:off + 32] == bytes(16):
                    data[off + 16:off + 32] = uuid.uuid4().bytes_le
        else:
            struct.pack_into("<Q", data, off + 48, num(args[1]))
        h.write_entries(data)
        h.pack()
    elif op == "zap":
        h.f.seek(h.lba * SECTOR)
        h.f.write(bytes(SECTOR))
    else:
        sys.exit(f"gpt-edit: unknown operation '{op}'")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    image, rest = argv[1], argv[2:]
    which = "both"
    if rest[0] in ("--primary", "--backup", "--both"):
        which, rest = rest[0][2:], rest[1:]
    if not rest:
        sys.exit(__doc__)
    op, args = rest[0], rest[1:]
    with open(image, "r+b") as f:
        f.seek(0, 2)
        last = f.tell() // SECTOR - 1
        primary = Header(f, 1)
        backup_lba = primary.alt_lba if 1 < primary.alt_lba <= last else last
        # Read both before changing either: the backup is found through the primary.
        headers = []
        if which in ("primary", "both"):
            headers.append(primary)
        if which in ("backup", "both"):
            headers.append(Header(f, backup_lba))
        for h in headers:
            edit(h, op, args)


if __name__ == "__main__":
    main(sys.argv)
