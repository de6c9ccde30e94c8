/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-root.h"
#include "nspawn-rootfs.h"
#include "string-util.h"

int fd_display_path(int fd, char **ret) {
        char p[64], buf[PATH_MAX];
        ssize_t n;

        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        n = readlink(p, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        char *s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int root_stage_open(const char *directory, RootStage *ret) {
        _cleanup_free_ char *e = escape_for_terminal(directory, ESCAPE_MESSAGE_MAX);
        _cleanup_close_ int fd = -EBADF;
        char *path = NULL;
        int r;

        /* Not O_DIRECTORY: a file is refused by the check, with its own message. */
        fd = open(directory, O_PATH | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return log_error_errno(-ENOENT, _("Directory %s does not exist."), strna(e));
                return log_error_errno(-errno, _("Failed to resolve directory %s: %m"), strna(e));
        }
        r = root_directory_check(fd, directory);
        if (r < 0)
                return r;
        r = fd_display_path(fd, &path);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, _("Failed to resolve directory %s: %m"), strna(e));

        *ret = (RootStage) { .fd = TAKE_FD(fd), .path = path };
        return 0;
}

int root_stage_add_teardown(RootStage *s, RootTeardown fn, void *userdata) {
        RootTeardownHook *h = reallocarray(s->hooks, s->n_hooks + 1, sizeof(RootTeardownHook));
        if (!h)
                return -ENOMEM;
        s->hooks = h;
        s->hooks[s->n_hooks++] = (RootTeardownHook) { .fn = fn, .userdata = userdata };
        return 0;
}

void root_stage_done(RootStage *s) {
        /* Reverse order: what was set up last (a mount on a loop device) goes first. */
        while (s->n_hooks > 0) {
                RootTeardownHook h = s->hooks[--s->n_hooks];
                h.fn(h.userdata);
        }
        free(s->hooks);
        free(s->path);
        safe_close(s->fd);
        *s = ROOT_STAGE_NULL;
}
