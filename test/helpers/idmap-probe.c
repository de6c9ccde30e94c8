/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finds out, independently of nspawn, whether the kernel id-maps a mount of the file system PATH is on:
 *   idmap-probe PATH
 * prints "yes" (exit 0) or "no ERRNO-NAME" (exit 1): a detached clone of PATH's mount gets
 * MOUNT_ATTR_IDMAP with a user namespace of a helper process (ids 0-65535 mapped to 0x7ff00000). */

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = write(fd, text, strlen(text));
        int r = n < 0 ? -errno : 0;
        close(fd);
        return r;
}

int main(int argc, char **argv) {
        char path[64];
        int p[2], r;

        if (argc != 2) {
                fprintf(stderr, "usage: idmap-probe PATH\n");
                return 2;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return 2;
        pid_t pid = fork();
        if (pid < 0)
                return 2;
        if (pid == 0) {
                char c;
                if (unshare(CLONE_NEWUSER) < 0)
                        _exit(1);
                close(p[1]);
                if (read(p[0], &c, 1) < 0)
                        _exit(1);
                _exit(0);
        }
        close(p[0]);
        /* Wait until the helper is in its own user namespace. */
        for (int i = 0; i < 5000; i++) {
                char a[64], b[64];
                ssize_t x, y;
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
                x = readlink(path, a, sizeof(a) - 1);
                y = readlink("/proc/self/ns/user", b, sizeof(b) - 1);
                if (x > 0 && y > 0 && (x != y || memcmp(a, b, (size_t) x) != 0))
                        break;
                usleep(1000);
        }
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        r = write_file(path, "0 2146435072 65536");
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        if (r >= 0)
                r = write_file(path, "0 2146435072 65536");
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        int userns = r < 0 ? r : open(path, O_RDONLY | O_CLOEXEC);
        int tree = syscall(SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (userns < 0 || tree < 0) {
                fprintf(stderr, "idmap-probe: set-up failed: %s\n", strerror(errno));
                kill(pid, SIGKILL);
                return 2;
        }
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned) userns };
        r = syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ? errno : 0;
        close(p[1]);
        (void) waitpid(pid, NULL, 0);
        if (r == 0) {
                puts("yes");
                return 0;
        }
        printf("no %s\n", strerrorname_np(r));
        return 1;
}
