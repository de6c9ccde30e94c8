/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "i18n.h"
#include "log.h"
#include "machined-bus.h"
#include "machined-systemd.h"
#include "manager.h"
#include "process-util.h"

#define MACHINE1_BUS_NAME "org.freedesktop.machine1"

static int help(void) {
        printf(_("machined [OPTIONS...]\n\n"
                 "The machine registry: serves org.freedesktop.machine1 on the system bus\n"
                 "(DBUS_SYSTEM_BUS_ADDRESS is honoured). Where PID 1 is systemd, machines\n"
                 "live in transient scopes of systemd's; elsewhere machined makes their\n"
                 "cgroups itself.\n\n"
                 "  -h --help      Show this help\n"
                 "     --version  Show the version\n"));
        return 0;
}

/* Objects first, then the name: a client that sees the name finds the objects. */
static int manager_connect_bus(Manager *m) {
        int r;

        r = sd_bus_open_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, _("Failed to connect to the system bus: %m"));
        /* First: from here on the bus code owns the connection (it closes it with the manager). */
        r = manager_dbus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the manager object: %m");
        r = machine_dbus_register(m);
        if (r < 0)
                return log_error_errno(r, "Failed to register the machine objects: %m");
        /* Without its bus the registry is unreachable: exit (a service manager restarts it, and it
         * re-adopts its machines from the state files) instead of lingering with a dead connection.
         * Exiting also keeps the sender cache of a connection from outliving it. */
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r >= 0)
                r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_request_name(m->bus, MACHINE1_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to own the bus name %s: %m"), MACHINE1_BUS_NAME);
        return 0;
}

/* One pidfd per machine: the default soft limit of 1024 fds would cap the registry. */
static void bump_fd_limit(void) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
                return;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_debug_errno(-errno, "Failed to raise the fd limit, ignoring: %m");
}

static int run(void) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        bump_fd_limit();
        /* SIGCHLD too: sd-event watches the children of operations (and shells) only with it blocked. */
        r = sigprocmask_many(SIG_BLOCK, NULL, SIGTERM, SIGINT, SIGCHLD, -1);
        if (r < 0)
                return log_error_errno(r, "Failed to block signals: %m");
        r = manager_new(MACHINES_STATE_DIR, &m);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up the registry in %s: %m"), MACHINES_STATE_DIR);
        /* Before the state files are read: the machines are re-adopted through the back end. */
        r = manager_setup_systemd(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the cgroup back end: %m");
        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m");
        r = manager_load_machines(m);
        if (r < 0)
                log_warning_errno(r, "Failed to read the state of running machines, ignoring: %m");
        r = manager_connect_bus(m);
        if (r < 0)
                return r;

        (void) sd_notify(false, "READY=1\nSTATUS=Processing requests...");
        log_debug("machined running, %zu machine(s) known.", m->n_machines);
        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        (void) sd_notify(false, "STOPPING=1");
        return 0;
}

int main(int argc, char *argv[]) {
        log_parse_environment("MACHINED_LOG_LEVEL");
        /* Any caller may send a message of up to the bus's limit (an 8 MiB name). glibc's dynamic mmap
         * threshold would keep such a buffer in the heap once freed, for good: a fixed threshold gives
         * every large buffer back to the kernel when sd-bus frees it. */
        (void) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--version") == 0) {
                        printf("machined %s\n", PROJECT_VERSION);
                        return EXIT_SUCCESS;
                }
                if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
                        return help();
                fprintf(stderr, _("machined: unknown argument '%s'.\n"), argv[i]);
                return EXIT_FAILURE;
        }
        return run() < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
