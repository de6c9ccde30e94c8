/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/registry's client: times Peer.Ping round trips to machined and RegisterMachine +
 * UnregisterMachine pairs, or registers COUNT machines for the leaders given on stdin, or times
 * CreateMachine (the back end places a fresh leader in its scope) followed by TerminateMachine.
 *   registry-client roundtrips N LEADER_PID
 *   registry-client register PREFIX < pids
 *   registry-client create N PREFIX */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEST "org.freedesktop.machine1"
#define PATH "/org/freedesktop/machine1"
#define MANAGER "org.freedesktop.machine1.Manager"

static double now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static int reg(sd_bus *bus, const char *name, unsigned leader) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, DEST, PATH, MANAGER, "RegisterMachine", &e, NULL, "sayssus",
                                   name, 0, "bench", "container", leader, "/");
        if (r < 0)
                fprintf(stderr, "RegisterMachine %s: %s\n", name, e.message ?: strerror(-r));
        sd_bus_error_free(&e);
        return r;
}

/* CreateMachine of a new leader each time (a scope cannot take a leader twice), timed until the
 * reply (which on systemd waits for the scope's start job); TerminateMachine and the leader's exit
 * are outside the timing. Prints the median. */
static int creates(sd_bus *bus, int n, const char *prefix) {
        double *t = calloc(n, sizeof(double));
        char name[64];

        if (!t)
                return 1;
        for (int i = 0; i < n; i++) {
                pid_t pid = fork();
                if (pid < 0)
                        return 1;
                if (pid == 0) {
                        pause();
                        _exit(0);
                }
                snprintf(name, sizeof(name), "%s%d", prefix, i);
                sd_bus_error e = SD_BUS_ERROR_NULL;
                double t0 = now_us();
                int r = sd_bus_call_method(bus, DEST, PATH, MANAGER, "CreateMachine", &e, NULL, "sayssusa(sv)",
                                           name, 0, "bench", "container", (unsigned) pid, "/", 0);
                t[i] = now_us() - t0;
                if (r < 0)
                        fprintf(stderr, "CreateMachine %s: %s\n", name, e.message ?: strerror(-r));
                sd_bus_error_free(&e);
                if (r >= 0)
                        (void) sd_bus_call_method(bus, DEST, PATH, MANAGER, "TerminateMachine", NULL, NULL, "s", name);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                if (r < 0)
                        return 1;
        }
        qsort(t, n, sizeof(double), cmp_double);
        printf("create_us %.1f\n", t[n / 2]);
        free(t);
        return 0;
}

int main(int argc, char *argv[]) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);
        if (r < 0 || argc < 3) {
                fprintf(stderr, "usage: registry-client roundtrips N LEADER | register PREFIX < pids | create N PREFIX\n");
                return 1;
        }
        if (strcmp(argv[1], "create") == 0 && argc >= 4)
                return creates(bus, atoi(argv[2]), argv[3]);
        if (strcmp(argv[1], "register") == 0) {
                unsigned pid, i = 0;
                char name[64];
                while (scanf("%u", &pid) == 1) {
                        snprintf(name, sizeof(name), "%s%u", argv[2], i++);
                        if (reg(bus, name, pid) < 0)
                                return 1;
                }
                return 0;
        }
        /* Alternating blocks of each, median of the blocks: the two are compared under the same
         * conditions (this VM's speed drifts over seconds). */
        int n = atoi(argv[2]);
        unsigned leader = (unsigned) atoi(argv[3]);
        enum { BLOCKS = 15 };
        double ping[BLOCKS], pair[BLOCKS];
        int per = n / BLOCKS > 0 ? n / BLOCKS : 1;
        for (int b = 0; b < BLOCKS; b++) {
                double t0 = now_us();
                for (int i = 0; i < per; i++)
                        if (sd_bus_call_method(bus, DEST, PATH, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, "") < 0)
                                return 1;
                ping[b] = (now_us() - t0) / per;
                t0 = now_us();
                for (int i = 0; i < per; i++)
                        if (reg(bus, "bench-pair", leader) < 0 ||
                            sd_bus_call_method(bus, DEST, PATH, MANAGER, "UnregisterMachine", NULL, NULL, "s", "bench-pair") < 0)
                                return 1;
                pair[b] = (now_us() - t0) / per;
        }
        qsort(ping, BLOCKS, sizeof(double), cmp_double);
        qsort(pair, BLOCKS, sizeof(double), cmp_double);
        printf("ping_us %.1f\npair_us %.1f\n", ping[BLOCKS / 2], pair[BLOCKS / 2]);
        sd_bus_flush_close_unref(bus);
        return 0;
}
