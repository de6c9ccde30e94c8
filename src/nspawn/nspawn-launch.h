/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-rootfs.h"
#include "nspawn-settings.h"

/* Sets up, runs and supervises the container described by s, and cleans up after it. Returns a
 * negative errno (logged) when the container could not be started, otherwise 0 with the exit status
 * for nspawn in *ret_status. Takes over root (opened by settings_resolve()) and tears it down at the
 * end. */
int container_run(const Settings *s, RootStage *root, int *ret_status);
