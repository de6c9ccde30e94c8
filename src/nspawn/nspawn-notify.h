/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The largest notification accepted from the guest (sd_notify messages are short): a longer
 * datagram is refused whole, never taken in part. */
#define NOTIFY_MESSAGE_MAX 4096

typedef enum NotifyVerdict {
        NOTIFY_ACCEPTED,        /* from the container's PID 1: buf holds the text */
        NOTIFY_NO_CREDENTIALS,  /* ignored: the kernel gave no sender (or it did not fit) */
        NOTIFY_WRONG_SENDER,    /* ignored: another process of the guest sent it */
        NOTIFY_TOO_LONG,        /* ignored: longer than NOTIFY_MESSAGE_MAX - 1 bytes */
} NotifyVerdict;

/* Receives one datagram from the notify socket (SO_PASSCRED set). Any fds passed with it are closed.
 * Returns a NotifyVerdict (>= 0) and stores the sender's pid (as seen by us, 0 if unknown) in
 * *ret_sender; -EAGAIN when nothing is queued; another negative errno on failure. buf (size bytes, at
 * most NOTIFY_MESSAGE_MAX used) is NUL-terminated on NOTIFY_ACCEPTED. */
int notify_receive(int fd, pid_t leader, char *buf, size_t size, pid_t *ret_sender);
