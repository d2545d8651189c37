/*
 * store.h — rampartd's storage interface: events, ingestion checkpoints,
 * accounts, sessions, API tokens, applications, policies, distribution
 * bundles and gateways behind one table of operations.
 *
 * A backend (store_sqlite*.c; store_pg*.c for PostgreSQL, with events
 * partitioned by day) fills a store_ops_t. Everything above this header — HTTP
 * handlers, the ingest writer, retention — speaks only these functions,
 * so a backend is chosen by the `store` directive and nothing else
 * changes.
 *
 * Threads: a store_t is shared by every thread; the backend hands each
 * call its own connection. A store_writer_t belongs to one thread (the
 * ingest writer) and is the only path that inserts events, so events,
 * their rule index and the file checkpoints move forward together, in one
 * transaction per batch.
 *
 * Ownership: strings in the structs below are copied into fixed buffers
 * (the caller's memory); rows passed to callbacks are valid only during
 * the call. Times are ms since the epoch (UTC). Every value reaches SQL
 * as a bound parameter, never as SQL text.
 */
#ifndef RAMPART_CTL_STORE_H
#define RAMPART_CTL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "event_parse.h"
#include "rampart/status.h"

typedef enum {
    STORE_OK = 0,
    STORE_NOT_FOUND = 1, /* no such row */
    STORE_CONFLICT = 2,  /* a unique name is taken */
    STORE_FULL = 3,      /* disk or database full: ingestion must stop loudly */
    STORE_ERROR = -1     /* anything else; logged by the backend */
} store_status_t;

#define STORE_NAME_MAX   64
#define STORE_ROLE_MAX   16
#define STORE_HASH_LEN   32 /* SHA-256 of a session or API token */
#define STORE_PWHASH_MAX 256
#define STORE_SOURCE_MAX 1100

/* ---- events ---------------------------------------------------------- */

/* Where a file source stopped: the file (device, inode and a fingerprint
 * of its first line, which survives the inode being reused) and the byte
 * after the last line committed. */
typedef struct {
    char source[STORE_SOURCE_MAX];
    uint64_t dev, ino;
    uint64_t offset;
    unsigned char fp[32];
    uint32_t fp_len; /* bytes of the file the fingerprint covers; 0 = none */
} store_checkpoint_t;

typedef struct {
    int64_t from, to; /* ts in [from, to) */
    const char *app, *client, *rule, *category, *action;
    const char *text;             /* substring of the event's JSON, case-insensitive ASCII */
    int has_cursor;               /* keyset pagination: rows strictly after (ts, id) in */
    int64_t cursor_ts, cursor_id; /* (ts DESC, id DESC) order */
    int limit;
} store_filter_t;

typedef struct {
    int64_t id, ts, received;
    const char *source, *request_id, *app, *host, *client, *method, *uri, *action, *category;
    const char *rules; /* the rule keys, a JSON array of strings */
    const char *raw;   /* the event's JSON */
    int has_status, has_score;
    int64_t status, score;
} store_event_row_t;

/* Return nonzero to stop the iteration. */
typedef int (*store_event_cb)(void *ctx, const store_event_row_t *row);

typedef enum {
    STORE_TOP_CLIENT,
    STORE_TOP_RULE,
    STORE_TOP_PATH,
    STORE_TOP_APP,
    STORE_TOP_CATEGORY,
    STORE_TOP_ACTION,
    STORE_TOP_COUNT
} store_top_t;

typedef int (*store_count_cb)(void *ctx, const char *key, int64_t count);
typedef int (*store_minute_cb)(void *ctx, int64_t minute_ms, int64_t total, int64_t blocked);

/* ---- accounts, sessions, tokens ------------------------------------- */

typedef struct {
    int64_t id;
    char name[STORE_NAME_MAX + 1];
    char role[STORE_ROLE_MAX + 1];
    char pw_hash[STORE_PWHASH_MAX + 1];
    int must_change;
    int disabled;
    int64_t created, updated, pw_changed;
} store_user_t;

typedef struct {
    unsigned char hash[STORE_HASH_LEN];
    int64_t user_id;
    int64_t created, last_seen, expires;
    char client[64];
} store_session_t;

typedef struct {
    int64_t id;
    char name[STORE_NAME_MAX + 1];
    char role[STORE_ROLE_MAX + 1];
    unsigned char hash[STORE_HASH_LEN];
    char prefix[16]; /* the token's first characters, to recognise it in lists */
    int64_t created_by;
    int64_t created, last_used, expires, revoked; /* 0 = never */
} store_token_t;

typedef int (*store_user_cb)(void *ctx, const store_user_t *user);
typedef int (*store_token_cb)(void *ctx, const store_token_t *token);

/* ---- the audit log (audit_record.h: the chain; audit_log.h: who appends) */

#define STORE_AUDIT_HASH_LEN 32 /* SM3 */
#define STORE_AUDIT_SIG_MAX  80 /* a DER SM2 signature */

/* One audit record. Strings are never NULL ("" when empty). canonical is
 * the record's serialisation that the chain hashes (audit_record.c). */
typedef struct {
    int64_t seq, ts, status;
    const char *actor, *role, *client, *action, *method, *path, *target, *outcome, *detail;
    const unsigned char *canonical;
    size_t canonical_len;
    unsigned char prev_hash[STORE_AUDIT_HASH_LEN], hash[STORE_AUDIT_HASH_LEN];
} store_audit_row_t;

/* An SM2 signature over (seq, hash) of the newest record when sealed. */
typedef struct {
    int64_t id, seq, ts;
    unsigned char hash[STORE_AUDIT_HASH_LEN];
    unsigned char key_id[STORE_AUDIT_HASH_LEN]; /* SM3 of the public key (DER) */
    unsigned char sig[STORE_AUDIT_SIG_MAX];
    size_t sig_len;
} store_audit_seal_t;

typedef struct {
    int64_t from, to; /* ts in [from, to); 0/INT64_MAX for all */
    const char *actor, *action, *outcome, *client, *target;
    int64_t after_seq;  /* ascending: seq > after_seq; descending: seq < before_seq */
    int64_t before_seq; /* 0: none */
    int ascending;
    int limit;
} store_audit_filter_t;

typedef int (*store_audit_cb)(void *ctx, const store_audit_row_t *row);
typedef int (*store_seal_cb)(void *ctx, const store_audit_seal_t *seal);

/* ---- applications, policies, bundles, gateways ------------------------ */

#define STORE_HOST_MAX     253
#define STORE_PREFIX_MAX   512
#define STORE_UPSTREAM_MAX 512
#define STORE_SWITCHES_MAX 512
#define STORE_COMMENT_MAX  256

/* A protected application: requests for host (or any host: "*") whose
 * path starts with path_prefix go to upstream, inspected by policy ("":
 * the engine's built-in defaults). switches is a JSON object mapping a
 * protection name to block|detect|off; the API layer owns its shape. */
typedef struct {
    int64_t id;
    char name[STORE_NAME_MAX + 1];
    char host[STORE_HOST_MAX + 1];
    char path_prefix[STORE_PREFIX_MAX + 1];
    char upstream[STORE_UPSTREAM_MAX + 1];
    char policy[STORE_NAME_MAX + 1];
    char switches[STORE_SWITCHES_MAX + 1];
    int64_t created, updated;
} store_app_t;

typedef struct {
    int64_t id;
    char name[STORE_NAME_MAX + 1];
    int64_t current_version; /* the newest version: what gateways run */
    int64_t created, updated;
} store_policy_t;

/* One version of a policy's text. text is NULL in listings. */
typedef struct {
    int64_t version;
    const char *text;
    char author[STORE_NAME_MAX + 1];
    char comment[STORE_COMMENT_MAX + 1];
    int64_t rollback_of; /* the version this one restored; 0: none */
    int64_t created;
} store_policy_version_t;

/* A distribution bundle as published: its JSON, its SHA-256 (hex). */
typedef struct {
    int64_t version;
    char hash[65];
    const char *json;
    int64_t created;
} store_bundle_t;

/* A gateway as it last checked in. */
typedef struct {
    char id[STORE_NAME_MAX + 1];
    char name[STORE_NAME_MAX + 1];
    int64_t running_version; /* 0: none installed yet */
    char running_hash[65];
    char address[64];
    char token[STORE_NAME_MAX + 1]; /* the API token's name it used */
    int64_t first_seen, last_seen;
} store_gateway_t;

typedef int (*store_app_cb)(void *ctx, const store_app_t *app);
typedef int (*store_policy_cb)(void *ctx, const store_policy_t *policy);
typedef int (*store_policy_version_cb)(void *ctx, const store_policy_version_t *version);
typedef int (*store_bundle_cb)(void *ctx, const store_bundle_t *bundle);
typedef int (*store_gateway_cb)(void *ctx, const store_gateway_t *gateway);

/* ---- the operations --------------------------------------------------- */

typedef struct store store_t;
typedef struct store_writer store_writer_t;

typedef struct {
    const char *name;
    void (*close)(store_t *s);
    int (*schema_version)(store_t *s, int *version);
    int (*ping)(store_t *s);

    store_writer_t *(*writer_open)(store_t *s);
    int (*writer_begin)(store_writer_t *w);
    int (*writer_insert)(store_writer_t *w, const event_t *ev, const char *source,
                         int64_t received);
    int (*writer_checkpoint)(store_writer_t *w, const store_checkpoint_t *cp);
    int (*writer_commit)(store_writer_t *w);
    void (*writer_rollback)(store_writer_t *w);
    void (*writer_close)(store_writer_t *w);
    int (*checkpoint_get)(store_t *s, const char *source, store_checkpoint_t *out);

    int (*events_query)(store_t *s, const store_filter_t *f, store_event_cb cb, void *ctx);
    int (*event_get)(store_t *s, int64_t id, store_event_cb cb, void *ctx);
    int (*events_count)(store_t *s, const store_filter_t *f, int64_t *count);
    int (*events_per_minute)(store_t *s, const store_filter_t *f, store_minute_cb cb, void *ctx);
    int (*events_top)(store_t *s, const store_filter_t *f, store_top_t what, int n,
                      store_count_cb cb, void *ctx);
    /* Deletes up to batch events older than before_ms; *deleted says how
     * many (fewer than batch: nothing older is left). PostgreSQL drops
     * whole day partitions instead: a day that straddles before_ms stays
     * until it is wholly older, and one call may delete more than batch. */
    int (*retention_delete)(store_t *s, int64_t before_ms, int batch, int64_t *deleted);
    /* Housekeeping for the query planner (statistics), run now and then. */
    int (*optimize)(store_t *s);

    int (*user_count)(store_t *s, int64_t *count);
    int (*user_create)(store_t *s, store_user_t *u); /* sets u->id */
    int (*user_get_by_name)(store_t *s, const char *name, store_user_t *out);
    int (*user_get_by_id)(store_t *s, int64_t id, store_user_t *out);
    int (*user_list)(store_t *s, store_user_cb cb, void *ctx);
    int (*user_update)(store_t *s, const store_user_t *u); /* role, flags, hash, times */
    int (*user_delete)(store_t *s, int64_t id);
    int (*user_count_active_admins)(store_t *s, int64_t *count);

    int (*session_create)(store_t *s, const store_session_t *sess);
    int (*session_get)(store_t *s, const unsigned char hash[STORE_HASH_LEN], store_session_t *out);
    int (*session_touch)(store_t *s, const unsigned char hash[STORE_HASH_LEN], int64_t now);
    int (*session_delete)(store_t *s, const unsigned char hash[STORE_HASH_LEN]);
    /* Ends every session of a user but `keep` (NULL: all). */
    int (*session_delete_user)(store_t *s, int64_t user_id, const unsigned char *keep);
    /* Ends sessions idle since before idle_before or past expires. */
    int (*session_purge)(store_t *s, int64_t idle_before, int64_t now, int64_t *deleted);

    int (*token_create)(store_t *s, store_token_t *t); /* sets t->id */
    int (*token_get_by_hash)(store_t *s, const unsigned char hash[STORE_HASH_LEN],
                             store_token_t *out);
    int (*token_list)(store_t *s, store_token_cb cb, void *ctx);
    int (*token_revoke)(store_t *s, int64_t id, int64_t now);
    int (*token_touch)(store_t *s, int64_t id, int64_t now);

    /* The audit log: append-only (the store refuses UPDATE and DELETE of
     * records younger than the minimum retention). */
    int (*audit_last)(store_t *s, int64_t *seq, unsigned char hash[STORE_AUDIT_HASH_LEN]);
    int (*audit_append)(store_t *s, const store_audit_row_t *row); /* seq = last + 1 */
    int (*audit_query)(store_t *s, const store_audit_filter_t *f, store_audit_cb cb, void *ctx);
    int (*audit_seal_append)(store_t *s, store_audit_seal_t *seal); /* sets seal->id */
    int (*audit_seals)(store_t *s, store_seal_cb cb, void *ctx);    /* by seq */
    /* Deletes records with seq <= through_seq, and the seals of those
     * records made before before_ms. */
    int (*audit_retention_delete)(store_t *s, int64_t through_seq, int64_t before_ms,
                                  int64_t *deleted);
    /* Export cursors: the last seq each export destination acknowledged. */
    int (*audit_cursor_get)(store_t *s, const char *name, int64_t *seq);
    int (*audit_cursor_set)(store_t *s, const char *name, int64_t seq);

    /* Applications (by name, case-insensitive). app_create sets a->id;
     * STORE_CONFLICT: the name is taken; STORE_NOT_FOUND on create or
     * update: the named policy does not exist. */
    int (*app_create)(store_t *s, store_app_t *a);
    int (*app_get)(store_t *s, const char *name, store_app_t *out);
    int (*app_list)(store_t *s, store_app_cb cb, void *ctx);
    int (*app_update)(store_t *s, const store_app_t *a); /* by id: every field */
    int (*app_delete)(store_t *s, const char *name);

    /* Policies and their versions. policy_create makes version 1;
     * policy_add_version appends current + 1 and makes it current, both in
     * one transaction (*version says which). rollback_of is 0 or the
     * version the new one copies. policy_delete: STORE_CONFLICT while an
     * application uses the policy. version 0 in policy_version_get: the
     * current one. */
    int (*policy_create)(store_t *s, const char *name, const store_policy_version_t *v,
                         int64_t *version);
    int (*policy_add_version)(store_t *s, const char *name, const store_policy_version_t *v,
                              int64_t *version);
    int (*policy_get)(store_t *s, const char *name, store_policy_t *out);
    int (*policy_list)(store_t *s, store_policy_cb cb, void *ctx);
    int (*policy_versions)(store_t *s, const char *name, store_policy_version_cb cb, void *ctx);
    int (*policy_version_get)(store_t *s, const char *name, int64_t version,
                              store_policy_version_cb cb, void *ctx);
    int (*policy_delete)(store_t *s, const char *name);

    /* Bundles: bundle_publish stores the next version (b->version is set
     * to it; the JSON must already carry that number, so the caller asks
     * bundle_next_version first under its own lock). */
    int (*bundle_next_version)(store_t *s, int64_t *version);
    int (*bundle_publish)(store_t *s, const store_bundle_t *b);
    int (*bundle_latest)(store_t *s, store_bundle_cb cb, void *ctx);

    /* Gateways: insert or update by id (first_seen kept). */
    int (*gateway_checkin)(store_t *s, const store_gateway_t *g);
    int (*gateway_list)(store_t *s, store_gateway_cb cb, void *ctx);
} store_ops_t;

struct store {
    const store_ops_t *ops;
    const struct store_agent_ops *agents; /* host agents (store_agents.h); NULL: none */
    const struct store_sql_ops *sql;      /* neutral statements (store_sql.h): the directory */
    const struct store_key_ops *keys;     /* key management (store_keys.h); NULL: none */
    const struct store_inventory_ops *inventory; /* the API inventory (store_inventory.h) */
};

typedef struct {
    const char *backend; /* "sqlite" or "postgres" */
    const char *data_dir;
    const char *conninfo; /* postgres: a libpq connection string */
    int synchronous_full;
    size_t max_bytes; /* a cap on the store's size; 0: none */
    int connections;  /* pooled connections for concurrent callers */
} store_options_t;

/* ---- helpers the backends share -------------------------------------- */

/* The filter's column = value conditions: for i from 0 while it returns
 * nonzero, *column is the events column and *value the wanted value
 * (NULL: no condition on that column). */
int store_filter_equal(const store_filter_t *f, int i, const char **column, const char **value);

/* The LIKE pattern "%text%" of the free-text filter, with the wildcards
 * and the escape character (backslash) escaped, so text is literal. */
#define STORE_LIKE_MAX 1100
void store_like_pattern(const char *text, char out[STORE_LIKE_MAX]);

/* Opens the configured backend and brings its schema to the current
 * version (migrations run in one transaction; a store newer than this
 * rampartd is refused). NULL with err on failure. */
store_t *store_open(const store_options_t *opt, rp_error_t *err);

/* The schema version the PostgreSQL backend migrates to (tests). */
int store_pg_schema_newest(void);

static inline void store_close(store_t *s)
{
    if (s)
        s->ops->close(s);
}

#endif
