/*
 * store_inventory.h — the stored API inventory (api_inventory.h): one JSON
 * document per application, replaced whole when it changes. Migration 16
 * in both backends.
 */
#ifndef RAMPART_CTL_STORE_INVENTORY_H
#define RAMPART_CTL_STORE_INVENTORY_H

#include <stdint.h>

#include "store.h"

typedef int (*store_inventory_cb)(void *ctx, const char *app, const char *doc);

typedef struct store_inventory_ops {
    /* Inserts or replaces the application's document. */
    int (*put)(store_t *s, const char *app, int64_t updated, const char *doc);
    /* Every application's document, by name. */
    int (*list)(store_t *s, store_inventory_cb cb, void *ctx);
} store_inventory_ops_t;

#endif
