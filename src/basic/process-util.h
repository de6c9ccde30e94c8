/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <sys/types.h>

int pidfd_open_(pid_t pid);
int pidfd_send_signal_(int pidfd, int sig);
/* Waits for a child, retrying on EINTR; returns its exit status in shell form
 * (exit code, or 128+signal for a signal death). */
int wait_for_child(pid_t pid, int *ret_status);
int sigprocmask_many(int how, sigset_t *old, ...);
/* Sets every signal's disposition back to SIG_DFL (SIGKILL and SIGSTOP cannot be changed, and the
 * signals libc reserves for itself are skipped): an ignored signal stays ignored across execve().
 * Async-signal-safe. */
int reset_all_signal_handlers(void);
/* Unblocks every signal. Async-signal-safe. */
int reset_signal_mask(void);
