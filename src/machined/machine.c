/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fd-util.h"
#include "machine.h"
#include "unit-property.h"
#include "string-util.h"

static const char *const machine_class_table[_MACHINE_CLASS_MAX] = {
        [MACHINE_CONTAINER] = "container",
        [MACHINE_VM] = "vm",
};

static const char *const machine_state_table[_MACHINE_STATE_MAX] = {
        [MACHINE_OPENING] = "opening",
        [MACHINE_RUNNING] = "running",
        [MACHINE_CLOSING] = "closing",
};

static const char *const kill_whom_table[_KILL_WHOM_MAX] = {
        [KILL_LEADER] = "leader",
        [KILL_ALL] = "all",
};

int machine_new(const char *name, Machine **ret) {
        _cleanup_(machine_freep) Machine *m = calloc(1, sizeof(Machine));

        if (!m)
                return -ENOMEM;
        m->leader_pidfd = -EBADF;
        m->class = MACHINE_CONTAINER;
        m->state = MACHINE_OPENING;
        m->name = strdup(name);
        m->service = strdup("");
        m->root_directory = strdup("");
        m->unit = strdup("");
        if (!m->name || !m->service || !m->root_directory || !m->unit)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

Machine *machine_free(Machine *m) {
        if (!m)
                return NULL;
        safe_close(m->leader_pidfd);
        free(m->name);
        free(m->service);
        free(m->root_directory);
        free(m->unit);
        free(m->cgroup);
        free(m->netif);
        unit_properties_free(m->properties);
        free(m->opening_error);
        free(m);
        return NULL;
}

int machine_set_string(char **field, const char *value) {
        char *c = strdup(strempty(value));

        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

int machine_set_netif(Machine *m, const int *ifindices, size_t n) {
        int *c = NULL;

        if (n > 0) {
                c = malloc(n * sizeof(int));
                if (!c)
                        return -ENOMEM;
                memcpy(c, ifindices, n * sizeof(int));
        }
        free(m->netif);
        m->netif = c;
        m->n_netif = n;
        return 0;
}

const char *machine_class_to_string(MachineClass c) {
        return c >= 0 && c < _MACHINE_CLASS_MAX ? machine_class_table[c] : NULL;
}

MachineClass machine_class_from_string(const char *s) {
        if (isempty(s))
                return MACHINE_CONTAINER;
        for (int i = 0; i < _MACHINE_CLASS_MAX; i++)
                if (streq(s, machine_class_table[i]))
                        return (MachineClass) i;
        return _MACHINE_CLASS_INVALID;
}

const char *machine_state_to_string(MachineState s) {
        return s >= 0 && s < _MACHINE_STATE_MAX ? machine_state_table[s] : NULL;
}

MachineState machine_state_from_string(const char *s) {
        for (int i = 0; i < _MACHINE_STATE_MAX; i++)
                if (streq_ptr(s, machine_state_table[i]))
                        return (MachineState) i;
        return _MACHINE_STATE_INVALID;
}

const char *kill_whom_to_string(KillWhom w) {
        return w >= 0 && w < _KILL_WHOM_MAX ? kill_whom_table[w] : NULL;
}

KillWhom kill_whom_from_string(const char *s) {
        if (isempty(s))
                return KILL_ALL;
        for (int i = 0; i < _KILL_WHOM_MAX; i++)
                if (streq(s, kill_whom_table[i]))
                        return (KillWhom) i;
        return _KILL_WHOM_INVALID;
}
