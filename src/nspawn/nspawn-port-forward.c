/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "i18n.h"
#include "log.h"
#include "netlink-addr.h"
#include "netlink-util.h"
#include "nft-util.h"
#include "nspawn-port-forward.h"
#include "string-util.h"

#define PORT_LOCK "/run/nspawn/ports.lock"
#define PORT_STATE_MAX 4096

static int ports_lock(void) {
        (void) mkdir("/run/nspawn", 0755);
        (void) mkdir(PORT_STATE_DIR, 0755);
        return lock_file_exclusive(PORT_LOCK);
}

/* The state directory of the network namespace nspawn runs in. */
static int state_dir(char **ret) {
        struct stat st;
        char buf[sizeof(PORT_STATE_DIR) + 32];

        if (stat("/proc/self/ns/net", &st) < 0)
                return -errno;
        snprintf(buf, sizeof(buf), PORT_STATE_DIR "/net-%llu", (unsigned long long) st.st_ino);
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* Removes forwards by their keys; each on its own, as some of them may be gone already (a transaction
 * with one missing element would fail whole). */
static void remove_elements(const PortForward *ports, size_t n) {
        for (size_t i = 0; i < n; i++)
                for (int f = 0; f < 2; f++) {
                        _cleanup_free_ char *c = port_nft_elements(ports + i, 1, f == 0 ? AF_INET : AF_INET6, NULL);
                        if (c)
                                (void) nft_run(c, NULL);
                }
}

/* Looks at every state file of the namespace: what a killed nspawn left is removed, what a running
 * one holds is checked against ours. Returns the number of running containers' files, or an error. */
static int sweep(int dir_fd, const PortForward *ports, size_t n, const char *machine) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int live = 0, r;

        r = opendir_fd(dir_fd, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_free_ char *text = NULL;
                _cleanup_free_ PortForward *held = NULL;
                size_t n_held = 0;

                if (de->d_name[0] == '.')
                        continue;
                _cleanup_close_ int fd = openat(dir_fd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
                if (fd < 0)
                        continue;
                bool running = flock(fd, LOCK_SH | LOCK_NB) < 0;
                if (read_small_file_at(dir_fd, de->d_name, PORT_STATE_MAX, &text) < 0 ||
                    port_forward_parse_list(text, &held, &n_held) < 0)
                        n_held = 0;
                if (!running) {
                        remove_elements(held, n_held);
                        (void) unlinkat(dir_fd, de->d_name, 0);
                        continue;
                }
                live++;
                if (n > 0 && streq(de->d_name, machine)) {
                        log_error(_("Machine %s forwards ports already: another nspawn of that name is running."), machine);
                        return -EBUSY;
                }
                for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < n_held; j++)
                                if (ports[i].protocol == held[j].protocol && ports[i].host_port == held[j].host_port) {
                                        log_error(_("Port %s:%u is forwarded to machine %s already."),
                                                  port_protocol_to_string(ports[i].protocol), (unsigned) ports[i].host_port,
                                                  de->d_name);
                                        return -EADDRINUSE;
                                }
        }
        return live;
}

static int make_table(void) {
        _cleanup_free_ char *t = port_nft_table(), *error = NULL;

        if (!t)
                return log_oom();
        int r = nft_run(t, &error);
        if (r == -ENOPKG)
                return log_error_errno(r, _("Port forwarding needs libnftables (libnftables.so.1), which is not installed."));
        if (r < 0) {
                _cleanup_free_ char *e = escape_for_terminal(error, ESCAPE_MESSAGE_MAX);
                return log_error_errno(r, _("Failed to set up the nftables table %s for port forwarding: %s"),
                                       PORT_NFT_TABLE, strna(e));
        }
        return 0;
}

int port_reserve(PortRuntime *p, const PortForward *ports, size_t n, const char *machine) {
        _cleanup_close_ int lock = -EBADF, dir_fd = -EBADF;
        _cleanup_free_ char *dir = NULL, *path = NULL, *list = NULL;
        int r;

        /* Without forwards of its own, a start only sweeps up after a killed nspawn, if there is
         * anything (the usual case costs a stat()), and never fails for it. */
        r = state_dir(&dir);
        if (r < 0 && n == 0)
                return 0;
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, _("Failed to identify nspawn's network namespace: %m"));
        if (n == 0 && access(dir, F_OK) < 0)
                return 0;
        lock = ports_lock();
        if (lock < 0)
                return n == 0 ? 0 : log_error_errno(lock, _("Failed to lock %s: %m"), PORT_LOCK);
        if (n > 0)
                (void) mkdir(dir, 0755);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dir_fd < 0)
                return n == 0 ? 0 : log_error_errno(-errno, _("Failed to open %s: %m"), dir);
        r = sweep(dir_fd, ports, n, machine);
        if (r < 0)
                return n == 0 ? 0 : r;
        if (n == 0) {
                if (r == 0 && rmdir(dir) >= 0)
                        (void) nft_run("delete table " PORT_NFT_TABLE "\n", NULL);
                return 0;
        }
        if (r == 0) {
                /* No running container forwards ports here: the table is made fresh. */
                r = make_table();
                if (r < 0) {
                        (void) rmdir(dir);
                        return r;
                }
        }
        path = strjoin(dir, "/", machine);
        list = port_forward_format_list(ports, n);
        if (!path || !list)
                return log_oom();
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return log_error_errno(-errno, _("Failed to create %s: %m"), path);
        if (flock(fd, LOCK_EX) < 0 || write(fd, list, strlen(list)) != (ssize_t) strlen(list) || write(fd, "\n", 1) != 1) {
                r = -errno;
                (void) unlink(path);
                return log_error_errno(r, _("Failed to write %s: %m"), path);
        }
        p->ports = ports;
        p->n_ports = n;
        p->state_fd = TAKE_FD(fd);
        p->state_path = TAKE_PTR(path);
        return 0;
}

static int set_route_localnet(const char *link) {
        char path[96];

        snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", link);
        return write_string_file_at(AT_FDCWD, path, "1");
}

static void warn_without_forwarding(void) {
        _cleanup_free_ char *v4 = NULL, *v6 = NULL;

        if (read_small_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", 16, &v4) >= 0 && v4[0] == '0')
                log_warning(_("IPv4 forwarding is off on this host (net.ipv4.ip_forward=0): the forwarded ports answer the host itself only."));
        if (read_small_file_at(AT_FDCWD, "/proc/sys/net/ipv6/conf/all/forwarding", 16, &v6) >= 0 && v6[0] == '0')
                log_warning(_("IPv6 forwarding is off on this host (net.ipv6.conf.all.forwarding=0): the forwarded ports answer the host itself only over IPv6."));
}

static void port_update(PortRuntime *p) {
        struct in_addr a4;
        struct in6_addr a6;
        bool has4 = address_pick_global(p->query, AF_INET, &a4) >= 0;
        bool has6 = address_pick_global(p->query, AF_INET6, &a6) >= 0;
        bool ch4 = has4 != p->have4 || (has4 && memcmp(&a4, &p->addr4, sizeof(a4)) != 0);
        bool ch6 = has6 != p->have6 || (has6 && memcmp(&a6, &p->addr6, sizeof(a6)) != 0);
        _cleanup_free_ char *d4 = NULL, *a4s = NULL, *d6 = NULL, *a6s = NULL, *error = NULL;

        if (!ch4 && !ch6)
                return;
        if (ch4 && p->have4)
                d4 = port_nft_elements(p->ports, p->n_ports, AF_INET, NULL);
        if (ch4 && has4)
                a4s = port_nft_elements(p->ports, p->n_ports, AF_INET, &a4);
        if (ch6 && p->have6)
                d6 = port_nft_elements(p->ports, p->n_ports, AF_INET6, NULL);
        if (ch6 && has6)
                a6s = port_nft_elements(p->ports, p->n_ports, AF_INET6, &a6);
        _cleanup_free_ char *c = strjoin(strempty(d4), strempty(a4s), strempty(d6), strempty(a6s));
        if (!c)
                return (void) log_oom();
        int r = nft_run(c, &error);
        if (r < 0) {
                _cleanup_free_ char *e = escape_for_terminal(error, ESCAPE_MESSAGE_MAX);
                return (void) log_warning_errno(r, _("Failed to point the forwarded ports at the container's address: %s"), strna(e));
        }
        if (ch4) {
                p->have4 = has4;
                p->addr4 = a4;
        }
        if (ch6) {
                p->have6 = has6;
                p->addr6 = a6;
        }
}

int port_watch_start(PortRuntime *p, pid_t pid, const char *host_link) {
        _cleanup_close_ int ns = -EBADF;
        char path[64];
        int r;

        if (p->state_fd < 0)
                return 0;
        if (host_link) {
                r = set_route_localnet(host_link);
                if (r < 0)
                        return log_error_errno(r, _("Failed to set route_localnet on %s: %m"), host_link);
        }
        warn_without_forwarding();

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
                return log_error_errno(-errno, _("Failed to open the container's network namespace: %m"));
        r = rtnl_open_in_netns(ns, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, &p->watch);
        if (r >= 0)
                r = rtnl_open_in_netns(ns, 0, &p->query);
        if (r == -ENOTRECOVERABLE)
                return log_error_errno(r, _("Failed to return to nspawn's network namespace: %m"));
        if (r < 0)
                return log_error_errno(r, _("Failed to watch the container's addresses: %m"));
        port_update(p);
        return 0;
}

int port_watch_fd(const PortRuntime *p) {
        return p->watch ? mnl_socket_get_fd(p->watch) : -EBADF;
}

void port_watch_event(PortRuntime *p) {
        if (p->watch && rtnl_drain(p->watch) > 0)
                port_update(p);
}

void port_release(PortRuntime *p) {
        rtnl_close(p->watch);
        rtnl_close(p->query);
        p->watch = p->query = NULL;
        if (p->state_fd < 0)
                return;

        _cleanup_close_ int lock = ports_lock();
        _cleanup_free_ char *c = NULL, *dir = NULL;
        if (p->have4 || p->have6) {
                _cleanup_free_ char *d4 = p->have4 ? port_nft_elements(p->ports, p->n_ports, AF_INET, NULL) : NULL;
                _cleanup_free_ char *d6 = p->have6 ? port_nft_elements(p->ports, p->n_ports, AF_INET6, NULL) : NULL;
                c = strjoin(strempty(d4), strempty(d6));
                if (!c || nft_run(c, NULL) < 0)
                        remove_elements(p->ports, p->n_ports);
        }
        (void) unlink(p->state_path);
        p->state_fd = safe_close(p->state_fd);
        p->have4 = p->have6 = false;

        /* The last one out removes the table and the namespace's directory. */
        if (state_dir(&dir) >= 0 && rmdir(dir) >= 0)
                (void) nft_run("delete table " PORT_NFT_TABLE "\n", NULL);
        free(p->state_path);
        p->state_path = NULL;
}
