/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-journal.h"
#include "string-util.h"

#define JOURNAL_DIR "/var/log/journal"

static const char *link_journal_name(LinkJournal mode, bool try) {
        switch (mode) {
        case LINK_JOURNAL_NO:
                return "no";
        case LINK_JOURNAL_HOST:
                return try ? "try-host" : "host";
        case LINK_JOURNAL_GUEST:
                return try ? "try-guest" : "guest";
        default:
                return "auto";
        }
}

static int read_host_machine_id(Id128 *ret) {
        _cleanup_free_ char *s = NULL;
        int r = read_small_file_at(AT_FDCWD, "/etc/machine-id", 64, &s);

        if (r < 0)
                return r;
        return id128_from_string(strstrip(s), ret);
}

static JournalHostState host_state(const char *p, const char *q) {
        char target[PATH_MAX];
        struct stat st;

        if (lstat(p, &st) < 0)
                return errno == ENOENT ? JOURNAL_HOST_MISSING : JOURNAL_HOST_OTHER;
        if (S_ISDIR(st.st_mode))
                return JOURNAL_HOST_DIRECTORY;
        if (!S_ISLNK(st.st_mode))
                return JOURNAL_HOST_OTHER;
        ssize_t n = readlink(p, target, sizeof(target) - 1);
        if (n < 0)
                return JOURNAL_HOST_OTHER;
        target[n] = 0;
        return streq(target, q) ? JOURNAL_HOST_LINK_TO_TREE : JOURNAL_HOST_LINK_ELSEWHERE;
}

/* var/log/journal/ID in the tree, every component a real directory: the host's symlink to it, and
 * the bind onto it, must not land where a symlink of the guest's points (on the host, a symlink in
 * the tree would be resolved against the host's root). Made where missing in a writable tree, owned
 * as the tree's root directory is (the container's root, also in a user namespace). */
static int guest_journal_dir(int root_fd, const char *id, bool writable) {
        const char *parts[] = { "var", "log", "journal", id };
        _cleanup_close_ int cur = -EBADF;
        struct stat root_st;

        if (fstat(root_fd, &root_st) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                int dir = cur >= 0 ? cur : root_fd;
                int fd = openat(dir, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && writable) {
                        if (mkdirat(dir, parts[i], 0755) < 0 && errno != EEXIST)
                                return -errno;
                        if (fchownat(dir, parts[i], root_st.st_uid, root_st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                                return -errno;
                        fd = openat(dir, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (fd < 0)
                        return -errno;
                safe_close(cur);
                cur = fd;
        }
        return 0;
}

static int link_guest(const char *p, const char *q, JournalHostState state) {
        if (state == JOURNAL_HOST_LINK_ELSEWHERE && unlink(p) < 0)
                return -errno;
        /* An empty directory goes (a full one is kept: rmdir refuses). */
        if (state == JOURNAL_HOST_DIRECTORY && rmdir(p) < 0)
                return -errno;
        return RET_NERRNO(symlink(q, p));
}

static int make_host_dir(const char *p, JournalHostState state) {
        if ((state == JOURNAL_HOST_LINK_ELSEWHERE || state == JOURNAL_HOST_LINK_TO_TREE) && unlink(p) < 0)
                return -errno;
        /* Not the parents: a host without /var/log/journal keeps no persistent journal, and this does
         * not make it keep one. */
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (lstat(p, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int journal_link_prepare(const Settings *s, const char *root_path, int root_fd, bool is_image, bool writable,
                         const Id128 *machine_id, MountPlan *plan) {
        LinkJournal mode = s->link_journal;
        bool try = s->link_journal_try || mode == LINK_JOURNAL_AUTO;
        const char *name = link_journal_name(mode, s->link_journal_try);
        char id[33], p[PATH_MAX], q[PATH_MAX];
        Id128 host_id;
        int r;

        if (mode == LINK_JOURNAL_NO)
                return 0;
        r = read_host_machine_id(&host_id);
        if (r < 0) {
                if (try)
                        return 0;
                return log_error_errno(r, _("--link-journal=%s: cannot read the host's /etc/machine-id: %m"), name);
        }
        bool equal = memcmp(host_id.bytes, machine_id->bytes, sizeof(host_id.bytes)) == 0;

        id128_to_string(machine_id, id);
        snprintf(p, sizeof(p), JOURNAL_DIR "/%s", id);
        if ((size_t) snprintf(q, sizeof(q), "%s" JOURNAL_DIR "/%s", streq(root_path, "/") ? "" : root_path, id) >= sizeof(q))
                return log_error_errno(-ENAMETOOLONG, _("--link-journal=%s: the tree's path is too long."), name);

        JournalHostState state = host_state(p, q);
        JournalAction a = journal_decide(mode, s->link_journal_try, state, equal, is_image);
        switch (a) {
        case JOURNAL_NOTHING:
                if (equal && mode != LINK_JOURNAL_AUTO)
                        log_warning(_("--link-journal=%s: the container's machine ID %s is the host's, not linking journals."), name, id);
                return 0;
        case JOURNAL_REFUSE:
                if (equal)
                        return log_error_errno(-EEXIST, _("--link-journal=%s: the container's machine ID %s is the host's, refusing to link journals."), name, id);
                if (is_image && mode == LINK_JOURNAL_GUEST)
                        return log_error_errno(-EOPNOTSUPP, _("--link-journal=%s needs a directory tree: an image's mount is gone when the container ends."), name);
                return log_error_errno(-EEXIST, _("--link-journal=%s: %s on the host is neither a directory nor a symlink."), name, p);
        default:
                break;
        }

        r = guest_journal_dir(root_fd, id, writable);
        if (r < 0) {
                if (try)
                        return 0;
                return log_error_errno(r, _("--link-journal=%s: cannot make %s in the container (each part must be a directory, not a symlink): %m"),
                                       name, p);
        }
        if (a == JOURNAL_GUEST_DIR)
                return 0;
        if (a == JOURNAL_LINK_GUEST) {
                r = link_guest(p, q, state);
                if (r < 0) {
                        if (try)
                                return 0;
                        return log_error_errno(r, _("--link-journal=%s: cannot link %s to %s: %m"), name, p, q);
                }
                return 0;
        }

        r = make_host_dir(p, state);
        if (r < 0) {
                if (try)
                        return 0;
                return log_error_errno(r, _("--link-journal=%s: cannot make %s on the host: %m"), name, p);
        }
        r = mount_plan_add_bind(plan, p, p, s->private_users != PRIVATE_USERS_NO);
        return r < 0 ? log_oom() : 0;
}
