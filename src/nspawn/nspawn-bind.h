/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "nspawn-settings.h"

/* "SRC[:DST[:OPTIONS]]" with OPTIONS "rbind" (the default) or "norbind"; "\:" is a literal colon. */
int bind_mount_parse(const char *spec, bool read_only, BindMount *ret);
/* "PATH[:OPTIONS]"; OPTIONS default to "mode=0755". */
int tmpfs_mount_parse(const char *spec, TmpfsMount *ret);
void bind_mount_done(BindMount *b);
void tmpfs_mount_done(TmpfsMount *t);
/* An absolute path without "." or ".." components, simplified in place. */
int path_check_container(char *p);
