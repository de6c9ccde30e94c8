/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* nftables through libnftables, the netfilter project's own library (the `nft` command is a thin
 * front end to it), loaded with dlopen() on first use: nspawn runs without it unless a port is
 * forwarded. Commands are nft(8) syntax; one call is one transaction: all of it or nothing. */

/* Runs the commands. 0, -ENOPKG when the library is not installed, -EIO when nftables refused them
 * (ret_error, when given, then holds the first line of its message, or NULL). */
int nft_run(const char *commands, char **ret_error);
/* Runs a listing command; its output in *ret_output. */
int nft_list(const char *command, char **ret_output, char **ret_error);
