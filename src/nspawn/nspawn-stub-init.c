/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nspawn-stub-init.h"

_Noreturn void stub_init_run(pid_t payload) {
        sigset_t all;

        (void) prctl(PR_SET_NAME, "nspawn-stub");
        sigfillset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&all, &si);
                if (sig < 0)
                        continue;

                if (sig != SIGCHLD) {
                        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT ||
                            sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGWINCH || sig == SIGCONT)
                                (void) kill(payload, sig);
                        else if (sig == SIGRTMIN + 3 || sig == SIGRTMIN + 4)
                                (void) kill(payload, SIGTERM);
                        continue;
                }

                /* Reap everything that has exited; only the payload's exit ends the container, an
                 * orphan's SIGCHLD is not mistaken for it. */
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == payload)
                                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
                }
        }
}
