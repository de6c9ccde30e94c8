/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "nspawn-settings.h"

/* The parent/child channel: a SOCK_SEQPACKET pair, one SyncMessage per packet.
 *
 * Start-up is a handshake of named steps (SyncStep), in the order of the enum. For each step of the
 * plan (SyncPlan, a bit per step, computed by the parent before clone() and handed to the child):
 *
 *      child                                   parent
 *        [the previous step's work]            its handler for the step (logs its own failures)
 *        SYNC_STEP_READY {step}      ----->    (waits for it)
 *                                    <-----    SYNC_STEP_DONE {step}
 *        its handler for the step
 *
 * The parent's part runs while the child works its way to the step (nothing of it waits for the
 * child: cgroup placement, id maps of a user namespace made by clone(), links moved into the network
 * namespace made by clone()); READY says the child got there and now waits, DONE lets it go on.
 * Each side checks that the message it gets is the one the plan says comes next: another step, a
 * message of another type, or a packet of the wrong size is an error naming what was expected and
 * what arrived. Adding a step is one enum entry (its place is its order), one bit in
 * sync_plan_build() when it is needed, and its handlers: the parent's in nspawn-launch.c
 * (launch_steps[]), the child's in nspawn-child.c (child_steps[], run after SYNC_STEP_DONE). A
 * step whose parent part needs the child's work first (a user namespace made by unshare() rather than
 * by clone()) would have the parent wait for READY before its handler.
 *
 * Apart from the handshake, and at any point of it, the child reports a failed set-up step as
 * SYNC_ERROR {step, errno, detail} and exits; the parent logs it once, with context. The child closes
 * its end on a successful execve() (O_CLOEXEC), which the parent sees as EOF. */

typedef enum ChildStep {
        STEP_NONE,
        STEP_HANDSHAKE,         /* detail: the handshake step, and what arrived instead */
        STEP_NAMESPACE,
        STEP_HOSTNAME,
        STEP_MOUNT,
        STEP_MKDIR,
        STEP_MASK,
        STEP_DEVICE,
        STEP_CONSOLE,
        STEP_ETC,
        STEP_PIVOT_ROOT,
        STEP_NETWORK,
        STEP_USER,
        STEP_USER_UNKNOWN,
        STEP_USER_DB,
        STEP_CHDIR,
        STEP_CAPABILITIES,
        STEP_SECCOMP,
        STEP_FORK,
        STEP_EXEC_NOT_FOUND,
        STEP_EXEC,
        STEP_INIT_LINK,
        STEP_FDS,
        STEP_PARENT_DEATH_SIGNAL,
        STEP_USER_DB_NOT_REGULAR,
        STEP_GETCWD,
        STEP_CHDIR_OUTSIDE,
        _STEP_MAX,
} ChildStep;

/* The handshake's steps, in the order they happen. */
typedef enum SyncStep {
        SYNC_STEP_CGROUP_PLACED,        /* the parent put the child in its cgroup in every hierarchy: the
                                         * child may make its cgroup namespace */
        SYNC_STEP_ID_MAPS_WRITTEN,      /* the parent wrote uid_map/gid_map of the child's user
                                         * namespace (--private-users): the child becomes its root */
        SYNC_STEP_NETWORK_READY,        /* the parent made the container's links in its network
                                         * namespace (--network-veth) */
        SYNC_STEP_GO,                   /* registered: the child sets up the tree and runs the payload */
        _SYNC_STEP_MAX,
        _SYNC_STEP_INVALID = -EINVAL,
} SyncStep;

typedef uint32_t SyncPlan;
#define SYNC_PLAN_STEP(step) ((SyncPlan) 1 << (step))

typedef enum SyncMessageType {
        SYNC_ERROR,             /* child -> parent: {ChildStep, errno, detail}, then it exits */
        SYNC_CONSOLE_FD,        /* child -> parent: carries the pty master as SCM_RIGHTS */
        SYNC_STEP_READY,        /* child -> parent: {SyncStep}: the child reached the step */
        SYNC_STEP_DONE,         /* parent -> child: {SyncStep}: the parent did its part of the step */
        SYNC_MOUNT_FD,          /* parent -> child, before a SYNC_STEP_DONE: a detached mount tree as
                                 * SCM_RIGHTS, for slot `step` (SYNC_SLOT_ROOT, or a mount plan entry) */
        _SYNC_MESSAGE_TYPE_MAX,
} SyncMessageType;

typedef struct SyncMessage {
        int32_t type;
        int32_t step;           /* ChildStep for SYNC_ERROR, SyncStep for SYNC_STEP_* */
        int32_t error;          /* positive errno */
        char detail[256];
} SyncMessage;

const char *sync_step_to_string(SyncStep step);
/* The steps this container's start-up goes through. */
SyncPlan sync_plan_build(const Settings *s);
/* The first step of plan after `after` (-1: the first of all), or _SYNC_STEP_MAX. */
SyncStep sync_plan_next(SyncPlan plan, int after);
#define SYNC_PLAN_FOREACH(step, plan) \
        for (SyncStep step = sync_plan_next((plan), -1); step < _SYNC_STEP_MAX; step = sync_plan_next((plan), step))

int sync_send_step(int fd, SyncMessageType type, SyncStep step);
/* Checks a received packet of n bytes against the expected type and step: 0 if it is that message,
 * -EPROTO for a well-formed message of another type or step, -EBADMSG for a packet of the wrong size
 * or with a type or step out of range. */
int sync_check_step(const SyncMessage *m, size_t n, SyncMessageType type, SyncStep step);
/* Writes what was expected and what arrived instead into buf (no colons: it goes inside a message
 * whose reason follows a colon). r is what receiving or checking returned. */
void sync_describe_step_failure(char *buf, size_t size, SyncStep step, const SyncMessage *m, int r);
/* The child's side of one step: SYNC_STEP_READY {step}, then wait for SYNC_STEP_DONE {step}. The
 * parent may send SYNC_MOUNT_FD messages before the DONE: each fd goes into slots[its slot] (a slot
 * out of range, filled twice, or a message without an fd is a protocol error; slots may be NULL when
 * none are expected). A failure leaves a description in detail (what arrived instead). Plain
 * sendmsg() and recvmsg(), no allocation: it runs in the child after clone(). */
int sync_child_step(int fd, SyncStep step, int *slots, size_t n_slots, char *detail, size_t detail_size);
/* Slots of the detached mount trees the parent hands over: the root, then one per mount plan entry. */
#define SYNC_SLOT_ROOT 0
#define SYNC_SLOT_ENTRY(i) ((i) + 1)
/* Sends mount_fd for slot. */
int sync_send_mount_fd(int fd, int slot, int mount_fd);
/* The parent's wait for the child's SYNC_STEP_READY {step}: 0 when it came; -EPIPE at EOF (the child
 * exited); -EPROTO with the message in *ret when another one came (a SYNC_ERROR, usually); -EBADMSG for
 * a garbled packet. */
int sync_wait_ready(int fd, SyncStep step, SyncMessage *ret);

int sync_send_error(int fd, ChildStep step, int error, const char *detail);
int sync_send_fd(int fd, int payload_fd);
/* Returns 0 on EOF, 1 when *ret (and possibly *ret_fd) was filled. */
int sync_receive(int fd, SyncMessage *ret, int *ret_fd);
/* A translated description of a failed step for the parent's log, with %s for the detail. */
const char *child_step_format(ChildStep step);
/* Logs a child's SYNC_ERROR once, its detail (guest data, maybe) escaped. */
void sync_log_child_error(const SyncMessage *m);
/* Logs a SYNC_ERROR that the child left on the channel before it exited, if there is one (behind
 * ready messages not read yet): for a failure the parent notices first (the child is gone while it is
 * being placed, a SYNC_STEP_DONE cannot be sent). Returns true if it logged one. */
bool sync_log_pending_child_error(int fd);
