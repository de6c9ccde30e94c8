/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf-devices.h"
#include "cgroup-util.h"
#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-cgroup.h"
#include "string-util.h"

/* The cgroup2 path of our own process, from /proc/self/cgroup ("0::/path"), without the leading slash. */
static int own_cgroup_path(char **ret) {
        _cleanup_free_ char *s = NULL;
        int r = read_small_file_at(AT_FDCWD, "/proc/self/cgroup", 64 * 1024, &s);
        if (r < 0)
                return r;
        for (char *line = s, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, "0::/", 4) == 0) {
                        *ret = strdup(line + 4);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENOMEDIUM;
}

/* --keep-unit: stay in the caller's cgroup (a service with Delegate=yes), move ourselves into its
 * "supervisor" child and run the payload in its "payload" child, so that the service's own cgroup
 * holds no processes beside its children (cgroup2's rule for delegated trees). */
static int keep_unit_prepare(ContainerCgroup *c, int *ret_policy_fd) {
        _cleanup_free_ char *own = NULL;
        _cleanup_close_ int base = -EBADF;
        char p[4096];
        int r;

        r = own_cgroup_path(&own);
        if (r < 0)
                return log_error_errno(r, _("Failed to find nspawn's own cgroup: %m"));
        if (isempty(own))
                return log_error_errno(-EINVAL, _("--keep-unit needs nspawn to run in a cgroup of its own, such as a service's."));
        snprintf(p, sizeof(p), "%s/%s", c->unified_root, own);
        base = open(p, O_DIRECTORY | O_CLOEXEC);
        if (base < 0)
                return log_error_errno(-errno, _("Failed to open cgroup %s: %m"), p);
        if (mkdirat(base, "supervisor", 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, _("Failed to create cgroup %s/supervisor: %m"), p);
        r = cgroup_attach(p, "supervisor", 0);
        if (r < 0)
                return log_error_errno(r, _("Failed to move nspawn into %s/supervisor: %m"), p);
        c->path = strjoin(own, "/payload");
        if (!c->path)
                return log_oom();
        *ret_policy_fd = TAKE_FD(base);
        return 0;
}

int container_cgroup_create(const char *machine, bool keep_unit, ContainerCgroup *ret) {
        ContainerCgroup c = { .fd = -EBADF, .lock_fd = -EBADF };
        _cleanup_close_ int policy_fd = -EBADF;
        int r;

        r = cgroup_unified_root(&c.unified_root);
        if (r == -ENOMEDIUM)
                return log_error_errno(r, _("The host has no cgroup2 hierarchy; nspawn needs one."));
        if (r < 0)
                return log_error_errno(r, _("Failed to look for the cgroup2 hierarchy under /sys/fs/cgroup (statfs): %m"));
        if (keep_unit) {
                r = keep_unit_prepare(&c, &policy_fd);
                if (r < 0) {
                        free(c.path);
                        return r;
                }
        } else {
                c.path = machine_cgroup_path(machine);
                if (!c.path)
                        return log_oom();
        }

        r = cgroup_create_owned(c.unified_root, c.path, &c.fd);
        if (r >= 0) {
                c.lock_fd = fcntl(c.fd, F_DUPFD_CLOEXEC, 3);
                if (c.lock_fd < 0) {
                        r = -errno;
                        c.fd = safe_close(c.fd);
                }
        }
        if (r == -EBUSY) {
                free(c.path);
                return log_error_errno(r, _("Machine '%s' is already running (its cgroup is in use)."), machine);
        }
        if (r < 0) {
                log_error_errno(r, _("Failed to create cgroup %s/%s: %m"), c.unified_root, c.path);
                free(c.path);
                return r;
        }
        if (keep_unit) {
                /* The policy sits on the service's cgroup, above the payload's namespace root. */
                r = bpf_devices_attach_container_policy(policy_fd);
                goto policy_done;
        }

        /* The device policy: a BPF program on the cgroup2 scope where the kernel has them (no task
         * migration needed), else the v1 devices controller on hybrid hosts. */
        r = bpf_devices_attach_container_policy(c.fd);
        if (r >= 0) {
                /* The guest gets the payload child; the scope with the policy is above its root. */
                if (mkdirat(c.fd, "payload", 0755) < 0 && errno != EEXIST)
                        r = -errno;
                else {
                        int p = openat(c.fd, "payload", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (p < 0)
                                r = -errno;
                        else {
                                safe_close(c.fd);
                                c.fd = p;
                        }
                }
                if (r < 0) {
                        log_error_errno(r, _("Failed to create cgroup %s/%s: %m"), c.unified_root, c.path);
                        container_cgroup_destroy(&c);
                        return r;
                }
        }
policy_done:
        if (r < 0)
                log_debug_errno(r, "Failed to attach the BPF device policy, falling back to cgroup v1: %m");
        if (r < 0 && !cgroup_v1_controller_mounted("devices")) {
                log_error_errno(r, _("Failed to install the device policy for the container: %m"));
                container_cgroup_destroy(&c);
                return r;
        }
        if (r < 0) {
                _cleanup_close_ int v1 = -EBADF;
                r = cgroup_create("/sys/fs/cgroup/devices", c.path, &v1);
                if (r >= 0) {
                        c.devices_v1 = true;
                        r = cgroup_v1_devices_setup(c.path);
                }
                if (r < 0) {
                        log_error_errno(r, _("Failed to set up the device cgroup %s: %m"), c.path);
                        container_cgroup_destroy(&c);
                        return r;
                }
        }
        *ret = c;
        return 0;
}

int container_cgroup_attach_v1(ContainerCgroup *c, pid_t pid) {
        if (!c->devices_v1)
                return 0;
        return cgroup_attach("/sys/fs/cgroup/devices", c->path, pid);
}

void container_cgroup_destroy(ContainerCgroup *c) {
        int r;

        if (!c->path)
                return;
        c->fd = safe_close(c->fd);
        /* Removed while still locked: a starter of the same name waits for the lock until we are
         * done, then makes a fresh cgroup. */
        r = cgroup_kill_and_remove(c->unified_root, c->path);
        if (r < 0)
                log_warning_errno(r, _("Failed to remove cgroup %s/%s: %m"), c->unified_root, c->path);
        if (c->devices_v1) {
                r = cgroup_kill_and_remove("/sys/fs/cgroup/devices", c->path);
                if (r < 0)
                        log_warning_errno(r, _("Failed to remove cgroup %s/%s: %m"), "/sys/fs/cgroup/devices", c->path);
        }
        free(c->path);
        safe_close(c->lock_fd);
        *c = (ContainerCgroup) { .fd = -EBADF, .lock_fd = -EBADF };
}
