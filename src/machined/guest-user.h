/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

/* A user of a guest, as the guest's own /etc/passwd and /etc/group say (never the host's NSS: the
 * host's "root" or "www-data" is not the guest's). */
typedef struct GuestUser {
        char *name;
        uid_t uid;
        gid_t gid;
        char *home;
        char *shell;
        gid_t *groups; /* supplementary groups (the primary one included) */
        size_t n_groups;
} GuestUser;

/* Each file of the guest is read whole up to this size; a larger one is refused (EFBIG), not cut. */
#define GUEST_USER_FILE_MAX (4U * 1024U * 1024U)
/* The most supplementary groups a user gets (the kernel's NGROUPS_MAX is 65536). */
#define GUEST_USER_GROUPS_MAX 1024

GuestUser *guest_user_free(GuestUser *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(GuestUser *, guest_user_free);

/* Looks user (a name, or a decimal uid) up in passwd text: -ENXIO when there is no such entry. A
 * decimal uid that has no entry gets uid = gid = that number, home "/" and shell "/bin/sh", as a unit's
 * User=1234 would. */
int guest_user_from_passwd(const char *passwd, const char *user, GuestUser **ret);
/* Adds the groups of group text that list the user as a member to u->groups (after the primary). */
int guest_user_add_groups(GuestUser *u, const char *group);

/* Reads etc/passwd and etc/group below root_fd (the guest's root, resolved with RESOLVE_IN_ROOT so
 * that the guest's symlinks stay inside it; procfs and sysfs refused) and looks user up. */
int guest_user_lookup(int root_fd, const char *user, GuestUser **ret);
