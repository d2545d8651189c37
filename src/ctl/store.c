/*
 * store.c — choosing the storage backend named by the configuration, and
 * the backend-neutral helpers of the store interface.
 */
#include "store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_keys.h"

store_t *store_sqlite_open(const store_options_t *opt, rp_error_t *err);
store_t *store_pg_open(const store_options_t *opt, rp_error_t *err);

store_t *store_open(const store_options_t *opt, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    if (strcmp(opt->backend, "sqlite") == 0)
        return store_sqlite_open(opt, err);
    if (strcmp(opt->backend, "postgres") == 0)
        return store_pg_open(opt, err);
    snprintf(err->reason, sizeof(err->reason), "unknown store backend \"%s\"", opt->backend);
    return NULL;
}

int store_filter_equal(const store_filter_t *f, int i, const char **column, const char **value)
{
    static const struct {
        const char *column;
        size_t offset;
    } equal[] = {
        {"app", offsetof(store_filter_t, app)},
        {"client", offsetof(store_filter_t, client)},
        {"category", offsetof(store_filter_t, category)},
        {"action", offsetof(store_filter_t, action)},
    };
    if (i < 0 || (size_t)i >= sizeof(equal) / sizeof(equal[0]))
        return 0;
    *column = equal[i].column;
    *value = *(const char *const *)((const char *)f + equal[i].offset);
    return 1;
}

void store_like_pattern(const char *text, char out[STORE_LIKE_MAX])
{
    size_t o = 0;
    out[o++] = '%';
    for (const char *p = text; *p && o + 3 < STORE_LIKE_MAX; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            out[o++] = '\\';
        out[o++] = *p;
    }
    out[o++] = '%';
    out[o] = '\0';
}

int store_key_array_add(void *ctx, const store_key_t *k)
{
    store_key_array_t *a = ctx;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 32;
        store_key_t *more = realloc(a->keys, cap * sizeof(*more));
        if (!more)
            return 1;
        a->keys = more;
        a->cap = cap;
    }
    a->keys[a->n++] = *k;
    return 0;
}
