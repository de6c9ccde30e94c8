/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "machine-join.h"

/* A login prompt on a new pty of the machine. Where the guest runs systemd (its /run/systemd/system
 * exists), the guest's own getty: container-getty@N.service, started through the guest's systemd on
 * its private socket (/run/systemd/private, so no D-Bus daemon is needed inside), as systemd-machined
 * does through the guest's bus. Elsewhere the guest's /bin/login, run as root on the pty.
 * ready is called once, as for machine_join_start() (bus_fd is always -EBADF). */
int machine_login_start(Machine *m, JoinReady ready, void *userdata, JoinStep *ret_step);

/* 1 when the guest's /run/systemd/system is a directory (sd_booted() inside), 0 when not. */
int machine_runs_systemd(Machine *m);
