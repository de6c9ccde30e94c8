/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit that machinectl start/enable/disable name for a machine. */
#include <stdlib.h>

#include "machinectl-unit.h"
#include "macro.h"
#include "tests.h"

TEST(unit_names) {
        char *u;

        u = machine_unit_name("web");
        ASSERT_STREQ(u, "nspawn@web.service");
        free(u);
        /* The instance is the name as it is: "-M %i" gets it back unchanged. */
        u = machine_unit_name("a.b-c");
        ASSERT_STREQ(u, "nspawn@a.b-c.service");
        free(u);
        /* No unit for what is no machine name (a path, an option, a unit of its own). */
        ASSERT_TRUE(machine_unit_name("a/b") == NULL);
        ASSERT_TRUE(machine_unit_name("") == NULL);
        ASSERT_TRUE(machine_unit_name("-x") == NULL);
        ASSERT_TRUE(machine_unit_name("a b") == NULL);
        ASSERT_TRUE(machine_unit_name("x@y") == NULL);
        ASSERT_TRUE(machine_unit_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == NULL);
}

DEFINE_TEST_MAIN
