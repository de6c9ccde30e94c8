/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "log.h"
#include "machinectl-bus.h"
#include "machinectl-format.h"
#include "string-util.h"
#include "strv.h"

/* Long enough for a loaded machined, short enough that a missing one is reported at once. */
#define REACH_TIMEOUT_USEC (2 * USEC_PER_SEC)
/* Through ssh: its handshake, and maybe a passphrase typed on the terminal. A refused or failed
 * connection ends sooner: ssh exits and the bus sees the end of its stream. */
#define REACH_REMOTE_TIMEOUT_USEC (60 * USEC_PER_SEC)

typedef struct PingState {
        bool done;
        int error;
        sd_bus_error bus_error;
} PingState;

static int on_ping_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        PingState *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        s->done = true;
        if (e) {
                s->error = -(sd_bus_message_get_errno(m) ?: EIO);
                (void) sd_bus_error_copy(&s->bus_error, e);
        }
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* sd_bus_call() waits for the authentication without the method call timeout (a hung or stopped
 * bus would block us for 25 s or more), so the first call runs against a deadline of our own. */
static int ping_registry(sd_bus *bus, uint64_t timeout, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        PingState s = { .bus_error = SD_BUS_ERROR_NULL };
        uint64_t deadline = now_usec() + timeout;
        int r;

        /* Not Peer.Ping: systemd-stdio-bridge (the far end of -H) answers that itself, for any
         * destination, and may answer it before Hello, which sd-bus takes for a broken bus (EIO).
         * A property of the registry's is answered by machined alone. */
        r = sd_bus_call_method_async(bus, &slot, MACHINE1_SERVICE, MACHINE1_PATH, "org.freedesktop.DBus.Properties",
                                     "Get", on_ping_reply, &s, "ss", MACHINE1_MANAGER, "PoolPath");
        while (r >= 0 && !s.done) {
                uint64_t n = now_usec();
                if (n >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, deadline - n);
        }
        if (r >= 0 && s.error < 0) {
                r = s.error;
                sd_bus_error_move(ret_error, &s.bus_error);
        }
        sd_bus_error_free(&s.bus_error);
        return r < 0 ? r : 0;
}

int bus_open_system_at(const char *host, sd_bus **ret) {
        /* sd-bus runs "ssh -xT [-p PORT] -- [USER@]HOST systemd-stdio-bridge": the remote side needs
         * nothing of ours but machined on its system bus. */
        if (host)
                return sd_bus_open_system_remote(ret, host);
        return sd_bus_open_system(ret);
}

int machine1_connect(const char *host, sd_bus **ret) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        uint64_t timeout = host ? REACH_REMOTE_TIMEOUT_USEC : REACH_TIMEOUT_USEC;
        int r;

        r = bus_open_system_at(host, &bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, timeout);
        if (r >= 0)
                r = ping_registry(bus, timeout, &error);
        if (r < 0) {
                _cleanup_free_ char *message = NULL;

                if (sd_bus_error_is_set(&error))
                        message = escape_untrusted(error.message ?: error.name);
                if (host && message)
                        log_error(_("Could not reach the machine registry (machined) on host %s: %s"), host, message);
                else if (host)
                        log_error_errno(r, _("Could not reach the machine registry (machined) on host %s (through ssh): %m"), host);
                else if (message)
                        log_error(_("Could not reach the machine registry (machined) on the system bus: %s"), message);
                else
                        log_error_errno(r, _("Could not reach the machine registry (machined) on the system bus: %m"));
                return r;
        }
        /* Back to the default (25 s, or $SYSTEMD_BUS_TIMEOUT) for the real work. */
        (void) sd_bus_set_method_call_timeout(bus, 0);

        *ret = TAKE_PTR(bus);
        return 0;
}

int log_machine_error(const char *name, const sd_bus_error *error, int r, const char *what) {
        _cleanup_free_ char *e = escape_untrusted(name);

        if (!e)
                return log_oom();
        if (sd_bus_error_has_name(error, MACHINE1_NO_SUCH_MACHINE)) {
                log_error(_("No machine '%s' known"), e);
                return -ENXIO;
        }
        if (sd_bus_error_is_set(error)) {
                _cleanup_free_ char *m = escape_untrusted(error->message ?: error->name);
                if (!m)
                        return log_oom();
                log_error("%s '%s': %s", what, e, m);
        } else
                log_error_errno(r, "%s '%s': %m", what, e);
        return r < 0 ? r : -EIO;
}

int machine1_get_machine_path(sd_bus *bus, const char *name, char **ret) {
        _cleanup_bus_error_ sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = sd_bus_call_method(bus, MACHINE1_SERVICE, MACHINE1_PATH, MACHINE1_MANAGER, "GetMachine",
                               &error, &reply, "s", name);
        if (r < 0)
                return log_machine_error(name, &error, r, _("Could not get machine"));
        r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0) {
                *ret = strdup(path);
                r = *ret ? 0 : -ENOMEM;
        }
        if (r < 0)
                return log_error_errno(r, _("Failed to parse the reply of GetMachine: %m"));
        return 0;
}

int bus_read_addresses(sd_bus_message *m, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "(iay)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'r', "iay")) > 0) {
                char buf[INET6_ADDRSTRLEN];
                const void *p;
                size_t n;
                int family;

                r = sd_bus_message_read(m, "i", &family);
                if (r < 0)
                        return r;
                r = sd_bus_message_read_array(m, 'y', &p, &n);
                if (r < 0)
                        return r;
                if (format_in_addr(family, p, n, buf, sizeof(buf)) >= 0 && strv_extend(&l, buf) < 0)
                        return -ENOMEM;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int bus_read_os_release(sd_bus_message *m, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *k, *v;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
                char *a = strjoin(k, "=", v);
                if (!a || strv_consume(&l, a) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int bus_process_or_wait(sd_bus *bus) {
        int r;

        r = sd_bus_process(bus, NULL);
        if (r < 0)
                return log_error_errno(r, _("Failed to process the bus: %m"));
        if (r > 0)
                return 0;
        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0)
                return log_error_errno(r, _("Failed to wait on the bus: %m"));
        return 0;
}
