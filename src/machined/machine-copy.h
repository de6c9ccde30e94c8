/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "machine.h"

/* Copying files between the host and a running container (CopyToMachine, CopyFromMachine): the
 * object side, transport-free. The work runs in an operation's child (operation.h). */

/* As systemd's MACHINE_COPY_REPLACE: an existing destination is replaced. */
#define MACHINE_COPY_REPLACE (UINT64_C(1) << 0)
/* Extension of machine1: missing parent directories of the destination are created (mode 0755). */
#define MACHINE_COPY_MKDIR (UINT64_C(1) << 1)
#define MACHINE_COPY_FLAGS_ALL (MACHINE_COPY_REPLACE | MACHINE_COPY_MKDIR)

/* A user namespace's uid_map or gid_map as /proc/PID/uid_map shows it to the host: lines of "first
 * id inside, first id outside (on the host), count". A process outside any user namespace shows the
 * identity ("0 0 4294967295"). */
#define ID_MAP_RANGES_MAX 340
typedef struct IdMapRange {
        uint32_t inside, outside, count;
} IdMapRange;
typedef struct IdMap {
        size_t n;
        IdMapRange ranges[ID_MAP_RANGES_MAX];
} IdMap;

int id_map_parse(const char *text, IdMap *ret);
bool id_map_is_identity(const IdMap *m);
/* -EOVERFLOW when the id is in no range. */
int id_map_to_outside(const IdMap *m, uint32_t inside, uint32_t *ret);
int id_map_to_inside(const IdMap *m, uint32_t outside, uint32_t *ret);

typedef struct MachineCopy {
        pid_t leader;
        int leader_pidfd;       /* the machine's; valid in the forked child */
        bool to_machine;
        char *host_path;        /* absolute, normalized, not "/" */
        char *guest_path;       /* absolute, normalized, not "/" */
        uint64_t flags;
        /* The name the copy is built under in the destination's directory: chosen here, so that
         * machined knows what to remove when the work is killed (machine_copy_abandon()). */
        char temporary_name[32];
} MachineCopy;

/* Checks the paths and the flags (-EINVAL: not absolute, not normalized, "/"; -EOPNOTSUPP: unknown
 * flags) and copies them. */
int machine_copy_new(const Machine *machine, bool to_machine, const char *host_path, const char *guest_path,
                     uint64_t flags, MachineCopy **ret);
void machine_copy_free(void *userdata);

/* An OperationWork: copies host_path to guest_path inside the machine (to_machine) or back. Guest paths
 * are resolved in the machine's root (/proc/LEADER/root, with RESOLVE_IN_ROOT): neither ".." nor a
 * symlink of the guest's leads out of it, and inside a copied tree nothing is followed at all. Owners
 * are shifted through the machine's uid_map and gid_map: a host owner becomes the guest's owner of the
 * same number (copy-to), a guest owner its number as the guest sees it (copy-from); an owner that has
 * no counterpart refuses the copy (-EOVERFLOW). On failure, message names the path. */
int machine_copy_work(void *userdata, char *message, size_t message_size);

/* After a copy that failed without cleaning up (its worker was killed: the client left, or the OOM
 * killer): removes the temporary copy, in a process of its own (double-forked, so that nobody has to
 * wait for it), leaving machined's main loop free. */
void machine_copy_abandon(const MachineCopy *c);

/* Reads the leader's uid_map and gid_map (checked against its pidfd after reading). */
int machine_read_id_maps(pid_t leader, int leader_pidfd, IdMap *ret_uid_map, IdMap *ret_gid_map);
/* Makes the calling process (a worker) create files in the guest as the guest's root: its file system
 * ids become the host ids of the guest's root, keeping its capabilities. An id-mapped root (nspawn -U
 * with the default ownership) refuses to create files for an fsuid it cannot map (host root), and
 * directories made with --mkdir belong to the guest's root, not to an id it cannot see. */
int machine_fs_ids_as_guest_root(const IdMap *uid_map, const IdMap *gid_map);

/* Absolute, normalized (no "." or ".."), not "/", no control characters, shorter than PATH_MAX. */
bool machine_path_is_valid(const char *p);
/* For -ESRCH, the message that says the machine went away; returns r. */
int machine_gone_message(int r, char *message, size_t size);
