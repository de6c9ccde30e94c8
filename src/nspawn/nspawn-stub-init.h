/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* PID 1 for --as-pid2: reaps every orphan, forwards termination signals to the payload (SIGRTMIN+3,
 * the "halt" request of a booted system, becomes SIGTERM), and exits with the payload's status once
 * the payload is gone. Never returns. */
_Noreturn void stub_init_run(pid_t payload);
