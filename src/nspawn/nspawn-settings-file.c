/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "machine-name.h"
#include "nspawn-option-table.h"
#include "nspawn-options.h"
#include "nspawn-settings-file.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

const char *const settings_file_trusted_dirs[] = {
        "/etc/systemd/nspawn",
        "/run/systemd/nspawn",
        NULL,
};

/* Keys of systemd.nspawn(5) whose options nspawn does not have (yet): a file written for
 * systemd-nspawn still starts, with a warning naming each. An option that gets a table entry leaves
 * this list. */
static const struct {
        const char *section;
        const char *key;
} settings_file_known_keys[] = {
        { "Exec", "PivotRoot" },
        { "Exec", "Personality" },
        { "Exec", "LimitCPU" }, { "Exec", "LimitFSIZE" }, { "Exec", "LimitDATA" }, { "Exec", "LimitSTACK" },
        { "Exec", "LimitCORE" }, { "Exec", "LimitRSS" }, { "Exec", "LimitNOFILE" }, { "Exec", "LimitAS" },
        { "Exec", "LimitNPROC" }, { "Exec", "LimitMEMLOCK" }, { "Exec", "LimitLOCKS" },
        { "Exec", "LimitSIGPENDING" }, { "Exec", "LimitMSGQUEUE" }, { "Exec", "LimitNICE" },
        { "Exec", "LimitRTPRIO" }, { "Exec", "LimitRTTIME" },
        { "Exec", "OOMScoreAdjust" },
        { "Exec", "CPUAffinity" },
        { "Exec", "SuppressSync" },
        { "Exec", "SetCredential" },
        { "Exec", "LoadCredential" },
        { "Files", "BindUser" },
        { "Files", "PrivateUsersChown" },
};

static const char *const settings_file_sections[] = { "Exec", "Files", "Network" };

int settings_file_split_words(const char *value, char ***ret) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ char *w = malloc(strlen(value) + 1);
        const char *p = value;

        if (!w)
                return -ENOMEM;
        for (;;) {
                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                size_t n = 0;
                char quote = 0;
                for (; *p && (quote || !strchr(" \t\n", *p)); p++) {
                        if (*p == '\\') {
                                if (!p[1])
                                        return -EINVAL;
                                w[n++] = *++p;
                        } else if (quote && *p == quote)
                                quote = 0;
                        else if (!quote && (*p == '\'' || *p == '"'))
                                quote = *p;
                        else
                                w[n++] = *p;
                }
                if (quote)
                        return -EINVAL;
                w[n] = 0;
                if (strv_extend(&words, w) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(words);
        return 0;
}

int settings_file_read(const char *path, bool nofollow, char **ret_buf, size_t *ret_size) {
        _cleanup_free_ char *e = escape_for_terminal(path, ESCAPE_MESSAGE_MAX);
        /* O_NONBLOCK: opening a FIFO with no writer must not wait for one. */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
        struct stat st;

        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                if (errno == ELOOP && nofollow)
                        return log_error_errno(-ELOOP, _("Settings file %s is a symbolic link: refused next to the tree or image."),
                                               strna(e));
                return log_error_errno(-errno, _("Failed to open settings file %s: %m"), strna(e));
        }
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, _("Failed to stat settings file %s: %m"), strna(e));
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EBADFD, _("Settings file %s is not a regular file."), strna(e));
        if (st.st_size > (off_t) SETTINGS_FILE_SIZE_MAX)
                return log_error_errno(-EFBIG, _("Settings file %s is larger than %u bytes."), strna(e), SETTINGS_FILE_SIZE_MAX);

        /* The size may change under us: read at most one byte more than the cap, to notice. */
        _cleanup_free_ char *buf = malloc(SETTINGS_FILE_SIZE_MAX + 2);
        size_t n = 0;
        if (!buf)
                return log_oom();
        while (n <= SETTINGS_FILE_SIZE_MAX) {
                ssize_t k = read(fd, buf + n, SETTINGS_FILE_SIZE_MAX + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return log_error_errno(-errno, _("Failed to read settings file %s: %m"), strna(e));
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        if (n > SETTINGS_FILE_SIZE_MAX)
                return log_error_errno(-EFBIG, _("Settings file %s is larger than %u bytes."), strna(e), SETTINGS_FILE_SIZE_MAX);
        buf[n] = 0;
        *ret_buf = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

typedef struct FileParser {
        const char *path;       /* escaped */
        bool trusted;
        unsigned line;
        const char *section;    /* NULL: before the first section header; "" in an unknown one */
        Settings check;         /* every value parsed here too, so that bad ones are found now */
        OptionAssignments out;
        const OptionDef **warned;  /* privileged keys already warned about */
        size_t n_warned;
        char prefix[ESCAPE_MESSAGE_MAX + 128];
} FileParser;

static void parser_prefix(FileParser *p, const char *key) {
        if (key)
                snprintf(p->prefix, sizeof(p->prefix), "%s:%u: %s: ", p->path, p->line, key);
        else
                snprintf(p->prefix, sizeof(p->prefix), "%s:%u: ", p->path, p->line);
        log_set_prefix(p->prefix);
}

bool settings_file_key_unsupported(const char *section, const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(settings_file_known_keys); i++)
                if (streq(settings_file_known_keys[i].section, section) && streq(settings_file_known_keys[i].key, key))
                        return true;
        return false;
}

/* A section or key name as the file has it, when it looks like one: the file may be anything (a
 * symbolic link to /etc/shadow in a trusted directory), and its lines are not for the terminal. */
static const char *shown_name(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n > 64 || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != n)
                return _("(not a valid name)");
        return name;
}

/* Once per key: "Bind= is ignored" for each of ten Bind= lines would bury the first. */
static int warn_untrusted(FileParser *p, const OptionDef *o) {
        for (size_t i = 0; i < p->n_warned; i++)
                if (p->warned[i] == o)
                        return 0;
        const OptionDef **n = realloc(p->warned, (p->n_warned + 1) * sizeof(*n));
        if (!n)
                return log_oom();
        p->warned = n;
        p->warned[p->n_warned++] = o;
        log_warning(_("%s= is ignored: the file is not trusted (only files in /etc/systemd/nspawn and /run/systemd/nspawn are)."),
                    o->key);
        return 0;
}

/* An empty value resets a list, as in systemd: the earlier assignments of that key go. */
static void assignments_drop(OptionAssignments *a, const OptionDef *o) {
        size_t k = 0;

        for (size_t i = 0; i < a->n; i++) {
                if (a->items[i].option == o) {
                        free(a->items[i].value);
                        continue;
                }
                a->items[k++] = a->items[i];
        }
        a->n = k;
}

static int parse_value(FileParser *p, const OptionDef *o, const char *value) {
        if (!p->trusted && option_is_privileged(o, value)) {
                parser_prefix(p, NULL);
                return warn_untrusted(p, o);
        }
        /* The parser's message names the option as on the command line: the prefix names the key. */
        parser_prefix(p, o->key);
        int r = o->parse(&p->check, value, &(OptionContext) { .option = o, .from_file = true });
        if (r > 0)
                r = -EINVAL;    /* nothing in a file asks to exit */
        if (r < 0)
                return r;
        return option_assignments_add(&p->out, o, value) < 0 ? log_oom() : 0;
}

static int parse_assignment(FileParser *p, char *line) {
        char *eq = strchr(line, '=');

        if (!eq) {
                log_warning(_("Line is neither a section header nor an assignment, ignoring it."));
                return 0;
        }
        *eq = 0;
        char *key = strstrip(line), *value = strstrip(eq + 1);
        if (!p->section) {
                log_warning(_("Assignment to %s= outside of a section, ignoring."), shown_name(key));
                return 0;
        }
        if (isempty(p->section))
                return 0;       /* an unknown section, warned about at its header */
        const OptionDef *o = option_find_key(p->section, key);
        if (!o) {
                if (settings_file_key_unsupported(p->section, key))
                        log_warning(_("%s= is not supported by nspawn yet, ignoring."), key);
                else
                        log_warning(_("Unknown key %s= in section [%s], ignoring."), shown_name(key), p->section);
                return 0;
        }

        if (!o->file_split)
                return parse_value(p, o, value);

        _cleanup_strv_free_ char **words = NULL;
        int r = settings_file_split_words(value, &words);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                _cleanup_free_ char *v = escape_for_terminal(value, ESCAPE_MESSAGE_MAX);
                parser_prefix(p, o->key);
                return log_error_errno(r, _("Invalid quoting: %s"), strna(v));
        }
        if (!words)
                assignments_drop(&p->out, o);
        STRV_FOREACH(w, words) {
                r = parse_value(p, o, *w);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_section_header(FileParser *p, char *line) {
        size_t n = strlen(line);

        if (n < 2 || line[n - 1] != ']')
                return log_error_errno(-EINVAL, _("Invalid section header: a line that starts with [ must end with ]."));
        line[n - 1] = 0;
        const char *name = line + 1;
        for (size_t i = 0; i < ELEMENTSOF(settings_file_sections); i++)
                if (streq(settings_file_sections[i], name)) {
                        p->section = settings_file_sections[i];
                        return 0;
                }
        log_warning(_("Unknown section [%s], ignoring its keys."), shown_name(name));
        p->section = "";
        return 0;
}

static int parse_line(FileParser *p, char *line) {
        char *l = strstrip(line);

        parser_prefix(p, NULL);
        if (isempty(l) || l[0] == '#' || l[0] == ';')
                return 0;
        if (l[0] == '[')
                return parse_section_header(p, l);
        return parse_assignment(p, l);
}

static bool utf8_valid(const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *) s, *end = p + n;

        while (p < end) {
                /* utf8_decode() reads up to 4 bytes: near the end, from a zero-padded copy. */
                unsigned char tail[5] = {};
                const unsigned char *q = p;
                uint32_t cp;
                if (end - p < 4)
                        q = memcpy(tail, p, (size_t) (end - p));
                size_t k = utf8_decode(q, &cp);
                if (k == 0 || k > (size_t) (end - p))
                        return false;
                p += k;
        }
        return true;
}

/* One physical line at a time; a line ending in a backslash goes on in the next one, joined with a
 * space, as systemd joins them. */
static int parse_buffer(FileParser *p, const char *buf, size_t size) {
        _cleanup_free_ char *logical = malloc(SETTINGS_FILE_LINE_MAX + 1);
        size_t len = 0;
        unsigned first = 1;

        if (!logical)
                return log_oom();
        for (size_t pos = 0; pos < size; p->line++) {
                const char *nl = memchr(buf + pos, '\n', size - pos);
                size_t n = nl ? (size_t) (nl - (buf + pos)) : size - pos;
                const char *l = buf + pos;

                pos += n + (nl ? 1 : 0);
                if (len == 0)
                        first = p->line;
                parser_prefix(p, NULL);
                if (memchr(l, 0, n))
                        return log_error_errno(-EBADMSG, _("NUL byte in line, refusing the file."));
                if (!utf8_valid(l, n))
                        return log_error_errno(-EBADMSG, _("Invalid UTF-8 in line, refusing the file."));
                if (len + n + 1 > SETTINGS_FILE_LINE_MAX) {
                        p->line = first;        /* where the overlong line starts */
                        parser_prefix(p, NULL);
                        return log_error_errno(-E2BIG, _("Line longer than %u bytes, refusing the file."), SETTINGS_FILE_LINE_MAX);
                }
                memcpy(logical + len, l, n);
                len += n;
                logical[len] = 0;
                /* A comment does not continue, as in systemd. */
                const char *t = logical + strspn(logical, " \t");
                if (len > 0 && logical[len - 1] == '\\' && *t != '#' && *t != ';' && nl) {
                        logical[len - 1] = ' ';
                        continue;
                }
                unsigned last = p->line;
                p->line = first;
                int r = parse_line(p, logical);
                p->line = last;
                if (r < 0)
                        return r;
                len = 0;
        }
        if (len > 0) {
                p->line = first;
                return parse_line(p, logical);
        }
        return 0;
}

int settings_file_parse(const char *path, const char *buf, size_t size, bool trusted, OptionAssignments *ret) {
        _cleanup_free_ char *e = escape_for_terminal(path, ESCAPE_MESSAGE_MAX);
        FileParser p = {
                .path = e ?: "?",
                .trusted = trusted,
                .line = 1,
                .check = { .console_mode = _CONSOLE_MODE_INVALID, .users_ownership = _USERS_OWNERSHIP_INVALID },
        };
        int r;

        /* A UTF-8 byte order mark, as some editors write. */
        if (size >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
                buf += 3;
                size -= 3;
        }
        r = parse_buffer(&p, buf, size);
        log_set_prefix(NULL);
        settings_done(&p.check);
        free(p.warned);
        if (r < 0) {
                option_assignments_done(&p.out);
                return r;
        }
        *ret = p.out;
        return 0;
}

/* The name a settings file is looked up by: -M, else the directory's or image's (without .raw). */
static char *settings_file_name(const Settings *s) {
        if (s->machine)
                return strdup(s->machine);
        const char *from = s->image ?: s->directory;
        if (!from)
                return NULL;
        _cleanup_free_ char *b = path_basename_dup(from);
        if (b && s->image && endswith(b, ".raw") && strlen(b) > 4)
                b[strlen(b) - 4] = 0;
        return b ? machine_name_from_string(b) : NULL;
}

/* "/var/lib/machines" of "/var/lib/machines/foo/", "." of "foo". */
static char *parent_dir(const char *path) {
        size_t n = strlen(path);

        while (n > 1 && path[n - 1] == '/')
                n--;
        while (n > 0 && path[n - 1] != '/')
                n--;
        if (n == 0)
                return strdup(".");
        while (n > 1 && path[n - 1] == '/')
                n--;
        return strndup(path, n);
}

static int file_exists(const char *path) {
        struct stat st;

        if (lstat(path, &st) >= 0)
                return 1;
        return errno == ENOENT ? 0 : -errno;
}

int settings_file_find(const Settings *s, const char *const *trusted_dirs, char **ret_path, bool *ret_trusted,
                       bool *ret_beside) {
        if (s->settings_mode == SETTINGS_NO)
                return 0;
        _cleanup_free_ char *name = settings_file_name(s);
        if (!name)
                return 0;       /* settings_resolve() says what is wrong with the name */

        for (const char *const *d = trusted_dirs; d && *d; d++) {
                _cleanup_free_ char *p = strjoin(*d, "/", name, ".nspawn");
                if (!p)
                        return log_oom();
                if (file_exists(p) != 0) {      /* an error: settings_file_read() says which */
                        *ret_path = TAKE_PTR(p);
                        *ret_trusted = true;
                        if (ret_beside)
                                *ret_beside = false;
                        return 1;
                }
        }

        const char *root = s->image ?: s->directory;
        if (!root)
                return 0;
        _cleanup_free_ char *parent = parent_dir(root);
        _cleanup_free_ char *p = parent ? strjoin(parent, "/", name, ".nspawn") : NULL;
        if (!p)
                return log_oom();
        if (file_exists(p) == 0)
                return 0;
        *ret_path = TAKE_PTR(p);
        *ret_trusted = s->settings_mode == SETTINGS_TRUSTED;
        if (ret_beside)
                *ret_beside = true;
        return 1;
}

static int replay(Settings *s, const OptionAssignment *a, bool from_file) {
        return a->option->parse(s, a->value, &(OptionContext) { .option = a->option, .from_file = from_file });
}

int settings_merge(const Settings *cmdline, const OptionAssignments *cmdline_assignments,
                   const OptionAssignments *file, SettingsMode mode, Settings *ret) {
        uint64_t from_file = file->mask & (mode == SETTINGS_OVERRIDE ? UINT64_MAX : ~cmdline_assignments->mask);
        Settings s = { .console_mode = _CONSOLE_MODE_INVALID, .users_ownership = _USERS_OWNERSHIP_INVALID };
        int r = 0;

        for (size_t i = 0; r >= 0 && i < cmdline_assignments->n; i++)
                if (!(cmdline_assignments->items[i].option->mask & from_file))
                        r = replay(&s, &cmdline_assignments->items[i], false);
        bool applied = false;
        for (size_t i = 0; r >= 0 && i < file->n; i++)
                if (file->items[i].option->mask & from_file) {
                        r = replay(&s, &file->items[i], true);
                        applied = true;
                }
        if (r == 0 && !s.parameters && cmdline->parameters && !(s.parameters = strv_copy(cmdline->parameters)))
                r = log_oom();
        /* Found by -M in the search path, not given as an option. */
        if (r == 0 && !s.directory && !s.image) {
                if ((cmdline->directory && !(s.directory = strdup(cmdline->directory))) ||
                    (cmdline->image && !(s.image = strdup(cmdline->image))))
                        r = log_oom();
        }
        if (r != 0) {
                settings_done(&s);
                return r < 0 ? r : -EINVAL;
        }
        *ret = s;
        return applied;
}

int settings_load(Settings *s, const OptionAssignments *cmdline_assignments, const char *const *trusted_dirs) {
        _cleanup_free_ char *path = NULL, *buf = NULL, *prefix = NULL;
        OptionAssignments file = {};
        bool trusted, beside;
        size_t size;
        int r;

        r = settings_file_find(s, trusted_dirs, &path, &trusted, &beside);
        if (r < 0)
                return r;
        if (r > 0) {
                /* Next to the tree, whoever made the tree made the file: a symbolic link there could
                 * point at any file of the host's. */
                r = settings_file_read(path, beside, &buf, &size);
                if (r == -ENOENT) {
                        _cleanup_free_ char *e = escape_for_terminal(path, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(r, _("Settings file %s vanished while being read."), strna(e));
                }
                if (r < 0)
                        return r;
                r = settings_file_parse(path, buf, size, trusted, &file);
                if (r < 0)
                        return r;
                Settings merged;
                r = settings_merge(s, cmdline_assignments, &file, s->settings_mode, &merged);
                option_assignments_done(&file);
                if (r < 0)
                        return r;
                /* A conflict may come from the file: its messages name it. */
                if (r > 0) {
                        _cleanup_free_ char *e = escape_for_terminal(path, ESCAPE_MESSAGE_MAX);
                        prefix = e ? strjoin(e, ": ") : NULL;
                }
                merged.settings_mode = s->settings_mode;
                settings_done(s);
                *s = merged;
        }
        log_set_prefix(prefix);
        r = settings_verify(s);
        log_set_prefix(NULL);
        return r;
}
