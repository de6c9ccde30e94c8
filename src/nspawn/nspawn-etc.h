/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* /etc/resolv.conf and /etc/localtime as systemd-nspawn's "auto" modes make them: copied from the
 * host into a writable tree, bind-mounted over existing files of a read-only one, the localtime
 * symlink pointed at the host's zone when the tree has that zone. Nothing is written through a
 * symlink: a resolv.conf that is a symlink is left alone. Returns the failing file in *ret_what. */
int etc_setup(int root_fd, bool read_only, bool private_network, const char **ret_what);
