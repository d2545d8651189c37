/*
 * ctl.h — one running rampartd: the pieces main.c starts and stops, passed
 * to every part that needs another (no global state).
 *
 * Start order: configuration → log → store (migrations) → first-run admin
 * → ingest writer → event sources → retention → HTTP. Stop order is the
 * reverse, with the queue drained into the store before the HTTP server
 * goes (docs/RAMPARTD.md, "Shutdown").
 */
#ifndef RAMPART_CTL_CTL_H
#define RAMPART_CTL_CTL_H

#include <stdatomic.h>

#include "config.h"
#include "ingest_queue.h"
#include "metrics.h"
#include "store.h"

struct ingest_writer;
struct file_source;
struct socket_source;
struct retention;
struct throttle;
struct http_server;
struct audit_log;
struct audit_export;
struct publisher;
struct keyring;

typedef struct ctl {
    config_slot_t config;
    store_t *store;
    metrics_t metrics;
    ingest_queue_t queue;
    struct ingest_writer *writer;
    struct file_source *files[CONFIG_MAX_EVENT_FILES];
    size_t n_files;
    struct socket_source *socket;
    struct retention *retention;
    struct throttle *throttle;
    struct http_server *http;
    struct audit_log *audit;           /* the tamper-evident audit log */
    struct audit_export *audit_export; /* syslog and webhook delivery */
    struct publisher *publisher;       /* the distribution bundle (publisher.h) */
    struct idservice *identity;        /* directory sessions, revocations (idsession.h) */
    struct keyring *keyring;           /* data keys and the encryption service (keyring.h) */
    struct inventory *inventory;       /* the API inventory (api_inventory.h) */
    atomic_int ready;   /* 1 between a complete start and the beginning of shutdown */
    atomic_int started; /* 1 once started completely (stays through shutdown) */
    /* The first-run admin password file, removed once the password changes. */
    char bootstrap_file[CONFIG_PATH_MAX + 64];
} ctl_t;

#endif
