/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "i18n.h"
#include "cap-list.h"
#include "log.h"
#include "nspawn-caps.h"
#include "nspawn-image.h"
#include "nspawn-launch.h"
#include "nspawn-options.h"
#include "nspawn-template.h"
#include "nspawn-settings-file.h"

/* fds 0-2 must exist: otherwise the launcher's own sockets could land on them and reach the payload
 * as its stdio. Only EBADF means "closed"; any other error leaves the fd's state unknown. */
static int ensure_stdio(void) {
        for (int i = 0; i < 3; i++) {
                if (fcntl(i, F_GETFD) >= 0)
                        continue;
                if (errno != EBADF)
                        return log_error_errno(-errno, _("Failed to check standard file descriptor %i: %m"), i);
                /* Not O_CLOEXEC: a standard fd is for the payload too. */
                int fd = open("/dev/null", O_RDWR);
                if (fd < 0)
                        return log_error_errno(-errno, _("Failed to open /dev/null for the closed standard file descriptor %i: %m"), i);
                if (fd != i) {
                        close(fd);
                        return log_error_errno(-EBADF, _("Failed to open /dev/null as standard file descriptor %i."), i);
                }
        }
        return 0;
}

/* Without a user namespace the container's capabilities are a part of the launcher's own: an ambient
 * capability the launcher cannot pass on is refused before anything is set up, not at the child's
 * last step. (A new user namespace starts with a full bounding set.) */
static int check_ambient_capabilities(const Settings *s) {
        int missing;

        if (s->private_users != PRIVATE_USERS_NO ||
            capability_bounding_set_has(s->capability_ambient, &missing))
                return 0;
        return log_error_errno(-EPERM, _("Ambient capability %s is not in nspawn's own bounding set: it cannot be passed on without a user namespace."),
                               capability_to_name(missing) ?: "?");
}

int main(int argc, char *argv[]) {
        Settings s = {};
        OptionAssignments cmdline = {};
        RootStage root = ROOT_STAGE_NULL;
        int r, status = EXIT_FAILURE;

        log_parse_environment("NSPAWN_LOG_LEVEL");
        /* A reader that goes away must give EPIPE (output dropped), not kill the supervisor before it
         * restores the terminal and removes the cgroup. */
        (void) signal(SIGPIPE, SIG_IGN);
        if (ensure_stdio() < 0)
                return EXIT_FAILURE;

        r = settings_parse_argv_full(argc, argv, &s, &cmdline);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        if (s.quiet && log_get_max_level() == LOG_INFO)
                log_set_max_level(LOG_WARNING);

        if (geteuid() != 0)
                r = log_error_errno(-EPERM, _("Need to be root."));
        /* The settings file is found by the machine's name and next to its tree, so after -M NAME
         * found the tree; the options are checked against each other once, after the merge. */
        if (r >= 0)
                r = settings_resolve_directory(&s);
        if (r >= 0)
                r = settings_load(&s, &cmdline, settings_file_trusted_dirs);
        option_assignments_done(&cmdline);
        if (r >= 0)
                r = check_ambient_capabilities(&s);
        if (r >= 0 && s.template)
                r = template_instantiate(s.template, s.directory);
        /* The root is checked before a name is derived from it. */
        if (r >= 0)
                /* Layers over an image never write it: read-only, it can be shared. */
                r = s.image ? root_stage_open_image(s.image, s.read_only || root_layers_protect_tree(root_layers_pick(s.ephemeral, s.volatile_mode)), &root)
                            : root_stage_open(s.directory, &root);
        if (r >= 0)
                r = settings_resolve(&s);
        if (r >= 0)
                r = container_run(&s, &root, &status);

        root_stage_done(&root);
        settings_done(&s);
        return r < 0 ? EXIT_FAILURE : status;
}
