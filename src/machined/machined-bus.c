/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "machine-name.h"
#include "machined-bus.h"
#include "string-util.h"

/* Who is calling: always from the bus (the sender's credentials), never from the message body. */

/* The bus daemon answers GetConnectionCredentials with what it saw when the peer connected, and it
 * never hands a unique name out twice: the answer for a sender can be kept. A small ring of recent
 * senders saves the synchronous round trip to the daemon on every state-changing call. */
typedef struct SenderEuid {
        char sender[64];
        uid_t euid;
} SenderEuid;

static SenderEuid sender_cache[32];
static unsigned sender_cache_next;

static bool sender_cache_lookup(const char *sender, uid_t *ret) {
        for (size_t i = 0; i < sizeof(sender_cache) / sizeof(sender_cache[0]); i++)
                if (sender_cache[i].sender[0] && strcmp(sender_cache[i].sender, sender) == 0) {
                        *ret = sender_cache[i].euid;
                        return true;
                }
        return false;
}

static void sender_cache_add(const char *sender, uid_t euid) {
        SenderEuid *e = &sender_cache[sender_cache_next++ % (sizeof(sender_cache) / sizeof(sender_cache[0]))];

        if (strlen(sender) >= sizeof(e->sender))
                return;
        strcpy(e->sender, sender);
        e->euid = euid;
}

int bus_verify_root(sd_bus_message *msg, sd_bus_error *error) {
        sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(msg);
        uid_t euid = 1;
        int r = 0;

        /* Only unique names (":1.42") are cached; they cannot be taken over by another peer. */
        if (!sender || sender[0] != ':' || !sender_cache_lookup(sender, &euid)) {
                r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
                if (r >= 0)
                        r = sd_bus_creds_get_euid(creds, &euid);
                sd_bus_creds_unref(creds);
                if (r >= 0 && sender && sender[0] == ':')
                        sender_cache_add(sender, euid);
        }
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

/* Length of the UTF-8 sequence that starts with byte c (sd-bus has checked that strings are valid). */
static size_t utf8_lead_length(unsigned char c) {
        return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
}

const char *bus_arg_excerpt(const char *s, char buf[static BUS_ARG_EXCERPT_SIZE]) {
        const unsigned char *p = (const unsigned char *) strempty(s);
        size_t used = 0;
        char *w = buf;

        while (*p) {
                size_t n = utf8_lead_length(*p);

                for (size_t i = 1; i < n; i++)
                        if (!p[i])
                                n = 1; /* Not from the bus (which checks UTF-8): no read past the end. */

                if (used + n > BUS_ARG_EXCERPT_MAX) {
                        w = stpcpy(w, "…");
                        break;
                }
                /* C0, DEL and C1 (U+0080..U+009F, 0xc2 0x80..0x9f): the reader's terminal may act on them. */
                if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
                        for (size_t i = 0; i < n; i++)
                                w += sprintf(w, "\\x%02x", p[i]);
                } else {
                        memcpy(w, p, n);
                        w += n;
                }
                used += n;
                p += n;
        }
        *w = 0;
        return buf;
}


int bus_machine_path(const char *name, char **ret) {
        return sd_bus_path_encode(MACHINE1_MACHINE_PREFIX, name, ret);
}

int bus_pending_new(sd_bus_message *msg, BusPending **ret) {
        BusPending *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->msg = sd_bus_message_ref(msg);
        *ret = p;
        return 0;
}

BusPending *bus_pending_free(BusPending *p) {
        if (!p)
                return NULL;
        sd_bus_message_unref(p->msg);
        free(p);
        return NULL;
}

void bus_pending_reply_error(BusPending *p, const sd_bus_error *error) {
        int r = sd_bus_reply_method_error(p->msg, error);

        if (r < 0)
                log_warning_errno(r, "Failed to send the error reply to %s(), ignoring: %m",
                                  strempty(sd_bus_message_get_member(p->msg)));
}

int bus_reply_pairs(sd_bus_message *msg, char **l) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        for (char **k = l; k && k[0] && k[1]; k += 2) {
                r = sd_bus_message_append(reply, "{ss}", k[0], k[1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int bus_lookup_machine(Manager *m, const char *name, Machine **ret, sd_bus_error *error) {
        Machine *machine;

        if (!machine_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid machine name '%s'", BUS_ARG(name));
        machine = manager_get_machine(m, name);
        if (!machine || !manager_machine_gc(m, machine))
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_MACHINE, "No machine '%s' known", name);
        *ret = machine;
        return 0;
}

int bus_read_machine(sd_bus_message *msg, Manager *m, Machine **ret, sd_bus_error *error) {
        const char *name;
        int r = sd_bus_message_read(msg, "s", &name);

        if (r < 0)
                return r;
        return bus_lookup_machine(m, name, ret, error);
}
