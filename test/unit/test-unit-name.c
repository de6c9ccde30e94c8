/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "unit-name.h"

static void check_scope(const char *machine, const char *expected) {
        _cleanup_free_ char *u = machine_scope_unit_name(machine);
        ASSERT_STREQ(u, expected);
}

TEST(scope_names) {
        check_scope("inner", "machine-inner.scope");
        /* systemd escapes the dash: machine-a\x2db.scope, as systemd-machined names it. */
        check_scope("a-b", "machine-a\\x2db.scope");
        check_scope("a.b_c:d", "machine-a.b_c:d.scope");
}

static void check_path(const char *unit, const char *expected) {
        _cleanup_free_ char *p = unit_dbus_path_from_name(unit), *back = NULL;
        ASSERT_STREQ(p, expected);
        ASSERT_OK(unit_name_from_dbus_path(p, &back));
        ASSERT_STREQ(back, unit);
}

TEST(unit_paths) {
        check_path("machine-inner.scope", "/org/freedesktop/systemd1/unit/machine_2dinner_2escope");
        check_path("machine-a\\x2db.scope", "/org/freedesktop/systemd1/unit/machine_2da_5cx2db_2escope");
        check_path("nspawn@x.service", "/org/freedesktop/systemd1/unit/nspawn_40x_2eservice");
}

TEST(unit_paths_refused) {
        char *u = NULL;
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/job/12", &u), -EINVAL);
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/unit/", &u), -EINVAL);
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/unit/a/b", &u), -EINVAL);
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/unit/a_2", &u), -EINVAL);
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/unit/a_zz", &u), -EINVAL);
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/unit/a_00", &u), -EINVAL);
        /* One spelling per name: an escaped letter is not the letter. */
        ASSERT_EQ(unit_name_from_dbus_path("/org/freedesktop/systemd1/unit/_61", &u), -EINVAL);
        ASSERT_TRUE(u == NULL);
}

TEST(active_states) {
        ASSERT_TRUE(unit_active_state_is_stopped("inactive"));
        ASSERT_TRUE(unit_active_state_is_stopped("failed"));
        ASSERT_FALSE(unit_active_state_is_stopped("active"));
        ASSERT_FALSE(unit_active_state_is_stopped("deactivating"));
        ASSERT_FALSE(unit_active_state_is_stopped("activating"));
        ASSERT_FALSE(unit_active_state_is_stopped("reloading"));
}

TEST(job_results) {
        ASSERT_EQ(job_result_to_errno("done"), 0);
        ASSERT_EQ(job_result_to_errno("canceled"), -ECANCELED);
        ASSERT_EQ(job_result_to_errno("timeout"), -ETIMEDOUT);
        ASSERT_EQ(job_result_to_errno("failed"), -EIO);
        ASSERT_EQ(job_result_to_errno("dependency"), -ENOLINK);
        ASSERT_EQ(job_result_to_errno("skipped"), -EIO);
}

static void check_slice(const char *slice, const char *expected) {
        _cleanup_free_ char *p = NULL;
        ASSERT_OK(slice_cgroup_path(slice, &p));
        ASSERT_STREQ(p, expected);
}

TEST(slices) {
        check_slice("machine.slice", "/machine.slice");
        check_slice("a-b.slice", "/a.slice/a-b.slice");
        check_slice("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice");
        check_slice("-.slice", "");
        char *p = NULL;
        ASSERT_EQ(slice_cgroup_path("machine.scope", &p), -EINVAL);
        ASSERT_EQ(slice_cgroup_path("a--b.slice", &p), -EINVAL);
        ASSERT_EQ(slice_cgroup_path("a-.slice", &p), -EINVAL);
        ASSERT_EQ(slice_cgroup_path("-a.slice", &p), -EINVAL);
        ASSERT_EQ(slice_cgroup_path(".slice", &p), -EINVAL);
        ASSERT_EQ(slice_cgroup_path("a/b.slice", &p), -EINVAL);
        ASSERT_TRUE(p == NULL);
}

DEFINE_TEST_MAIN
