/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-option-table.h"
#include "nspawn-settings.h"

/* The options of the container's layers (-x, --volatile=, --overlay=, --overlay-ro=, --template=,
 * --inaccessible=), one parser each, entries of the option table (nspawn-option-table.c): arg is the
 * option's value (NULL for a switch or an optional argument left out on the command line), the
 * parser logs one line naming option and value on error and returns a negative errno. */
int option_parse_ephemeral(Settings *s, const char *arg, const OptionContext *ctx);
int option_parse_volatile(Settings *s, const char *arg, const OptionContext *ctx);
int option_parse_overlay(Settings *s, const char *arg, const OptionContext *ctx);
int option_parse_overlay_ro(Settings *s, const char *arg, const OptionContext *ctx);
int option_parse_template(Settings *s, const char *arg, const OptionContext *ctx);
int option_parse_inaccessible(Settings *s, const char *arg, const OptionContext *ctx);
/* Checks the layer options against each other and the rest, after all are parsed. */
int settings_verify_layers(const Settings *s);

/* "[+]LOWER...:[+]UPPER[:DEST]" as systemd-nspawn(1) reads --overlay= (read_only: --overlay-ro=, every
 * path a lower layer); "\:" is a literal colon. -EINVAL for a bad specification. */
int overlay_mount_parse(const char *spec, bool read_only, OverlayMount *ret);
/* The name of an ephemeral container without -M, as systemd-nspawn makes it: the tree's name, a dash,
 * 16 hex digits of random (two ephemeral containers of one tree get two names). */
int ephemeral_machine_name(const char *base, const Id128 *random, char **ret);
