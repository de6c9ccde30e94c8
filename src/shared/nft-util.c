/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "nft-util.h"

static struct {
        void *dl;
        struct nft_ctx *(*ctx_new)(uint32_t flags);
        void (*ctx_free)(struct nft_ctx *ctx);
        int (*buffer_output)(struct nft_ctx *ctx);
        int (*buffer_error)(struct nft_ctx *ctx);
        const char *(*get_output)(struct nft_ctx *ctx);
        const char *(*get_error)(struct nft_ctx *ctx);
        int (*run_cmd)(struct nft_ctx *nft, const char *buf);
} lib;

static int nft_load(void) {
        if (lib.dl)
                return 0;
        void *dl = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!dl)
                return -ENOPKG;
        lib.ctx_new = (struct nft_ctx *(*)(uint32_t)) dlsym(dl, "nft_ctx_new");
        lib.ctx_free = (void (*)(struct nft_ctx *)) dlsym(dl, "nft_ctx_free");
        lib.buffer_output = (int (*)(struct nft_ctx *)) dlsym(dl, "nft_ctx_buffer_output");
        lib.buffer_error = (int (*)(struct nft_ctx *)) dlsym(dl, "nft_ctx_buffer_error");
        lib.get_output = (const char *(*)(struct nft_ctx *)) dlsym(dl, "nft_ctx_get_output_buffer");
        lib.get_error = (const char *(*)(struct nft_ctx *)) dlsym(dl, "nft_ctx_get_error_buffer");
        lib.run_cmd = (int (*)(struct nft_ctx *, const char *)) dlsym(dl, "nft_run_cmd_from_buffer");
        if (!lib.ctx_new || !lib.ctx_free || !lib.buffer_output || !lib.buffer_error || !lib.get_output ||
            !lib.get_error || !lib.run_cmd) {
                dlclose(dl);
                return -ENOPKG;
        }
        lib.dl = dl;
        return 0;
}

/* The first non-empty line of nftables' message ("Error: Could not process rule: File exists"). */
static char *first_line(const char *s) {
        if (!s)
                return NULL;
        s += strspn(s, "\n");
        return strndup(s, strcspn(s, "\n"));
}

static int run(const char *commands, char **ret_output, char **ret_error) {
        int r = nft_load();

        if (ret_error)
                *ret_error = NULL;
        if (r < 0)
                return r;
        struct nft_ctx *ctx = lib.ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return -ENOMEM;
        if (lib.buffer_output(ctx) < 0 || lib.buffer_error(ctx) < 0) {
                lib.ctx_free(ctx);
                return -ENOMEM;
        }
        r = lib.run_cmd(ctx, commands);
        if (r != 0) {
                if (ret_error)
                        *ret_error = first_line(lib.get_error(ctx));
                r = -EIO;
        } else if (ret_output) {
                const char *o = lib.get_output(ctx);
                *ret_output = strdup(o ?: "");
                if (!*ret_output)
                        r = -ENOMEM;
        }
        lib.ctx_free(ctx);
        return r;
}

int nft_run(const char *commands, char **ret_error) {
        return run(commands, NULL, ret_error);
}

int nft_list(const char *command, char **ret_output, char **ret_error) {
        return run(command, ret_output, ret_error);
}
