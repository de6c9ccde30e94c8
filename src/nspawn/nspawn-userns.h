/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* --private-users= and --private-users-ownership= (systemd-nspawn(1)). */
typedef enum PrivateUsersMode {
        PRIVATE_USERS_NO,
        PRIVATE_USERS_YES,      /* the range starts at the owner of the tree's root directory */
        PRIVATE_USERS_PICK,     /* a free range chosen from a hash of the machine name */
        PRIVATE_USERS_IDENTITY, /* 0:65536 mapped onto itself */
        PRIVATE_USERS_FIXED,    /* UID[:COUNT] */
        _PRIVATE_USERS_MODE_MAX,
        _PRIVATE_USERS_MODE_INVALID = -EINVAL,
} PrivateUsersMode;

typedef enum UsersOwnership {
        USERS_OWNERSHIP_OFF,
        USERS_OWNERSHIP_CHOWN,
        USERS_OWNERSHIP_MAP,    /* id-mapped mounts: the tree on disk keeps its ownership */
        USERS_OWNERSHIP_AUTO,   /* map where the file system can, else chown */
        _USERS_OWNERSHIP_MAX,
        _USERS_OWNERSHIP_INVALID = -EINVAL,
} UsersOwnership;

#define USERNS_RANGE 0x10000U
#define USERNS_PICK_FIRST 0x00080000U
#define USERNS_PICK_END 0x6fff0000U     /* exclusive */
#define USERNS_PICK_SLOTS ((USERNS_PICK_END - USERNS_PICK_FIRST) / USERNS_RANGE)

/* Parses the value of --private-users=. -EINVAL for an unknown word or a bad number, -ERANGE for a
 * COUNT other than 65536 or a UID that is not a multiple of 65536 or that overlaps the host's users
 * (below 65536) or the top of the id space. */
int private_users_parse(const char *s, PrivateUsersMode *ret_mode, uint32_t *ret_shift);
UsersOwnership users_ownership_from_string(const char *s);
const char *users_ownership_to_string(UsersOwnership o);

/* The i-th candidate of `pick` for a machine name: the hash's slot first, then the next ones,
 * wrapping around, all 65536-aligned in [USERNS_PICK_FIRST, USERNS_PICK_END). */
uint32_t userns_pick_candidate(const char *machine, uint32_t i);

/* Takes the lock of the range at shift (a file under dir, flock()ed; the fd is the lock, it is gone
 * with the process). -EBUSY when another running container holds it. */
int userns_range_lock(const char *dir, uint32_t shift, int *ret_fd);
/* Releases it: unlinks the file (while still holding it, so nobody holds a lock on a removed file)
 * and closes the fd. */
void userns_range_unlock(const char *dir, uint32_t shift, int fd);
/* pick: the first candidate whose lock is free. */
int userns_range_pick(const char *dir, const char *machine, uint32_t *ret_shift, int *ret_fd);

typedef struct UsersChownProgress {
        void (*fn)(uint64_t n_files, void *userdata);
        void *userdata;
        uint64_t n_files;
} UsersChownProgress;

/* Shifts the ownership of the tree at root_fd to start at shift, once: ids of the range the root
 * directory's owner is in (its 65536-aligned base) move to the same offset in the new range; the
 * root directory is done last, so its owner records a completed shift. Returns 0 when nothing was to
 * be done, 1 when it shifted. progress, if not NULL, counts the entries
 * shifted and calls its fn every 1024 of them. */
int userns_chown_tree(int root_fd, uint32_t shift, UsersChownProgress *progress);

/* Writes "0 shift range" into /proc/pid/uid_map and gid_map. */
int userns_write_maps(pid_t pid, uint32_t shift, uint32_t range);
