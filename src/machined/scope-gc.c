/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "log.h"
#include "machined-cgroup.h"
#include "manager.h"
#include "scope-gc.h"
#include "string-util.h"

/* Between "populated 0" and the moment rmdir succeeds the kernel may need a moment (the last task is
 * still being released): retry a few times before waiting for the next event. */
#define REMOVE_RETRY_USEC (20 * 1000)
#define REMOVE_TRIES 50
#define SUBTREE_DEPTH_MAX 32

struct ScopeWatch {
        Manager *manager;
        ScopeWatch *next;
        char *cgroup;
        sd_event_source *inotify;
        sd_event_source *retry;
        unsigned tries;
};

static ScopeWatch *scope_watch_free(ScopeWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->inotify);
        sd_event_source_disable_unref(w->retry);
        free(w->cgroup);
        free(w);
        return NULL;
}

static void scope_watch_unlink_free(ScopeWatch *w) {
        for (ScopeWatch **i = &w->manager->scope_watches; *i; i = &(*i)->next)
                if (*i == w) {
                        *i = w->next;
                        break;
                }
        scope_watch_free(w);
}

static ScopeWatch *scope_watch_find(Manager *m, const char *cgroup) {
        for (ScopeWatch *w = m->scope_watches; w; w = w->next)
                if (streq(w->cgroup, cgroup))
                        return w;
        return NULL;
}

/* Removes the empty sub-cgroups below dir_fd, deepest first (a guest's manager made them). */
static int remove_subtree(int dir_fd, unsigned depth) {
        DIR *d;
        int r, ret = 0;

        if (depth > SUBTREE_DEPTH_MAX)
                return -ELOOP;
        r = opendir_fd(dir_fd, &d);
        if (r < 0)
                return r;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0)
                        (void) remove_subtree(sub, depth + 1);
                if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && ret == 0)
                        ret = -errno;
        }
        closedir(d);
        return ret;
}

/* 1: removed (or gone already, or taken over); 0: still populated; -EBUSY: empty, but rmdir did not
 * succeed yet. */
static int scope_try_remove(const char *cgroup) {
        _cleanup_free_ char *p = NULL, *events = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = cgroup_unified_path(cgroup, &p);
        if (r < 0)
                return r;
        fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 1 : -errno;
        /* nspawn holds this lock on the scope it runs a container in (cgroup_create_owned()), also on
         * an empty one it has just taken over: that scope is its to remove now. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return -errno;
                log_debug("Scope %s was taken over, no longer collecting it.", cgroup);
                return 1;
        }
        r = read_small_file_at(fd, "cgroup.events", 4096, &events);
        if (r == -ENOENT)
                return 1; /* Removed between open and read. */
        if (r < 0)
                return r;
        if (!strstr(events, "populated 0"))
                return 0;
        (void) remove_subtree(fd, 0);
        if (rmdir(p) >= 0) {
                log_info("Removed the empty scope %s.", cgroup);
                /* Its v1 side (a scope with limits on a hybrid host) and the slices are empty too. */
                const char *root;
                cgroupfs_remove_v1(cgroup, false);
                if (cgroup_unified_root(&root) >= 0)
                        cgroup_trim_slices(root, cgroup);
                return 1;
        }
        if (errno == ENOENT)
                return 1;
        return errno == EBUSY ? -EBUSY : -errno;
}

static void scope_watch_check(ScopeWatch *w);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        ScopeWatch *w = userdata;

        w->retry = sd_event_source_disable_unref(w->retry);
        scope_watch_check(w);
        return 0;
}

/* May free w. */
static void scope_watch_check(ScopeWatch *w) {
        int r = scope_try_remove(w->cgroup);

        if (r > 0) {
                scope_watch_unlink_free(w);
                return;
        }
        if (r == 0) {
                w->tries = 0;
                return; /* The next "populated 0" wakes us. */
        }
        if (r == -EBUSY) {
                if (w->retry)
                        return;
                if (w->tries++ < REMOVE_TRIES) {
                        r = sd_event_add_time_relative(w->manager->event, &w->retry, CLOCK_MONOTONIC,
                                                       REMOVE_RETRY_USEC, 0, on_retry, w);
                        if (r >= 0)
                                return;
                }
        }
        log_warning_errno(r, "Failed to remove the empty scope %s, leaving it: %m", w->cgroup);
}

static int on_events(sd_event_source *s, const struct inotify_event *event, void *userdata) {
        scope_watch_check(userdata);
        return 0;
}

int manager_collect_scope(Manager *m, const char *cgroup, bool check_ours) {
        _cleanup_free_ char *events = NULL;
        ScopeWatch *w;
        const char *root;
        int r;

        if (!cgroup || streq(cgroup, "/") || scope_watch_find(m, cgroup))
                return 0;
        if (check_ours) {
                r = m->cgroup->scope_is_ours(cgroup);
                if (r <= 0)
                        return r == -ENOENT ? 0 : r;
        }
        r = cgroup_unified_root(&root);
        if (r < 0)
                return r;
        w = calloc(1, sizeof(ScopeWatch));
        if (!w)
                return -ENOMEM;
        w->manager = m;
        w->cgroup = strdup(cgroup);
        events = strjoin(root, cgroup, "/cgroup.events");
        if (!w->cgroup || !events) {
                scope_watch_free(w);
                return -ENOMEM;
        }
        /* The watch first, then the check: an exit between the two is not missed. */
        r = sd_event_add_inotify(m->event, &w->inotify, events, IN_MODIFY, on_events, w);
        if (r == -ENOENT) {
                scope_watch_free(w);
                return 0;
        }
        if (r < 0) {
                scope_watch_free(w);
                return r;
        }
        w->next = m->scope_watches;
        m->scope_watches = w;
        log_debug("Collecting scope %s once it is empty.", cgroup);
        scope_watch_check(w);
        return 0;
}

bool scope_watch_pending(Manager *m, const char *cgroup) {
        return cgroup && scope_watch_find(m, cgroup);
}

void manager_forget_scope(Manager *m, const char *cgroup) {
        ScopeWatch *w = cgroup ? scope_watch_find(m, cgroup) : NULL;

        if (w)
                scope_watch_unlink_free(w);
}

static bool scope_in_use(Manager *m, const char *cgroup) {
        for (Machine *i = m->machines; i; i = i->next)
                if (i->cgroup && streq(i->cgroup, cgroup))
                        return true;
        return false;
}

int manager_sweep_scopes(Manager *m) {
        _cleanup_free_ char *slice = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *root;
        DIR *d;
        int r;

        r = cgroup_unified_root(&root);
        if (r < 0)
                return r == -ENOMEDIUM ? 0 : r;
        slice = strjoin(root, "/machine.slice");
        if (!slice)
                return -ENOMEM;
        fd = open(slice, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = opendir_fd(fd, &d);
        if (r < 0)
                return r;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *cgroup = NULL;
                size_t l = strlen(de->d_name);

                if (de->d_type != DT_DIR || !startswith(de->d_name, "machine-") || l < 6 ||
                    !streq(de->d_name + l - 6, ".scope"))
                        continue;
                cgroup = strjoin("/machine.slice/", de->d_name);
                if (!cgroup) {
                        r = -ENOMEM;
                        break;
                }
                if (scope_in_use(m, cgroup))
                        continue;
                r = manager_collect_scope(m, cgroup, true);
                if (r < 0)
                        log_warning_errno(r, "Failed to collect scope %s, ignoring: %m", cgroup);
                r = 0;
        }
        closedir(d);
        return r;
}

void scope_watches_free(Manager *m) {
        while (m->scope_watches) {
                ScopeWatch *w = m->scope_watches;
                m->scope_watches = w->next;
                scope_watch_free(w);
        }
}
