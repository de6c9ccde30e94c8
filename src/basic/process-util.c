/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "process-util.h"

int pidfd_open_(pid_t pid) {
        return RET_NERRNO(syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal_(int pidfd, int sig) {
        return RET_NERRNO(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
}

int wait_for_child(pid_t pid, int *ret_status) {
        siginfo_t si = {};

        for (;;) {
                if (waitid(P_PID, (id_t) pid, &si, WEXITED) >= 0)
                        break;
                if (errno != EINTR)
                        return -errno;
        }
        if (ret_status)
                *ret_status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
        return 0;
}

int sigprocmask_many(int how, sigset_t *old, ...) {
        sigset_t ss;
        va_list ap;

        sigemptyset(&ss);
        va_start(ap, old);
        for (int sig; (sig = va_arg(ap, int)) > 0;)
                sigaddset(&ss, sig);
        va_end(ap);
        return RET_NERRNO(sigprocmask(how, &ss, old));
}

int reset_all_signal_handlers(void) {
        const struct sigaction sa = { .sa_handler = SIG_DFL };
        int r = 0;

        for (int sig = 1; sig < _NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                /* EINVAL: a signal number libc keeps for itself (32, 33 with glibc); its handlers are
                 * reset by execve() anyway, and they are never ignored. */
                if (sigaction(sig, &sa, NULL) < 0 && errno != EINVAL && r == 0)
                        r = -errno;
        }
        return r;
}

int reset_signal_mask(void) {
        sigset_t none;

        sigemptyset(&none);
        return RET_NERRNO(sigprocmask(SIG_SETMASK, &none, NULL));
}
