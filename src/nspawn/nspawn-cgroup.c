/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpf-devices.h"
#include "cgroup-util.h"
#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "nspawn-cgroup.h"

int container_cgroup_create(const char *machine, ContainerCgroup *ret) {
        ContainerCgroup c = { .fd = -EBADF };
        int r;

        r = cgroup_unified_root(&c.unified_root);
        if (r < 0)
                return log_error_errno(r, _("The host has no cgroup2 hierarchy; nspawn needs one."));
        c.path = machine_cgroup_path(machine);
        if (!c.path)
                return log_oom();

        r = cgroup_create(c.unified_root, c.path, &c.fd);
        if (r == -EBUSY) {
                free(c.path);
                return log_error_errno(r, _("Machine '%s' is already running (its cgroup is in use)."), machine);
        }
        if (r < 0) {
                log_error_errno(r, _("Failed to create cgroup %s/%s: %m"), c.unified_root, c.path);
                free(c.path);
                return r;
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
        r = cgroup_kill_and_remove(c->unified_root, c->path);
        if (r < 0)
                log_warning_errno(r, _("Failed to remove cgroup %s/%s: %m"), c->unified_root, c->path);
        if (c->devices_v1) {
                r = cgroup_kill_and_remove("/sys/fs/cgroup/devices", c->path);
                if (r < 0)
                        log_warning_errno(r, _("Failed to remove cgroup %s/%s: %m"), "/sys/fs/cgroup/devices", c->path);
        }
        free(c->path);
        *c = (ContainerCgroup) { .fd = -EBADF };
}
