/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "string-util.h"

char *strjoin_real(const char *first, ...) {
        va_list ap;
        size_t l = 0;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                l += strlen(s);
        va_end(ap);

        char *r = malloc(l + 1), *p = r;
        if (!r)
                return NULL;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                p = stpcpy(p, s);
        va_end(ap);
        *p = 0;
        return r;
}

char *strstrip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                e--;
        *e = 0;
        return s;
}

bool string_has_cc(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127)
                        return true;
        return false;
}

size_t utf8_decode(const unsigned char *s, uint32_t *ret_cp) {
        uint32_t cp;
        size_t n;

        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return n;
}

/* C0 and C1 controls and DEL (a terminal acts on them: CSI, OSC...), the bidirectional marks,
 * embeddings, overrides and isolates (a U+202E makes a line read backwards: CVE-2021-42574), zero-width
 * characters, the line and paragraph separators, and the byte-order mark. */
bool unichar_is_terminal_unsafe(uint32_t cp) {
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
               (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff;
}

/* The escaped form of the character at p into buf (at most 12 bytes with the NUL), and its length in
 * bytes of input. */
static size_t escape_one(const unsigned char *p, char buf[static 12]) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);

        if (n == 0) {
                snprintf(buf, 12, "\\x%02x", p[0]);
                return 1;
        }
        if (n > 1) {
                if (unichar_is_terminal_unsafe(cp))
                        snprintf(buf, 12, "\\u%04x", (unsigned) cp);
                else {
                        memcpy(buf, p, n);
                        buf[n] = 0;
                }
                return n;
        }
        switch (cp) {
        case '\033': strcpy(buf, "\\e"); break;
        case '\n': strcpy(buf, "\\n"); break;
        case '\t': strcpy(buf, "\\t"); break;
        case '\r': strcpy(buf, "\\r"); break;
        case '\\': strcpy(buf, "\\\\"); break;
        default:
                if (cp < ' ' || cp == 0x7f)
                        snprintf(buf, 12, "\\x%02x", (unsigned) cp);
                else {
                        buf[0] = (char) cp;
                        buf[1] = 0;
                }
        }
        return 1;
}

char *escape_for_terminal(const char *s, size_t max) {
        static const char ellipsis[] = "...";
        const size_t ell = MIN(strlen(ellipsis), max);
        int saved_errno = errno;
        size_t len = strlen(s), size, w = 0, cut = 0;
        char *r;

        /* Escaping at most quadruples the text; past max it is cut, so never allocate more. */
        size = len <= max / 4 ? len * 4 : max;
        r = malloc(size + 1);
        if (!r)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p;) {
                char piece[12];
                p += escape_one(p, piece);
                size_t k = strlen(piece);
                if (w + k > max) {
                        /* Cut where the ellipsis still fits, never inside an escape or a character. */
                        memcpy(r + cut, ellipsis, ell);
                        w = cut + ell;
                        break;
                }
                memcpy(r + w, piece, k);
                w += k;
                if (w + ell <= max)
                        cut = w;
        }
        r[w] = 0;
        errno = saved_errno;
        return r;
}

bool string_list_contains(const char *list, const char *separators, const char *word) {
        size_t l = strlen(word);

        for (const char *p = list; p && *p;) {
                p += strspn(p, separators);
                size_t m = strcspn(p, separators);
                if (m > 0 && m == l && strncmp(p, word, l) == 0)
                        return true;
                p += m;
        }
        return false;
}
