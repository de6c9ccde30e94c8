/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's side of the launch: everything here runs in the child after clone(), a copy of the
 * launcher with all its library state. The rule: the child after clone stays
 * async-signal-safe. It only applies what the parent computed before clone() (ChildContext): system
 * calls, plain string formatting into its own buffers, and the few parsers of this project that work on
 * fds (the user database). No library is set up here: libblkid, libmount, libsystemd/sd-bus, locale
 * or NSS initialisation run in the parent, before the clone or after it. Memory allocation is kept to
 * what the payload's argv and environment need. The tree is never looked up by path here either: it
 * arrives as the working directory (see clone_with_root() in nspawn-launch.c). */
#include <fcntl.h>
#include <sched.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "fd-util.h"
#include "mount-util.h"
#include "nspawn-caps.h"
#include "nspawn-child.h"
#include "nspawn-etc.h"
#include "nspawn-seccomp.h"
#include "nspawn-stub-init.h"
#include "nspawn-sync.h"
#include "nspawn-user.h"
#include "process-util.h"
#include "string-util.h"
#include "strv.h"

typedef struct ChildError {
        ChildStep step;
        char detail[256];
} ChildError;

static int child_fail(ChildError *err, ChildStep step, const char *detail, int r) {
        err->step = step;
        snprintf(err->detail, sizeof(err->detail), "%.255s", detail ?: "");
        return r;
}
#define FAIL(err, s, d, r) child_fail((err), (s), (d), (r))

static int loopback_up(void) {
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = { .ifr_name = "lo" };

        if (fd < 0)
                return -errno;
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        return RET_NERRNO(ioctl(fd, SIOCSIFFLAGS, &ifr));
}

/* A pty from the container's own devpts instance: the slave becomes /dev/console, the master goes to
 * the parent, which forwards it to the user's terminal. */
static int setup_console(const ChildContext *c, int root_fd, ChildError *err) {
        _cleanup_close_ int master = -EBADF, slave = -EBADF, console = -EBADF;
        int r, unlock = 0;

        r = open_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, &master);
        if (r < 0)
                return FAIL(err, STEP_CONSOLE, "", r);
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return FAIL(err, STEP_CONSOLE, "", -errno);
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return FAIL(err, STEP_CONSOLE, "", -errno);
        r = open_in_root_mkdir(root_fd, "/dev/console", true, &console);
        if (r < 0)
                return FAIL(err, STEP_CONSOLE, "", r);
        r = bind_mount_at(slave, console, false, false);
        if (r < 0)
                return FAIL(err, STEP_CONSOLE, "", r);
        r = sync_send_fd(c->sync_fd, master);
        if (r < 0)
                return FAIL(err, STEP_CONSOLE, "", r);
        /* Keep the slave open until the payload has the console open (the fd is O_CLOEXEC): a master
         * whose slave is closed reads EIO, which the parent takes for the end of the console. */
        (void) TAKE_FD(slave);
        return 0;
}

static int enter_root(const ChildContext *c, ChildError *err) {
        _cleanup_close_ int root_fd = -EBADF;
        const char *what = NULL;
        size_t failed = 0;
        int r;

        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return FAIL(err, STEP_MOUNT, "/", -errno);
        /* The tree is our working directory (see clone_with_root()): a recursive clone of it, bound
         * onto itself, is the mount that becomes the container's root. The fd of the clone is that
         * mount's root, once attached. In a user namespace the parent may have made that clone
         * already, id-mapped (only the host's root can). */
        if (c->n_mount_fds > SYNC_SLOT_ROOT && c->mount_fds[SYNC_SLOT_ROOT] >= 0)
                root_fd = TAKE_FD(c->mount_fds[SYNC_SLOT_ROOT]);
        else
                root_fd = syscall(SYS_open_tree, AT_FDCWD, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (root_fd < 0)
                return FAIL(err, STEP_MOUNT, c->root, -errno);
        if (syscall(SYS_move_mount, root_fd, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return FAIL(err, STEP_MOUNT, c->root, -errno);

        MountContext mctx = { .host_os_release = c->host_os_release, .notify_fd = c->notify_fd,
                              .trees = c->n_mount_fds > 0 ? c->mount_fds + SYNC_SLOT_ENTRY(0) : NULL };
        r = mount_plan_apply(c->mount_plan, root_fd, &mctx, &failed);
        if (r < 0) {
                const MountEntry *e = &c->mount_plan->entries[failed];
                /* Populating /run and /dev writes files and nodes there: "set up", not "mount". */
                ChildStep step = e->kind == MOUNT_MASK ? STEP_MASK :
                                 e->kind == MOUNT_POPULATE_RUN || e->kind == MOUNT_POPULATE_DEV ? STEP_ETC : STEP_MOUNT;
                return FAIL(err, step, e->where, r);
        }
        if (c->settings->private_network) {
                r = loopback_up();
                if (r < 0)
                        return FAIL(err, STEP_NETWORK, "", r);
        }
        /* In a user namespace a tree that is not its root's (--private-users-ownership=off on a tree
         * of the host's) cannot take new files: /etc is treated as read-only then. */
        struct stat root_st;
        bool etc_read_only = c->read_only ||
                (c->settings->private_users != PRIVATE_USERS_NO && fstat(root_fd, &root_st) >= 0 && root_st.st_uid != 0);
        r = etc_setup(root_fd, c->settings, c->etc_host, etc_read_only, &what);
        if (r < 0)
                return FAIL(err, STEP_ETC, what, r);
        if (console_mode_has_pty(c->console_mode)) {
                r = setup_console(c, root_fd, err);
                if (r < 0)
                        return r;
        }
        if (c->read_only) {
                r = mount_set_read_only(root_fd, false);
                if (r < 0)
                        return FAIL(err, STEP_MOUNT, "/", r);
        }

        /* pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the
         * container's tree alone, with no host path reachable. */
        if (fchdir(root_fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
            umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                return FAIL(err, STEP_PIVOT_ROOT, "", -errno);
        return 0;
}

/* A session of its own for the payload, in every mode. In pipe mode its stdio may be the operator's
 * terminal: it keeps it (refusing a terminal would break "nspawn -P ... read x" at a prompt), but that
 * terminal stays the controlling terminal of the operator's session only; the filter refuses the
 * forced TIOCSCTTY that would take it over and the calls that hang it up (nspawn-seccomp.c). */
static int setup_stdio(const ChildContext *c, ChildError *err) {
        if (setsid() < 0)
                return FAIL(err, STEP_CONSOLE, "", -errno);
        if (!console_mode_has_pty(c->console_mode))
                return 0;

        int fd = open("/dev/console", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return FAIL(err, STEP_CONSOLE, "", -errno);
        if (ioctl(fd, TIOCSCTTY, 0) < 0)
                return FAIL(err, STEP_CONSOLE, "", -errno);
        for (int i = 0; i < 3; i++)
                if (dup2(fd, i) < 0)
                        return FAIL(err, STEP_CONSOLE, "", -errno);
        safe_close(fd);
        return 0;
}

/* The working directory must lie inside the container: "--chdir=/proc/self/fd/N" may not lead to a
 * host directory through an inherited fd (CVE-2024-21626). */
static int enter_directory(const char *path, ChildError *err) {
        char cwd[PATH_MAX];

        if (chdir(path) < 0)
                return FAIL(err, STEP_CHDIR, path, -errno);
        if (!getcwd(cwd, sizeof(cwd)))
                return FAIL(err, STEP_GETCWD, path, -errno);
        if (cwd[0] != '/')
                return FAIL(err, STEP_CHDIR_OUTSIDE, path, -EXDEV);
        return 0;
}

static int switch_user(const ChildContext *c, UserRecord *u, ChildError *err) {
        /* A user other than root keeps its permitted set only to pass --ambient-capability= on:
         * capability_set_process() then narrows it to those. */
        if (u->uid != 0 && c->settings->capability_ambient != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return FAIL(err, STEP_CAPABILITIES, "", -errno);
        /* Never keep the launcher's supplementary groups, also not for root. */
        if (setgroups(u->n_groups, u->groups) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
            setresuid(u->uid, u->uid, u->uid) < 0)
                return FAIL(err, STEP_USER, c->settings->user ?: "root", -errno);
        if (u->uid == 0)
                return 0;
        /* A change of credentials clears the parent-death signal: set it again. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return FAIL(err, STEP_USER, c->settings->user, -errno);
        return 0;
}

static int build_environment(const ChildContext *c, const UserRecord *u, char ***ret) {
        _cleanup_strv_free_ char **env = strv_copy(c->environment);
        char buf[PATH_MAX + 16];

        if (!env)
                return -ENOMEM;
        const struct { const char *name, *value; } vars[] = {
                { "HOME", u->home }, { "SHELL", u->shell }, { "USER", u->name }, { "LOGNAME", u->name },
        };
        for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                snprintf(buf, sizeof(buf), "%s=%s", vars[i].name, vars[i].value);
                if (strv_env_set(&env, buf) < 0)
                        return -ENOMEM;
        }
        if (c->notify_fd >= 0 && strv_env_set(&env, "NOTIFY_SOCKET=/run/host/notify") < 0)
                return -ENOMEM;
        STRV_FOREACH(e, c->settings->environment)
                if (strv_env_set(&env, *e) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

/* Resolves the command inside the container, along its PATH. */
static int find_executable(const char *name, char *const *env, char ret[static PATH_MAX]) {
        if (strchr(name, '/')) {
                snprintf(ret, PATH_MAX, "%s", name);
                return access(ret, X_OK) < 0 ? -errno : 0;
        }
        const char *path = strv_env_get(env, "PATH") ?: "/usr/local/bin:/usr/bin:/bin";
        int last = -ENOENT;
        for (const char *p = path; *p;) {
                const char *e = strchrnul(p, ':');
                if ((size_t) snprintf(ret, PATH_MAX, "%.*s/%s", (int) (e - p), p, name) < PATH_MAX) {
                        struct stat st;
                        if (stat(ret, &st) >= 0 && S_ISREG(st.st_mode)) {
                                if (access(ret, X_OK) >= 0)
                                        return 0;
                                last = -errno;
                        }
                }
                p = *e ? e + 1 : e;
        }
        return last;
}

static int child_setup(const ChildContext *c, ChildError *err, UserRecord *u, char ***ret_env) {
        const Settings *s = c->settings;
        int r;

        if (sethostname(s->hostname, strlen(s->hostname)) < 0)
                return FAIL(err, STEP_HOSTNAME, s->hostname, -errno);

        umask(0000);
        r = enter_root(c, err);
        if (r < 0)
                return r;
        umask(0022);

        const char *db = NULL;
        r = user_record_lookup(s->user ?: "root", u, &db);
        if (r == -ESRCH && !s->user)
                /* A tree without a passwd entry for root still runs commands as root. */
                r = user_record_from_passwd("", "0", u);
        if (r == -ESRCH)
                return FAIL(err, STEP_USER_UNKNOWN, s->user, r);
        if (r == -EBADMSG || r == -EFBIG)
                return FAIL(err, STEP_USER_DB, "", r);
        if (r == -EBADFD)
                return FAIL(err, STEP_USER_DB_NOT_REGULAR, db, r);
        if (r < 0)
                return FAIL(err, STEP_USER, s->user ?: "root", r);
        r = build_environment(c, u, ret_env);
        if (r < 0)
                return FAIL(err, STEP_NONE, "", r);
        return 0;
}

/* The bounding set and the system call filter hold for every process of the container, the stub init
 * of --as-pid2 included: they are applied before it forks. */
static int lock_down(const ChildContext *c, ChildError *err) {
        int r;

        r = capability_bounding_set_limit(c->capabilities);
        if (r < 0)
                return FAIL(err, STEP_CAPABILITIES, "", r);
        /* Without a pty the payload gets the host's standard input and output: maybe the operator's
         * terminal, which it must not take (TIOCSCTTY with force) nor hang up. */
        r = seccomp_install_container_filter(!console_mode_has_pty(c->console_mode), &c->settings->syscall_filter);
        if (r < 0)
                return FAIL(err, STEP_SECCOMP, "", r);
        return 0;
}

static int payload_prepare(const ChildContext *c, UserRecord *u, ChildError *err) {
        const Settings *s = c->settings;
        int r;

        r = setup_stdio(c, err);
        if (r < 0)
                return r;
        r = enter_directory(s->chdir ?: (s->user ? u->home : "/"), err);
        if (r < 0 && !s->chdir && s->user)
                r = enter_directory("/", err);
        if (r < 0)
                return r;

        if (s->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return FAIL(err, STEP_CAPABILITIES, "", -errno);
        r = switch_user(c, u, err);
        if (r < 0)
                return r;
        /* Root keeps the container's set; another user only what it is given as ambient. */
        uint64_t ambient = s->capability_ambient;
        r = capability_set_process(u->uid == 0 ? c->capabilities : ambient, ambient);
        if (r < 0)
                return FAIL(err, STEP_CAPABILITIES, "", r);
        return 0;
}

/* After a failed access() of a --boot candidate: 0 if it is simply absent, so that the next one is
 * tried. A symbolic link that resolves to nothing inside the container (an absolute target that exists
 * only on the host, a ".." escape to a missing path) is a broken tree, not a missing init: booting
 * /bin/sh instead would hide that. A loop is an error as well. */
static int boot_candidate_missing(const char *path, ChildError *err) {
        struct stat st;
        int e = errno;

        if (e == ELOOP)
                return FAIL(err, STEP_EXEC, path, -ELOOP);
        if (e == ENOENT && lstat(path, &st) >= 0 && S_ISLNK(st.st_mode))
                return FAIL(err, STEP_INIT_LINK, path, -ENOENT);
        return 0;
}

static int payload_exec(const ChildContext *c, const UserRecord *u, char **env, ChildError *err) {
        char *const *argv = c->settings->parameters;
        char path[PATH_MAX], argv0[PATH_MAX + 1];
        char *shell_argv[2] = { argv0, NULL };
        int r;

        if (c->settings->boot) {
                /* The tree's init, resolved inside the container (after pivot_root): a symlink to a
                 * host path finds nothing, it never runs a host binary. */
                static const char *const inits[] = {
                        "/usr/lib/systemd/systemd", "/lib/systemd/systemd", "/sbin/init",
                        "/etc/init", "/bin/init", "/bin/sh",
                };
                _cleanup_free_ char **v = NULL;
                size_t n = strv_length(argv);
                for (size_t i = 0; i < ELEMENTSOF(inits); i++) {
                        if (access(inits[i], X_OK) < 0) {
                                r = boot_candidate_missing(inits[i], err);
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        v = calloc(n + 2, sizeof(char *));
                        if (!v)
                                return FAIL(err, STEP_EXEC, inits[i], -ENOMEM);
                        v[0] = (char *) inits[i];
                        for (size_t j = 0; j < n; j++)
                                v[j + 1] = argv[j];
                        execve(inits[i], v, env);
                        return FAIL(err, STEP_EXEC, inits[i], -errno);
                }
                return FAIL(err, STEP_EXEC_NOT_FOUND, "init", -ENOENT);
        }
        if (!argv) {
                /* No command: the user's login shell, as a login shell. */
                const char *b = strrchr(u->shell, '/');
                snprintf(argv0, sizeof(argv0), "-%s", b ? b + 1 : u->shell);
                r = find_executable(u->shell, env, path);
                if (r < 0)
                        r = find_executable("/bin/sh", env, path);
                argv = shell_argv;
        } else
                r = find_executable(argv[0], env, path);
        if (r == -ENOENT)
                return FAIL(err, STEP_EXEC_NOT_FOUND, argv == shell_argv ? u->shell : argv[0], r);
        if (r < 0)
                return FAIL(err, STEP_EXEC, argv[0], r);

        execve(path, argv, env);
        return FAIL(err, errno == ENOENT ? STEP_EXEC_NOT_FOUND : STEP_EXEC, path, -errno);
}

/* The child's part of each handshake step (nspawn-sync.h), run once the parent's part is done. */
typedef int (*ChildStepFunc)(const ChildContext *c, ChildError *err);

static int child_cgroup_placed(const ChildContext *c, ChildError *err) {
        (void) c;
        /* Rooted at the container's own cgroup: the guest sees nothing above it. */
        if (unshare(CLONE_NEWCGROUP) < 0)
                return FAIL(err, STEP_NAMESPACE, "", -errno);
        return 0;
}

/* The maps exist: become the namespace's root (the host's root is not mapped in it), with no
 * supplementary groups of the launcher. The credential change clears the parent-death signal. */
static int child_id_maps_written(const ChildContext *c, ChildError *err) {
        (void) c;
        if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return FAIL(err, STEP_USER, "root", -errno);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return FAIL(err, STEP_PARENT_DEATH_SIGNAL, "", -errno);
        return 0;
}

static const ChildStepFunc child_steps[_SYNC_STEP_MAX] = {
        [SYNC_STEP_CGROUP_PLACED] = child_cgroup_placed,
        [SYNC_STEP_ID_MAPS_WRITTEN] = child_id_maps_written,
};

static int child_handshake(const ChildContext *c, ChildError *err) {
        int r;

        SYNC_PLAN_FOREACH(step, c->sync_plan) {
                r = sync_child_step(c->sync_fd, step, c->mount_fds, c->n_mount_fds, err->detail, sizeof(err->detail));
                if (r < 0) {
                        /* -EPIPE: the parent closed the channel, nobody is left to tell. */
                        err->step = STEP_HANDSHAKE;
                        return r;
                }
                if (child_steps[step]) {
                        r = child_steps[step](c, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

_Noreturn void child_run(const ChildContext *context) {
        _cleanup_strv_free_ char **env = NULL;
        ChildContext cc = *context, *c = &cc;
        UserRecord u = {};
        ChildError err = {};
        sigset_t all;
        int r;

        /* Only stdio and the sync socket (moved to fd 3) stay open: nothing of the host's leaks into
         * the container, not even during set-up. Signals blocked for the parent's signalfd are
         * unblocked again, and every disposition is reset: nspawn ignores SIGPIPE, and an ignored
         * signal stays ignored across execve() (`yes | head -1` would print "Broken pipe"). */
        int sync_hi = fcntl(c->sync_fd, F_DUPFD_CLOEXEC, 100);
        int notify_hi = c->notify_fd >= 0 ? fcntl(c->notify_fd, F_DUPFD_CLOEXEC, 100) : -EBADF;
        if (sync_hi < 0 || (c->notify_fd >= 0 && notify_hi < 0) || dup3(sync_hi, 3, O_CLOEXEC) < 0 ||
            (notify_hi >= 0 && dup3(notify_hi, 4, O_CLOEXEC) < 0)) {
                (void) sync_send_error(sync_hi >= 0 ? sync_hi : c->sync_fd, STEP_FDS, -errno, "");
                _exit(EXIT_FAILURE);
        }
        c->sync_fd = 3;
        c->notify_fd = notify_hi >= 0 ? 4 : -EBADF;
        (void) close_all_fds_from(c->notify_fd >= 0 ? 5 : 4);
        (void) reset_all_signal_handlers();
        (void) reset_signal_mask();

        /* The container never outlives the launcher: if the parent dies, so does PID 1, and with it
         * the PID namespace. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
                (void) sync_send_error(c->sync_fd, STEP_PARENT_DEATH_SIGNAL, -errno, "");
                _exit(EXIT_FAILURE);
        }

        r = child_handshake(c, &err);
        if (r >= 0)
                r = child_setup(c, &err, &u, &env);
        if (r >= 0)
                r = lock_down(c, &err);
        if (r >= 0 && c->settings->as_pid2) {
                /* The stub waits for SIGCHLD with sigwaitinfo(): blocked before the fork, so that a
                 * payload that exits at once is not missed (an unblocked SIGCHLD with the default
                 * disposition is discarded). The payload unblocks them again. */
                sigfillset(&all);
                (void) sigprocmask(SIG_SETMASK, &all, NULL);
                pid_t pid = fork();
                if (pid < 0)
                        r = FAIL(&err, STEP_FORK, "", -errno);
                else if (pid == 0)
                        (void) reset_signal_mask();
                else {
                        /* The stub keeps nothing of the host's: not the caller's terminal on 0-2,
                         * nor the caller's session, whose controlling terminal that may be. */
                        (void) setsid();
                        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                        for (int i = 0; null >= 0 && i < 3; i++)
                                (void) dup2(null, i);
                        safe_close(null);
                        (void) close_all_fds_from(3);
                        (void) capability_set_process(c->capabilities, 0);
                        stub_init_run(pid);
                }
        }
        if (r >= 0)
                r = payload_prepare(c, &u, &err);
        if (r >= 0)
                r = payload_exec(c, &u, env, &err);

        (void) sync_send_error(c->sync_fd, err.step, r, err.detail);
        _exit(err.step == STEP_EXEC_NOT_FOUND ? 127 : err.step == STEP_EXEC ? 126 : EXIT_FAILURE);
}
