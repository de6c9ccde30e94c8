/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "nspawn-mount.h"

/* mount_plan_dump() into a string (free it), NULL on failure: for the plan tests' comparisons. */
static inline char *dump_to_string(const MountPlan *p) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        mount_plan_dump(p, f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
