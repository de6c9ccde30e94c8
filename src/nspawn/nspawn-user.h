/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

#include "macro.h"

#define USER_DB_MAX_SIZE (16U * 1024 * 1024)
#define USER_DB_MAX_LINE 4096U

typedef struct UserRecord {
        uid_t uid;
        gid_t gid;
        char *name;
        char *home;
        char *shell;
        gid_t *groups;          /* supplementary groups */
        size_t n_groups;
} UserRecord;

void user_record_done(UserRecord *u);
/* Looks up name (or a numeric uid) in the text of a passwd file. -ESRCH when there is no such user,
 * -EBADMSG for a line over USER_DB_MAX_LINE. */
int user_record_from_passwd(const char *passwd, const char *name, UserRecord *ret);
/* Adds the groups whose member lists name the user, from the text of a group file. */
int user_record_add_groups(UserRecord *u, const char *group);
/* Reads /etc/passwd and /etc/group of the current root (the container's, after pivot_root). On failure
 * *ret_file names the file that could not be read (-EBADFD: not a regular file). */
int user_record_lookup(const char *name, UserRecord *ret, const char **ret_file);
