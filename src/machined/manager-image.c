/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "manager-image.h"
#include "string-util.h"

static bool path_is_at_or_below(const char *path, const char *prefix) {
        const char *rest = startswith(path, prefix);
        return rest && (*rest == 0 || *rest == '/');
}

int manager_image_in_use(Manager *m, const Image *i, const char **ret_machine) {
        _cleanup_free_ char *resolved = realpath(i->path, NULL);
        int r;

        for (Machine *machine = m->machines; machine; machine = machine->next) {
                const char *root = machine->root_directory;

                if (isempty(root))
                        continue;
                if (path_is_at_or_below(root, i->path) || (resolved && path_is_at_or_below(root, resolved))) {
                        *ret_machine = machine->name;
                        return 1;
                }
        }
        r = image_is_locked(i);
        if (r > 0)
                *ret_machine = NULL;
        return r;
}

void cleaned_images_free(CleanedImage *l, size_t n) {
        for (size_t k = 0; k < n; k++) {
                free(l[k].name);
                free(l[k].work);
        }
        free(l);
}

int manager_clean_pool(Manager *m, bool all, CleanedImage **ret, size_t *ret_n, char **ret_failed) {
        Image **images = NULL;
        CleanedImage *done = NULL;
        size_t n = 0, n_done = 0;
        int r;

        *ret_failed = NULL;
        r = image_discover(&images, &n);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n; k++) {
                Image *i = images[k];
                const char *machine;

                if (i->vendor || (!all && !image_is_hidden(i)))
                        continue;
                if (manager_image_in_use(m, i, &machine) != 0)
                        continue;
                CleanedImage *nd = realloc(done, (n_done + 1) * sizeof(CleanedImage));
                if (!nd) {
                        r = -ENOMEM;
                        break;
                }
                done = nd;
                done[n_done] = (CleanedImage) { .name = strdup(i->name), .usage = i->usage };
                if (!done[n_done].name) {
                        r = -ENOMEM;
                        break;
                }
                r = image_remove_begin(i, &done[n_done].work);
                if (r < 0) {
                        *ret_failed = TAKE_PTR(done[n_done].name);
                        break;
                }
                n_done++;
        }
        image_array_free(images, n);
        *ret = done;
        *ret_n = n_done;
        return r < 0 ? r : 0;
}
