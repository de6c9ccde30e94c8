/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Row A1 (CVE-2019-5736): for every process visible in /proc whose executable is not a file of the
 * container's tree (the stub init of --as-pid2 runs nspawn's own binary, a file of the host), try to
 * open that executable for writing: through /proc/PID/exe directly, and through an O_PATH fd reopened
 * via /proc/self/fd (the runc exploit's way). Repeats ROUNDS times (argv[1]). Prints one line per
 * process and way the first time, "pid PID outside WAY RESULT", then "rounds N writable W". */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* True when /proc/PID/exe is the same inode as the path its link names, looked up in this root. */
static int exe_inside(const char *pid) {
        char link[64], target[4096];
        struct stat a, b;
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/%s/exe", pid);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = 0;
        if (stat(link, &a) < 0)
                return -errno;
        return stat(target, &b) >= 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static const char *try_open(const char *pid, int via_opath) {
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%s/exe", pid);
        if (via_opath) {
                int p = open(path, O_PATH | O_CLOEXEC);
                if (p < 0)
                        return strerrorname_np(errno);
                snprintf(path, sizeof(path), "/proc/self/fd/%d", p);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                int e = errno;
                close(p);
                errno = e;
        } else
                fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return strerrorname_np(errno);
        close(fd);
        return "OPENED";
}

int main(int argc, char **argv) {
        int rounds = argc > 1 ? atoi(argv[1]) : 1, writable = 0;
        char self[16];

        snprintf(self, sizeof(self), "%d", getpid());
        for (int r = 0; r < rounds; r++) {
                DIR *d = opendir("/proc");
                struct dirent *de;

                if (!d)
                        return 1;
                while ((de = readdir(d))) {
                        if (de->d_name[0] < '0' || de->d_name[0] > '9' || strcmp(de->d_name, self) == 0)
                                continue;
                        int in = exe_inside(de->d_name);
                        if (in > 0)
                                continue;
                        for (int way = 0; way < 2; way++) {
                                const char *res = in < 0 ? strerrorname_np(-in) : try_open(de->d_name, way);
                                if (strcmp(res, "OPENED") == 0)
                                        writable++;
                                if (r == 0)
                                        printf("pid %s outside %s %s\n", de->d_name, way ? "opath-reopen" : "direct", res);
                        }
                }
                closedir(d);
        }
        printf("rounds %d writable %d\n", rounds, writable);
        return 0;
}
