/*
 * crypto_test_util.h — hex helpers and a seeded PRNG for the crypto tests
 * (inputs must be reproducible from the seed a failing run prints).
 */
#ifndef RAMPART_CRYPTO_TEST_UTIL_H
#define RAMPART_CRYPTO_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline size_t unhex(const char *h, uint8_t *out)
{
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        char pair[3] = {h[0], h[1], 0};
        v = (unsigned)strtoul(pair, NULL, 16);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static uint64_t test_rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t test_rand(void)
{
    /* splitmix64 */
    uint64_t z = (test_rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* RP_TEST_SEED=n in the environment replays or varies a run. */
static inline void test_seed_from_env(void)
{
    const char *s = getenv("RP_TEST_SEED");
    if (s)
        test_rng_state = strtoull(s, NULL, 0);
}

static inline void test_fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)test_rand();
}

/* cmocka's assert_memory_equal refuses length 0. */
#define assert_bytes_equal(a, b, n)                                                                \
    do {                                                                                           \
        if ((n) > 0)                                                                               \
            assert_memory_equal(a, b, n);                                                          \
    } while (0)

#endif
