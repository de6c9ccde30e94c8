/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <string.h>

#include "machine-name.h"
#include "machine-validate.h"
#include "machine.h"
#include "path-util.h"
#include "string-util.h"

#define SERVICE_MAX 255
#define ROOT_DIRECTORY_MAX 4095

int machine_id_from_bytes(const void *p, size_t n, Id128 *ret) {
        if (n == 0) {
                *ret = (Id128) {};
                return 0;
        }
        if (n != sizeof(ret->bytes))
                return -EINVAL;
        memcpy(ret->bytes, p, sizeof(ret->bytes));
        return 0;
}

bool machine_root_directory_is_valid(const char *s) {
        if (isempty(s))
                return true;
        return strlen(s) <= ROOT_DIRECTORY_MAX && path_is_absolute(s) && path_is_normalized(s) &&
               !string_has_cc(s);
}

bool machine_service_is_valid(const char *s) {
        return s && strlen(s) <= SERVICE_MAX && !string_has_cc(s);
}

bool machine_signal_is_valid(int sig) {
        return sig > 0 && sig < _NSIG;
}

bool machine_ifindices_are_valid(const int32_t *ifindices, size_t n) {
        if (n > MACHINE_NETIF_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (ifindices[i] <= 0)
                        return false;
        return true;
}

bool machine_name_is_registrable(const char *name) {
        return machine_name_is_valid(name) && !streq(name, "self");
}
