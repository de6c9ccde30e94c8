/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "nspawn-options.h"
#include "nspawn-settings.h"
#include "nspawn-timens.h"
#include "string-util.h"
#include "tests.h"

#define ARGV(...) ((char *[]) { (char *) "nspawn", __VA_ARGS__, NULL })
#define ARGC(...) ((int) ELEMENTSOF(((const char *[]) { "nspawn", __VA_ARGS__ })))
#define PARSE(s, ...) settings_parse_argv(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (s))

TEST(time_offset_parse) {
        TimeClock c;
        int64_t n;

        ASSERT_EQ(time_offset_parse("monotonic:86400", &c, &n), 0);
        ASSERT_EQ(c, TIME_CLOCK_MONOTONIC);
        ASSERT_EQ(n, 86400);
        ASSERT_EQ(time_offset_parse("boottime:-60", &c, &n), 0);
        ASSERT_EQ(c, TIME_CLOCK_BOOTTIME);
        ASSERT_EQ(n, -60);
        ASSERT_EQ(time_offset_parse("boottime:+7", &c, &n), 0);
        ASSERT_EQ(n, 7);
        ASSERT_EQ(time_offset_parse("monotonic:0", &c, &n), 0);
        ASSERT_EQ(n, 0);

        /* Untouched outputs on failure. */
        c = TIME_CLOCK_BOOTTIME;
        n = 42;
        ASSERT_EQ(time_offset_parse("realtime:5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("wall:5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("Monotonic:5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic:", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic: 5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic:-", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic:5s", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic:1.5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("monotonic:0x10", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse(":5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("averyveryverylongclockname:5", &c, &n), -EINVAL);
        ASSERT_EQ(time_offset_parse("boottime:99999999999999999999", &c, &n), -ERANGE);
        ASSERT_EQ(time_offset_parse("boottime:-99999999999999999999", &c, &n), -ERANGE);
        ASSERT_EQ(c, TIME_CLOCK_BOOTTIME);
        ASSERT_EQ(n, 42);
}

TEST(format_offsets) {
        const struct timespec now[_TIME_CLOCK_MAX] = {
                [TIME_CLOCK_MONOTONIC] = { .tv_sec = 1000, .tv_nsec = 999999999 },
                [TIME_CLOCK_BOOTTIME] = { .tv_sec = 2000, .tv_nsec = 1 },
        };
        TimeNamespace t = { .enabled = true };
        char buf[128];

        /* No explicit offsets: both clocks are set back to (within a second of) zero. */
        ASSERT_EQ(time_namespace_format_offsets(&t, now, buf, sizeof(buf)), 0);
        ASSERT_STREQ(buf, "monotonic -1000 0\nboottime -2000 0\n");

        t.offset_set[TIME_CLOCK_MONOTONIC] = true;
        t.offset[TIME_CLOCK_MONOTONIC] = 86400;
        ASSERT_EQ(time_namespace_format_offsets(&t, now, buf, sizeof(buf)), 0);
        ASSERT_STREQ(buf, "monotonic 86400 0\nboottime -2000 0\n");

        t.offset_set[TIME_CLOCK_BOOTTIME] = true;
        t.offset[TIME_CLOCK_BOOTTIME] = -5;
        ASSERT_EQ(time_namespace_format_offsets(&t, now, buf, sizeof(buf)), 0);
        ASSERT_STREQ(buf, "monotonic 86400 0\nboottime -5 0\n");

        ASSERT_EQ(time_namespace_format_offsets(&t, now, buf, 10), -ENOBUFS);
}

static bool no_offsets(const Settings *s) {
        for (TimeClock c = 0; c < _TIME_CLOCK_MAX; c++)
                if (s->time.offset_set[c])
                        return false;
        return true;
}

TEST(options) {
        Settings s = {};

        ASSERT_EQ(PARSE(&s, "-D", "/x"), 1);
        ASSERT_FALSE(s.time.enabled);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--private-time"), 1);
        ASSERT_TRUE(s.time.enabled);
        ASSERT_TRUE(no_offsets(&s));
        settings_done(&s);

        /* --time-offset implies --private-time; it repeats, the last of a clock wins. */
        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--time-offset=boottime:10", "--time-offset=monotonic:86400", "--time-offset=boottime:-3"), 1);
        ASSERT_TRUE(s.time.enabled);
        ASSERT_TRUE(s.time.offset_set[TIME_CLOCK_MONOTONIC]);
        ASSERT_EQ(s.time.offset[TIME_CLOCK_MONOTONIC], 86400);
        ASSERT_TRUE(s.time.offset_set[TIME_CLOCK_BOOTTIME]);
        ASSERT_EQ(s.time.offset[TIME_CLOCK_BOOTTIME], -3);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_EQ(PARSE(&s, "--time-offset", "monotonic:1"), 1);
        ASSERT_TRUE(s.time.offset_set[TIME_CLOCK_MONOTONIC]);
        ASSERT_FALSE(s.time.offset_set[TIME_CLOCK_BOOTTIME]);
        settings_done(&s);

        s = (Settings) {};
        ASSERT_TRUE(PARSE(&s, "--time-offset=wall:1") < 0);
        ASSERT_TRUE(PARSE(&s, "--time-offset=monotonic:x") < 0);
        ASSERT_TRUE(PARSE(&s, "--time-offset") < 0);
        ASSERT_TRUE(PARSE(&s, "--private-time=yes") < 0);
}

DEFINE_TEST_MAIN
