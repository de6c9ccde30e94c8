/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/securebits.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "copy-tree.h"
#include "fd-util.h"
#include "machine-copy.h"
#include "machine-root.h"
#include "mount-util.h"
#include "path-util.h"
#include "string-util.h"

int id_map_parse(const char *text, IdMap *ret) {
        IdMap m = {};

        for (const char *p = text; *p;) {
                unsigned long long in, out, count;
                int consumed = 0;

                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                if (sscanf(p, "%llu %llu %llu%n", &in, &out, &count, &consumed) != 3 || consumed <= 0)
                        return -EINVAL;
                if (in > UINT32_MAX || out > UINT32_MAX || count > UINT32_MAX || count == 0 ||
                    in + count - 1 > UINT32_MAX || out + count - 1 > UINT32_MAX)
                        return -EINVAL;
                if (m.n >= ID_MAP_RANGES_MAX)
                        return -E2BIG;
                m.ranges[m.n++] = (IdMapRange) { (uint32_t) in, (uint32_t) out, (uint32_t) count };
                p += consumed;
        }
        *ret = m;
        return 0;
}

bool id_map_is_identity(const IdMap *m) {
        return m->n == 1 && m->ranges[0].inside == 0 && m->ranges[0].outside == 0 &&
               m->ranges[0].count == UINT32_MAX;
}

int id_map_to_outside(const IdMap *m, uint32_t inside, uint32_t *ret) {
        for (size_t i = 0; i < m->n; i++) {
                const IdMapRange *r = &m->ranges[i];
                if (inside >= r->inside && inside - r->inside < r->count) {
                        *ret = r->outside + (inside - r->inside);
                        return 0;
                }
        }
        return -EOVERFLOW;
}

int id_map_to_inside(const IdMap *m, uint32_t outside, uint32_t *ret) {
        for (size_t i = 0; i < m->n; i++) {
                const IdMapRange *r = &m->ranges[i];
                if (outside >= r->outside && outside - r->outside < r->count) {
                        *ret = r->inside + (outside - r->outside);
                        return 0;
                }
        }
        return -EOVERFLOW;
}

int machine_gone_message(int r, char *message, size_t size) {
        if (r == -ESRCH)
                snprintf(message, size, "The machine's leader is gone (the machine stopped)");
        return r;
}

bool machine_path_is_valid(const char *p) {
        return path_is_absolute(p) && path_is_normalized(p) && !streq(p, "/") && !string_has_cc(p) &&
               strlen(p) < 4096;
}

int machine_copy_new(const Machine *machine, bool to_machine, const char *host_path, const char *guest_path,
                     uint64_t flags, MachineCopy **ret) {
        _cleanup_free_ MachineCopy *c = NULL;

        if (!machine_path_is_valid(host_path) || !machine_path_is_valid(guest_path))
                return -EINVAL;
        if (flags & ~MACHINE_COPY_FLAGS_ALL)
                return -EOPNOTSUPP;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (MachineCopy) {
                .leader = machine->leader,
                .leader_pidfd = machine->leader_pidfd,
                .to_machine = to_machine,
                .flags = flags,
                .host_path = strdup(host_path),
                .guest_path = strdup(guest_path),
        };
        if (!c->host_path || !c->guest_path) {
                machine_copy_free(TAKE_PTR(c));
                return -ENOMEM;
        }
        int r = copy_temporary_name(c->temporary_name);
        if (r < 0) {
                machine_copy_free(TAKE_PTR(c));
                return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

void machine_copy_free(void *userdata) {
        MachineCopy *c = userdata;

        if (!c)
                return;
        free(c->host_path);
        free(c->guest_path);
        free(c);
}

typedef struct ShiftContext {
        IdMap uid_map, gid_map;
        bool to_machine;
        /* The owner that could not be shifted, for the message. */
        bool failed;
        uint32_t failed_id;
        bool failed_is_gid;
} ShiftContext;

static int shift_id(uint32_t id, bool is_gid, uint32_t *ret, void *userdata) {
        ShiftContext *s = userdata;
        const IdMap *m = is_gid ? &s->gid_map : &s->uid_map;
        int r = s->to_machine ? id_map_to_outside(m, id, ret) : id_map_to_inside(m, id, ret);

        if (r < 0) {
                s->failed = true;
                s->failed_id = id;
                s->failed_is_gid = is_gid;
        }
        return r;
}

/* Splits an absolute, normalized path other than "/" into its directory and its last name. */
static int split_path(const char *path, char **ret_dir, const char **ret_name) {
        const char *slash = strrchr(path, '/');
        char *dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));

        if (!dir)
                return -ENOMEM;
        *ret_dir = dir;
        *ret_name = slash + 1;
        return 0;
}

/* The directory that holds path, below root (the host's "/" or the guest's root): with mkdir, missing
 * directories are made on the way, still inside root. */
static int open_parent(int root_fd, const char *path, bool mkdir, const char **ret_name, int *ret_fd) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        r = split_path(path, &dir, ret_name);
        if (r < 0)
                return r;
        r = mkdir ? open_in_root_mkdir(root_fd, dir, false, &fd) : open_in_root(root_fd, dir, O_PATH, &fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int machine_read_id_maps(pid_t leader, int pidfd, IdMap *ret_uid_map, IdMap *ret_gid_map) {
        _cleanup_free_ char *uid_text = NULL, *gid_text = NULL;
        char p[64];
        int r;

        snprintf(p, sizeof(p), "/proc/%d/uid_map", (int) leader);
        r = read_small_file_at(AT_FDCWD, p, 64 * 1024, &uid_text);
        if (r >= 0) {
                snprintf(p, sizeof(p), "/proc/%d/gid_map", (int) leader);
                r = read_small_file_at(AT_FDCWD, p, 64 * 1024, &gid_text);
        }
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        /* Read before this check: the maps are the leader's, not a recycled pid's. */
        r = machine_leader_check(pidfd);
        if (r < 0)
                return r;
        r = id_map_parse(uid_text, ret_uid_map);
        if (r >= 0)
                r = id_map_parse(gid_text, ret_gid_map);
        return r;
}

int machine_fs_ids_as_guest_root(const IdMap *uid_map, const IdMap *gid_map) {
        uint32_t uid, gid;

        if (id_map_to_outside(uid_map, 0, &uid) < 0 || id_map_to_outside(gid_map, 0, &gid) < 0 ||
            (uid == 0 && gid == 0))
                return 0;
        /* Without it, an fsuid that leaves 0 drops CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER from the
         * effective set, and the copy could set no owners. */
        if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP) < 0)
                return -errno;
        (void) setfsgid(gid);
        (void) setfsuid(uid);
        if ((uint32_t) setfsuid((uid_t) -1) != uid || (uint32_t) setfsgid((gid_t) -1) != gid)
                return -EPERM;
        return 0;
}

static const char *side(bool guest) {
        return guest ? "in the machine" : "on the host";
}

static void copy_message(const MachineCopy *c, const ShiftContext *s, int r, const char *where,
                         const char *error_path, char *message, size_t size) {
        _cleanup_free_ char *src = escape_for_terminal(c->to_machine ? c->host_path : c->guest_path, ESCAPE_MESSAGE_MAX);
        _cleanup_free_ char *dst = escape_for_terminal(c->to_machine ? c->guest_path : c->host_path, ESCAPE_MESSAGE_MAX);
        _cleanup_free_ char *at = escape_for_terminal(error_path, ESCAPE_MESSAGE_MAX);

        if (!src || !dst || !at)
                return;
        if (streq(where, "source"))
                snprintf(message, size, "Cannot copy '%s' %s: %s", src, side(!c->to_machine), strerror(-r));
        else if (streq(where, "destination") && r == -EEXIST)
                snprintf(message, size, "'%s' exists already %s (replace it with --force)", dst,
                         side(c->to_machine));
        else if (streq(where, "destination"))
                snprintf(message, size, "Cannot copy to '%s' %s: %s", dst, side(c->to_machine), strerror(-r));
        else if (r == -EOVERFLOW && s->failed)
                snprintf(message, size, "Cannot copy '%s': its %s %" PRIu32 " has no counterpart %s "
                         "(the machine's user namespace maps no such id)", at,
                         s->failed_is_gid ? "group" : "owner", s->failed_id, side(c->to_machine));
        else if (r == -EPERM && *at)
                snprintf(message, size, "Cannot copy '%s': it is on an API file system (procfs or sysfs), "
                         "or the copy was not permitted", at);
        else
                snprintf(message, size, "Failed to copy '%s' to '%s'%s%s%s: %s", src, dst, *at ? " (at '" : "",
                         at, *at ? "')" : "", strerror(-r));
}

/* The destination's directory, as the work opened it (without making anything). */
static int open_destination_dir(const MachineCopy *c, const char **ret_name, int *ret_fd) {
        _cleanup_close_ int root = -EBADF;
        int r;

        if (c->to_machine) {
                r = machine_open_root(c->leader, c->leader_pidfd, &root);
                if (r < 0)
                        return r;
        } else {
                root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        return -errno;
        }
        return open_parent(root, c->to_machine ? c->guest_path : c->host_path, false, ret_name, ret_fd);
}

void machine_copy_abandon(const MachineCopy *c) {
        pid_t pid = fork();

        if (pid < 0)
                return;
        if (pid == 0) {
                if (fork() == 0) {
                        _cleanup_close_ int dir = -EBADF;
                        const char *name;

                        if (open_destination_dir(c, &name, &dir) >= 0)
                                (void) remove_tree_at(dir, c->temporary_name);
                        _exit(EXIT_SUCCESS);
                }
                _exit(EXIT_SUCCESS);
        }
        (void) waitpid(pid, NULL, 0);
}

int machine_copy_work(void *userdata, char *message, size_t message_size) {
        const MachineCopy *c = userdata;
        _cleanup_close_ int guest_root = -EBADF, host_root = -EBADF, src_dir = -EBADF, dst_dir = -EBADF;
        ShiftContext s = { .to_machine = c->to_machine };
        char error_path[4096] = "";
        const char *src_name, *dst_name;
        struct stat st;
        int r;

        r = machine_open_root(c->leader, c->leader_pidfd, &guest_root);
        if (r < 0)
                return machine_gone_message(r, message, message_size);
        r = machine_read_id_maps(c->leader, c->leader_pidfd, &s.uid_map, &s.gid_map);
        if (r >= 0 && c->to_machine)
                r = machine_fs_ids_as_guest_root(&s.uid_map, &s.gid_map);
        if (r < 0)
                return machine_gone_message(r, message, message_size);
        host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (host_root < 0)
                return -errno;

        r = open_parent(c->to_machine ? host_root : guest_root, c->to_machine ? c->host_path : c->guest_path,
                        false, &src_name, &src_dir);
        if (r >= 0 && fstatat(src_dir, src_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        if (r < 0) {
                copy_message(c, &s, r, "source", "", message, message_size);
                return r;
        }
        r = open_parent(c->to_machine ? guest_root : host_root, c->to_machine ? c->guest_path : c->host_path,
                        c->flags & MACHINE_COPY_MKDIR, &dst_name, &dst_dir);
        /* Never into the guest's /proc or /sys (its /proc/sys is the kernel's). */
        if (r >= 0 && c->to_machine)
                r = copy_refuse_api_fs(dst_dir);
        if (r >= 0 && !(c->flags & MACHINE_COPY_REPLACE) && fstatat(dst_dir, dst_name, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                r = -EEXIST;
        if (r < 0) {
                copy_message(c, &s, r, "destination", "", message, message_size);
                return r;
        }

        CopyTreeOptions o = {
                .shift_id = shift_id,
                .userdata = &s,
                .replace = c->flags & MACHINE_COPY_REPLACE,
                /* ACLs and file capabilities hold ids that a shift would have to rewrite. */
                .all_xattrs = id_map_is_identity(&s.uid_map) && id_map_is_identity(&s.gid_map),
                .temporary_name = c->temporary_name,
                .error_path = error_path,
                .error_path_size = sizeof(error_path),
        };
        r = copy_tree_at(src_dir, src_name, dst_dir, dst_name, &o);
        if (r < 0)
                copy_message(c, &s, r, r == -EEXIST ? "destination" : "tree", error_path, message, message_size);
        return r;
}
