/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* open-root-probe NAME FILE: calls OpenMachineRootDirectory(NAME) on the system bus and prints FILE
 * read below the fd it got (resolved with RESOLVE_IN_ROOT), or the bus error; exit 0 on success. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

int main(int argc, char *argv[]) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        struct stat st;
        char buf[4096];
        int fd, f, r;
        ssize_t n;

        if (argc != 3)
                return 2;
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return 3;
        r = sd_bus_call_method(bus, "org.freedesktop.machine1", "/org/freedesktop/machine1",
                               "org.freedesktop.machine1.Manager", "OpenMachineRootDirectory", &error, &reply, "s",
                               argv[1]);
        if (r < 0) {
                printf("%s: %s\n", error.name, error.message);
                return 1;
        }
        if (sd_bus_message_read(reply, "h", &fd) < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
                return 4;
        f = (int) syscall(SYS_openat2, fd, argv[2], &how, sizeof(how));
        if (f < 0)
                return 5;
        while ((n = read(f, buf, sizeof(buf))) > 0)
                fwrite(buf, 1, (size_t) n, stdout);
        return 0;
}
