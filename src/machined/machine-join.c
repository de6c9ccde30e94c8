/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "cgroup-util.h"
#include "fd-util.h"
#include "guest-user.h"
#include "log.h"
#include "machine-join.h"
#include "manager.h"
#include "process-util.h"
#include "string-util.h"
#include "strv.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* The kernel's limit on all of a task's filters together (MAX_INSNS_PER_PATH), and so on what the
 * leader can have. */
#define SECCOMP_INSNS_MAX 32768
#define SECCOMP_FILTERS_MAX 512
#define CGROUP_V1_MAX 32
#define JOIN_PATH_DEFAULT "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *const join_step_table[_JOIN_STEP_MAX] = {
        [JOIN_STEP_PREPARE] = "prepare the join",
        [JOIN_STEP_CGROUP] = "join the machine's cgroup",
        [JOIN_STEP_SECCOMP_READ] = "read the leader's seccomp filter",
        [JOIN_STEP_SETNS] = "join the machine's namespaces",
        [JOIN_STEP_PTY] = "allocate a pty in the machine",
        [JOIN_STEP_CONNECT] = "connect to the guest's systemd",
        [JOIN_STEP_CAPS] = "apply the leader's capability bounding set",
        [JOIN_STEP_SECCOMP] = "install the leader's seccomp filter",
        [JOIN_STEP_USER] = "change to the user",
        [JOIN_STEP_EXEC] = "execute the program",
        [JOIN_STEP_HELPER] = "run the joining helper",
};

const char *join_step_to_string(JoinStep s) {
        return s < _JOIN_STEP_MAX ? join_step_table[s] : "join the machine";
}

/* What the helper reports: one message, with the pty master (and the bus socket) attached. */
typedef struct JoinReport {
        int32_t error;
        int32_t step;
        uint32_t pty_number;
} JoinReport;

typedef struct SeccompFilters {
        size_t n;
        unsigned short len[SECCOMP_FILTERS_MAX];
        struct sock_filter insns[SECCOMP_INSNS_MAX];
} SeccompFilters;

/* Everything the helper needs, computed by machined before the clone: the helper itself allocates
 * nothing and reads nothing of the host. */
typedef struct JoinPlan {
        JoinMode mode;
        pid_t leader;
        int leader_pidfd;
        int ns_flags;
        int sock;
        int v1_fds[CGROUP_V1_MAX];
        size_t n_v1;
        bool seccomp;
        SeccompFilters *filters;
        uint64_t bounding;
        int cap_last;
        bool no_new_privs;
        GuestUser *user;
        unsigned pty_flags;
        const char *exec_path;
        char **argv;
        char **envp;
} JoinPlan;

typedef struct MachineJoin {
        JoinMode mode;
        char *machine;
        pid_t pid;
        int sock;
        int status_fd;
        sd_event_source *io, *child;
        JoinReady ready;
        void *userdata;
        bool reported;
} MachineJoin;

static MachineJoin *machine_join_free(MachineJoin *j) {
        if (!j)
                return NULL;
        sd_event_source_disable_unref(j->io);
        sd_event_source_disable_unref(j->child);
        safe_close(j->sock);
        safe_close(j->status_fd);
        free(j->machine);
        free(j);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(MachineJoin *, machine_join_free);

/* ---- the helper (after the clone: no allocation, no logging, no library state) ---------------- */

static _Noreturn void helper_fail(const JoinPlan *p, JoinStep step, int error) {
        JoinReport rep = { .error = error < 0 ? error : -EIO, .step = step };

        (void) send(p->sock, &rep, sizeof(rep), MSG_NOSIGNAL);
        _exit(EXIT_FAILURE);
}

static int helper_report(const JoinPlan *p, uint32_t number, int master, int bus_fd) {
        JoinReport rep = { .pty_number = number };
        int fds[2] = { master, bus_fd };
        size_t n = bus_fd >= 0 ? 2 : 1;
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 2)];
        } control = {};
        struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = CMSG_SPACE(sizeof(int) * n),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
        return sendmsg(p->sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Closes every fd but the few in keep (at most 4). */
static int close_all_but(const int *keep, size_t n) {
        int k[4], from = 0;

        if (n > 4)
                return -EINVAL;
        memcpy(k, keep, n * sizeof(int));
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && k[j - 1] > k[j]; j--) {
                        int t = k[j];
                        k[j] = k[j - 1];
                        k[j - 1] = t;
                }
        for (size_t i = 0; i <= n; i++) {
                int to = i < n ? k[i] - 1 : INT32_MAX;
                if (i < n && k[i] < 0)
                        continue;
                if (to >= from && syscall(SYS_close_range, (unsigned) from, (unsigned) to, 0) < 0)
                        return -errno;
                if (i < n)
                        from = k[i] + 1;
        }
        return 0;
}

/* The leader's filters through ptrace: seized and interrupted for the few calls that copy them, then
 * let go with the signal it was stopped for, if any. */
static int helper_read_seccomp(const JoinPlan *p) {
        SeccompFilters *f = p->filters;
        size_t total = 0;
        int status, sig = 0, r = 0;

        /* Another shell's helper may hold the leader for its own copy (a tracee has one tracer):
         * that takes microseconds, so a busy leader is tried again for up to 2 s. */
        for (unsigned i = 0;; i++) {
                struct timespec ts = { .tv_nsec = 1000000 };

                if (ptrace(PTRACE_SEIZE, p->leader, 0, 0) >= 0)
                        break;
                if (errno != EPERM || i >= 2000)
                        return -errno;
                (void) nanosleep(&ts, NULL);
        }
        if (ptrace(PTRACE_INTERRUPT, p->leader, 0, 0) < 0) {
                r = -errno;
                goto detach;
        }
        for (;;) {
                pid_t w = waitpid(p->leader, &status, __WALL);
                if (w >= 0)
                        break;
                if (errno != EINTR) {
                        r = -errno;
                        goto detach;
                }
        }
        if (!WIFSTOPPED(status))
                return -ESRCH;
        /* A signal-delivery stop (not our interrupt, not a group stop): the signal goes on. */
        if ((status >> 16) == 0)
                sig = WSTOPSIG(status);
        for (size_t i = 0;; i++) {
                long n = ptrace(PTRACE_SECCOMP_GET_FILTER, p->leader, (void *) i, NULL);
                if (n < 0) {
                        if (errno != ENOENT)
                                r = -errno;
                        break;
                }
                if (i >= SECCOMP_FILTERS_MAX || n == 0 || total + (size_t) n > SECCOMP_INSNS_MAX) {
                        r = -E2BIG;
                        break;
                }
                n = ptrace(PTRACE_SECCOMP_GET_FILTER, p->leader, (void *) i, f->insns + total);
                if (n < 0) {
                        r = -errno;
                        break;
                }
                f->len[i] = (unsigned short) n;
                f->n = i + 1;
                total += (size_t) n;
        }
detach:
        (void) ptrace(PTRACE_DETACH, p->leader, 0, (void *) (long) sig);
        return r;
}

/* Index 0 is the most recent filter: installed last, as the leader got them. */
static int helper_install_seccomp(const JoinPlan *p) {
        const SeccompFilters *f = p->filters;
        size_t off = 0;

        for (size_t i = 0; i < f->n; i++)
                off += f->len[i];
        for (size_t i = f->n; i > 0; i--) {
                struct sock_fprog prog;

                off -= f->len[i - 1];
                prog = (struct sock_fprog) { .len = f->len[i - 1], .filter = (struct sock_filter *) f->insns + off };
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                        return -errno;
        }
        return 0;
}

static int helper_caps(const JoinPlan *p) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];

        for (int c = 0; c <= p->cap_last; c++)
                if (!(p->bounding & (UINT64_C(1) << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        /* Nothing inherited through exec beyond what root gets anyway (CVE-2022-29162). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        d[0].inheritable = d[1].inheritable = 0;
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

static int helper_user(const JoinPlan *p) {
        const GuestUser *u = p->user;

        if (setgroups(u->n_groups, u->groups) < 0)
                return -errno;
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return -errno;
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return -errno;
        /* A changed uid makes the process dumpable again where fs.suid_dumpable says so. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return -errno;
        if (chdir(u->home) < 0 && chdir("/") < 0)
                return -errno;
        return 0;
}

/* The program runs in a process of its own, forked after the join (the pid namespace applies to
 * children only): its parent, the helper, stays outside the guest's pid namespace, invisible to the
 * guest, and passes the exit status on. The child only sets up the terminal and executes. */
static _Noreturn void helper_shell(const JoinPlan *p, int master, int slave, uint32_t number) {
        volatile int exec_errno = 0;
        volatile JoinStep exec_step = JOIN_STEP_EXEC;
        int status, r;
        pid_t pid;

        r = helper_caps(p);
        if (r < 0)
                helper_fail(p, JOIN_STEP_CAPS, r);
        if (p->seccomp) {
                r = helper_install_seccomp(p);
                if (r < 0)
                        helper_fail(p, JOIN_STEP_SECCOMP, r);
        }
        r = helper_user(p);
        if (r < 0)
                helper_fail(p, JOIN_STEP_USER, r);
        if (reset_all_signal_handlers() < 0 || reset_signal_mask() < 0)
                helper_fail(p, JOIN_STEP_EXEC, -errno);

        pid = vfork();
        if (pid < 0)
                helper_fail(p, JOIN_STEP_EXEC, -errno);
        if (pid == 0) {
                /* The slave may have landed on 0, 1 or 2 (the helper closed machined's): dup2() onto
                 * itself would keep its O_CLOEXEC, and the command would start without it. */
                int s = slave < 3 ? fcntl(slave, F_DUPFD_CLOEXEC, 3) : slave;

                if (s < 0 || setsid() < 0 || ioctl(s, TIOCSCTTY, 0) < 0 || dup2(s, 0) < 0 || dup2(s, 1) < 0 ||
                    dup2(s, 2) < 0) {
                        exec_step = JOIN_STEP_PTY;
                        exec_errno = errno;
                        _exit(127);
                }
                (void) syscall(SYS_close_range, 3U, ~0U, 0);
                execve(p->exec_path, p->argv, p->envp);
                exec_errno = errno;
                _exit(127);
        }
        /* vfork(): the child has executed or exited by now. */
        safe_close(slave);
        if (exec_errno != 0) {
                (void) waitpid(pid, &status, 0);
                helper_fail(p, exec_step, -exec_errno);
        }
        (void) helper_report(p, number, master, -EBADF);
        safe_close(master);
        safe_close(p->sock);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(EXIT_FAILURE);
        if (WIFSIGNALED(status)) {
                (void) signal(WTERMSIG(status), SIG_DFL);
                (void) kill(getpid(), WTERMSIG(status));
                _exit(128 + WTERMSIG(status));
        }
        _exit(WEXITSTATUS(status));
}

/* Connected by a child, which is in the guest's pid namespace: systemd refuses a peer whose pid it
 * cannot see, and SO_PEERCRED is taken from the task that connects. */
static int helper_connect(int fd, const struct sockaddr_un *sa) {
        volatile int connect_errno = 0;
        int status;
        pid_t pid = vfork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (connect(fd, (const struct sockaddr *) sa, sizeof(*sa)) < 0)
                        connect_errno = errno;
                _exit(0);
        }
        (void) waitpid(pid, &status, 0);
        return -connect_errno;
}

static _Noreturn void helper_run(const JoinPlan *p) {
        int master, slave, bus_fd = -EBADF, r, unlock = 0;
        unsigned number;

        /* Before anything of the guest can see us: no /proc/PID/exe, mem or fd of machined's for a
         * guest that is not root of the init user namespace (CVE-2019-5736, CVE-2016-9962). */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                helper_fail(p, JOIN_STEP_PREPARE, -errno);
        {
                int keep[] = { p->sock, p->leader_pidfd };

                /* The v1 cgroup.procs fds are written first: they are the only host files kept. */
                for (size_t i = 0; i < p->n_v1; i++) {
                        if (write(p->v1_fds[i], "0", 1) < 0)
                                helper_fail(p, JOIN_STEP_CGROUP, -errno);
                        safe_close(p->v1_fds[i]);
                }
                r = close_all_but(keep, ELEMENTSOF(keep));
                if (r < 0)
                        helper_fail(p, JOIN_STEP_PREPARE, r);
        }
        if (p->seccomp) {
                r = helper_read_seccomp(p);
                if (r < 0)
                        helper_fail(p, JOIN_STEP_SECCOMP_READ, r);
        }
        if (setns(p->leader_pidfd, p->ns_flags) < 0)
                helper_fail(p, JOIN_STEP_SETNS, -errno);
        safe_close(p->leader_pidfd);
        /* Root of the guest's user namespace, not the host's root seen from it (an unmapped uid
         * there): the pty is then the guest root's, as one a guest process opens. */
        if (p->ns_flags & CLONE_NEWUSER) {
                (void) setgroups(0, NULL); /* EPERM where the guest denies setgroups: its groups stay */
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        helper_fail(p, JOIN_STEP_SETNS, -errno);
        }

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                helper_fail(p, JOIN_STEP_PTY, -errno);
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &number) < 0)
                helper_fail(p, JOIN_STEP_PTY, -errno);
        /* The peer through the master, not through a path the guest controls. */
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                helper_fail(p, JOIN_STEP_PTY, -errno);

        if (p->pty_flags != 0) {
                struct termios t;
                if (tcgetattr(slave, &t) < 0)
                        helper_fail(p, JOIN_STEP_PTY, -errno);
                if (p->pty_flags & JOIN_PTY_PLAIN_INPUT) {
                        t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ISIG);
                        t.c_iflag &= ~(ICRNL | IXON);
                }
                if (p->pty_flags & JOIN_PTY_PLAIN_OUTPUT)
                        t.c_oflag &= ~OPOST;
                if (tcsetattr(slave, TCSANOW, &t) < 0)
                        helper_fail(p, JOIN_STEP_PTY, -errno);
        }
        if (p->mode == JOIN_SHELL)
                helper_shell(p, master, slave, number);

        safe_close(slave);
        if (p->mode == JOIN_GETTY) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/private" };

                bus_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (bus_fd < 0)
                        helper_fail(p, JOIN_STEP_CONNECT, -errno);
                r = helper_connect(bus_fd, &sa);
                if (r < 0)
                        helper_fail(p, JOIN_STEP_CONNECT, r);
        }
        r = helper_report(p, number, master, bus_fd);
        _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

/* ---- machined's side ------------------------------------------------------------------------ */

static void join_write_status(MachineJoin *j, const siginfo_t *si) {
        char buf[64];
        int n;

        if (j->status_fd < 0)
                return;
        n = snprintf(buf, sizeof(buf), "EXIT_CODE=%s\nEXIT_STATUS=%d\n",
                     si->si_code == CLD_EXITED ? "exited" : "killed", si->si_status);
        /* The client may be gone: nothing to do about it (and no SIGPIPE for machined). */
        if (send(j->status_fd, buf, (size_t) n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                log_debug_errno(-errno, "Failed to pass the exit status of the shell in %s on, ignoring: %m", j->machine);
        j->status_fd = safe_close(j->status_fd);
}

static void join_ready(MachineJoin *j, int error, JoinStep step, int master, unsigned number, int bus_fd) {
        char path[32];

        if (j->reported)
                return;
        j->reported = true;
        j->io = sd_event_source_disable_unref(j->io);
        snprintf(path, sizeof(path), "/dev/pts/%u", number);
        j->ready(error, step, master, error < 0 ? NULL : path, number, bus_fd, j->userdata);
}

/* The master must be a pty master of a devpts instance (ptmx, 5:2), not whatever a guest's /dev holds. */
static int check_master(int fd) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        return S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2 ? 0 : -ENOTTY;
}

/* 1 when a report was read, 0 when none is there yet. */
static int join_read_report(MachineJoin *j) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 2)];
        } control = {};
        JoinReport rep = {};
        struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        int fds[2] = { -EBADF, -EBADF };
        size_t n_fds = 0;
        ssize_t k;
        int r;

        k = recvmsg(j->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        n_fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        if (n_fds > 2)
                                n_fds = 2; /* MSG_CTRUNC: the helper is ours, it never sends more */
                        memcpy(fds, CMSG_DATA(c), n_fds * sizeof(int));
                }
        if (k == 0)
                return -EPIPE; /* closed without a report: the exit handler says why */
        if ((size_t) k != sizeof(rep))
                r = -EBADMSG;
        else if (rep.error < 0) {
                join_ready(j, rep.error, rep.step < _JOIN_STEP_MAX && rep.step >= 0 ? rep.step : JOIN_STEP_HELPER,
                           -EBADF, 0, -EBADF);
                r = 1;
        } else if (n_fds != (j->mode == JOIN_GETTY ? 2U : 1U))
                r = -EBADMSG;
        else if ((r = check_master(fds[0])) >= 0) {
                join_ready(j, 0, JOIN_STEP_HELPER, fds[0], rep.pty_number, n_fds > 1 ? fds[1] : -EBADF);
                return 1;
        }
        for (size_t i = 0; i < n_fds; i++)
                safe_close(fds[i]);
        if (r < 0) {
                join_ready(j, r, JOIN_STEP_HELPER, -EBADF, 0, -EBADF);
                r = 1;
        }
        return r;
}

static int on_join_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        MachineJoin *j = userdata;
        int r = join_read_report(j);

        /* EOF without a report: the exit handler (which comes next) reports the helper's death. */
        if (r < 0)
                j->io = sd_event_source_disable_unref(j->io);
        return 0;
}

static int on_join_exit(sd_event_source *s, const siginfo_t *si, void *userdata) {
        _cleanup_(machine_join_freep) MachineJoin *j = userdata;

        if (!j->reported)
                (void) join_read_report(j);
        if (!j->reported)
                join_ready(j, si->si_code == CLD_EXITED ? -EPROTO : -EINTR, JOIN_STEP_HELPER, -EBADF, 0, -EBADF);
        log_debug("Joining helper %d of machine %s ended: %s %d.", (int) si->si_pid, j->machine,
                  si->si_code == CLD_EXITED ? "exit status" : "signal", si->si_status);
        join_write_status(j, si);
        return 0;
}

/* ---- planning, in machined ---------------------------------------------------------------- */

static int read_status_field(const char *status, const char *key, const char **ret) {
        const char *p = strstr(status, key);

        if (!p || (p != status && p[-1] != '\n'))
                return -ENOENT;
        *ret = p + strlen(key);
        return 0;
}

/* CapBnd, NoNewPrivs and Seccomp of the leader, from /proc/PID/status (checked against the pidfd after). */
static int plan_leader_status(JoinPlan *p) {
        _cleanup_free_ char *text = NULL, *last = NULL;
        char path[64];
        const char *v;
        int r;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) p->leader);
        r = read_small_file_at(AT_FDCWD, path, 64 * 1024, &text);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        if (pidfd_send_signal_(p->leader_pidfd, 0) < 0)
                return -ESRCH;
        if (read_status_field(text, "CapBnd:\t", &v) < 0 || sscanf(v, "%" SCNx64, &p->bounding) != 1)
                return -EBADMSG;
        p->no_new_privs = read_status_field(text, "NoNewPrivs:\t", &v) >= 0 && v[0] == '1';
        p->seccomp = read_status_field(text, "Seccomp:\t", &v) >= 0 && v[0] == '2';
        if (read_status_field(text, "Seccomp:\t", &v) >= 0 && v[0] == '1')
                return -EOPNOTSUPP; /* strict mode: nothing could run beside it anyway */
        r = read_small_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &last);
        p->cap_last = r >= 0 ? atoi(last) : 63;
        if (p->cap_last < 0 || p->cap_last > 63)
                p->cap_last = 63;
        return 0;
}

/* All of the leader's namespaces: setns() to one that is already ours is a no-op, except for the user
 * namespace, which it refuses (EINVAL): that one is joined only where it differs. The time namespace
 * only where the kernel has it. */
static int plan_namespaces(JoinPlan *p) {
        static int have_timens = -1;
        struct stat sa, sb;
        char a[64];

        if (have_timens < 0)
                have_timens = access("/proc/self/ns/time", F_OK) >= 0;
        p->ns_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
                      (have_timens ? CLONE_NEWTIME : 0);
        snprintf(a, sizeof(a), "/proc/%d/ns/user", (int) p->leader);
        if (stat(a, &sa) < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        if (stat("/proc/self/ns/user", &sb) < 0)
                return -errno;
        if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
                p->ns_flags |= CLONE_NEWUSER;
        return pidfd_send_signal_(p->leader_pidfd, 0) < 0 ? -ESRCH : 0;
}

/* The leader's cgroups: the cgroup2 one as a directory fd (for CLONE_INTO_CGROUP), each v1 one as its
 * cgroup.procs, open for writing. The leader's and not the machine's scope: in a guest that runs
 * systemd the scope has sub-cgroups with controllers, and holds no process itself. */
static int plan_cgroups(JoinPlan *p, int *ret_cgroup2_fd) {
        _cleanup_free_ char *text = NULL;
        CgroupV1Hierarchy *h = NULL;
        size_t n_h = 0;
        char path[64], *saveptr = NULL;
        int r, cg2 = -EBADF;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) p->leader);
        r = read_small_file_at(AT_FDCWD, path, 64 * 1024, &text);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        if (pidfd_send_signal_(p->leader_pidfd, 0) < 0)
                return -ESRCH;
        r = cgroup_v1_hierarchies(&h, &n_h);
        if (r < 0)
                return r;
        for (char *line = strtok_r(text, "\n", &saveptr); line && r >= 0; line = strtok_r(NULL, "\n", &saveptr)) {
                char *ctrl = strchr(line, ':'), *cg;
                _cleanup_free_ char *dir = NULL;

                if (!ctrl || !(cg = strchr(ctrl + 1, ':')))
                        continue;
                *ctrl++ = 0;
                *cg++ = 0;
                if (cg[0] != '/' || strstr(cg, "/..") || strstr(cg, " (deleted)"))
                        continue;
                if (streq(line, "0") && !ctrl[0]) {
                        const char *root;
                        if (cgroup_unified_root(&root) < 0)
                                continue;
                        if (asprintf(&dir, "%s%s", root, cg) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        safe_close(cg2);
                        cg2 = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (cg2 < 0)
                                r = -errno;
                        continue;
                }
                for (size_t i = 0; i < n_h; i++) {
                        if (!h[i].whole || !streq(h[i].controllers, ctrl))
                                continue;
                        if (p->n_v1 >= CGROUP_V1_MAX) {
                                r = -E2BIG;
                                break;
                        }
                        if (asprintf(&dir, "%s%s/cgroup.procs", h[i].mount_point, streq(cg, "/") ? "" : cg) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        int fd = open(dir, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0)
                                r = -errno;
                        else
                                p->v1_fds[p->n_v1++] = fd;
                        break;
                }
        }
        cgroup_v1_hierarchies_free(h, n_h);
        if (r < 0) {
                safe_close(cg2);
                return r;
        }
        *ret_cgroup2_fd = cg2;
        return 0;
}

static int plan_exec(JoinPlan *p, const JoinRequest *req) {
        _cleanup_free_ char *login_arg0 = NULL;
        const char *base;
        int r;

        if (isempty(req->path)) {
                /* The user's shell, as a login shell ("-sh"), as login(1) starts it. */
                p->exec_path = p->user->shell;
                base = strrchr(p->user->shell, '/');
                if (asprintf(&login_arg0, "-%s", base ? base + 1 : p->user->shell) < 0)
                        return -ENOMEM;
                r = strv_consume(&p->argv, TAKE_PTR(login_arg0));
        } else {
                p->exec_path = req->path;
                r = strv_length(req->args) > 0 ? ((p->argv = strv_copy(req->args)) ? 0 : -ENOMEM)
                                                : strv_extend(&p->argv, req->path);
        }
        if (r < 0)
                return r;

        char *e[5] = {};
        if (asprintf(&e[0], "HOME=%s", p->user->home) < 0 || asprintf(&e[1], "USER=%s", p->user->name) < 0 ||
            asprintf(&e[2], "LOGNAME=%s", p->user->name) < 0 || asprintf(&e[3], "SHELL=%s", p->user->shell) < 0) {
                for (size_t i = 0; i < 4; i++)
                        free(e[i]);
                return -ENOMEM;
        }
        r = strv_extend(&p->envp, "PATH=" JOIN_PATH_DEFAULT);
        for (size_t i = 0; i < 4; i++)
                if (r >= 0)
                        r = strv_consume(&p->envp, e[i]);
                else
                        free(e[i]);
        if (r >= 0 && !strv_env_get(req->env, "TERM"))
                r = strv_extend(&p->envp, "TERM=vt220");
        STRV_FOREACH(i, req->env)
                if (r >= 0)
                        r = strv_env_set(&p->envp, *i);
        return r;
}

static void plan_done(JoinPlan *p) {
        for (size_t i = 0; i < p->n_v1; i++)
                safe_close(p->v1_fds[i]);
        free(p->filters);
        guest_user_free(p->user);
        strv_free(p->argv);
        strv_free(p->envp);
}

static int block_sigchld(void) {
        static bool done;
        int r;

        /* sd-event watches children only with SIGCHLD blocked (also through pidfds, in libsystemd 252). */
        if (done)
                return 0;
        r = sigprocmask_many(SIG_BLOCK, NULL, SIGCHLD, -1);
        if (r >= 0)
                done = true;
        return r;
}

static int plan_build(Machine *m, const JoinRequest *req, JoinPlan *p, int *ret_cgroup2_fd) {
        int r;

        *p = (JoinPlan) { .mode = req->mode, .leader = m->leader, .leader_pidfd = m->leader_pidfd, .sock = -EBADF,
                          .pty_flags = req->pty_flags };
        r = plan_leader_status(p);
        if (r >= 0)
                r = plan_namespaces(p);
        if (r < 0)
                return r;
        if (p->seccomp && req->mode == JOIN_SHELL) {
                p->filters = calloc(1, sizeof(SeccompFilters));
                if (!p->filters)
                        return -ENOMEM;
        } else
                p->seccomp = false;
        if (req->mode == JOIN_SHELL) {
                _cleanup_close_ int root = -EBADF;
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d/root", (int) m->leader);
                root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (root < 0)
                        return errno == ENOENT ? -ESRCH : -errno;
                if (pidfd_send_signal_(m->leader_pidfd, 0) < 0)
                        return -ESRCH;
                r = guest_user_lookup(root, isempty(req->user) ? "root" : req->user, &p->user);
                if (r < 0)
                        return r;
                r = plan_exec(p, req);
                if (r < 0)
                        return r;
        }
        return plan_cgroups(p, ret_cgroup2_fd);
}

static int join_clone(const JoinPlan *p, int cgroup2_fd, int *ret_pidfd) {
        int pidfd = -EBADF;
        struct clone_args args = {
                .flags = CLONE_PIDFD | (cgroup2_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cgroup2_fd >= 0 ? (uint64_t) cgroup2_fd : 0,
        };
        long pid = syscall(SYS_clone3, &args, sizeof(args));

        if (pid < 0)
                return -errno;
        if (pid == 0)
                helper_run(p);
        *ret_pidfd = pidfd;
        return (int) pid;
}

int machine_join_start(Machine *m, const JoinRequest *req, JoinReady ready, void *userdata, JoinStep *ret_step) {
        _cleanup_(machine_join_freep) MachineJoin *j = NULL;
        _cleanup_close_pair_ int pair[2] = { -EBADF, -EBADF };
        _cleanup_close_ int cgroup2_fd = -EBADF, pidfd = -EBADF, status_fd = req->status_fd;
        JoinPlan plan = {};
        int r, pid;

        *ret_step = JOIN_STEP_PREPARE;
        if (m->class != MACHINE_CONTAINER)
                return -EOPNOTSUPP;
        if (m->state == MACHINE_OPENING)
                return -EBUSY;
        if (m->state == MACHINE_CLOSING)
                return -ESHUTDOWN;
        if (m->freezer_state != FREEZER_RUNNING)
                return -EDEADLK;
        if (m->leader_pidfd < 0)
                return -ESRCH;
        r = block_sigchld();
        if (r < 0)
                return r;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (MachineJoin) { .mode = req->mode, .sock = -EBADF, .status_fd = TAKE_FD(status_fd),
                             .ready = ready, .userdata = userdata, .machine = strdup(m->name) };
        if (!j->machine)
                return -ENOMEM;
        r = plan_build(m, req, &plan, &cgroup2_fd);
        if (r < 0) {
                plan_done(&plan);
                return r;
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                plan_done(&plan);
                return -errno;
        }
        plan.sock = pair[1];
        pid = join_clone(&plan, cgroup2_fd, &pidfd);
        plan_done(&plan);
        if (pid < 0) {
                *ret_step = JOIN_STEP_CGROUP;
                return pid;
        }
        j->pid = pid;
        j->sock = TAKE_FD(pair[0]);
        /* From here on the helper runs: it is reaped by on_join_exit() whatever else fails. */
        r = sd_event_add_child_pidfd(m->manager->event, &j->child, pidfd, WEXITED, on_join_exit, j);
        if (r < 0) {
                (void) pidfd_send_signal_(pidfd, SIGKILL);
                (void) waitid(P_PIDFD, (id_t) pidfd, NULL, WEXITED);
                return r;
        }
        (void) sd_event_source_set_child_pidfd_own(j->child, true);
        TAKE_FD(pidfd);
        r = sd_event_add_io(m->manager->event, &j->io, j->sock, EPOLLIN, on_join_io, j);
        if (r >= 0)
                /* The report before the exit: the exit handler must find it read. */
                r = sd_event_source_set_priority(j->io, SD_EVENT_PRIORITY_NORMAL - 1);
        if (r < 0) {
                /* on_join_exit() reads the report itself; the join lives on until then. */
                j->io = sd_event_source_disable_unref(j->io);
                log_debug_errno(r, "Failed to watch the joining helper's socket, reading it at exit: %m");
        }
        TAKE_PTR(j);
        return 0;
}
