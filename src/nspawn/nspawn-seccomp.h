/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "nspawn-syscall-filter.h"

/* Installs the container's system call filter, for every ABI of the architecture that we have the
 * kernel's numbers for (x86-64, x32 and i386 on x86; the native ABI elsewhere; a process calling
 * through any other ABI is killed): EPERM for module loading, kexec, swap, port I/O, the keyring,
 * open_by_handle_at, acct and vhangup, and for the terminal ioctls that push input into a terminal or
 * hang it up (TIOCSTI, TIOCLINUX, TIOCVHANGUP): the container's root holds CAP_SYS_ADMIN, so a new
 * session alone does not keep it from typing into the host's terminal in pipe mode. host_terminal
 * (pipe mode: the payload gets the host's standard input and output, maybe a terminal) also refuses
 * TIOCSCTTY with a non-zero argument, which would steal that terminal from the operator's session.
 * f (--system-call-filter=, may be NULL) takes calls off the default list (allow) or adds calls and
 * groups to it (deny), on every ABI. The BPF is built from small tables at start-up, no compiler
 * library involved, without allocating (this runs in the child). -EOPNOTSUPP: no table for this
 * architecture; -E2BIG: the filter does not fit the kernel's limit of instructions. */
int seccomp_install_container_filter(bool host_terminal, const SyscallFilter *f);
