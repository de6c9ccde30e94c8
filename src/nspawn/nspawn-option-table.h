/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nspawn-settings.h"

/* What the command line set, by group, as systemd-nspawn's SettingsMask: a settings file does not
 * touch a group the command line set (unless --settings=override). A group is all-or-nothing: the
 * file's Bind= lines replace the command line's --bind= list, they are not appended to it. */
enum {
        SETTING_START_MODE        = UINT64_C(1) << 0,   /* Boot=, ProcessTwo=, Parameters= */
        SETTING_ENVIRONMENT       = UINT64_C(1) << 1,
        SETTING_USER              = UINT64_C(1) << 2,
        SETTING_CAPABILITY        = UINT64_C(1) << 3,   /* Capability=, DropCapability=, AmbientCapability= */
        SETTING_KILL_SIGNAL       = UINT64_C(1) << 4,
        SETTING_PERSONALITY       = UINT64_C(1) << 5,
        SETTING_MACHINE_ID        = UINT64_C(1) << 6,
        SETTING_NETWORK           = UINT64_C(1) << 7,   /* every [Network] key but Port= */
        SETTING_EXPOSE_PORTS      = UINT64_C(1) << 8,
        SETTING_READ_ONLY         = UINT64_C(1) << 9,
        SETTING_VOLATILE_MODE     = UINT64_C(1) << 10,
        SETTING_CUSTOM_MOUNTS     = UINT64_C(1) << 11,  /* Bind=, BindReadOnly=, TemporaryFileSystem=, Overlay=, Inaccessible= */
        SETTING_WORKING_DIRECTORY = UINT64_C(1) << 12,
        SETTING_USERNS            = UINT64_C(1) << 13,  /* PrivateUsers=, PrivateUsersOwnership= */
        SETTING_NOTIFY_READY      = UINT64_C(1) << 14,
        SETTING_PIVOT_ROOT        = UINT64_C(1) << 15,
        SETTING_SYSCALL_FILTER    = UINT64_C(1) << 16,
        SETTING_HOSTNAME          = UINT64_C(1) << 17,
        SETTING_NO_NEW_PRIVILEGES = UINT64_C(1) << 18,
        SETTING_RESOLV_CONF       = UINT64_C(1) << 19,
        SETTING_LINK_JOURNAL      = UINT64_C(1) << 20,
        SETTING_TIMEZONE          = UINT64_C(1) << 21,
        SETTING_EPHEMERAL         = UINT64_C(1) << 22,
        SETTING_TEMPLATE          = UINT64_C(1) << 23,
};

typedef enum OptionArgument {
        OPTION_ARG_NONE,        /* a switch: its parser gets arg == NULL ("yes") from the command line */
        OPTION_ARG_REQUIRED,
        OPTION_ARG_OPTIONAL,    /* --opt or --opt=VALUE: arg == NULL for the first */
} OptionArgument;

typedef struct OptionDef OptionDef;

/* Where a value comes from, for the parser's messages. */
typedef struct OptionContext {
        const OptionDef *option;
        bool from_file;         /* a settings file: a switch's value is a boolean, never NULL */
} OptionContext;

/* Parses arg into s. Returns 0, a negative errno after logging one line, or > 0 when the command
 * line is complete (--help, --version, --capability=help: nspawn exits with success). */
typedef int (*OptionParser)(Settings *s, const char *arg, const OptionContext *ctx);

struct OptionDef {
        const char *long_name;  /* "bind-ro" (without "--"); NULL: none */
        int short_name;         /* 'D'; 0: none. Neither name: a settings-file key only */
        OptionArgument argument;
        const char *section;    /* "Exec", "Files", "Network"; NULL: command line only */
        const char *key;        /* "BindReadOnly" */
        OptionParser parse;
        uint64_t mask;          /* SETTING_*: the group; 0 for command-line-only options */
        bool privileged;        /* ignored (with a warning) in an untrusted settings file */
        /* When set, decides per value instead of .privileged ("PrivateUsers=no" is, "=pick" is not). */
        bool (*privileged_value)(const char *arg);
        bool file_split;        /* in a file the value is a list of words, each parsed on its own */
        /* A valid value, for the unit test that feeds every option through both parsers. */
        const char *example;
};

extern const OptionDef option_table[];
extern const size_t option_table_size;

const OptionDef *option_find_long(const char *name);
const OptionDef *option_find_short(int c);
/* Section and key compare case-sensitively, as systemd's parser does. */
const OptionDef *option_find_key(const char *section, const char *key);

/* "--bind-ro" or "-D" into buf, for messages. */
const char *option_display_name(const OptionDef *o, char buf[static 64]);

/* True when the value of o is ignored in an untrusted settings file. */
bool option_is_privileged(const OptionDef *o, const char *arg);
