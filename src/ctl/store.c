/*
 * store.c — choosing the storage backend named by the configuration.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

store_t *store_sqlite_open(const store_options_t *opt, rp_error_t *err);

store_t *store_open(const store_options_t *opt, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    if (strcmp(opt->backend, "sqlite") == 0)
        return store_sqlite_open(opt, err);
    snprintf(err->reason, sizeof(err->reason), "unknown store backend \"%s\"", opt->backend);
    return NULL;
}
