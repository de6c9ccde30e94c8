/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "nspawn-mount.h"
#include "nspawn-settings.h"
#include "parse-util.h"

/* --link-journal= as systemd-nspawn(1) defines it, in the launcher before clone(), with the host's
 * credentials: /var/log/journal/ID made in the tree (each part a real directory, never a symlink of
 * the guest's), then on the host either a symlink to it (guest) or a directory of its own (host) that
 * the plan binds over it. What is made on the host stays, as the mode promises: the directory of
 * host, the symlink of guest. Logs and returns a negative errno where the mode cannot be carried out
 * (the try- modes and auto never fail for that). */
int journal_link_prepare(const Settings *s, const char *root_path, int root_fd, bool is_image, bool writable,
                         const Id128 *machine_id, MountPlan *plan);
