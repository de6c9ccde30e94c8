/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "parse-util.h"
#include "string-util.h"

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int safe_atou32(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno == ERANGE || v > UINT32_MAX)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int parse_uid(const char *s, uid_t *ret) {
        uint32_t u;
        int r = safe_atou32(s, &u);
        if (r < 0)
                return r;
        /* (uid_t) -1 and the 16-bit overflow uid are never valid ids. */
        if (u == UINT32_MAX || u == 65535)
                return -ENXIO;
        *ret = u;
        return 0;
}

int signal_from_string(const char *s) {
        const char *p = startswith(s, "SIG") ?: s;
        uint32_t n;

        if (safe_atou32(s, &n) >= 0)
                return n > 0 && n < (uint32_t) _NSIG ? (int) n : -EINVAL;

        for (int sig = 1; sig < SIGRTMIN; sig++) {
                const char *a = sigabbrev_np(sig);
                if (a && streq(a, p))
                        return sig;
        }
        const char *off = startswith(p, "RTMIN");
        if (off) {
                if (!*off)
                        return SIGRTMIN;
                if (*off == '+' && safe_atou32(off + 1, &n) >= 0 && n <= (uint32_t) (SIGRTMAX - SIGRTMIN))
                        return SIGRTMIN + (int) n;
        }
        off = startswith(p, "RTMAX");
        if (off) {
                if (!*off)
                        return SIGRTMAX;
                if (*off == '-' && safe_atou32(off + 1, &n) >= 0 && n <= (uint32_t) (SIGRTMAX - SIGRTMIN))
                        return SIGRTMAX - (int) n;
        }
        return -EINVAL;
}

const char *signal_to_string(int sig, char buf[static 16]) {
        const char *a = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

        if (a)
                snprintf(buf, 16, "SIG%s", a);
        else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
                snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
        else
                snprintf(buf, 16, "%d", sig);
        return buf;
}

int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

int id128_from_string(const char *s, Id128 *ret) {
        Id128 id;
        size_t len = strlen(s), i = 0;
        bool dashed = len == 36;

        if (len != 32 && !dashed)
                return -EINVAL;
        for (size_t n = 0; n < 16; n++) {
                if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
                        if (s[i] != '-')
                                return -EINVAL;
                        i++;
                }
                int a = unhexchar(s[i]), b = unhexchar(s[i + 1]);
                if (a < 0 || b < 0)
                        return -EINVAL;
                id.bytes[n] = (uint8_t) (a << 4 | b);
                i += 2;
        }
        *ret = id;
        return 0;
}

int id128_randomize(Id128 *ret) {
        Id128 id;

        if (getrandom(id.bytes, sizeof(id.bytes), 0) != (ssize_t) sizeof(id.bytes))
                return -EIO;
        /* A version 4 (random) UUID, as sd_id128_randomize() makes. */
        id.bytes[6] = (id.bytes[6] & 0x0F) | 0x40;
        id.bytes[8] = (id.bytes[8] & 0x3F) | 0x80;
        *ret = id;
        return 0;
}

bool id128_is_null(const Id128 *id) {
        for (size_t i = 0; i < 16; i++)
                if (id->bytes[i])
                        return false;
        return true;
}

char *id128_to_string(const Id128 *id, char buf[static 33]) {
        for (size_t i = 0; i < 16; i++)
                sprintf(buf + 2 * i, "%02x", id->bytes[i]);
        return buf;
}

char *id128_to_uuid_string(const Id128 *id, char buf[static 37]) {
        char *p = buf;
        for (size_t i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        *p++ = '-';
                p += sprintf(p, "%02x", id->bytes[i]);
        }
        return buf;
}
