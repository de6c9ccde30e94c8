/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "machined-bus.h"

/* Who is calling: always from the bus (the sender's credentials), never from the message body. */

int bus_verify_root(sd_bus_message *msg, sd_bus_error *error) {
        sd_bus_creds *creds = NULL;
        uid_t euid = 1;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        sd_bus_creds_unref(creds);
        if (r < 0 || euid != 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied: this call needs root.");
        return 0;
}

int bus_sender_pid(sd_bus_message *msg, pid_t *ret) {
        sd_bus_creds *creds = NULL;
        int r;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_PID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_pid(creds, ret);
        sd_bus_creds_unref(creds);
        return r;
}
