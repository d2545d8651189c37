/*
 * ctl_test_util.h — helpers shared by rampartd's unit tests: a private
 * temporary directory and a store in it.
 */
#ifndef RAMPART_CTL_TEST_UTIL_H
#define RAMPART_CTL_TEST_UTIL_H

#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

/* A fresh directory under $TMPDIR (or /tmp); removed by temp_dir_remove. */
static inline void temp_dir(char out[256])
{
    const char *base = getenv("TMPDIR");
    snprintf(out, 256, "%s/rampartd-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

static inline void temp_dir_remove(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static inline store_t *open_store(const char *dir)
{
    store_options_t opt = {
        .backend = "sqlite", .data_dir = dir, .synchronous_full = 0, .connections = 2};
    rp_error_t err;
    store_t *s = store_open(&opt, &err);
    if (!s)
        fail_msg("store_open: %s", err.reason);
    return s;
}

#endif
