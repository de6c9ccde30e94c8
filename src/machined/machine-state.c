/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "machine-name.h"
#include "machine-state.h"
#include "machine-validate.h"
#include "string-util.h"

#define STATE_FILE_MAX (64 * 1024)
/* The largest NETIF= line ("2147483647 " per interface) leaves room for the other keys. */
_Static_assert(MACHINE_NETIF_MAX * 11 + 16 * 1024 <= STATE_FILE_MAX, "a state file with the most interfaces must fit");

static bool char_needs_quoting(char c) {
        return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 strchr("_-./:@+,=%", c));
}

/* Shell-style double quotes where needed, as sd-login's parser (parse_env_file) reads them. */
static void put_assignment(FILE *f, const char *key, const char *value) {
        bool quote = false;

        for (const char *p = value; *p; p++)
                if (char_needs_quoting(*p))
                        quote = true;
        fprintf(f, "%s=", key);
        if (!quote) {
                fprintf(f, "%s\n", value);
                return;
        }
        fputc('"', f);
        for (const char *p = value; *p; p++) {
                if (strchr("\"\\`$", *p))
                        fputc('\\', f);
                fputc(*p, f);
        }
        fputs("\"\n", f);
}

int machine_state_format(const Machine *m, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        char id[33];
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        fputs("# This is private data. Do not parse.\n", f);
        put_assignment(f, "NAME", m->name);
        if (!isempty(m->unit))
                put_assignment(f, "SCOPE", m->unit);
        if (!isempty(m->service))
                put_assignment(f, "SERVICE", m->service);
        if (!isempty(m->root_directory))
                put_assignment(f, "ROOT", m->root_directory);
        if (!id128_is_null(&m->id))
                put_assignment(f, "ID", id128_to_string(&m->id, id));
        fprintf(f, "LEADER=%d\n", (int) m->leader);
        put_assignment(f, "CLASS", machine_class_to_string(m->class));
        fprintf(f, "REALTIME=%" PRIu64 "\n", m->realtime);
        fprintf(f, "MONOTONIC=%" PRIu64 "\n", m->monotonic);
        if (m->n_netif > 0) {
                fputs("NETIF=", f);
                for (size_t i = 0; i < m->n_netif; i++)
                        fprintf(f, "%s%d", i > 0 ? " " : "", m->netif[i]);
                fputc('\n', f);
        }
        fprintf(f, "LEADER_STARTTIME=%" PRIu64 "\n", m->leader_starttime);
        if (m->cgroup)
                put_assignment(f, "CGROUP", m->cgroup);
        fprintf(f, "OWN_CGROUP=%s\n", m->own_cgroup ? "yes" : "no");
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Undoes put_assignment(): the value up to the end of the line, unquoted. */
static char *unquote_value(const char *v) {
        size_t n = strlen(v);
        char *r = malloc(n + 1), *w = r;

        if (!r)
                return NULL;
        if (v[0] != '"') {
                memcpy(r, v, n + 1);
                return strstrip(r);
        }
        for (const char *p = v + 1; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                        p++;
                *w++ = *p;
        }
        *w = 0;
        return r;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;

        if (isempty(s) || *s == '-')
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno != 0 || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_netif(Machine *m, const char *s) {
        _cleanup_free_ int *buf = malloc(MACHINE_NETIF_MAX * sizeof(int));
        size_t n = 0;

        if (!buf)
                return -ENOMEM;
        for (const char *p = s; *p;) {
                char *end;
                long v;

                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                errno = 0;
                v = strtol(p, &end, 10);
                if (errno != 0 || end == p || v <= 0 || v > INT32_MAX || n >= MACHINE_NETIF_MAX)
                        return -EINVAL;
                buf[n++] = (int) v;
                p = end;
        }
        return machine_set_netif(m, buf, n);
}

static int apply_field(Machine *m, const char *key, const char *value) {
        uint64_t u;
        int r;

        if (streq(key, "NAME"))
                return streq(value, m->name) ? 0 : -EINVAL;
        if (streq(key, "SCOPE")) {
                if (strchr(value, '/') || value[0] == '.')
                        return -EINVAL;
                return machine_set_string(&m->unit, value);
        }
        if (streq(key, "SERVICE"))
                return machine_service_is_valid(value) ? machine_set_string(&m->service, value) : -EINVAL;
        if (streq(key, "ROOT"))
                return machine_root_directory_is_valid(value) ? machine_set_string(&m->root_directory, value)
                                                              : -EINVAL;
        if (streq(key, "ID"))
                return id128_from_string(value, &m->id);
        if (streq(key, "CLASS")) {
                m->class = machine_class_from_string(value);
                return m->class < 0 ? -EINVAL : 0;
        }
        if (streq(key, "LEADER")) {
                r = parse_u64(value, &u);
                if (r < 0 || u <= 1 || u > INT32_MAX)
                        return -EINVAL;
                m->leader = (pid_t) u;
                return 0;
        }
        if (streq(key, "REALTIME"))
                return parse_u64(value, &m->realtime);
        if (streq(key, "MONOTONIC"))
                return parse_u64(value, &m->monotonic);
        if (streq(key, "LEADER_STARTTIME"))
                return parse_u64(value, &m->leader_starttime);
        if (streq(key, "NETIF"))
                return parse_netif(m, value);
        if (streq(key, "CGROUP")) {
                if (value[0] != '/' || strstr(value, "/..") || string_has_cc(value))
                        return -EINVAL;
                free(m->cgroup);
                m->cgroup = strdup(value);
                return m->cgroup ? 0 : -ENOMEM;
        }
        if (streq(key, "OWN_CGROUP")) {
                m->own_cgroup = streq(value, "yes");
                return 0;
        }
        return 0; /* Unknown keys (SCOPE_JOB, from systemd's machined) are ignored. */
}

int machine_state_parse(const char *name, const char *text, Machine **ret) {
        _cleanup_(machine_freep) Machine *m = NULL;
        _cleanup_free_ char *copy = strdup(text);
        char *saveptr = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        if (!machine_name_is_valid(name))
                return -EINVAL;
        r = machine_new(name, &m);
        if (r < 0)
                return r;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                _cleanup_free_ char *value = NULL;
                char *eq;

                if (line[0] == '#' || isempty(strstrip(line)))
                        continue;
                eq = strchr(line, '=');
                if (!eq)
                        return -EINVAL;
                *eq = 0;
                value = unquote_value(eq + 1);
                if (!value)
                        return -ENOMEM;
                r = apply_field(m, strstrip(line), value);
                if (r < 0)
                        return r;
        }
        if (m->leader <= 1)
                return -EINVAL;
        *ret = TAKE_PTR(m);
        return 0;
}

static int write_atomic(int dir_fd, const char *name, const char *text) {
        char tmp[128];
        _cleanup_close_ int fd = -EBADF;
        int r;

        snprintf(tmp, sizeof(tmp), ".#%s.%08x", name, (unsigned) random());
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        r = loop_write(fd, text, strlen(text));
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

static int symlink_atomic(int dir_fd, const char *target, const char *link) {
        char tmp[128];

        snprintf(tmp, sizeof(tmp), ".#link.%08x", (unsigned) random());
        if (symlinkat(target, dir_fd, tmp) < 0)
                return -errno;
        if (renameat(dir_fd, tmp, dir_fd, link) < 0) {
                int r = -errno;
                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        return 0;
}

int machine_state_save(int dir_fd, const Machine *m) {
        _cleanup_free_ char *text = NULL, *link = NULL;
        int r;

        r = machine_state_format(m, &text);
        if (r < 0)
                return r;
        r = write_atomic(dir_fd, m->name, text);
        if (r < 0)
                return r;
        if (isempty(m->unit))
                return 0;
        link = strjoin("unit:", m->unit);
        if (!link)
                return -ENOMEM;
        return symlink_atomic(dir_fd, m->name, link);
}

int machine_state_remove(int dir_fd, const Machine *m) {
        int r = 0;

        if (unlinkat(dir_fd, m->name, 0) < 0 && errno != ENOENT)
                r = -errno;
        if (!isempty(m->unit)) {
                _cleanup_free_ char *link = strjoin("unit:", m->unit);
                char target[256];
                ssize_t n;

                if (!link)
                        return -ENOMEM;
                n = readlinkat(dir_fd, link, target, sizeof(target) - 1);
                if (n >= 0) {
                        target[n] = 0;
                        if (streq(target, m->name) && unlinkat(dir_fd, link, 0) < 0 && r == 0)
                                r = -errno;
                }
        }
        return r;
}

int machine_state_load(int dir_fd, const char *name, Machine **ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!machine_name_is_valid(name))
                return -EINVAL;
        r = read_small_file_at(dir_fd, name, STATE_FILE_MAX, &text);
        if (r < 0)
                return r;
        return machine_state_parse(name, text, ret);
}
