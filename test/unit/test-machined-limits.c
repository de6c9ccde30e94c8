/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine-state.h"
#include "machine-validate.h"
#include "machine.h"
#include "machined-bus.h"
#include "string-util.h"
#include "tests.h"

/* What machined's bus errors quote of an argument (issue 7, item 22). */
TEST(arg_excerpt) {
        char big[1000];

        ASSERT_STREQ(BUS_ARG("mc-a"), "mc-a");
        ASSERT_STREQ(BUS_ARG(""), "");
        ASSERT_STREQ(BUS_ARG(NULL), "");
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        ASSERT_EQ(strlen(BUS_ARG(big)), (size_t) BUS_ARG_EXCERPT_MAX + strlen("…"));
        ASSERT_TRUE(strncmp(BUS_ARG(big), big, BUS_ARG_EXCERPT_MAX) == 0);
        ASSERT_STREQ(BUS_ARG(big) + BUS_ARG_EXCERPT_MAX, "…");
        /* Exactly the limit: no ellipsis. */
        big[BUS_ARG_EXCERPT_MAX] = 0;
        ASSERT_STREQ(BUS_ARG(big), big);
        /* A cut never splits a character: 63 x and "ä" (2 bytes) do not fit in 64. */
        big[BUS_ARG_EXCERPT_MAX - 1] = 0;
        {
                char s[sizeof(big) + 8];
                snprintf(s, sizeof(s), "%säz", big);
                ASSERT_STREQ(BUS_ARG(s) + BUS_ARG_EXCERPT_MAX - 1, "…");
        }
        /* C0, DEL and C1 are escaped, other UTF-8 kept. */
        ASSERT_STREQ(BUS_ARG("a\033[2Jb\x7f"), "a\\x1b[2Jb\\x7f");
        ASSERT_STREQ(BUS_ARG("\xc2\x9b" "1m"), "\\xc2\\x9b1m");
        ASSERT_STREQ(BUS_ARG("é\xe2\x80\xae"), "é\xe2\x80\xae");
        /* Every byte escaped and cut: the buffer holds it. */
        memset(big, '\n', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        ASSERT_EQ(strlen(BUS_ARG(big)), (size_t) BUS_ARG_EXCERPT_MAX * 4 + strlen("…"));
}

/* "self" is the caller's machine's path label; ".host" is the host (issue 7, item 20). */
TEST(registrable_names) {
        ASSERT_TRUE(machine_name_is_registrable("mc-a"));
        ASSERT_TRUE(machine_name_is_registrable("self2"));
        ASSERT_TRUE(machine_name_is_registrable("myself"));
        ASSERT_FALSE(machine_name_is_registrable("self"));
        ASSERT_FALSE(machine_name_is_registrable(".host"));
        ASSERT_FALSE(machine_name_is_registrable(""));
}

/* Parses a state file with n interfaces (1..n). */
static int parse_netif_count(size_t n) {
        _cleanup_(machine_freep) Machine *m = NULL;
        _cleanup_free_ char *text = malloc(n * 8 + 64);
        char *w = text;
        int r;

        if (!text)
                return -ENOMEM;
        w += sprintf(w, "NAME=mb-net\nLEADER=4242\nNETIF=");
        for (size_t i = 1; i <= n; i++)
                w += sprintf(w, "%zu ", i);
        strcpy(w, "\n");
        r = machine_state_parse("mb-net", text, &m);
        if (r >= 0 && m->n_netif != n)
                return -EIO;
        return r;
}

/* One interface limit for registration and the state file (issue 7, item 23). */
TEST(netif_limit_roundtrip) {
        _cleanup_(machine_freep) Machine *m = NULL, *back = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ int *ifs = malloc((MACHINE_NETIF_MAX + 1) * sizeof(int));
        char root[4096];

        ASSERT_TRUE(ifs);
        for (int i = 0; i <= MACHINE_NETIF_MAX; i++)
                ifs[i] = INT32_MAX - i; /* the longest numbers */
        ASSERT_TRUE(machine_ifindices_are_valid(ifs, MACHINE_NETIF_MAX));
        ASSERT_FALSE(machine_ifindices_are_valid(ifs, MACHINE_NETIF_MAX + 1));

        ASSERT_OK(machine_new("mb-net", &m));
        m->leader = 4242;
        /* The longest root directory, all of it quoted. */
        root[0] = '/';
        memset(root + 1, '"', sizeof(root) - 2);
        root[sizeof(root) - 1] = 0;
        ASSERT_OK(machine_set_string(&m->root_directory, root));
        ASSERT_OK(machine_set_netif(m, ifs, MACHINE_NETIF_MAX));
        ASSERT_OK(machine_state_format(m, &text));
        ASSERT_TRUE(strlen(text) < 64 * 1024);
        ASSERT_OK(machine_state_parse("mb-net", text, &back));
        ASSERT_EQ(back->n_netif, (size_t) MACHINE_NETIF_MAX);
        ASSERT_EQ(back->netif[MACHINE_NETIF_MAX - 1], ifs[MACHINE_NETIF_MAX - 1]);
        ASSERT_STREQ(back->root_directory, root);
        machine_free(TAKE_PTR(back));

        /* A file with one more than registration accepts is refused, not cut. */
        ASSERT_ERROR(parse_netif_count(MACHINE_NETIF_MAX + 1), EINVAL);
        ASSERT_OK(parse_netif_count(MACHINE_NETIF_MAX));
}

DEFINE_TEST_MAIN
