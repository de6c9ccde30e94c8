/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A small unit-test framework: TEST(name) { ... } registers a test; DEFINE_TEST_MAIN runs them all
 * and prints one line per test plus a "N passed, N failed" summary. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

typedef struct TestCase {
        const char *name;
        void (*func)(void);
} TestCase;

extern int test_failures;

#define TEST(n)                                                                           \
        static void test_##n(void);                                                       \
        static const TestCase test_case_##n                                               \
                __attribute__((used, section("test_cases"), aligned(sizeof(void *)))) = { \
                        .name = #n, .func = test_##n,                                     \
                };                                                                        \
        static void test_##n(void)

#define ASSERT_TRUE(expr)                                                                 \
        do {                                                                              \
                if (!(expr)) {                                                            \
                        fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,        \
                                __LINE__, #expr);                                         \
                        test_failures++;                                                  \
                        return;                                                           \
                }                                                                         \
        } while (0)

#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))
#define ASSERT_EQ(a, b)                                                                   \
        do {                                                                              \
                long long _a = (long long) (a), _b = (long long) (b);                     \
                if (_a != _b) {                                                           \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",         \
                                __FILE__, __LINE__, #a, #b, _a, _b);                      \
                        test_failures++;                                                  \
                        return;                                                           \
                }                                                                         \
        } while (0)
#define ASSERT_STREQ(a, b)                                                                \
        do {                                                                              \
                const char *_a = (a), *_b = (b);                                          \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                  \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",     \
                                __FILE__, __LINE__, #a, #b, _a ?: "(null)", _b ?: "(null)"); \
                        test_failures++;                                                  \
                        return;                                                           \
                }                                                                         \
        } while (0)
#define ASSERT_OK(expr) ASSERT_TRUE((expr) >= 0)
#define ASSERT_ERROR(expr, err) ASSERT_EQ((expr), -(err))

extern const TestCase __start_test_cases[], __stop_test_cases[];

#define DEFINE_TEST_MAIN                                                                  \
        int test_failures = 0;                                                            \
        int main(void) {                                                                  \
                int passed = 0, failed = 0;                                               \
                for (const TestCase *t = __start_test_cases; t < __stop_test_cases; t++) { \
                        int before = test_failures;                                       \
                        t->func();                                                        \
                        if (test_failures == before) {                                    \
                                passed++;                                                 \
                                printf("ok %s\n", t->name);                               \
                        } else {                                                          \
                                failed++;                                                 \
                                printf("FAIL %s\n", t->name);                             \
                        }                                                                 \
                }                                                                         \
                printf("%d passed, %d failed\n", passed, failed);                         \
                return failed ? EXIT_FAILURE : EXIT_SUCCESS;                              \
        }
