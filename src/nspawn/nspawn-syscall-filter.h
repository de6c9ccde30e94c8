/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --system-call-filter=: names of system calls and systemd's @groups. The entries are kept as given
 * (validated) and resolved to numbers per ABI when the filter is built (nspawn-seccomp.c), since a name
 * has a different number, or none, on each ABI. */

typedef struct SyscallGroup {
        const char *name;               /* "@clock" */
        const char *const *members;     /* names and @groups, NULL-terminated */
} SyscallGroup;

/* systemd's groups (nspawn-syscall-groups.c, generated), terminated by an entry with a NULL name. */
extern const SyscallGroup syscall_groups[];

typedef struct SyscallFilter {
        char **allow;   /* entries that the default filter would deny and that the container may make */
        char **deny;    /* entries refused with EPERM, whatever the default or allow list says */
} SyscallFilter;

const SyscallGroup *syscall_group_find(const char *name);
/* Whether any ABI we have a table for knows this system call name. */
int syscall_name_known(const char *name);

/* Adds one --system-call-filter= value: entries separated by whitespace, all denied when the value
 * starts with '~'. -EINVAL for an unknown name or group: *ret_bad (if not NULL) is then a copy of the
 * first unknown entry, for the caller to free. -ENODATA for a value without entries ("", "~").
 * -ENOMEM. On any error f is unchanged. */
int syscall_filter_add(SyscallFilter *f, const char *value, char **ret_bad);
void syscall_filter_done(SyscallFilter *f);
