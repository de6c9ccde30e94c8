/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "nspawn-console.h"
#include "tests.h"

#define ESC 0x1d
#define MSEC UINT64_C(1000)
#define SEC UINT64_C(1000000)
/* A monotonic clock does not start at 0. */
#define T0 (UINT64_C(123) * SEC)

static void init(PtyForward *f) {
        pty_forward_init(f, -EBADF, -EBADF, -EBADF, OUTPUT_FILE);
}

TEST(init_state) {
        PtyForward f;
        pty_forward_init(&f, 7, 0, 1, OUTPUT_NONBLOCK);
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

/* Output: the supervisor's writes never block, and a reader that stalls stops the reading of the
 * master instead. A write that blocked would hang these tests: alarm() turns that into a failure. */

static int pipe_bytes(int fd) {
        int n = -1;
        return ioctl(fd, FIONREAD, &n) < 0 ? -1 : n;
}

TEST(output_open_pipe_is_private) {
        _cleanup_close_pair_ int p[2] = { -EBADF, -EBADF };
        _cleanup_close_ int fd = -EBADF;
        OutputKind kind;
        char buf[4096] = {};

        alarm(10);
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        int before = fcntl(p[1], F_GETFL);
        ASSERT_OK(output_open(p[1], &fd, &kind));
        ASSERT_EQ(kind, OUTPUT_NONBLOCK);
        ASSERT_TRUE(fd != p[1]);
        /* Ours is non-blocking; the shared description (the shell's, the pipeline's) is untouched. */
        ASSERT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
        ASSERT_EQ(fcntl(p[1], F_GETFL), before);
        ASSERT_FALSE(before & O_NONBLOCK);
        /* It is the same pipe, and a full one gives EAGAIN, not a hang. */
        ssize_t k;
        while ((k = write(fd, buf, sizeof(buf))) > 0)
                ;
        ASSERT_TRUE(k < 0 && errno == EAGAIN);
        ASSERT_TRUE(pipe_bytes(p[0]) >= 4096);
        alarm(0);
}

TEST(output_open_socket_and_file) {
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF };
        _cleanup_close_ int fd = -EBADF, file = -EBADF, fd2 = -EBADF;
        OutputKind kind;

        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        int before = fcntl(sv[1], F_GETFL);
        ASSERT_OK(output_open(sv[1], &fd, &kind));
        ASSERT_EQ(kind, OUTPUT_SOCKET);
        ASSERT_EQ(fcntl(sv[1], F_GETFL), before);

        /* A regular file keeps its description: the offset stays shared (nspawn >> log). */
        file = open("/tmp", O_TMPFILE | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
        ASSERT_TRUE(file >= 0);
        ASSERT_EQ(write(file, "ab", 2), 2);
        ASSERT_OK(output_open(file, &fd2, &kind));
        ASSERT_EQ(kind, OUTPUT_FILE);
        ASSERT_EQ(write(fd2, "cd", 2), 2);
        ASSERT_EQ(lseek(file, 0, SEEK_CUR), 4);
}

TEST(output_socket_never_blocks) {
        /* A stream socket whose peer does not read (journald stalled): EAGAIN, then back-pressure. */
        _cleanup_close_pair_ int sv[2] = { -EBADF, -EBADF }, m[2] = { -EBADF, -EBADF };
        _cleanup_close_ int fd = -EBADF;
        static PtyForward f;
        static char chunk[65536];
        OutputKind kind;

        alarm(10);
        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        ASSERT_OK(pipe2(m, O_CLOEXEC | O_NONBLOCK));
        ASSERT_OK(output_open(sv[1], &fd, &kind));
        pty_forward_init(&f, m[0], -EBADF, fd, kind);
        int r;
        do {
                ASSERT_TRUE(write(m[1], chunk, sizeof(chunk)) > 0);
                r = pty_forward_drain_master(&f);
        } while (r == 0);
        ASSERT_EQ(r, 1);
        ASSERT_TRUE(pty_forward_output_full(&f));
        alarm(0);
}

TEST(output_back_pressure_loses_nothing) {
        _cleanup_close_pair_ int m[2] = { -EBADF, -EBADF }, o[2] = { -EBADF, -EBADF };
        _cleanup_close_ int fd = -EBADF;
        static PtyForward f;
        const size_t total = 512 * 1024;
        OutputKind kind;

        alarm(20);
        /* The master: a pipe holding more than the output pipe and our buffer together. */
        ASSERT_OK(pipe2(m, O_CLOEXEC | O_NONBLOCK));
        ASSERT_TRUE(fcntl(m[1], F_SETPIPE_SZ, 1024 * 1024) >= (int) total);
        ASSERT_OK(pipe2(o, O_CLOEXEC));
        ASSERT_OK(output_open(o[1], &fd, &kind));
        char *in = malloc(total), *got = malloc(total);
        ASSERT_TRUE(in && got);
        for (size_t i = 0; i < total; i++)
                in[i] = (char) (i * 7 + i / 4096);
        ASSERT_EQ(write(m[1], in, total), (ssize_t) total);
        pty_forward_init(&f, m[0], -EBADF, fd, kind);

        /* Nobody reads: the output pipe fills, then our buffer, and then the master is left alone. */
        ASSERT_EQ(pty_forward_drain_master(&f), 1);
        ASSERT_TRUE(pty_forward_output_full(&f));
        int in_pipe = pipe_bytes(o[0]);
        ASSERT_TRUE(in_pipe >= 60 * 1024);
        ASSERT_EQ(pipe_bytes(m[0]), (int) (total - (size_t) in_pipe - PTY_FORWARD_OUT_MAX));
        /* Still full: drain again does not read (or block). */
        ASSERT_EQ(pty_forward_drain_master(&f), 1);
        ASSERT_EQ(pipe_bytes(o[0]), in_pipe);

        /* A slow reader: a little at a time; everything arrives, in order. */
        size_t n = 0;
        int r = 1;
        while (n < total) {
                ssize_t k = read(o[0], got + n, MIN((size_t) 10000, total - n));
                ASSERT_TRUE(k > 0);
                n += (size_t) k;
                r = pty_forward_drain_master(&f);
                ASSERT_TRUE(r == 0 || r == 1);
        }
        ASSERT_EQ(r, 0);
        ASSERT_EQ(f.out_len, 0);
        ASSERT_TRUE(memcmp(in, got, total) == 0);
        free(in);
        free(got);
        alarm(0);
}

TEST(output_reader_gone_keeps_draining) {
        _cleanup_close_pair_ int m[2] = { -EBADF, -EBADF }, o[2] = { -EBADF, -EBADF };
        _cleanup_close_ int fd = -EBADF;
        static PtyForward f;
        static char chunk[32768];
        OutputKind kind;

        alarm(10);
        (void) signal(SIGPIPE, SIG_IGN);
        ASSERT_OK(pipe2(m, O_CLOEXEC | O_NONBLOCK));
        ASSERT_OK(pipe2(o, O_CLOEXEC));
        ASSERT_OK(output_open(o[1], &fd, &kind));
        pty_forward_init(&f, m[0], -EBADF, fd, kind);
        o[0] = safe_close(o[0]);
        for (int i = 0; i < 8; i++) {
                ASSERT_TRUE(write(m[1], chunk, sizeof(chunk)) > 0);
                ASSERT_EQ(pty_forward_drain_master(&f), 0);
        }
        ASSERT_TRUE(f.out_broken);
        ASSERT_EQ(f.out_len, 0);
        ASSERT_EQ(pipe_bytes(m[0]), 0);
        /* The pty closed: -EIO, as before. */
        m[1] = safe_close(m[1]);
        ASSERT_EQ(pty_forward_drain_master(&f), -EIO);
        ASSERT_TRUE(f.master_hup);
        alarm(0);
}

TEST(output_none_drains_and_drops) {
        _cleanup_close_pair_ int m[2] = { -EBADF, -EBADF };
        static PtyForward f;
        static char chunk[65536];

        ASSERT_OK(pipe2(m, O_CLOEXEC | O_NONBLOCK));
        ASSERT_TRUE(fcntl(m[1], F_SETPIPE_SZ, 1024 * 1024) >= 1024 * 1024);
        for (int i = 0; i < 3; i++)
                ASSERT_EQ(write(m[1], chunk, sizeof(chunk)), (ssize_t) sizeof(chunk));
        pty_forward_init(&f, m[0], -EBADF, -EBADF, OUTPUT_FILE);
        ASSERT_EQ(pty_forward_drain_master(&f), 0);
        ASSERT_EQ(pipe_bytes(m[0]), 0);
        ASSERT_EQ(f.out_len, 0);
        /* Also when it returns early (a guest that writes without pause): nothing is kept. */
        for (int i = 0; i < 4; i++) {
                while (write(m[1], chunk, 4096) > 0)    /* 1 MiB: more than one call reads */
                        ;
                int r = pty_forward_drain_master(&f);
                ASSERT_TRUE(r == 0 || r == 1);
                ASSERT_EQ(f.out_len, 0);
        }
}

DEFINE_TEST_MAIN
