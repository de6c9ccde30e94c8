/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "machine-bind.h"
#include "machine-copy.h"
#include "copy-tree.h"
#include "machine-root.h"
#include "mount-util.h"
#include "string-util.h"

int machine_bind_new(const Machine *machine, const char *host_path, const char *guest_path, bool read_only,
                     bool mkdir, MachineBind **ret) {
        _cleanup_free_ MachineBind *b = NULL;

        if (!machine_path_is_valid(host_path) || !machine_path_is_valid(guest_path))
                return -EINVAL;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        *b = (MachineBind) {
                .leader = machine->leader,
                .leader_pidfd = machine->leader_pidfd,
                .host_path = strdup(host_path),
                .guest_path = strdup(guest_path),
                .read_only = read_only,
                .mkdir = mkdir,
        };
        if (!b->host_path || !b->guest_path) {
                machine_bind_free(TAKE_PTR(b));
                return -ENOMEM;
        }
        *ret = TAKE_PTR(b);
        return 0;
}

void machine_bind_free(void *userdata) {
        MachineBind *b = userdata;

        if (!b)
                return;
        free(b->host_path);
        free(b->guest_path);
        free(b);
}

static int bind_message(const char *path, bool guest, const char *what, int r, char *message, size_t size) {
        _cleanup_free_ char *e = escape_for_terminal(path, ESCAPE_MESSAGE_MAX);

        if (e)
                snprintf(message, size, "%s '%s' %s: %s", what, e, guest ? "in the machine" : "on the host",
                         strerror(-r));
        return r;
}

/* The mount point: a directory for a directory, anything else but a directory for anything else (as
 * mount(2) wants it). */
static int open_target(int root_fd, const MachineBind *b, bool source_is_dir, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        r = b->mkdir ? open_in_root_mkdir(root_fd, b->guest_path, !source_is_dir, &fd)
                     : open_in_root(root_fd, b->guest_path, O_PATH, &fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (source_is_dir != !!S_ISDIR(st.st_mode))
                return source_is_dir ? -ENOTDIR : -EISDIR;
        r = copy_refuse_api_fs(fd);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int machine_bind_work(void *userdata, char *message, size_t message_size) {
        const MachineBind *b = userdata;
        IdMap uid_map, gid_map;
        _cleanup_close_ int source = -EBADF, tree = -EBADF, root = -EBADF, target = -EBADF;
        struct stat st;
        int r;

        source = open(b->host_path, O_PATH | O_CLOEXEC);
        if (source < 0)
                return bind_message(b->host_path, false, "Cannot bind", -errno, message, message_size);
        if (fstat(source, &st) < 0)
                return -errno;
        /* Cloned in the host's mount namespace, before joining the machine's. */
        r = mount_tree_detached(source, true, b->read_only, -EBADF, &tree);
        if (r < 0)
                return bind_message(b->host_path, false, "Cannot clone the mount of", r, message, message_size);
        r = machine_open_root(b->leader, b->leader_pidfd, &root);
        /* Before the setns(): the machine's /proc is of its own pid namespace. */
        if (r >= 0)
                r = machine_read_id_maps(b->leader, b->leader_pidfd, &uid_map, &gid_map);
        if (r >= 0)
                r = machine_fs_ids_as_guest_root(&uid_map, &gid_map);
        if (r < 0)
                return machine_gone_message(r, message, message_size);
        /* Through the pidfd: the namespace is the leader's, whatever became of its pid. */
        if (setns(b->leader_pidfd, CLONE_NEWNS) < 0)
                return bind_message(b->guest_path, true, "Cannot enter the mount namespace for", -errno, message,
                                    message_size);
        r = open_target(root, b, S_ISDIR(st.st_mode), &target);
        if (r < 0)
                return bind_message(b->guest_path, true, r == -EISDIR || r == -ENOTDIR ?
                                    "The mount point does not match the source's type:" : "Cannot bind onto",
                                    r, message, message_size);
        r = move_mount_onto(tree, target);
        if (r < 0)
                return bind_message(b->guest_path, true, "Cannot mount onto", r, message, message_size);
        return 0;
}
