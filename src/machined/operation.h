/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct Manager Manager;
typedef struct Operation Operation;

/* Long work (a copy, a clone) runs in a forked child of machined, so that the main loop serves other
 * calls meanwhile; the bus call that asked for it is answered when the child exits. A client that
 * leaves the bus cancels its work: the child is killed. */

#define OPERATIONS_MAX 64
#define OPERATION_MESSAGE_MAX 1024

/* Runs in the forked child. machined is single-threaded, so the child may do anything (setns, chdir,
 * fork again, drop privileges); it must not use machined's bus connections. Returns 0 or a negative
 * errno; on failure it may write a one-line message into message (NUL-terminated, at most
 * message_size bytes): it becomes the bus error's message. The child has PR_SET_PDEATHSIG(SIGKILL). */
typedef int (*OperationWork)(void *userdata, char *message, size_t message_size);
/* Runs in machined once the child is gone, error 0 on success. When set, it sends the reply itself
 * (values, or after renaming a temporary file into place); when NULL, an empty method return or the
 * error is sent. After a cancellation it is called with -ECANCELED and nothing can be replied. */
typedef int (*OperationDone)(Operation *o, sd_bus_message *request, int error, const char *message,
                             void *userdata);
/* Each line the child passed to operation_progress(), in the main loop. */
typedef void (*OperationProgress)(Operation *o, const char *line, void *userdata);

typedef struct OperationSpec {
        OperationWork work;
        OperationDone done;
        OperationProgress progress;
        /* The caller's; freed with free_userdata (if set) when the operation is freed, also when
         * operation_start() fails. */
        void *userdata;
        void (*free_userdata)(void *userdata);
} OperationSpec;

/* Forks the child and watches it. On success the request is answered later: the caller's handler
 * returns 1. -EBUSY when OPERATIONS_MAX operations run already. */
int operation_start(Manager *m, sd_bus_message *request, const OperationSpec *spec, Operation **ret);
/* Child side only: one line of progress for the parent (dropped when it cannot be written). */
void operation_progress(const char *fmt, ...) _printf_(1, 2);
/* The error reply for error (a negative errno) with message, or a message made from the errno. */
int operation_reply_error(sd_bus_message *request, int error, const char *message);

/* The operations that run, for the manager's teardown: their children are killed, nothing is
 * replied. */
void operation_free_all(Manager *m);
size_t operation_count(Manager *m);
