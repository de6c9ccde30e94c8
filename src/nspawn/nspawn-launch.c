/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "mount-util.h"
#include "nspawn-cgroup.h"
#include "nspawn-child.h"
#include "nspawn-etc.h"
#include "nspawn-journal.h"
#include "nspawn-launch.h"
#include "nspawn-mount.h"
#include "nspawn-network.h"
#include "nspawn-overlay.h"
#include "nspawn-port-forward.h"
#include "nspawn-register.h"
#include "nspawn-root.h"
#include "nspawn-supervise.h"
#include "nspawn-sync.h"
#include "nspawn-timens.h"
#include "nspawn-userns.h"
#include "nspawn-volatile.h"
#include "process-util.h"
#include "string-util.h"
#include "strv.h"

/* The machine's id as systemd-nspawn picks it: a valid /etc/machine-id of the tree (read inside it)
 * wins; where the tree has none (missing, empty, "uninitialized"), --uuid= (--machine-id=), else a
 * random one. The guest's init learns it from $container_uuid. */
static int pick_uuid(const Settings *s, int root_fd, Id128 *ret) {
        _cleanup_close_ int fd = -EBADF, path_fd = -EBADF;
        char buf[65] = {};
        struct stat st;
        Id128 tree;

        if (open_in_root(root_fd, "/etc/machine-id", O_PATH, &path_fd) >= 0 &&
            fd_reopen_regular(path_fd, &st, &fd) >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 &&
            id128_from_string(strstrip(buf), &tree) >= 0 && !id128_is_null(&tree)) {
                if (s->uuid_set && memcmp(tree.bytes, s->uuid.bytes, sizeof(tree.bytes)) != 0) {
                        char a[33], b[33];
                        log_warning(_("The tree's /etc/machine-id %s is the machine ID, not %s: --uuid= and --machine-id= apply only to a tree without one."),
                                    id128_to_string(&tree, a), id128_to_string(&s->uuid, b));
                }
                *ret = tree;
                return 0;
        }
        if (s->uuid_set) {
                *ret = s->uuid;
                return 0;
        }
        return id128_randomize(ret);
}

static int build_environment(const Settings *s, const Id128 *uuid, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        char buf[128];
        const char *term = getenv("TERM");

        if (isempty(term) || !isatty(STDIN_FILENO) || string_has_cc(term) || strlen(term) > 64)
                term = "vt220";
        if (strv_extend(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            strv_extend(&env, "container=nspawn") < 0)
                return -ENOMEM;
        char u[37];
        snprintf(buf, sizeof(buf), "container_uuid=%s", id128_to_uuid_string(uuid, u));
        if (strv_extend(&env, buf) < 0)
                return -ENOMEM;
        snprintf(buf, sizeof(buf), "TERM=%s", term);
        if (strv_extend(&env, buf) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(env);
        return 0;
}

/* --boot needs something that looks like an OS: /usr and an os-release file, both resolved inside the
 * tree (an absolute os-release symlink must not reach the host's file). */
static int check_os_tree(const RootStage *root) {
        _cleanup_close_ int usr = -EBADF, osr = -EBADF;
        _cleanup_free_ char *e = escape_for_terminal(root->path, ESCAPE_MESSAGE_MAX);
        int root_fd = root->fd;

        if (open_in_root(root_fd, "/usr", O_PATH | O_DIRECTORY, &usr) < 0 ||
            (open_in_root(root_fd, "/etc/os-release", O_PATH, &osr) < 0 &&
             open_in_root(root_fd, "/usr/lib/os-release", O_PATH, &osr) < 0))
                return log_error_errno(-ENOEXEC,
                                       root->image ? _("Image %s does not look like an OS tree (no /usr or no os-release file); refusing to boot it.")
                                                   : _("Directory %s does not look like an OS tree (no /usr or no os-release file); refusing to boot it."),
                                       strna(e));
        return 0;
}

static char *read_host_os_release(void) {
        char *s = NULL;
        if (read_small_file_at(AT_FDCWD, "/etc/os-release", 64 * 1024, &s) < 0 &&
            read_small_file_at(AT_FDCWD, "/usr/lib/os-release", 64 * 1024, &s) < 0)
                return NULL;
        return s;
}

static pid_t clone_container(const Settings *s, int cgroup_fd, int *ret_pidfd) {
        int pidfd = -EBADF;
        struct clone_args args = {
                /* No cgroup fd on systemd hosts: there systemd places the child (it waits for that). */
                .flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD |
                         (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0) | (s->private_network ? CLONE_NEWNET : 0) |
                         (s->private_users != PRIVATE_USERS_NO ? CLONE_NEWUSER : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cgroup_fd >= 0 ? (uint64_t) cgroup_fd : 0,
        };
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                return -errno;
        if (pid > 0)
                *ret_pidfd = pidfd;
        return (pid_t) pid;
}

/* One lock file per range (named by its first id), flock()ed by the container that uses it. */
#define USERNS_LOCK_DIR "/run/nspawn/userns"

typedef struct Launch {
        RootStage root;
        char *os_release;
        char **environment;
        MountPlan plan;
        ContainerCgroup cgroup;
        int pair[2];
        int signal_fd;
        int pidfd;
        int notify_fd;
        int saved_time_ns;      /* nspawn's own time namespace, while the container's is prepared */
        Id128 uuid;
        EtcHostFacts etc_host;  /* for --resolv-conf=, --timezone= */
        uint32_t uid_shift;     /* user namespace: the first host id of the container's range */
        int userns_lock_fd;     /* the range's lock, held while the container runs */
        bool idmap_root;        /* map ownership: the root is id-mapped once the maps exist */
        RootLayers layers;      /* -x, --volatile=: the root is made of layers over the tree */
        int *early_fds;         /* n_mount_fds slots made before clone() (a layered root, overlays):
                                 * the child's slots are empty at clone(), these go to it after */
        OverlaySet overlays;    /* --overlay=, --overlay-ro= */
        int *mount_fds;         /* the detached trees for the child (ChildContext.mount_fds) */
        size_t n_mount_fds;
        NetworkPlan network;    /* the container's links (-n, --network-*=), and what was made */
        PortRuntime ports;      /* -p: the forwards, reserved before clone() */
        int netns_path_fd;      /* --network-namespace-path= */
        Registration *registration;
        bool registration_tried;
        sigset_t old_mask;
} Launch;

static void launch_done(Launch *l) {
        /* The host's interfaces go back, an empty zone bridge goes. No veth to delete: a pair goes
         * with the container's network namespace, which the kernel tears down shortly after the
         * container's last process, asynchronously (deleting the host's end here would only wait
         * for that teardown: tens of milliseconds). */
        port_release(&l->ports);
        network_teardown(&l->network);
        network_plan_done(&l->network);
        safe_close(l->netns_path_fd);
        registration_free(l->registration);
        container_cgroup_destroy(&l->cgroup);
        safe_close(l->pair[0]);
        safe_close(l->pair[1]);
        safe_close(l->signal_fd);
        safe_close(l->pidfd);
        safe_close(l->notify_fd);
        safe_close(l->saved_time_ns);
        (void) sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
        mount_plan_done(&l->plan);
        userns_range_unlock(USERNS_LOCK_DIR, l->uid_shift, l->userns_lock_fd);
        for (size_t i = 0; i < l->n_mount_fds; i++)
                safe_close(l->mount_fds[i]);
        for (size_t i = 0; l->early_fds && i < l->n_mount_fds; i++)
                safe_close(l->early_fds[i]);
        free(l->early_fds);
        /* The overlays went with the container's mount namespace: their work directories can go. */
        overlay_set_done(&l->overlays);
        free(l->mount_fds);
        strv_free(l->environment);
        free(l->os_release);
        /* Last: the mounts and devices of the root stage outlive everything that used them. */
        root_stage_done(&l->root);
}

/* The child gets the tree as its working directory, never as a path: a new mount namespace maps the
 * working directory of the cloning process onto the copy of its mount, so the child attaches exactly the
 * directory that was opened and checked, whatever has been renamed or replaced at the path since. The
 * launcher's own working directory is back before anything else runs. */
static pid_t clone_with_root(const Settings *s, Launch *l) {
        _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        pid_t pid;

        if (cwd < 0)
                return -errno;
        if (fchdir(l->root.fd) < 0)
                return -errno;
        /* --network-namespace-path=: nspawn enters the namespace for the clone, and the child starts
         * in it (a child in a new user namespace could not join one of the host's). */
        _cleanup_close_ int own_netns = -EBADF;
        if (l->netns_path_fd >= 0) {
                own_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                if (own_netns < 0 || setns(l->netns_path_fd, CLONE_NEWNET) < 0)
                        return -errno;
        }
        pid = clone_container(s, l->cgroup.fd, &l->pidfd);
        if (pid == 0)
                return 0;
        if (own_netns >= 0 && setns(own_netns, CLONE_NEWNET) < 0) {
                int r = -errno;
                if (pid > 0) {
                        (void) pidfd_send_signal_(l->pidfd, SIGKILL);
                        (void) wait_for_child(pid, NULL);
                }
                return r;
        }
        /* The child is in the time namespace now (the kernel froze its offsets): nspawn's later
         * children are not. */
        if (l->saved_time_ns >= 0) {
                (void) time_namespace_restore(l->saved_time_ns);
                l->saved_time_ns = safe_close(l->saved_time_ns);
        }
        if (fchdir(cwd) < 0) {
                int r = -errno;
                if (pid > 0) {
                        (void) pidfd_send_signal_(l->pidfd, SIGKILL);
                        (void) wait_for_child(pid, NULL);
                }
                return r;
        }
        return pid;
}

#define USEC_PER_SEC 1000000ULL

static uint64_t monotonic_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

typedef struct ChownReport {
        uint64_t start, last;   /* CLOCK_MONOTONIC, in µs */
        uint32_t shift;
        bool tty, shown;
} ChownReport;

/* A progress line for a shift that takes long (a big tree, or an overlay that copies every file up):
 * after a second, then every second on a terminal (one line, rewritten) or every five otherwise. */
static void chown_progress(uint64_t n_files, void *userdata) {
        ChownReport *c = userdata;
        uint64_t now = monotonic_usec();

        if (now - c->start < USEC_PER_SEC || now - c->last < (c->tty ? 1 : 5) * USEC_PER_SEC)
                return;
        c->last = now;
        c->shown = true;
        if (c->tty)
                fputc('\r', stderr);
        fprintf(stderr, _("Shifting the ownership of the tree to %u: %" PRIu64 " files so far..."), (unsigned) c->shift, n_files);
        if (!c->tty)
                fputc('\n', stderr);
        fflush(stderr);
}

static int launch_chown_tree(const Settings *s, Launch *l) {
        ChownReport c = { .start = monotonic_usec(), .shift = l->uid_shift, .tty = isatty(STDERR_FILENO) };
        UsersChownProgress p = { .fn = s->quiet ? NULL : chown_progress, .userdata = &c };
        int r;

        if (l->root.read_only || s->read_only)
                return log_error_errno(-EROFS, _("--private-users-ownership=chown needs a writable tree."));
        if (root_layers_protect_tree(l->layers))
                return log_error_errno(-EROFS, _("The tree's ownership would have to be shifted on disk, which --ephemeral and --volatile= never do: use a tree owned by the host's root or by the container's range."));
        r = userns_chown_tree(l->root.fd, l->uid_shift, &p);
        if (c.shown && c.tty)
                fputc('\n', stderr);
        if (r < 0)
                return log_error_errno(r, _("Failed to shift the ownership of the tree to %u: %m"), (unsigned) l->uid_shift);
        if (c.shown)
                log_info(_("Shifted the ownership of %" PRIu64 " files in %.1f s."), p.n_files,
                         (double) (monotonic_usec() - c.start) / USEC_PER_SEC);
        return 0;
}

/* How the tree's files get the container's ids. A tree already owned by the range needs nothing; one
 * of the host's (root 0) is id-mapped (map, auto) once the maps exist, or shifted on disk (chown); one
 * left shifted into another range by an earlier chown can only be shifted again. */
static int launch_prepare_ownership(const Settings *s, Launch *l) {
        struct stat st;

        if (s->users_ownership == USERS_OWNERSHIP_OFF || l->uid_shift == 0)
                return 0;
        if (fstat(l->root.fd, &st) < 0)
                return log_error_errno(-errno, _("Failed to read the owner of the tree: %m"));
        uint32_t base = st.st_uid - st.st_uid % USERNS_RANGE;
        if (base == l->uid_shift)
                return 0;
        if (s->users_ownership == USERS_OWNERSHIP_CHOWN)
                return launch_chown_tree(s, l);
        if (base == 0) {
                l->idmap_root = true;
                return 0;
        }
        if (s->users_ownership == USERS_OWNERSHIP_AUTO)
                return launch_chown_tree(s, l);
        return log_error_errno(-EOWNERDEAD, _("--private-users-ownership=map needs a tree owned by the host's root or by the container's range %u:65536; its root directory is owned by %u (shifted by an earlier chown): use --private-users-ownership=chown."),
                               (unsigned) l->uid_shift, (unsigned) st.st_uid);
}

/* The container's id range, locked for its lifetime, and the tree's ownership shifted into it when
 * asked. Everything that can be refused is refused before anything is changed. */
static int launch_prepare_userns(const Settings *s, Launch *l) {
        struct stat st;
        int r;

        switch (s->private_users) {
        case PRIVATE_USERS_NO:
                return 0;
        case PRIVATE_USERS_IDENTITY:
                l->uid_shift = 0;
                return 0;       /* the host's own ids: nothing to lock, nothing to shift */
        case PRIVATE_USERS_PICK:
                (void) mkdir("/run/nspawn", 0755);
                r = userns_range_pick(USERNS_LOCK_DIR, s->machine, &l->uid_shift, &l->userns_lock_fd);
                if (r < 0)
                        return log_error_errno(r, _("Failed to pick a free user namespace range: %m"));
                break;
        case PRIVATE_USERS_YES:
                if (fstat(l->root.fd, &st) < 0)
                        return log_error_errno(-errno, _("Failed to read the owner of the tree: %m"));
                if (st.st_uid < USERNS_RANGE || st.st_uid % USERNS_RANGE != 0 || st.st_gid != st.st_uid)
                        return log_error_errno(-ERANGE, _("--private-users=yes takes the range from the owner of the tree's root directory, %u:%u, which is not the start of a container range (a multiple of 65536 above the host's users, uid equal to gid)."),
                                               (unsigned) st.st_uid, (unsigned) st.st_gid);
                __attribute__((fallthrough));
        case PRIVATE_USERS_FIXED:
                l->uid_shift = s->private_users == PRIVATE_USERS_YES ? st.st_uid : s->uid_shift;
                (void) mkdir("/run/nspawn", 0755);
                r = userns_range_lock(USERNS_LOCK_DIR, l->uid_shift, &l->userns_lock_fd);
                if (r == -EBUSY)
                        return log_error_errno(r, _("User namespace range %u:65536 is in use by another running container."),
                                               (unsigned) l->uid_shift);
                if (r < 0)
                        return log_error_errno(r, _("Failed to lock user namespace range %u:65536: %m"), (unsigned) l->uid_shift);
                break;
        default:
                return -EINVAL;
        }
        return launch_prepare_ownership(s, l);
}

/* The container's root made of layers over the tree, handed to the child as the root's slot. In a
 * user namespace this waits for the namespace: the tree's layer is id-mapped through it. */
static int launch_make_root_layers(Launch *l, int userns_fd, int *ret_fd) {
        const char *what = NULL;
        int r;

        if (l->layers == ROOT_LAYERS_NONE)
                return 0;
        r = root_layers_make(l->layers, l->root.fd, userns_fd, l->uid_shift, ret_fd, &what);
        if (r < 0) {
                char fstype[64] = "?";
                (void) fd_mount_fstype(l->root.fd, fstype, sizeof(fstype));
                return log_error_errno(r, _("Failed to set up the container's %s root (%s, tree on %s): %m"),
                                       root_layers_to_string(l->layers), strna(what), fstype);
        }
        return 0;
}

/* The slots of the detached trees (mount_fds, early_fds) for every entry of the plan as it is now;
 * slots that exist keep their fds, new ones are empty. */
static int launch_size_mount_fds(Launch *l) {
        size_t n = SYNC_SLOT_ENTRY(l->plan.n_entries);
        int *m = realloc(l->mount_fds, n * sizeof(int));
        if (!m)
                return -ENOMEM;
        l->mount_fds = m;
        int *e = realloc(l->early_fds, n * sizeof(int));
        if (!e)
                return -ENOMEM;
        l->early_fds = e;
        for (size_t i = l->n_mount_fds; i < n; i++)
                l->mount_fds[i] = l->early_fds[i] = -EBADF;
        l->n_mount_fds = n;
        return 0;
}

static int launch_prepare(const Settings *s, Launch *l, ConsoleMode mode) {
        int r;

        if (s->boot) {
                r = check_os_tree(&l->root);
                if (r < 0)
                        return r;
        }
        r = pick_uuid(s, l->root.fd, &l->uuid);
        if (r < 0)
                return log_error_errno(r, _("Failed to generate a machine id: %m"));
        if (build_environment(s, &l->uuid, &l->environment) < 0)
                return log_oom();
        for (size_t i = 0; i < s->n_binds; i++)
                if (access(s->binds[i].source, F_OK) < 0) {
                        _cleanup_free_ char *e = escape_for_terminal(s->binds[i].source, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(-errno, _("Bind mount source %s: %m"), strna(e));
                }
        r = mount_plan_build(s, &l->plan);
        if (r < 0)
                return log_oom();
        etc_host_facts_get(s, &l->etc_host);
        if ((s->private_users != PRIVATE_USERS_NO || l->layers != ROOT_LAYERS_NONE || s->n_overlays > 0) &&
            launch_size_mount_fds(l) < 0)
                return log_oom();
        l->os_release = read_host_os_release();
        if (mode == CONSOLE_INTERACTIVE && !isatty(STDIN_FILENO))
                return log_error_errno(-ENOTTY, _("Console mode 'interactive' needs a terminal on standard input."));

        if (s->boot) {
                int one = 1;
                l->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (l->notify_fd < 0 || setsockopt(l->notify_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                        return log_error_errno(-errno, _("Failed to create the notify socket: %m"));
        }

        r = network_plan_build(s, &l->network);
        if (r < 0)
                return log_error_errno(r, _("Failed to plan the container's network: %m"));
        const char *what = NULL;
        r = network_plan_check(&l->network, &what);
        if (r == -ENODEV)
                return log_error_errno(r, _("Network interface %s does not exist."), what);
        if (r < 0)
                return log_error_errno(r, _("Too many network links (%s): at most 16."), what);
        if (s->network_namespace_path) {
                _cleanup_free_ char *e = escape_for_terminal(s->network_namespace_path, ESCAPE_MESSAGE_MAX);
                /* Not blocking on a FIFO put there instead. */
                l->netns_path_fd = open(s->network_namespace_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (l->netns_path_fd < 0)
                        return log_error_errno(-errno, _("Failed to open network namespace %s: %m"), strna(e));
                if (ioctl(l->netns_path_fd, NS_GET_NSTYPE) != CLONE_NEWNET)
                        return log_error_errno(-EINVAL, _("%s is not a network namespace."), strna(e));
        }
        r = port_reserve(&l->ports, s->ports, s->n_ports, s->machine);
        if (r < 0)
                return r;
        r = launch_prepare_userns(s, l);
        if (r < 0)
                return r;
        if (s->private_users == PRIVATE_USERS_NO) {
                r = launch_make_root_layers(l, -EBADF, &l->early_fds[SYNC_SLOT_ROOT]);
                if (r < 0)
                        return r;
        }
        r = overlay_set_make(&l->overlays, &l->plan, l->root.fd, l->early_fds);
        if (r < 0)
                return r;
        r = container_cgroup_create(s->machine, s->keep_unit, s->properties, &l->cgroup);
        if (r < 0)
                return r;
        /* Last of the checks that can refuse the start: what the journal link makes on the host is
         * meant to stay, so it is made only for a container that gets this far. An ephemeral
         * container's journal goes with it: never linked (as systemd-nspawn), or the host would keep
         * a link into a removed overlay. */
        r = s->ephemeral ? 0 : journal_link_prepare(s, l->root.path, l->root.fd, l->root.image, !(s->read_only || l->root.read_only),
                                 &l->uuid, &l->plan);
        if (r < 0)
                return r;
        /* The journal's binds joined the plan: their slots too. */
        if ((s->private_users != PRIVATE_USERS_NO || l->mount_fds) && launch_size_mount_fds(l) < 0)
                return log_oom();
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, l->pair) < 0)
                return log_error_errno(-errno, _("Failed to create the set-up channel: %m"));

        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGCHLD);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGWINCH);
        if (sigprocmask(SIG_BLOCK, &ss, &l->old_mask) < 0)
                return log_error_errno(-errno, _("Failed to block signals: %m"));
        l->signal_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
        if (l->signal_fd < 0)
                return log_error_errno(-errno, _("Failed to create signalfd: %m"));
        return 0;
}
/* The child died during the handshake without a report of its own (it was killed). Its end of the
 * channel is closed, so it is exiting: waiting for it is short. */
static void log_child_gone(int pidfd) {
        siginfo_t si = {};

        if (waitid((idtype_t) P_PIDFD, pidfd, &si, WEXITED | WNOWAIT) < 0 || si.si_pid == 0)
                log_error(_("Failed to start the container: its process exited before it was started."));
        else if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
                log_error(_("Failed to start the container: its process was killed by signal SIG%s."),
                          strna(sigabbrev_np(si.si_status)));
        else
                log_error(_("Failed to start the container: its process exited with status %d before it was started."),
                          si.si_status);
}

/* The parent's part of each step of the handshake (nspawn-sync.h); each logs its own failures. */
typedef int (*LaunchStep)(const Settings *s, Launch *l, pid_t pid);

/* Systemd hosts: the child's scope is systemd's. Registered, machined's CreateMachine asks for it (and
 * answers once the child is in it); unregistered, nspawn asks systemd itself. */
static int launch_network(const Settings *s, Launch *l, pid_t pid);

static int launch_systemd_scope(const Settings *s, Launch *l, pid_t pid) {
        int r;

        /* Registration happens here, at the first step: the links come first (the child's network
         * namespace exists since clone()), so that machined learns their host ends. */
        if (sync_plan_build(s) & SYNC_PLAN_STEP(SYNC_STEP_NETWORK_READY)) {
                r = launch_network(s, l, pid);
                if (r < 0)
                        return r;
        }
        l->registration_tried = true;
        r = registration_register(s, &l->uuid, l->root.path, pid, l->network.ifindices, l->network.n_ifindices,
                                  &l->registration);
        if (r < 0)
                return r;
        if (r == 0) {
                r = scope_start_transient(s, pid, l->pidfd);
                if (r < 0)
                        return r;
        }
        return container_cgroup_adopt_scope(&l->cgroup, pid, l->pidfd, s->properties);
}

static int launch_place_cgroup(const Settings *s, Launch *l, pid_t pid) {
        int r = 0;

        if (l->cgroup.systemd)
                r = launch_systemd_scope(s, l, pid);
        /* The child makes its cgroup namespace only once it sits in its own cgroup in every hierarchy. */
        if (r >= 0)
                r = container_cgroup_attach_v1(&l->cgroup, pid, l->pidfd);
        if (r == -ESRCH && !sync_log_pending_child_error(l->pair[0]))
                log_child_gone(l->pidfd);
        return r;
}

static int launch_register(const Settings *s, Launch *l, pid_t pid) {
        /* Registered before the payload runs: it never runs as an unknown machine. (On systemd hosts
         * that happened when the child was placed, and systemd applied the properties.) */
        if (l->registration_tried)
                return 0;
        /* With the host's ends of the container's links (NetworkInterfaces). */
        int r = registration_register(s, &l->uuid, l->root.path, pid, l->network.ifindices, l->network.n_ifindices,
                                      &l->registration);
        if (r < 0)
                return r;
        /* CreateMachine gave machined the properties, which it applied before it answered; otherwise
         * (unregistered, or RegisterMachine of our own unit) they are ours to apply, before the payload
         * runs too. */
        if (!l->registration || s->keep_unit)
                return container_cgroup_apply_properties(&l->cgroup, s->properties);
        return 0;
}

/* The detached trees the child attaches in its user namespace: the root, id-mapped (map ownership),
 * and the binds, opened here with the host's credentials, read-only and id-mapped as asked. Only the
 * host's root can id-map a mount; the child's user namespace gives the mapping. */
static int launch_make_trees(const Settings *s, Launch *l, pid_t pid) {
        _cleanup_close_ int userns_fd = -EBADF;
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        userns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (userns_fd < 0)
                return log_error_errno(-errno, _("Failed to open the container's user namespace: %m"));
        if (l->layers != ROOT_LAYERS_NONE) {
                r = launch_make_root_layers(l, l->idmap_root ? userns_fd : -EBADF, &l->mount_fds[SYNC_SLOT_ROOT]);
                if (r < 0)
                        return r;
        } else if (l->idmap_root) {
                r = mount_tree_detached(l->root.fd, true, false, userns_fd, &l->mount_fds[SYNC_SLOT_ROOT]);
                if (r < 0 && s->users_ownership == USERS_OWNERSHIP_AUTO && (r == -EINVAL || r == -EOPNOTSUPP || r == -EPERM)) {
                        log_debug_errno(r, "The tree cannot be id-mapped, shifting it instead: %m");
                        r = launch_chown_tree(s, l);
                        if (r < 0)
                                return r;
                } else if (r < 0) {
                        char fstype[64] = "?";
                        (void) fd_mount_fstype(l->root.fd, fstype, sizeof(fstype));
                        return log_error_errno(r, _("Failed to id-map the tree (file system %s) for --private-users-ownership=map: %m"), fstype);
                }
        }
        for (size_t i = 0; i < l->plan.n_entries; i++) {
                const MountEntry *e = &l->plan.entries[i];
                _cleanup_close_ int src = -EBADF;

                if (!e->from_parent || e->kind != MOUNT_BIND_HOST)
                        continue;
                src = open(e->what, O_PATH | O_CLOEXEC);
                if (src < 0) {
                        _cleanup_free_ char *esc = escape_for_terminal(e->what, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(-errno, _("Bind mount source %s: %m"), strna(esc));
                }
                r = mount_tree_detached(src, e->recursive, e->read_only, e->idmap ? userns_fd : -EBADF,
                                        &l->mount_fds[SYNC_SLOT_ENTRY(i)]);
                if (r < 0) {
                        _cleanup_free_ char *esc = escape_for_terminal(e->what, ESCAPE_MESSAGE_MAX);
                        char fstype[64] = "?";
                        if (!e->idmap)
                                return log_error_errno(r, _("Failed to bind %s: %m"), strna(esc));
                        (void) fd_mount_fstype(src, fstype, sizeof(fstype));
                        return log_error_errno(r, _("Failed to id-map bind mount source %s (file system %s): %m"), strna(esc), fstype);
                }
        }
        return 0;
}

/* The child's user namespace was made by clone(): its maps can be written at once. Its cgroup becomes
 * its root's, so that the guest can manage its own subtree. */
static int launch_write_id_maps(const Settings *s, Launch *l, pid_t pid) {
        int r = userns_write_maps(pid, l->uid_shift, USERNS_RANGE);
        if (r < 0)
                return log_error_errno(r, _("Failed to write the id maps of the container's user namespace: %m"));
        r = container_cgroup_chown(&l->cgroup, l->uid_shift);
        if (r < 0)
                return log_error_errno(r, _("Failed to give the container's cgroup to its root: %m"));
        return launch_make_trees(s, l, pid);
}

/* Hands the child the trees made for it, before the step's DONE; they are the child's then. */
static int launch_send_trees(Launch *l) {
        for (size_t i = 0; i < l->n_mount_fds; i++) {
                if (l->mount_fds[i] < 0)
                        continue;
                int r = sync_send_mount_fd(l->pair[0], (int) i, l->mount_fds[i]);
                if (r < 0)
                        return r;
                l->mount_fds[i] = safe_close(l->mount_fds[i]);
        }
        return 0;
}

/* The child's network namespace exists (clone() made it): its links are made in it from here. */
static int launch_network(const Settings *s, Launch *l, pid_t pid) {
        const char *what = NULL;
        (void) s;
        if (l->network.done)
                return 0;       /* made before the registration (systemd hosts) */
        int r = network_setup(&l->network, pid, &what);
        if (r == -EEXIST)
                return log_error_errno(r, _("Network interface %s exists already (a running container of this name, or a link of the host's)."),
                                       what);
        if (r == -EOPNOTSUPP)
                return log_error_errno(r, _("Failed to create network interface %s: this kernel does not support its kind (%m)."), what);
        if (r == -ENOTTY)
                return log_error_errno(r, _("Network interface %s is not a bridge."), what);
        if (r < 0)
                return log_error_errno(r, _("Failed to set up network interface %s: %m"), what);
        /* The host's end the forwarded connections from its loopback leave by: the veth, or the
         * zone's bridge (a bridge of the user's is left alone). */
        const NetworkPlan *n = &l->network;
        return port_watch_start(&l->ports, pid, n->zone ? n->bridge : n->bridge[0] ? NULL : n->host_ifname);
}

static void launch_port_event(void *userdata) {
        port_watch_event(userdata);
}

static const LaunchStep launch_steps[_SYNC_STEP_MAX] = {
        [SYNC_STEP_CGROUP_PLACED] = launch_place_cgroup,
        [SYNC_STEP_ID_MAPS_WRITTEN] = launch_write_id_maps,
        [SYNC_STEP_NETWORK_READY] = launch_network,
        [SYNC_STEP_GO] = launch_register,
};

/* Drives the child through the plan, step by step. Whatever goes wrong is logged once: a SYNC_ERROR
 * the child sends instead of its next message is its own report. */
static int launch_handshake(const Settings *s, Launch *l, SyncPlan plan, pid_t pid) {
        char what[128];
        int r;

        SYNC_PLAN_FOREACH(step, plan) {
                SyncMessage m = {};

                /* The parent's part needs nothing from the child but that it waits before the step: it
                 * runs while the child works its way there, which keeps the handshake off the start-up
                 * time. */
                if (launch_steps[step]) {
                        r = launch_steps[step](s, l, pid);
                        if (r < 0)
                                return r;
                }
                r = sync_wait_ready(l->pair[0], step, &m);
                if (r == -EPROTO && m.type == SYNC_ERROR) {
                        sync_log_child_error(&m);
                        return r;
                }
                if (r == -EPIPE) {
                        log_child_gone(l->pidfd);
                        return r;
                }
                if (r < 0) {
                        sync_describe_step_failure(what, sizeof(what), step, &m, r);
                        return log_error_errno(r, _("Failed at step %s of the start-up handshake with the container: %m"), what);
                }
                r = launch_send_trees(l);
                if (r >= 0)
                        r = sync_send_step(l->pair[0], SYNC_STEP_DONE, step);
                if (r < 0) {
                        /* A child that failed after its ready message reported why, then exited; one
                         * that was killed said nothing. */
                        if (sync_log_pending_child_error(l->pair[0]))
                                return r;
                        if (r == -EPIPE) {
                                log_child_gone(l->pidfd);
                                return r;
                        }
                        sync_describe_step_failure(what, sizeof(what), step, NULL, r);
                        return log_error_errno(r, _("Failed at step %s of the start-up handshake with the container: %m"), what);
                }
        }
        return 0;
}

int container_run(const Settings *s, RootStage *root, int *ret_status) {
        Launch l = { .root = *root, .layers = root_layers_pick(s->ephemeral, s->volatile_mode), .userns_lock_fd = -EBADF, .netns_path_fd = -EBADF, .network = NETWORK_PLAN_NULL, .ports = PORT_RUNTIME_NULL, .pair = { -EBADF, -EBADF }, .signal_fd = -EBADF, .pidfd = -EBADF,
                     .notify_fd = -EBADF, .saved_time_ns = -EBADF, .cgroup = CONTAINER_CGROUP_NULL };
        ConsoleMode mode = settings_effective_console_mode(s, isatty(STDIN_FILENO), isatty(STDOUT_FILENO));
        int r;

        *root = ROOT_STAGE_NULL;
        sigprocmask(SIG_SETMASK, NULL, &l.old_mask);
        r = launch_prepare(s, &l, mode);
        if (r < 0)
                goto finish;

        if (!s->quiet && mode == CONSOLE_INTERACTIVE) {
                _cleanup_free_ char *e = escape_for_terminal(l.root.path, ESCAPE_MESSAGE_MAX);
                log_info(_("Spawning container %s on %s.\nPress Ctrl-] three times within 1s to kill container."),
                         s->machine, strna(e));
        }

        ChildContext ctx = {
                .settings = s,
                .mount_plan = &l.plan,
                .root = l.root.path,
                .host_os_release = l.os_release,
                .etc_host = &l.etc_host,
                .environment = l.environment,
                .console_mode = mode,
                .capabilities = settings_capability_mask(s),
                /* A read-only image under an overlay gives a writable root. */
                .read_only = s->read_only || root_layers_read_only(l.layers) ||
                             (l.root.read_only && l.layers == ROOT_LAYERS_NONE),
                .sync_fd = l.pair[1],
                .sync_plan = sync_plan_build(s),
                .notify_fd = l.notify_fd,
                .mount_fds = l.mount_fds,
                .n_mount_fds = l.n_mount_fds,
        };
        /* Offsets are written before the clone: the child enters the namespace as it is created,
         * and the kernel freezes a namespace's offsets when its first process enters. */
        r = time_namespace_prepare(&s->time, &l.saved_time_ns);
        if (r < 0)
                goto finish;
        pid_t pid = clone_with_root(s, &l);
        if (pid < 0) {
                r = log_error_errno(pid, _("Failed to start the container: %m"));
                goto finish;
        }
        if (pid == 0) {
                safe_close(l.pair[0]);
                child_run(&ctx);
        }
        l.pair[1] = safe_close(l.pair[1]);
        /* The child's slots are empty at clone(): what was made before goes with the first step. */
        for (size_t i = 0; l.early_fds && i < l.n_mount_fds; i++)
                l.mount_fds[i] = TAKE_FD(l.early_fds[i]);

        r = launch_handshake(s, &l, ctx.sync_plan, pid);
        if (r < 0) {
                (void) pidfd_send_signal_(l.pidfd, SIGKILL);
                (void) wait_for_child(pid, NULL);
                goto finish;
        }

        Supervisor sup = {
                .pid = pid,
                .pidfd = l.pidfd,
                .sync_fd = TAKE_FD(l.pair[0]),
                .signal_fd = l.signal_fd,
                .console_mode = mode,
                .kill_signal = s->kill_signal > 0 ? s->kill_signal : s->boot ? SIGRTMIN + 3 : SIGKILL,
                .notify_fd = l.notify_fd,
                .boot = s->boot,
                .notify_ready = s->notify_ready,
                .unregistered = !l.registration && s->register_mode == REGISTER_AUTO,
                .quiet = s->quiet,
                .machine = s->machine,
                .watch_fd = port_watch_fd(&l.ports),
                .on_watch = launch_port_event,
                .watch_userdata = &l.ports,
        };
        r = supervisor_run(&sup, ret_status);
        safe_close(sup.sync_fd);
finish:
        launch_done(&l);
        return r;
}
