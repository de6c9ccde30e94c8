/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The /dev entry of the mount plan: device nodes made by default, the host's bound when the plan says
 * so (a user namespace); the dump shows which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nspawn-mount.h"
#include "mount-plan-dump.h"
#include "string-util.h"
#include "tests.h"

TEST(built_plan_makes_nodes) {
        Settings s = {};
        MountPlan p = {};
        size_t n = 0;

        ASSERT_OK(mount_plan_build(&s, &p));
        for (size_t i = 0; i < p.n_entries; i++)
                if (p.entries[i].kind == MOUNT_POPULATE_DEV) {
                        ASSERT_STREQ(p.entries[i].where, "/dev");
                        ASSERT_FALSE(p.entries[i].bind_nodes);
                        n++;
                }
        mount_plan_done(&p);
        ASSERT_EQ(n, 1);
}

TEST(dump_shows_bound_nodes) {
        MountEntry entries[] = {
                { .kind = MOUNT_POPULATE_DEV, .where = (char *) "/dev" },
                { .kind = MOUNT_POPULATE_DEV, .where = (char *) "/dev", .bind_nodes = true },
                /* Only /dev population has nodes to bind. */
                { .kind = MOUNT_POPULATE_RUN, .where = (char *) "/run", .bind_nodes = true },
        };
        MountPlan p = { .entries = entries, .n_entries = ELEMENTSOF(entries) };
        _cleanup_free_ char *out = dump_to_string(&p);
        ASSERT_STREQ(out,
                     "populate-dev /dev\n"
                     "populate-dev /dev bind-nodes\n"
                     "populate-run /run\n");
}

DEFINE_TEST_MAIN
