/*
 * agent_test_util.h — helpers shared by rampart-agent's unit tests: a
 * private temporary directory and small file writers.
 */
#ifndef RAMPART_AGENT_TEST_UTIL_H
#define RAMPART_AGENT_TEST_UTIL_H

#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); removed by temp_dir_remove. */
static inline void temp_dir(char out[256])
{
    const char *base = getenv("TMPDIR");
    snprintf(out, 256, "%s/rampart-agent-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

static inline void temp_dir_remove(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
    assert_int_equal(system(cmd), 0);
}

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

#endif
