/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Installs the container's system call filter, for every ABI of the architecture (x86-64, x32,
 * i386): EPERM for module loading, kexec, swap, port I/O, the keyring, open_by_handle_at and acct, and
 * for the terminal ioctls that push input into a terminal (TIOCSTI, TIOCLINUX): the container's root
 * holds CAP_SYS_ADMIN, so a new session alone does not keep it from typing into the host's terminal
 * in pipe mode. The BPF is built from small tables at start-up, no compiler library involved. */
int seccomp_install_container_filter(void);
