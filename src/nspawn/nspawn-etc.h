/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "nspawn-etc-mode.h"
#include "nspawn-settings.h"

/* The launcher's look at the host, before clone(): what --resolv-conf= and --timezone= take from it.
 * Warns, once, about a mode that asks for a host file that is not there (systemd-nspawn goes on
 * without it, as nspawn does). */
void etc_host_facts_get(const Settings *s, EtcHostFacts *ret);

/* /etc/resolv.conf and /etc/localtime of the container as --resolv-conf= and --timezone= ask, in the
 * child before pivot_root (nspawn-etc-mode.h says which mode does what). Every file is opened relative
 * to the tree's /etc, resolved inside the tree; nothing is written or mounted through a symlink of the
 * guest's: where one is found, the file is replaced (replace modes) or left alone. In a read-only /etc
 * nothing is written. Returns the failing file in *ret_what. */
int etc_setup(int root_fd, const Settings *s, const EtcHostFacts *f, bool read_only, const char **ret_what);
