/*
 * test_util.h — small shared helpers for the cmocka unit tests.
 */
#ifndef RAMPART_TEST_UTIL_H
#define RAMPART_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#define STR_AND_LEN(s) (s), strlen(s)

/* A random value for differential tests: up to count pieces joined in buf
 * (at most cap bytes), each taken from the first nfav pieces with
 * probability fav_percent, else from all npieces; a piece "" is one NUL
 * byte. *seed drives it; returns the length. */
static inline size_t test_random_pieces(char *buf, size_t cap, const char *const *pieces,
                                        size_t npieces, size_t nfav, unsigned fav_percent,
                                        int count, unsigned *seed)
{
    size_t n = 0;
    for (; count > 0; count--) {
        *seed = *seed * 1103515245u + 12345u;
        unsigned r = *seed >> 8;
        const char *pc =
            r % 100 < fav_percent ? pieces[(r / 100) % nfav] : pieces[(r / 100) % npieces];
        size_t l = pc[0] ? strlen(pc) : 1;
        if (n + l > cap)
            break;
        memcpy(buf + n, pc, l);
        n += l;
    }
    return n;
}

#endif
