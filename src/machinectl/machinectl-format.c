/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "machinectl-format.h"
#include "string-util.h"

char *escape_untrusted(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        char *r, *w;

        /* Worst case: every byte becomes \xNN. */
        r = malloc(strlen(s) * 4 + 1);
        if (!r)
                return NULL;
        w = r;
        while (*p) {
                uint32_t cp;
                size_t n = utf8_decode(p, &cp);

                if (n == 0 || unichar_is_terminal_unsafe(cp)) {
                        unsigned char c = *p;
                        switch (c) {
                        case '\033': w = stpcpy(w, "\\e"); break;
                        case '\n': w = stpcpy(w, "\\n"); break;
                        case '\t': w = stpcpy(w, "\\t"); break;
                        case '\r': w = stpcpy(w, "\\r"); break;
                        default:
                                /* A C1 code point or a bidi control is escaped byte by byte:
                                 * \xc2\x9b, \xe2\x80\xae. */
                                for (size_t i = 0; i < MAX(n, (size_t) 1); i++)
                                        w += sprintf(w, "\\x%02x", p[i]);
                                p += MAX(n, (size_t) 1) - 1;
                        }
                        p++;
                        continue;
                }
                memcpy(w, p, n);
                w += n;
                p += n;
        }
        *w = 0;
        return r;
}

char *json_quote(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        char *r, *w;

        /* Worst case: every byte becomes \uXXXX or U+FFFD (3 bytes), plus the quotes. */
        r = malloc(strlen(s) * 6 + 3);
        if (!r)
                return NULL;
        w = r;
        *w++ = '"';
        while (*p) {
                uint32_t cp;
                size_t n = utf8_decode(p, &cp);

                if (n == 0) {
                        w = stpcpy(w, "\xef\xbf\xbd");
                        p++;
                        continue;
                }
                if (cp == '"' || cp == '\\') {
                        *w++ = '\\';
                        *w++ = (char) cp;
                } else if (cp == '\n')
                        w = stpcpy(w, "\\n");
                else if (cp == '\t')
                        w = stpcpy(w, "\\t");
                else if (cp == '\r')
                        w = stpcpy(w, "\\r");
                else if (unichar_is_terminal_unsafe(cp))
                        w += sprintf(w, "\\u%04x", (unsigned) cp);
                else {
                        memcpy(w, p, n);
                        w += n;
                }
                p += n;
        }
        *w++ = '"';
        *w = 0;
        return r;
}

size_t utf8_width(const char *s) {
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if ((*p & 0xc0) != 0x80)
                        n++;
        return n;
}

char *format_timestamp(char *buf, size_t size, uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "n/a");
        return buf;
}

/* "3 days" and friends, with the plural form of the catalogue, appended at span + *l. These words only
 * ever stand before "ago" (translations may need the case that goes with it). */
static void append_unit(char *span, size_t size, size_t *l, size_t i, unsigned long long k) {
        char *w = span + *l;
        size_t left = size - MIN(*l, size);
        int n;

        switch (i) {
        case 0: n = snprintf(w, left, NG_("%llu year", "%llu years", k), k); break;
        case 1: n = snprintf(w, left, NG_("%llu month", "%llu months", k), k); break;
        case 2: n = snprintf(w, left, NG_("%llu week", "%llu weeks", k), k); break;
        case 3: n = snprintf(w, left, NG_("%llu day", "%llu days", k), k); break;
        case 4: n = snprintf(w, left, "%lluh", k); break;
        case 5: n = snprintf(w, left, "%llumin", k); break;
        default: n = snprintf(w, left, "%llus", k); break;
        }
        *l += n > 0 ? (size_t) n : 0;
}

char *format_ago(char *buf, size_t size, uint64_t now, uint64_t then) {
        static const uint64_t units[] = {
                UINT64_C(31557600) * USEC_PER_SEC,
                UINT64_C(2629800) * USEC_PER_SEC,
                UINT64_C(604800) * USEC_PER_SEC,
                UINT64_C(86400) * USEC_PER_SEC,
                UINT64_C(3600) * USEC_PER_SEC,
                UINT64_C(60) * USEC_PER_SEC,
                USEC_PER_SEC,
        };
        uint64_t d = now > then ? now - then : 0;
        char span[128];
        size_t l = 0;
        int shown = 0;

        span[0] = 0;
        /* Two units are enough for "since": "1 day 2h ago", "3min 5s ago". */
        for (size_t i = 0; i < ELEMENTSOF(units) && shown < 2; i++) {
                uint64_t k = d / units[i];
                if (k == 0) {
                        if (shown > 0)
                                break;
                        continue;
                }
                if (shown > 0)
                        l += (size_t) snprintf(span + l, sizeof(span) - MIN(l, sizeof(span)), " ");
                append_unit(span, sizeof(span), &l, i, (unsigned long long) k);
                d -= k * units[i];
                shown++;
        }
        if (shown == 0)
                snprintf(span, sizeof(span), "%llums", (unsigned long long) (d / 1000));
        snprintf(buf, size, _("%s ago"), span);
        return buf;
}

struct Table {
        size_t n_columns;
        size_t n_cells;
        size_t allocated;
        char **cells; /* header first, then the rows, row-major */
};

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

static int table_push(Table *t, char *cell) {
        if (!cell)
                return -ENOMEM;
        if (t->n_cells >= t->allocated) {
                size_t a = MAX(t->allocated * 2, (size_t) 16);
                char **c = realloc(t->cells, a * sizeof(char *));
                if (!c) {
                        free(cell);
                        return -ENOMEM;
                }
                t->cells = c;
                t->allocated = a;
        }
        t->cells[t->n_cells++] = cell;
        return 0;
}

Table *table_new(size_t n_columns, const char *const *headers) {
        _cleanup_(table_freep) Table *t = calloc(1, sizeof(Table));

        if (!t || n_columns == 0)
                return NULL;
        t->n_columns = n_columns;
        for (size_t i = 0; i < n_columns; i++)
                if (table_push(t, strdup(headers[i])) < 0)
                        return NULL;
        return TAKE_PTR(t);
}

int table_add_row(Table *t, const char *const *cells) {
        for (size_t i = 0; i < t->n_columns; i++) {
                int r = table_push(t, escape_untrusted(cells[i] ?: "-"));
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

int table_format(const Table *t, bool header, char **ret) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        size_t total = 1, pad = 0, first = header ? 0 : t->n_columns;
        char *r, *w;

        if (!width)
                return -ENOMEM;
        for (size_t i = first; i < t->n_cells; i++) {
                width[i % t->n_columns] = MAX(width[i % t->n_columns], utf8_width(t->cells[i]));
                total += strlen(t->cells[i]);
        }
        /* Padding takes at most width + 1 bytes per cell (the newline included). */
        for (size_t c = 0; c < t->n_columns; c++)
                pad += width[c] + 1;
        total += pad * (t->n_cells / t->n_columns);

        r = w = malloc(total);
        if (!r)
                return -ENOMEM;
        for (size_t i = first; i < t->n_cells; i++) {
                size_t c = i % t->n_columns;
                w = stpcpy(w, t->cells[i]);
                if (c == t->n_columns - 1)
                        *w++ = '\n';
                else
                        w += sprintf(w, "%*s", (int) (width[c] - utf8_width(t->cells[i]) + 1), "");
        }
        *w = 0;
        *ret = r;
        return 0;
}

int format_in_addr(int family, const void *bytes, size_t n, char *buf, size_t size) {
        if (!((family == AF_INET && n == 4) || (family == AF_INET6 && n == 16)))
                return -EINVAL;
        if (!inet_ntop(family, bytes, buf, (socklen_t) size))
                return -errno;
        return 0;
}
