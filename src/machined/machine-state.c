/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "machine-name.h"
#include "machine-state.h"
#include "machine-validate.h"
#include "machined-cgroup.h"
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
        put_assignment(f, "STATE", machine_state_to_string(m->state));
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
        if (streq(key, "STATE")) {
                m->state = machine_state_from_string(value);
                return m->state < 0 ? -EINVAL : 0;
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

/* CGROUP decides what terminate kills, so a state file is not taken at its word: the cgroup machined
 * owns (OWN_CGROUP=yes) can only be the machine's own scope, and any other must be exactly the
 * cgroup of the unit that SCOPE names (never "/", never a slice). */
static int state_check_cgroup(const Machine *m) {
        _cleanup_free_ char *rel = NULL, *unit = NULL, *unit_path = NULL;
        int r;

        if (m->own_cgroup) {
                /* The machine's own scope, in machine.slice or the slice CreateMachine's Slice= named. */
                rel = machine_cgroup_path(m->name);
                if (!rel)
                        return -ENOMEM;
                if (!m->cgroup)
                        return -EINVAL;
                r = cgroup_path_get_unit(m->cgroup, &unit, &unit_path);
                if (r == -ENOMEM)
                        return r;
                return r >= 0 && streq(unit_path, m->cgroup) && streq(unit, strrchr(rel, '/') + 1) ? 0 : -EINVAL;
        }
        if (!m->cgroup)
                return 0;
        r = cgroup_path_get_unit(m->cgroup, &unit, &unit_path);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || !streq(unit_path, m->cgroup) || !streq(unit, m->unit))
                return -EINVAL;
        return 0;
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
        r = state_check_cgroup(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* A temporary name in the state directory: ".#" (swept at start), the final name, 64 random bits from
 * the kernel. Two writers (two machineds, or a quick rewrite) never compute the same one by design, and
 * a collision anyway is an EEXIST the callers retry. */
static int tempname(const char *name, char *buf, size_t size) {
        uint64_t rnd;
        ssize_t n = getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK);

        if (n != (ssize_t) sizeof(rnd))
                return n < 0 ? -errno : -EIO;
        if ((size_t) snprintf(buf, size, ".#%s.%016" PRIx64, name, rnd) >= size)
                return -ENAMETOOLONG;
        return 0;
}

#define TEMPNAME_TRIES 16

/* Gives the unnamed file fd (O_TMPFILE) a temporary name in dir_fd. */
static int link_tmpfile(int fd, int dir_fd, const char *name, char *ret_tmp, size_t size) {
        char proc[64];
        int r;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        for (int i = 0; i < TEMPNAME_TRIES; i++) {
                r = tempname(name, ret_tmp, size);
                if (r < 0)
                        return r;
                if (linkat(AT_FDCWD, proc, dir_fd, ret_tmp, AT_SYMLINK_FOLLOW) >= 0)
                        return 0;
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Opens a new file for name's contents. With O_TMPFILE it has no name until it is complete (a crash
 * leaves nothing); *ret_tmp is then empty. Without (a file system that lacks it), it is created under
 * a temporary name, O_EXCL, which *ret_tmp holds. */
static int open_tmpfile(int dir_fd, const char *name, char *ret_tmp, size_t size) {
        int fd, r;

        fd = openat(dir_fd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
        if (fd >= 0) {
                ret_tmp[0] = 0;
                return fd;
        }
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
                return -errno;
        for (int i = 0; i < TEMPNAME_TRIES; i++) {
                r = tempname(name, ret_tmp, size);
                if (r < 0)
                        return r;
                fd = openat(dir_fd, ret_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (fd >= 0)
                        return fd;
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

static int write_atomic(int dir_fd, const char *name, const char *text) {
        char tmp[128];
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = open_tmpfile(dir_fd, name, tmp, sizeof(tmp));
        if (fd < 0)
                return fd;
        r = loop_write(fd, text, strlen(text));
        if (r >= 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        /* Complete on disk before it gets the name that readers open. */
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && !tmp[0])
                r = link_tmpfile(fd, dir_fd, name, tmp, sizeof(tmp));
        if (r < 0) {
                if (tmp[0])
                        (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
                r = -errno;
                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        return 0;
}

static int symlink_atomic(int dir_fd, const char *target, const char *link) {
        char tmp[128];
        int r;

        for (int i = 0;; i++) {
                r = tempname(link, tmp, sizeof(tmp));
                if (r < 0)
                        return r;
                if (symlinkat(target, dir_fd, tmp) >= 0)
                        break;
                if (errno != EEXIST || i + 1 >= TEMPNAME_TRIES)
                        return -errno;
        }
        if (renameat(dir_fd, tmp, dir_fd, link) < 0) {
                r = -errno;
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
