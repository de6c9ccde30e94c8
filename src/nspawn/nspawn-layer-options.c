/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"
#include "machine-name.h"
#include "nspawn-bind.h"
#include "nspawn-layer-options.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

int option_parse_ephemeral(Settings *s, const char *arg, const OptionContext *ctx) {
        int b = arg ? parse_boolean(arg) : 1;
        if (b < 0) {
                _cleanup_free_ char *a = escape_for_terminal(arg, ESCAPE_MESSAGE_MAX);
                return log_error_errno(-EINVAL, _("Invalid boolean for %s: %s"), "--ephemeral", strna(a));
        }
        s->ephemeral = b;
        return 0;
}

int option_parse_volatile(Settings *s, const char *arg, const OptionContext *ctx) {
        /* As systemd-nspawn: --volatile alone is --volatile=yes. */
        VolatileMode m = arg ? volatile_mode_from_string(arg) : VOLATILE_YES;
        if (m < 0) {
                _cleanup_free_ char *a = escape_for_terminal(arg, ESCAPE_MESSAGE_MAX);
                return log_error_errno(-EINVAL, _("Invalid value for %s: %s (expected no, yes, state or overlay)"),
                                       "--volatile", strna(a));
        }
        s->volatile_mode = m;
        return 0;
}

/* One path of an overlay specification: "+PATH" (inside the container's root) or an absolute host
 * path, simplified; "" only where allowed (the upper layer). */
static int overlay_path(const char *p, bool may_be_empty, char **ret) {
        bool plus = p[0] == '+';
        _cleanup_free_ char *c = NULL;

        if (isempty(p)) {
                if (!may_be_empty)
                        return -EINVAL;
                c = strdup("");
        } else {
                c = strdup(p + plus);
                if (!c)
                        return -ENOMEM;
                if (path_check_container(c) < 0)
                        return -EINVAL;
                if (plus) {
                        char *t = strjoin("+", c);
                        free(c);
                        c = t;
                }
        }
        if (!c)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

/* Splits at unescaped colons, "\:" becoming ":" (and "\\" a backslash). */
static int split_escaped(const char *spec, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *cur = malloc(strlen(spec) + 1);
        size_t n = 0;

        if (!cur)
                return -ENOMEM;
        for (const char *p = spec;; p++) {
                if (*p == '\\' && (p[1] == ':' || p[1] == '\\')) {
                        cur[n++] = *++p;
                        continue;
                }
                if (*p == ':' || *p == 0) {
                        cur[n] = 0;
                        if (strv_extend(&l, cur) < 0)
                                return -ENOMEM;
                        n = 0;
                        if (*p == 0)
                                break;
                        continue;
                }
                cur[n++] = *p;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int overlay_mount_parse(const char *spec, bool read_only, OverlayMount *ret) {
        _cleanup_strv_free_ char **parts = NULL;
        OverlayMount o = {};
        size_t n;
        int r;

        r = split_escaped(spec, &parts);
        if (r < 0)
                return r;
        n = strv_length(parts);
        if (n < 2)
                return -EINVAL;
        /* Two paths: the second is both the top layer and the destination. More: the last is the
         * destination. */
        size_t n_src = n == 2 ? 2 : n - 1;
        const char *dest = parts[n - 1];
        if (isempty(dest))
                return -EINVAL;
        r = overlay_path(dest[0] == '+' ? dest + 1 : dest, false, &o.destination);
        if (r < 0)
                goto fail;
        if (!read_only) {
                /* The upper layer is the last source; "" is a tmpfs. */
                r = overlay_path(parts[n_src - 1], n > 2, &o.upper);
                if (r < 0)
                        goto fail;
                n_src--;
        }
        if (n_src == 0) {
                r = -EINVAL;
                goto fail;
        }
        /* Kept top first, as overlayfs stacks them; the user lists them bottom first. */
        for (size_t i = n_src; i > 0; i--) {
                char *p = NULL;
                r = overlay_path(parts[i - 1], false, &p);
                if (r >= 0)
                        r = strv_consume(&o.lower, p);
                if (r < 0)
                        goto fail;
        }
        *ret = o;
        return 0;
fail:
        overlay_mount_done(&o);
        return r;
}

static int add_overlay(Settings *s, const char *arg, bool read_only) {
        OverlayMount o;
        int r = overlay_mount_parse(arg, read_only, &o);

        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                _cleanup_free_ char *a = escape_for_terminal(arg, ESCAPE_MESSAGE_MAX);
                return log_error_errno(r, _("Invalid overlay specification %s=%s: expected [+]LOWER...:[+]UPPER[:DEST] with absolute paths"),
                                       read_only ? "--overlay-ro" : "--overlay", strna(a));
        }
        OverlayMount *m = reallocarray(s->overlays, s->n_overlays + 1, sizeof(OverlayMount));
        if (!m) {
                overlay_mount_done(&o);
                return log_oom();
        }
        s->overlays = m;
        s->overlays[s->n_overlays++] = o;
        return 0;
}

int option_parse_overlay(Settings *s, const char *arg, const OptionContext *ctx) {
        return add_overlay(s, arg, false);
}

int option_parse_overlay_ro(Settings *s, const char *arg, const OptionContext *ctx) {
        return add_overlay(s, arg, true);
}

int option_parse_template(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *p = strdup(arg);

        if (!p)
                return log_oom();
        if (path_check_container(p) < 0) {
                _cleanup_free_ char *a = escape_for_terminal(arg, ESCAPE_MESSAGE_MAX);
                return log_error_errno(-EINVAL, _("Template directory must be an absolute path: %s"), strna(a));
        }
        free(s->template);
        s->template = TAKE_PTR(p);
        return 0;
}

int option_parse_inaccessible(Settings *s, const char *arg, const OptionContext *ctx) {
        _cleanup_free_ char *p = strdup(arg);

        if (!p)
                return log_oom();
        if (path_check_container(p) < 0 || streq(p, "/")) {
                _cleanup_free_ char *a = escape_for_terminal(arg, ESCAPE_MESSAGE_MAX);
                return log_error_errno(-EINVAL, _("Invalid path for %s: %s (an absolute path inside the container, not /)"),
                                       "--inaccessible", strna(a));
        }
        return strv_consume(&s->inaccessible, TAKE_PTR(p)) < 0 ? log_oom() : 0;
}

int settings_verify_layers(const Settings *s) {
        if (s->ephemeral && s->template)
                return log_error_errno(-EINVAL, _("--ephemeral and --template cannot be combined."));
        if (s->ephemeral && s->volatile_mode != VOLATILE_NO)
                return log_error_errno(-EINVAL, _("--ephemeral and --volatile= cannot be combined."));
        if (s->template && !s->directory)
                return log_error_errno(-EINVAL, _("--template= needs --directory=."));
        if (s->read_only && s->volatile_mode == VOLATILE_OVERLAY)
                return log_error_errno(-EINVAL, _("--read-only and --volatile=overlay cannot be combined."));
        if (root_layers_protect_tree(root_layers_pick(s->ephemeral, s->volatile_mode)) &&
            s->users_ownership == USERS_OWNERSHIP_CHOWN)
                return log_error_errno(-EINVAL, _("--private-users-ownership=chown writes the tree: it cannot be combined with --ephemeral or --volatile=."));
        return 0;
}

int ephemeral_machine_name(const char *base, const Id128 *random, char **ret) {
        char hex[33];
        _cleanup_free_ char *b = machine_name_from_string(base);

        if (!b)
                return -EINVAL;
        /* Room for "-" and 16 hex digits within the 64 characters of a machine name. */
        if (strlen(b) > 64 - 17)
                b[64 - 17] = 0;
        id128_to_string(random, hex);
        hex[16] = 0;
        char *n = strjoin(b, "-", hex);
        if (!n)
                return -ENOMEM;
        if (!machine_name_is_valid(n)) {
                free(n);
                return -EINVAL;
        }
        *ret = n;
        return 0;
}
