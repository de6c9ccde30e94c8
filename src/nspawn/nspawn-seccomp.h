/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Installs the container's system call filter. For now it refuses the terminal ioctls that push
 * input into a terminal (TIOCSTI, TIOCLINUX): the container's root holds CAP_SYS_ADMIN, so a new
 * session alone does not keep it from typing into the host's terminal in pipe mode. Every ABI of the
 * architecture is covered. The BPF is written by hand: nothing is compiled at start-up. */
int seccomp_install_container_filter(void);
