/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "nspawn-settings.h"

typedef struct Supervisor {
        pid_t pid;
        int pidfd;
        int sync_fd;            /* open until the payload runs (EOF) or set-up failed */
        int signal_fd;
        ConsoleMode console_mode;
        int kill_signal;
        int notify_fd;          /* --boot: datagrams from the guest's init, or -1 */
        bool boot;
        bool notify_ready;
        bool unregistered;      /* say once the payload runs that no registry answered */
        bool setup_failed;
        bool quiet;
        const char *machine;
        /* Another fd to watch (the container's addresses for its port forwards): on_watch runs when
         * it is readable. Unused when on_watch is NULL. */
        int watch_fd;
        void (*on_watch)(void *userdata);
        void *watch_userdata;
} Supervisor;

/* How long a booted guest gets to stop after the kill signal before it is killed. */
#define BOOT_STOP_TIMEOUT_SEC 15
/* Exit status of nspawn -b when the guest asked to reboot: the unit restarts it. */
#define NSPAWN_EXIT_REBOOT 133

/* Runs until the container's PID 1 exits: forwards the console, turns SIGTERM/SIGINT/SIGHUP into the
 * kill signal, logs a set-up failure reported by the child. Returns the exit status for nspawn. */
int supervisor_run(Supervisor *s, int *ret_status);
