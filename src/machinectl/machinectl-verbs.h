/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "machinectl-options.h"

/* Each verb gets the connected bus, the arguments after the verb and the options. Errors are logged. */
int verb_list(sd_bus *bus, char **names, const Args *args);
int verb_status(sd_bus *bus, char **names, const Args *args);
int verb_show(sd_bus *bus, char **names, const Args *args);
int verb_terminate(sd_bus *bus, char **names, const Args *args);
int verb_kill(sd_bus *bus, char **names, const Args *args);
int verb_poweroff(sd_bus *bus, char **names, const Args *args);
int verb_reboot(sd_bus *bus, char **names, const Args *args);
int verb_freeze(sd_bus *bus, char **names, const Args *args);
int verb_thaw(sd_bus *bus, char **names, const Args *args);
/* NAME HOSTPATH [PATH], NAME PATH [HOSTPATH], NAME HOSTPATH [PATH]. */
int verb_copy_to(sd_bus *bus, char **argv, const Args *args);
int verb_copy_from(sd_bus *bus, char **argv, const Args *args);
int verb_bind(sd_bus *bus, char **argv, const Args *args);
/* The image pool (machinectl-images.c). */
int verb_list_images(sd_bus *bus, char **names, const Args *args);
int verb_image_status(sd_bus *bus, char **names, const Args *args);
int verb_show_image(sd_bus *bus, char **names, const Args *args);
int verb_clone_image(sd_bus *bus, char **names, const Args *args);
int verb_rename_image(sd_bus *bus, char **names, const Args *args);
int verb_remove_image(sd_bus *bus, char **names, const Args *args);
int verb_read_only_image(sd_bus *bus, char **names, const Args *args);
int verb_clean_images(sd_bus *bus, char **names, const Args *args);
/* shell returns the command's exit status (0 when unknown); login ends when the pty does. */
int verb_shell(sd_bus *bus, char **argv, const Args *args);
int verb_login(sd_bus *bus, char **argv, const Args *args);
/* These talk to systemd (org.freedesktop.systemd1), not to the registry: bus is the system bus. */
int verb_start(sd_bus *bus, char **names, const Args *args);
int verb_enable(sd_bus *bus, char **names, const Args *args);
int verb_disable(sd_bus *bus, char **names, const Args *args);
