#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes bad fields into the GPT of a disk image (512-byte sectors), for check D6.

Usage: gpt-corrupt.py IMAGE OPERATION [ARG...] [--primary-only]

Operations (each applied to the primary and the backup header, so that a reader cannot fall back
on the other copy; --primary-only leaves the backup alone):
  header-crc            the header's CRC32 is wrong (everything else as it was)
  entry-crc             the entry array's CRC32 in the header is wrong (the header's own CRC right)
  count N               NumberOfPartitionEntries = N (header CRC recomputed)
  entry-size N          SizeOfPartitionEntry = N (header CRC recomputed)
  past-eof P            entry P (1-based) ends far past the end of the disk (CRCs recomputed)
  past-eof-usable P     the same, and LastUsableLBA says the disk is that large (CRCs recomputed)
  overlap P Q           entry Q starts inside entry P (CRCs recomputed)
  zap-primary           zeroes the primary header (LBA 1) only: the backup stays valid
Every CRC this script does not mean to break is recomputed, so that each case tests one fault.
"""
import struct
import sys
import zlib

SECTOR = 512
HDR_FMT = "<8sIIIIQQQQ16sQIII"  # 92 bytes: signature ... entry array CRC


def crc(b):
    return zlib.crc32(b) & 0xFFFFFFFF


class Header:
    def __init__(self, f, lba):
        self.f, self.lba = f, lba
        f.seek(lba * SECTOR)
        raw = f.read(92)
        if len(raw) != 92 or raw[:8] != b"EFI PART":
            sys.exit(f"gpt-corrupt: no GPT header at LBA {lba}")
        (self.sig, self.rev, self.size, self.crc, self.res, self.my_lba, self.alt_lba,
         self.first_usable, self.last_usable, self.guid, self.entries_lba, self.count,
         self.entry_size, self.entries_crc) = struct.unpack(HDR_FMT, raw)
        # The entry array as it is now (with the header's own count and size).
        f.seek(self.entries_lba * SECTOR)
        self.entries = bytearray(f.read(self.count * self.entry_size))

    def pack(self, crc_value=None):
        def p(c):
            return struct.pack(HDR_FMT, self.sig, self.rev, self.size, c, self.res, self.my_lba,
                               self.alt_lba, self.first_usable, self.last_usable, self.guid,
                               self.entries_lba, self.count, self.entry_size, self.entries_crc)
        if crc_value is None:
            crc_value = crc(p(0) + b"\0" * (self.size - 92))
        return p(crc_value)

    def entry(self, n):
        o = (n - 1) * 128
        return o, struct.unpack_from("<QQQ", self.entries, o + 32)  # first, last, attrs

    def set_entry_range(self, n, first, last):
        o, (_, _, attrs) = self.entry(n)
        struct.pack_into("<QQ", self.entries, o + 32, first, last)

    def write(self, header_crc=None, entries=True):
        if entries:
            self.f.seek(self.entries_lba * SECTOR)
            self.f.write(self.entries)
        self.f.seek(self.lba * SECTOR)
        self.f.write(self.pack(header_crc))


def main():
    args = [a for a in sys.argv[1:] if a != "--primary-only"]
    primary_only = "--primary-only" in sys.argv
    if len(args) < 2:
        sys.exit(__doc__)
    image, op, rest = args[0], args[1], args[2:]
    with open(image, "r+b") as f:
        f.seek(0, 2)
        disk_lbas = f.tell() // SECTOR
        primary = Header(f, 1)
        if op == "zap-primary":
            f.seek(SECTOR)
            f.write(b"\0" * SECTOR)
            return
        headers = [primary] if primary_only else [primary, Header(f, primary.alt_lba)]
        for h in headers:
            if op == "header-crc":
                h.write(header_crc=h.crc ^ 0xFFFFFFFF, entries=False)
            elif op == "entry-crc":
                h.entries_crc ^= 0xFFFFFFFF
                h.write(entries=False)
            elif op == "count":
                h.count = int(rest[0], 0)
                h.write(entries=False)
            elif op == "entry-size":
                h.entry_size = int(rest[0], 0)
                h.write(entries=False)
            elif op in ("past-eof", "past-eof-usable"):
                n = int(rest[0])
                _, (first, _, _) = h.entry(n)
                far = disk_lbas * 4 + 2048
                h.set_entry_range(n, first, far)
                if op == "past-eof-usable":
                    h.last_usable = far
                h.entries_crc = crc(h.entries)
                h.write()
            elif op == "overlap":
                p, q = int(rest[0]), int(rest[1])
                _, (pfirst, plast, _) = h.entry(p)
                _, (_, qlast, _) = h.entry(q)
                h.set_entry_range(q, pfirst + (plast - pfirst) // 2, qlast)
                h.entries_crc = crc(h.entries)
                h.write()
            else:
                sys.exit(f"gpt-corrupt: unknown operation {op}")


if __name__ == "__main__":
    main()
