/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 (Aumasson and Bernstein) of len bytes with a 16-byte key: the keyed hash systemd
 * derives interface names and MAC addresses with, so ours match its for the same inputs. */
uint64_t siphash24(const void *data, size_t len, const uint8_t key[static 16]);
