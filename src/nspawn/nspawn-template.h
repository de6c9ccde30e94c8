/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --template=: when directory does not exist, makes it from template: a btrfs snapshot where template
 * is a subvolume on the same file system, else a copy that keeps owners, modes, times, links and
 * extended attributes (reflinked where the file system can), made under a temporary name beside it and
 * renamed into place only when complete. Nothing is done when directory exists. Logs one line naming
 * the path on failure. */
int template_instantiate(const char *template, const char *directory);
