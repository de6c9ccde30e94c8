/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "mount-util.h"
#include "nspawn-overlay.h"
#include "nspawn-sync.h"
#include "nspawn-volatile.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

/* A layer: "+PATH" inside the tree, else a host path; opened for reading (fsconfig takes no O_PATH). */
static int open_layer(int root_fd, const char *path, int *ret_fd) {
        if (path[0] == '+')
                return open_in_root(root_fd, path + 1, O_RDONLY | O_DIRECTORY, ret_fd);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

/* overlayfs needs a work directory on the upper layer's file system, empty and not inside it: one next
 * to it, ".#NAME.nspawn-work", made for the run and removed after it. (A SIGKILL of nspawn leaves this
 * one empty directory beside the user's own upper directory; the next run reuses it.) */
static int make_work_dir(OverlaySet *set, const char *upper, int *ret_fd) {
        _cleanup_free_ char *base = path_basename_dup(upper);
        _cleanup_free_ char *dir = NULL, *work = NULL;

        if (!base)
                return -ENOMEM;
        const char *slash = strrchr(upper, '/');
        dir = strndup(upper, slash && slash != upper ? (size_t) (slash - upper) : 1);
        work = dir ? strjoin(dir, streq(dir, "/") ? "" : "/", ".#", base, ".nspawn-work") : NULL;
        if (!work)
                return -ENOMEM;
        if (mkdir(work, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (strv_consume(&set->work_dirs, TAKE_PTR(work)) < 0) {
                safe_close(fd);
                return -ENOMEM;
        }
        *ret_fd = fd;
        return 0;
}

static int make_one(OverlaySet *set, const OverlayMount *o, int root_fd, int *ret_fd, const char **ret_what) {
        size_t n = strv_length(o->lower);
        _cleanup_free_ int *lower = calloc(n, sizeof(int));
        _cleanup_close_ int upper = -EBADF, work = -EBADF, tmp = -EBADF;
        int r = 0;

        if (!lower)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                lower[i] = -EBADF;
        for (size_t i = 0; i < n && r >= 0; i++) {
                *ret_what = o->lower[i];
                r = open_layer(root_fd, o->lower[i], &lower[i]);
        }
        if (r >= 0 && o->upper && isempty(o->upper)) {
                *ret_what = "tmpfs";
                struct stat st;
                r = fstat(lower[0], &st) < 0 ? -errno : tmpfs_layer_dirs(0, &st, &tmp, &upper, &work);
        } else if (r >= 0 && o->upper) {
                *ret_what = o->upper;
                r = open_layer(root_fd, o->upper, &upper);
                if (r >= 0 && o->upper[0] == '+')
                        r = -EOPNOTSUPP;        /* no work directory can be made inside the tree */
                if (r >= 0)
                        r = make_work_dir(set, o->upper, &work);
        }
        if (r >= 0) {
                *ret_what = o->destination;
                r = overlay_detached(lower, n, upper, work, ret_fd);
        }
        for (size_t i = 0; i < n; i++)
                safe_close(lower[i]);
        return r;
}

int overlay_set_make(OverlaySet *set, const MountPlan *plan, int root_fd, int *slots) {
        for (size_t i = 0; i < plan->n_entries; i++) {
                const MountEntry *e = &plan->entries[i];
                const char *what = NULL;

                if (e->kind != MOUNT_OVERLAY)
                        continue;
                int r = make_one(set, e->overlay, root_fd, &slots[SYNC_SLOT_ENTRY(i)], &what);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        _cleanup_free_ char *w = escape_for_terminal(what, ESCAPE_MESSAGE_MAX);
                        if (r == -EOPNOTSUPP)
                                return log_error_errno(r, _("Overlay upper directory %s: it must be a host path (or empty), not inside the tree."), strna(w));
                        return log_error_errno(r, _("Failed to set up overlay %s (%s): %m"),
                                               e->where, strna(w));
                }
        }
        return 0;
}

/* Empties overlayfs's own directory in a work directory: it keeps a whiteout there ("#N", a character
 * device 0:0 that whiteouts are hard links of) and, after a crash, renamed leftovers. */
static void empty_dir(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_(closedirp) DIR *d = NULL;

        if (fd < 0 || opendir_fd(fd, &d) < 0)
                return;
        for (struct dirent *de; (de = readdir(d));)
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && unlinkat(fd, de->d_name, 0) < 0)
                        (void) unlinkat(fd, de->d_name, AT_REMOVEDIR);
}

void overlay_set_done(OverlaySet *set) {
        STRV_FOREACH(w, set->work_dirs) {
                _cleanup_free_ char *a = strjoin(*w, "/work"), *b = strjoin(*w, "/index");
                if (a) {
                        empty_dir(a);
                        (void) rmdir(a);
                }
                if (b) {
                        empty_dir(b);
                        (void) rmdir(b);
                }
                (void) rmdir(*w);
        }
        strv_free(set->work_dirs);
        set->work_dirs = NULL;
}
