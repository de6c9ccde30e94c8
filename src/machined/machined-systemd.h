/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* Chooses the systemd back end when PID 1 is systemd: /run/systemd/system exists and
 * org.freedesktop.systemd1 answers on the system bus (Subscribe). Opens the back end's own bus
 * connection (its calls and PID 1's signals), attached to the manager's event loop, and sets
 * m->cgroup and m->systemd. Returns 1 when chosen, 0 when the cgroupfs back end stays (logged at debug
 * level either way), < 0 only when out of memory. Call before manager_load_machines(). */
int manager_setup_systemd(Manager *m);
