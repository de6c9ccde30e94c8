/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

typedef struct Manager Manager;
typedef struct ScopeWatch ScopeWatch;

/* The collector of the scopes machined made (cgroupfs back end): a scope that no machine owns any more
 * (an unregistered machine whose processes still run, a leader that moved on, a machined that crashed
 * between the move and the state file) is removed as soon as it is empty. It is watched through its
 * cgroup.events file ("populated 0"), in machined's event loop, so nothing is polled. */

/* Removes the scope (an absolute cgroup path, "/machine.slice/machine-x.scope") now if it is empty, else
 * once it is. With check_ours, only a scope that carries machined's mark is touched. */
int manager_collect_scope(Manager *m, const char *cgroup, bool check_ours);
/* True while the scope is waited for (it had processes when it was handed over). */
bool scope_watch_pending(Manager *m, const char *cgroup);
/* A machine took the scope over: stop collecting it. */
void manager_forget_scope(Manager *m, const char *cgroup);
/* At start, after the machines are re-adopted: collects every scope machined made that no machine
 * owns. */
int manager_sweep_scopes(Manager *m);
/* Frees the watches (machined stops; the scopes stay for the next one to sweep). */
void scope_watches_free(Manager *m);
