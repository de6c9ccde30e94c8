/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "nspawn-seccomp-table.h"
#include "nspawn-syscall-filter.h"
#include "strv.h"

const SyscallGroup *syscall_group_find(const char *name) {
        for (const SyscallGroup *g = syscall_groups; g->name; g++)
                if (strcmp(g->name, name) == 0)
                        return g;
        return NULL;
}

int syscall_name_known(const char *name) {
        for (size_t t = 0; t < seccomp_n_tables; t++)
                if (seccomp_table_resolve(seccomp_tables[t], name) >= 0)
                        return true;
        return false;
}

static bool entry_valid(const char *e) {
        return e[0] == '@' ? syscall_group_find(e) != NULL : syscall_name_known(e);
}

int syscall_filter_add(SyscallFilter *f, const char *value, char **ret_bad) {
        bool deny = value[0] == '~';
        _cleanup_strv_free_ char **add = NULL;
        const char *p = deny ? value + 1 : value;

        while (*p) {
                size_t skip = strspn(p, " \t\n"), len;
                p += skip;
                len = strcspn(p, " \t\n");
                if (len == 0)
                        break;
                _cleanup_free_ char *e = strndup(p, len);
                if (!e)
                        return -ENOMEM;
                if (!entry_valid(e)) {
                        if (ret_bad)
                                *ret_bad = TAKE_PTR(e);
                        return -EINVAL;
                }
                if (strv_extend(&add, e) < 0)
                        return -ENOMEM;
                p += len;
        }
        if (!add)
                return -ENODATA;        /* "" or a lone "~": no entry to name */
        char ***l = deny ? &f->deny : &f->allow;
        for (char **e = add; *e; e++)
                if (strv_extend(l, *e) < 0)
                        return -ENOMEM;
        return 0;
}

void syscall_filter_done(SyscallFilter *f) {
        strv_free(f->allow);
        strv_free(f->deny);
        *f = (SyscallFilter) {};
}
