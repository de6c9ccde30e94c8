/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dissect.h"
#include "tests.h"
TEST(placeholder) { ASSERT_STREQ(partition_designator_to_string(PARTITION_ROOT), "root"); }
DEFINE_TEST_MAIN
