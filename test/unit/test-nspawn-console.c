/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nspawn-console.h"
#include "tests.h"

#define ESC 0x1d
#define MSEC UINT64_C(1000)
#define SEC UINT64_C(1000000)
/* A monotonic clock does not start at 0. */
#define T0 (UINT64_C(123) * SEC)

static void init(PtyForward *f) {
        pty_forward_init(f, -EBADF, -EBADF, -EBADF);
}

TEST(init_state) {
        PtyForward f;
        pty_forward_init(&f, 7, 0, 1);
        ASSERT_EQ(f.master, 7);
        ASSERT_EQ(f.in_fd, 0);
        ASSERT_EQ(f.out_fd, 1);
        ASSERT_EQ(f.n_escape, 0);
        ASSERT_EQ(f.in_len, 0);
        ASSERT_FALSE(f.master_hup);
        ASSERT_FALSE(f.saved_valid);
}

TEST(three_presses_within_a_second) {
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 300 * MSEC));
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0 + 600 * MSEC));
}

TEST(three_presses_at_once) {
        /* A paste or a fast typist: all three bytes arrive in one read, with one time stamp. */
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0));
}

TEST(three_presses_just_within_a_second) {
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 500 * MSEC));
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0 + 999 * MSEC));
}

TEST(slow_presses_do_not_trigger) {
        PtyForward f;
        init(&f);
        for (int i = 0; i < 10; i++)
                ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + (uint64_t) i * 1100 * MSEC));

        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 100 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 1200 * MSEC));
}

TEST(other_byte_resets) {
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 100 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, 'a', T0 + 150 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 200 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 250 * MSEC));
        /* Three in a row again. */
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0 + 300 * MSEC));

        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, 0, T0 + 1 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 2 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, '\x1c', T0 + 3 * MSEC));  /* ^\ is not ^] */
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 4 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, (char) 0x9d, T0 + 5 * MSEC)); /* 0x1d | 0x80 */
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 6 * MSEC));
}

TEST(other_bytes_alone) {
        PtyForward f;
        init(&f);
        for (int c = 0; c < 256; c++)
                if (c != ESC)
                        ASSERT_FALSE(pty_forward_escape_feed(&f, (char) c, T0 + (uint64_t) c));
}

TEST(sliding_window) {
        /* The first three presses span more than a second; the last three (at 0.6 s, 1.2 s, 1.5 s) are
         * within one: the fourth press triggers. */
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 600 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 1200 * MSEC));
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0 + 1500 * MSEC));
}

TEST(sliding_window_second_press_stale) {
        /* 0, 0.2 s, 1.1 s, 1.15 s: the last three span 0.95 s. */
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 200 * MSEC));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 1100 * MSEC));
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0 + 1150 * MSEC));
}

TEST(sliding_window_long_run) {
        /* Presses every 0.45 s: any three consecutive ones span 0.9 s, so the third triggers, and so
         * would every later one. */
        PtyForward f;
        init(&f);
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0));
        ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + 450 * MSEC));
        ASSERT_TRUE(pty_forward_escape_feed(&f, ESC, T0 + 900 * MSEC));

        /* Presses every 0.6 s never have three within a second. */
        init(&f);
        for (int i = 0; i < 8; i++)
                ASSERT_FALSE(pty_forward_escape_feed(&f, ESC, T0 + (uint64_t) i * 600 * MSEC));
}

TEST(presses_after_trigger_stay_in_bounds) {
        /* The supervisor keeps reading input after a trigger (until the container is gone), so the
         * detector must stay memory-safe when ^] keeps coming. Run in a child: an out-of-bounds write
         * may crash. */
        pid_t pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                PtyForward f;
                int bad = 0;
                init(&f);
                for (int i = 0; i < 10; i++) {
                        bool t = pty_forward_escape_feed(&f, ESC, T0 + (uint64_t) i * MSEC);
                        if (i == 2 && !t)
                                bad = 1;
                        if (f.n_escape > ELEMENTSOF(f.escape_usec))
                                _exit(2);
                }
                /* After a reset the next three trigger again. */
                pty_forward_escape_feed(&f, 'x', T0 + 20 * MSEC);
                if (pty_forward_escape_feed(&f, ESC, T0 + 21 * MSEC) ||
                    pty_forward_escape_feed(&f, ESC, T0 + 22 * MSEC) ||
                    !pty_forward_escape_feed(&f, ESC, T0 + 23 * MSEC))
                        bad = 1;
                if (f.master != -EBADF || f.in_fd != -EBADF || f.out_fd != -EBADF)
                        bad = 1;
                _exit(bad);
        }
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status))
                fprintf(stderr, "child killed by signal %d\n", WTERMSIG(status));
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(escape_poweroff_reboot) {
        PtyForward f = {};
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0 + 100 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, 'p', T0 + 200 * MSEC), ESCAPE_POWEROFF);
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0 + 300 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0 + 400 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, 'r', T0 + 500 * MSEC), ESCAPE_REBOOT);
        /* one ^] is not enough, and the two must fall within the second */
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0 + 600 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, 'p', T0 + 700 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0 + 2000 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, ESC, T0 + 2100 * MSEC), ESCAPE_NONE);
        ASSERT_EQ(pty_forward_escape_feed(&f, 'r', T0 + 3500 * MSEC), ESCAPE_NONE);
        /* p and r without an escape are plain input */
        ASSERT_EQ(pty_forward_escape_feed(&f, 'p', T0 + 4000 * MSEC), ESCAPE_NONE);
}

DEFINE_TEST_MAIN
