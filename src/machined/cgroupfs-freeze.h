/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "machine.h"

/* The cgroupfs back end's freeze (CgroupBackend.freeze): cgroup.freeze on cgroup2, freezer.state on
 * a v1 freezer hierarchy where cgroup2 has none. done runs at once when the freezer is there already,
 * else from the event loop, with -ETIMEDOUT after 10 s (a freeze that timed out is undone). */
int cgroupfs_freeze(Machine *m, bool freeze, MachineDone done, void *userdata);
/* Drops a freeze or thaw in flight for m, without calling its done. */
void cgroupfs_freeze_cancel(Machine *m);
/* Thaws the machine's v1 freezer cgroup, if it has one that is not thawed. A task frozen by a v1
 * freezer does not die of SIGKILL until it is thawed (cgroup2's freezer lets fatal signals through),
 * and a thaw through cgroup2 leaves it frozen. */
int cgroupfs_thaw_v1(Machine *m);
