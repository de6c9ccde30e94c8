/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dissect.h"
#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "loop-util.h"
#include "mount-util.h"
#include "nspawn-image.h"
#include "string-util.h"

/* Where the image's root is mounted, in nspawn's own mount namespace only (see image_stage_mount()):
 * one fixed directory serves every nspawn at once, and nothing is created per container that a
 * SIGKILL could leave behind. */
#define IMAGE_STAGING_PARENT "/run/nspawn"
#define IMAGE_STAGING_DIR IMAGE_STAGING_PARENT "/image-root"

extern char **environ;

/* What the stage set up and must undo; freed by the teardown hook. */
typedef struct ImageStage {
        int image_fd;                   /* holds the BSD lock on the image */
        LoopDevice loop;
        bool mounted;
} ImageStage;

/* One partition to mount: the plan, made before anything is mounted. */
typedef struct ImagePartition {
        PartitionDesignator designator;
        char *node;
        char *fstype;
        bool read_only;
        bool skip;                      /* the kernel cannot mount it: warned about, left out */
} ImagePartition;

typedef struct ImagePlan {
        ImagePartition partitions[_PARTITION_DESIGNATOR_MAX];
} ImagePlan;

static void image_plan_done(ImagePlan *p) {
        for (size_t i = 0; i < _PARTITION_DESIGNATOR_MAX; i++) {
                free(p->partitions[i].node);
                free(p->partitions[i].fstype);
        }
}

static void image_stage_teardown(void *userdata) {
        ImageStage *st = userdata;

        /* The whole tree under the staging directory goes at once; the loop device detaches itself
         * (autoclear) once the last mount on it is gone and our fd is closed. */
        if (st->mounted)
                (void) umount2(IMAGE_STAGING_DIR, MNT_DETACH);
        loop_device_done(&st->loop);
        safe_close(st->image_fd);
        free(st);
}

/* Opens the image: a regular file or a block device, nothing else (a FIFO would block, a character
 * device or a directory is a mistake). Read-write unless read_only or the file refuses writing. */
static int image_open(const char *path, const char *e, bool read_only, int *ret_fd, bool *ret_read_only) {
        _cleanup_close_ int pfd = open(path, O_PATH | O_CLOEXEC);
        struct stat st;

        if (pfd < 0) {
                if (errno == ENOENT)
                        return log_error_errno(-ENOENT, _("Image %s does not exist."), e);
                return log_error_errno(-errno, _("Failed to open image %s: %m"), e);
        }
        if (fstat(pfd, &st) < 0)
                return log_error_errno(-errno, _("Failed to open image %s: %m"), e);
        if (S_ISDIR(st.st_mode))
                return log_error_errno(-EISDIR, _("Image %s is a directory; use -D for directory trees."), e);
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return log_error_errno(-EBADFD, _("Image %s is neither a regular file nor a block device."), e);
        if (S_ISREG(st.st_mode) && st.st_size == 0)
                return log_error_errno(-EBADMSG, _("Image %s is empty."), e);

        /* Reopened through the O_PATH fd: the file checked is the file opened. A block device is
         * opened exclusively: one that is mounted (the host's own disk) is refused, not shared. */
        int extra = S_ISBLK(st.st_mode) ? O_EXCL : 0;
        int fd = -EBADF;
        if (!read_only) {
                fd = fd_reopen(pfd, O_RDWR | extra);
                if (fd < 0 && fd != -EACCES && fd != -EPERM && fd != -EROFS)
                        goto fail;
        }
        if (fd < 0) {
                fd = fd_reopen(pfd, O_RDONLY | extra);
                if (fd < 0)
                        goto fail;
                read_only = true;
        }
        *ret_fd = fd;
        *ret_read_only = read_only;
        return 0;
fail:
        if (fd == -EBUSY)
                return log_error_errno(-EBUSY, _("Image %s is a block device in use (mounted?); refusing to use it."), e);
        return log_error_errno(fd, _("Failed to open image %s: %m"), e);
}

static bool kernel_has_filesystem(const char *fstype) {
        _cleanup_free_ char *s = NULL;

        if (read_small_file_at(AT_FDCWD, "/proc/filesystems", 64 * 1024, &s) < 0)
                return true; /* unknown: let the mount say */
        for (char *l = s, *n; l && *l; l = n) {
                n = strchr(l, '\n');
                if (n)
                        *n++ = 0;
                char *t = strrchr(l, '\t');
                if (streq(t ? t + 1 : l, fstype))
                        return true;
        }
        return false;
}

static bool fstype_is_read_only(const char *fstype) {
        return streq(fstype, "squashfs") || streq(fstype, "erofs") || streq(fstype, "iso9660");
}

/* Makes the partition device, finds its file system, and decides how it is mounted. */
static int image_plan_partition(const char *e, ImageStage *st, const SelectedPartition *sp, PartitionDesignator d,
                                ImagePartition *ret) {
        const char *dname = partition_designator_to_string(d);
        _cleanup_free_ char *node = NULL, *fstype = NULL;
        int r;

        if (sp->whole_disk)
                node = strdup(st->loop.node);
        else {
                r = loop_device_add_partition(&st->loop, sp->partno, sp->offset, sp->size, &node);
                if (r < 0)
                        return log_error_errno(r, _("Image %s: failed to add partition %u (%s) to %s: %m"),
                                               e, sp->partno, dname, st->loop.node);
        }
        if (!node)
                return log_oom();

        _cleanup_close_ int fd = open(node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(-errno, _("Image %s: failed to open %s: %m"), e, node);
        r = probe_filesystem(fd, &fstype);
        if (r < 0 && d == PARTITION_ROOT)
                return log_error_errno(r, _("Image %s: no file system found on the root partition (%s)."), e, node);
        if (r < 0) {
                log_warning(_("Image %s: no file system found on the %s partition (%s); skipping it."), e, dname, node);
                *ret = (ImagePartition) { .designator = d, .skip = true };
                return 0;
        }
        bool skip = false;
        if (!kernel_has_filesystem(fstype)) {
                if (d == PARTITION_ROOT || d == PARTITION_USR)
                        return log_error_errno(-EPROTONOSUPPORT,
                                               _("Image %s: the %s partition has a %s file system, which this kernel cannot mount."),
                                               e, dname, fstype);
                log_warning(_("Image %s: the %s partition has a %s file system, which this kernel cannot mount; skipping it."),
                            e, dname, fstype);
                skip = true;
        }
        *ret = (ImagePartition) {
                .designator = d,
                .node = TAKE_PTR(node),
                .fstype = TAKE_PTR(fstype),
                .read_only = st->loop.read_only || sp->read_only,
                .skip = skip,
        };
        ret->read_only = ret->read_only || fstype_is_read_only(ret->fstype);
        return 0;
}

/* Runs fsck -p on a partition that was not cleanly unmounted. 1 when it is now fit to mount
 * read-write, 0 when no checker could be run (mount read-only instead), negative errno when the
 * checker found errors it could not fix. */
static int image_check_filesystem(const char *e, const ImagePartition *p) {
        char checker[64];
        pid_t pid;
        int status;

        snprintf(checker, sizeof(checker), "fsck.%s", p->fstype);
        char *argv[] = { checker, (char *) "-p", p->node, NULL };
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        /* Its report of what was repaired is status: on our stderr, unless --quiet (or a lower log
         * level) asked for warnings and errors only. Its own errors go to stderr either way. */
        if (log_get_max_level() >= LOG_INFO)
                posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
        else
                posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        int r = posix_spawnp(&pid, checker, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return 0;
        if (waitpid(pid, &status, 0) < 0)
                return log_error_errno(-errno, _("Image %s: failed to wait for %s: %m"), e, checker);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return 0;
        /* 0: clean, 1: errors fixed, 2: fixed, reboot advised (nothing is mounted yet). */
        if (WIFEXITED(status) && WEXITSTATUS(status) <= 2)
                return 1;
        return log_error_errno(-EUCLEAN,
                               _("Image %s: the file system of the %s partition (%s) has errors that %s could not fix (status %d)."),
                               e, partition_designator_to_string(p->designator), p->node, checker,
                               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* A writable ext2/3/4 file system that was not cleanly unmounted is checked first, or, with no
 * checker installed, mounted read-only: never read-write unchecked. */
static int image_prepare_partition(const char *e, ImagePartition *p) {
        if (p->skip || p->read_only || !startswith(p->fstype, "ext"))
                return 0;
        _cleanup_close_ int fd = open(p->node, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(-errno, _("Image %s: failed to open %s: %m"), e, p->node);
        int r = ext_filesystem_is_clean(fd);
        if (r > 0)
                return 0;
        if (r < 0)
                return log_error_errno(r, _("Image %s: failed to read the file system of %s: %m"), e, p->node);
        log_info(_("Image %s: the %s partition (%s) was not cleanly unmounted; checking it."),
                 e, partition_designator_to_string(p->designator), p->node);
        r = image_check_filesystem(e, p);
        if (r < 0)
                return r;
        if (r == 0) {
                log_warning(_("Image %s: no fsck.%s to check the %s partition; mounting it read-only."),
                            e, p->fstype, partition_designator_to_string(p->designator));
                p->read_only = true;
        }
        return 0;
}

static int image_plan_build(const char *e, ImageStage *st, ImagePlan *ret) {
        _cleanup_(partition_table_done) PartitionTable t = {};
        PartitionSelection sel = {};
        DissectProblem problem = {};
        int r;

        r = partition_table_probe(st->loop.fd, &t, &problem);
        if (r >= 0)
                r = partition_table_select(&t, &sel, &problem);
        if (r < 0) {
                _cleanup_free_ char *what = dissect_problem_to_string(&problem);
                if (what)
                        return log_error_errno(r, _("Image %s: %s"), e, what);
                return log_error_errno(r, _("Image %s: failed to read the partition table: %m"), e);
        }

        ImagePlan plan = {};
        for (PartitionDesignator d = 0; d < _PARTITION_DESIGNATOR_MAX; d++) {
                if (!sel.partitions[d].found)
                        continue;
                r = image_plan_partition(e, st, &sel.partitions[d], d, &plan.partitions[d]);
                if (r >= 0)
                        r = image_prepare_partition(e, &plan.partitions[d]);
                if (r < 0) {
                        image_plan_done(&plan);
                        return r;
                }
        }
        *ret = plan;
        return 0;
}

/* Mounts one partition (detached, then attached onto target_fd). */
static int image_mount_partition(const char *e, const ImagePartition *p, int target_fd) {
        _cleanup_close_ int mfd = -EBADF;
        char kmsg[200];
        int r;

        r = mount_device_detached(p->node, p->fstype, p->read_only, kmsg, sizeof(kmsg), &mfd);
        if (r < 0) {
                if (kmsg[0]) {
                        _cleanup_free_ char *k = escape_for_terminal(kmsg, ESCAPE_MESSAGE_MAX);
                        return log_error_errno(r, _("Image %s: failed to mount the %s partition (%s, %s): %s"),
                                               e, partition_designator_to_string(p->designator), p->node, p->fstype,
                                               strna(k));
                }
                return log_error_errno(r, _("Image %s: failed to mount the %s partition (%s, %s): %m"),
                                       e, partition_designator_to_string(p->designator), p->node, p->fstype);
        }
        r = move_mount_onto(mfd, target_fd);
        if (r < 0)
                return log_error_errno(r, _("Image %s: failed to attach the %s partition: %m"),
                                       e, partition_designator_to_string(p->designator));
        return 0;
}

/* The directory a partition goes on, resolved inside the image's root; created when missing and the
 * root is writable. -ENOENT when it can be neither found nor made. The temporary data partition goes
 * on /var/tmp, not /tmp, as the specification says (nspawn puts a tmpfs on /tmp anyway). Mounts are
 * attached in designator order, so /var/tmp lands on a /var partition when there is one. */
static int image_mount_point(int root_fd, PartitionDesignator d, bool root_writable, bool have_xbootldr, int *ret_fd) {
        static const char *const where[_PARTITION_DESIGNATOR_MAX] = {
                [PARTITION_USR] = "/usr", [PARTITION_HOME] = "/home", [PARTITION_SRV] = "/srv",
                [PARTITION_VAR] = "/var", [PARTITION_TMP] = "/var/tmp", [PARTITION_ESP] = "/efi",
                [PARTITION_XBOOTLDR] = "/boot",
        };
        const char *path = where[d];

        /* The ESP goes on /efi; on /boot instead when there is no /efi, no XBOOTLDR and /boot is an
         * empty directory (as the Discoverable Partitions Specification says). */
        if (d == PARTITION_ESP && !have_xbootldr) {
                _cleanup_close_ int efi = -EBADF, boot = -EBADF;
                if (open_in_root(root_fd, "/efi", O_PATH | O_DIRECTORY, &efi) < 0 &&
                    open_in_root(root_fd, "/boot", O_RDONLY | O_DIRECTORY, &boot) >= 0) {
                        _cleanup_(closedirp) DIR *dir = NULL;
                        bool empty = true;
                        if (opendir_fd(boot, &dir) >= 0) {
                                for (struct dirent *de; (de = readdir(dir));)
                                        if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                                                empty = false;
                                if (empty)
                                        path = "/boot";
                        }
                }
        }
        int r = open_in_root(root_fd, path, O_PATH | O_DIRECTORY, ret_fd);
        if (r == -ENOENT && root_writable)
                r = open_in_root_mkdir(root_fd, path, false, ret_fd);
        return r;
}

/* Everything is mounted in a mount namespace of nspawn's own, which dies with nspawn (also on
 * SIGKILL): no mount of the image is ever visible on the host, or left there. */
static int image_stage_mount(const char *e, ImageStage *st, ImagePlan *plan, int *ret_root_fd) {
        _cleanup_close_ int dir_fd = -EBADF, root_fd = -EBADF;
        int r;

        if (unshare(CLONE_NEWNS) < 0)
                return log_error_errno(-errno, _("Failed to create a mount namespace for image %s: %m"), e);
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return log_error_errno(-errno, _("Failed to make the mount namespace for image %s private: %m"), e);
        if ((mkdir(IMAGE_STAGING_PARENT, 0755) < 0 && errno != EEXIST) ||
            (mkdir(IMAGE_STAGING_DIR, 0700) < 0 && errno != EEXIST))
                return log_error_errno(-errno, _("Failed to create the staging directory %s: %m"), IMAGE_STAGING_DIR);
        dir_fd = open(IMAGE_STAGING_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0)
                return log_error_errno(-errno, _("Failed to open the staging directory %s: %m"), IMAGE_STAGING_DIR);

        r = image_mount_partition(e, &plan->partitions[PARTITION_ROOT], dir_fd);
        if (r < 0)
                return r;
        st->mounted = true;
        root_fd = open(IMAGE_STAGING_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root_fd < 0)
                return log_error_errno(-errno, _("Failed to open the root of image %s: %m"), e);

        bool root_writable = !plan->partitions[PARTITION_ROOT].read_only;
        for (PartitionDesignator d = PARTITION_ROOT + 1; d < _PARTITION_DESIGNATOR_MAX; d++) {
                ImagePartition *p = &plan->partitions[d];
                _cleanup_close_ int target = -EBADF;

                if (!p->node || p->skip)
                        continue;
                r = image_mount_point(root_fd, d, root_writable, plan->partitions[PARTITION_XBOOTLDR].node, &target);
                if (r < 0) {
                        log_warning_errno(r, _("Image %s: no mount point for the %s partition in the image, skipping it: %m"),
                                          e, partition_designator_to_string(d));
                        continue;
                }
                r = image_mount_partition(e, p, target);
                if (r < 0)
                        return r;
        }
        *ret_root_fd = TAKE_FD(root_fd);
        return 0;
}

int root_stage_open_image(const char *image, bool read_only, RootStage *ret) {
        _cleanup_free_ char *e = escape_for_terminal(image, ESCAPE_MESSAGE_MAX);
        RootStage stage = ROOT_STAGE_NULL;
        ImagePlan plan = {};
        ImageStage *st;
        int r;

        st = calloc(1, sizeof(ImageStage));
        if (!st)
                return log_oom();
        *st = (ImageStage) { .image_fd = -EBADF, .loop = LOOP_DEVICE_NULL };
        /* From here on the hook owns st: every failure below is undone by root_stage_done(). */
        if (root_stage_add_teardown(&stage, image_stage_teardown, st) < 0) {
                free(st);
                return log_oom();
        }
        stage.image = true;

        r = image_open(image, strna(e), read_only, &st->image_fd, &read_only);
        if (r < 0)
                goto fail;
        r = fd_display_path(st->image_fd, &stage.path);
        if (r < 0) {
                r = log_error_errno(r, _("Failed to open image %s: %m"), strna(e));
                goto fail;
        }
        r = image_lock(st->image_fd, !read_only);
        if (r == -EBUSY) {
                r = log_error_errno(r, read_only ? _("Image %s is in use by a container that writes to it.")
                                                 : _("Image %s is in use by another container; refusing to use it writable (--read-only may share it)."),
                                    strna(e));
                goto fail;
        }
        if (r < 0) {
                r = log_error_errno(r, _("Failed to lock image %s: %m"), strna(e));
                goto fail;
        }
        r = loop_device_attach(st->image_fd, read_only, &st->loop);
        if (r < 0) {
                r = log_error_errno(r, _("Failed to set up a loop device for image %s: %m"), strna(e));
                goto fail;
        }
        r = image_plan_build(strna(e), st, &plan);
        if (r >= 0)
                r = image_stage_mount(strna(e), st, &plan, &stage.fd);
        if (r < 0)
                goto fail;
        stage.read_only = plan.partitions[PARTITION_ROOT].read_only;
        image_plan_done(&plan);
        *ret = stage;
        return 0;
fail:
        image_plan_done(&plan);
        root_stage_done(&stage);
        return r;
}
