/*
 * store_test.c — the store contract: the same cases against every backend
 * (SQLite in a temporary directory, PostgreSQL on a private server that
 * pg_test_server.h starts): migrations, the ingest writer's transactions
 * and checkpoints, filters, keyset pagination, aggregations, retention,
 * partitions made on demand, accounts, sessions, tokens, the audit log
 * (records, seals, export cursors, its append-only triggers),
 * applications, policy versions (two editors at once), bundles and
 * gateway check-ins, host agents and their enrolment tokens, data keys
 * (versions, rotation, rewrapping, grants, key jobs); and for
 * PostgreSQL, recovery after the server restarts.
 */
#include "ctl_test_util.h"

#include <pthread.h>
#include <sqlite3.h>

#include "pg_test_server.h"

#include "event_parse.h"
#include "store_agents.h"
#include "store_keys.h"
#include "store_sqlite_t.h"
#include "timefmt.h"

#define T0     1795688637000LL /* 2026-11-26T10:23:57Z */
#define DAY_MS 86400000LL

/* The backend of the group running now, and PostgreSQL's test server. */
static const char *backend = "sqlite";
static pg_test_server_t pg;

static int is_postgres(void)
{
    return strcmp(backend, "postgres") == 0;
}

/* Opens the current backend's store on what is already there. */
static store_t *reopen_store(const char *dir)
{
    store_options_t opt = {.backend = backend,
                           .data_dir = dir,
                           .conninfo = pg.dsn,
                           .synchronous_full = 0,
                           .connections = 2};
    rp_error_t err;
    store_t *s = store_open(&opt, &err);
    if (!s)
        fail_msg("store_open(%s): %s", backend, err.reason);
    return s;
}

/* A fresh, empty store of the current backend (dir: a new temporary
 * directory; PostgreSQL's schema is emptied). */
static store_t *fresh_store(char dir[256])
{
    temp_dir(dir);
    if (is_postgres())
        assert_int_equal(pg_test_sql(&pg, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"), 0);
    return reopen_store(dir);
}

/* Runs SQL on the current backend's store behind its back; 0 when it ran
 * (SQL the store must refuse fails). */
static int backend_sql_rc(const char *dir, const char *sql)
{
    if (is_postgres())
        return pg_test_sql(&pg, sql);
    char path[300];
    snprintf(path, sizeof(path), "%s/rampart.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static void backend_sql(const char *dir, const char *sql)
{
    assert_int_equal(backend_sql_rc(dir, sql), 0);
}

static event_t make_event(int64_t ts, const char *app, const char *client, const char *action,
                          const char *category, const char *rules_json, const char *uri)
{
    char when[TIME_RFC3339_MAX], text[2048];
    time_format_rfc3339(ts, when);
    snprintf(text, sizeof(text),
             "{\"time\":\"%s\",\"app\":\"%s\",\"client\":\"%s\",\"action\":\"%s\","
             "\"category\":\"%s\",\"uri\":\"%s\",\"status\":403,\"matches\":%s}",
             when, app, client, action, category, uri, rules_json);
    event_t ev;
    reject_reason_t why;
    char detail[200];
    if (event_parse(text, strlen(text), &ev, &why, detail, sizeof(detail)))
        fail_msg("fixture refused: %s", detail);
    return ev;
}

static void insert(store_t *s, event_t *evs, size_t n, const store_checkpoint_t *cp)
{
    store_writer_t *w = s->ops->writer_open(s);
    assert_non_null(w);
    assert_int_equal(s->ops->writer_begin(w), STORE_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s->ops->writer_insert(w, &evs[i], "test", T0), STORE_OK);
    if (cp)
        assert_int_equal(s->ops->writer_checkpoint(w, cp), STORE_OK);
    assert_int_equal(s->ops->writer_commit(w), STORE_OK);
    s->ops->writer_close(w);
}

typedef struct {
    int n;
    int64_t ids[64];
    int64_t ts[64];
} rows_t;

static int collect(void *ctx, const store_event_row_t *row)
{
    rows_t *r = ctx;
    if (r->n < 64) {
        r->ids[r->n] = row->id;
        r->ts[r->n] = row->ts;
    }
    r->n++;
    return 0;
}

static rows_t query(store_t *s, store_filter_t f)
{
    rows_t r = {0};
    if (!f.to)
        f.to = INT64_MAX;
    if (!f.limit)
        f.limit = 1000;
    assert_int_equal(s->ops->events_query(s, &f, collect, &r), STORE_OK);
    return r;
}

static void test_migrations(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int v = 0;
    int newest = strcmp(backend, "sqlite") == 0 ? sq_migrations[sq_migrations_count - 1].version
                                                : store_pg_schema_newest();
    assert_int_equal(s->ops->schema_version(s, &v), STORE_OK);
    assert_int_equal(v, newest);
    assert_string_equal(s->ops->name, backend);
    store_close(s);
    /* reopening applies nothing twice */
    s = reopen_store(dir);
    assert_int_equal(s->ops->schema_version(s, &v), STORE_OK);
    assert_int_equal(v, newest);
    store_close(s);
    /* a store from a newer rampartd is refused, untouched */
    backend_sql(dir, "INSERT INTO schema_version VALUES (99, 0, 'from the future')");
    store_options_t opt = {
        .backend = backend, .data_dir = dir, .conninfo = pg.dsn, .connections = 1};
    rp_error_t err;
    assert_null(store_open(&opt, &err));
    assert_non_null(strstr(err.reason, "newer than this rampartd"));
    backend_sql(dir, "DELETE FROM schema_version WHERE version = 99");
    s = reopen_store(dir);
    store_close(s);
    opt.backend = "postgresql";
    assert_null(store_open(&opt, &err));
    /* a gap below the newest: the store has the later migrations but not
     * 2 (as a feature branch's lower number merged after a higher one),
     * so opening applies 2 although newer ones are recorded */
    backend_sql(dir, is_postgres() ? "DROP TABLE audit_log, audit_seals, audit_export_cursors;"
                                     "DROP FUNCTION rampart_audit_next_seq(),"
                                     " rampart_audit_refuse(), rampart_audit_keep_young();"
                                     "DELETE FROM schema_version WHERE version = 2"
                                   : "DROP TABLE audit_log; DROP TABLE audit_seals;"
                                     "DROP TABLE audit_export_cursors;"
                                     "DELETE FROM schema_version WHERE version = 2");
    s = reopen_store(dir);
    assert_int_equal(s->ops->schema_version(s, &v), STORE_OK);
    assert_int_equal(v, newest);
    int64_t seq = -1;
    unsigned char hash[STORE_AUDIT_HASH_LEN];
    assert_int_equal(s->ops->audit_last(s, &seq, hash), STORE_OK);
    assert_int_equal(seq, 0);
    store_close(s);
    temp_dir_remove(dir);
}

static void test_writer_transaction_and_checkpoint(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    store_checkpoint_t cp = {
        .source = "/var/log/events.jsonl", .dev = 2049, .ino = 77, .offset = 4096, .fp_len = 100};
    memset(cp.fp, 0xAB, sizeof(cp.fp));
    event_t ev = make_event(T0, "demo", "10.0.0.1", "block", "sqli", "[]", "/a");
    /* a rolled-back batch leaves neither events nor the checkpoint */
    store_writer_t *w = s->ops->writer_open(s);
    assert_int_equal(s->ops->writer_begin(w), STORE_OK);
    assert_int_equal(s->ops->writer_insert(w, &ev, "test", T0), STORE_OK);
    assert_int_equal(s->ops->writer_checkpoint(w, &cp), STORE_OK);
    s->ops->writer_rollback(w);
    s->ops->writer_close(w);
    store_checkpoint_t got;
    assert_int_equal(s->ops->checkpoint_get(s, cp.source, &got), STORE_NOT_FOUND);
    assert_int_equal(query(s, (store_filter_t){0}).n, 0);
    /* a committed one has both */
    insert(s, &ev, 1, &cp);
    assert_int_equal(s->ops->checkpoint_get(s, cp.source, &got), STORE_OK);
    assert_int_equal(got.dev, 2049);
    assert_int_equal(got.ino, 77);
    assert_int_equal(got.offset, 4096);
    assert_int_equal(got.fp_len, 100);
    assert_memory_equal(got.fp, cp.fp, sizeof(cp.fp));
    assert_int_equal(query(s, (store_filter_t){0}).n, 1);
    cp.offset = 8192;
    insert(s, NULL, 0, &cp); /* a position alone moves too */
    assert_int_equal(s->ops->checkpoint_get(s, cp.source, &got), STORE_OK);
    assert_int_equal(got.offset, 8192);
    event_clear(&ev);
    store_close(s);
    temp_dir_remove(dir);
}

static store_t *fixture(char dir[256])
{
    store_t *s = fresh_store(dir);
    event_t evs[8] = {
        make_event(T0 + 0, "portal", "10.0.0.1", "block", "sqli",
                   "[{\"detector\":\"sqli\"},{\"rule_id\":\"942100\"}]", "/search?q=1'"),
        make_event(T0 + 1000, "portal", "10.0.0.2", "detect", "xss", "[{\"detector\":\"xss\"}]",
                   "/news?x=<script>"),
        make_event(T0 + 2000, "tax", "10.0.0.1", "block", "sqli", "[{\"rule_id\":\"942100\"}]",
                   "/login"),
        make_event(T0 + 60000, "tax", "10.0.0.3", "log", "cmdi", "[{\"detector\":\"cmdi\"}]",
                   "/run;cat%20/etc/passwd"),
        make_event(T0 + 61000, "portal", "10.0.0.1", "block", "sqli",
                   "[{\"rule_id\":\"941100\"},{\"rule_id\":\"942100\"}]", "/search?q=50%_off"),
        make_event(T0 + 61000, "portal", "10.0.0.4", "allow", "", "[]", "/"),
        make_event(T0 + 120000, "health", "10.0.0.1", "block", "traversal",
                   "[{\"detector\":\"traversal\"}]", "/files/../../etc/shadow"),
        make_event(T0 + 121000, "health", "10.0.0.5", "block", "xss", "[{\"detector\":\"xss\"}]",
                   "/search"),
    };
    insert(s, evs, 8, NULL);
    for (int i = 0; i < 8; i++)
        event_clear(&evs[i]);
    return s;
}

static void test_filters(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fixture(dir);
    assert_int_equal(query(s, (store_filter_t){0}).n, 8);
    assert_int_equal(query(s, (store_filter_t){.app = "portal"}).n, 4);
    assert_int_equal(query(s, (store_filter_t){.client = "10.0.0.1"}).n, 4);
    assert_int_equal(query(s, (store_filter_t){.category = "xss"}).n, 2);
    assert_int_equal(query(s, (store_filter_t){.action = "block"}).n, 5);
    /* every event a rule matched, not only those where it came first */
    assert_int_equal(query(s, (store_filter_t){.rule = "942100"}).n, 3);
    assert_int_equal(query(s, (store_filter_t){.rule = "xss"}).n, 2);
    assert_int_equal(query(s, (store_filter_t){.from = T0 + 1000, .to = T0 + 61000}).n, 3);
    assert_int_equal(
        query(s, (store_filter_t){.app = "portal", .client = "10.0.0.1", .rule = "942100"}).n, 2);
    /* free text: case-insensitive substring; % and _ are literal */
    assert_int_equal(query(s, (store_filter_t){.text = "ETC/PASSWD"}).n, 1);
    assert_int_equal(query(s, (store_filter_t){.text = "50%_off"}).n, 1);
    assert_int_equal(query(s, (store_filter_t){.text = "%"}).n, 2); /* %20 and 50% */
    assert_int_equal(query(s, (store_filter_t){.text = "search"}).n, 3);
    assert_int_equal(query(s, (store_filter_t){.text = "se_rch"}).n, 0); /* not a wildcard */
    assert_int_equal(query(s, (store_filter_t){.text = "s%h"}).n, 0);
    /* hostile filter values are only values */
    assert_int_equal(query(s, (store_filter_t){.app = "x' OR '1'='1"}).n, 0);
    /* newest first; equal times by id, descending */
    rows_t all = query(s, (store_filter_t){0});
    for (int i = 1; i < all.n; i++)
        assert_true(all.ts[i - 1] > all.ts[i] ||
                    (all.ts[i - 1] == all.ts[i] && all.ids[i - 1] > all.ids[i]));
    store_close(s);
    temp_dir_remove(dir);
}

static void test_keyset_pagination(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fixture(dir);
    rows_t all = query(s, (store_filter_t){0});
    int seen = 0;
    store_filter_t f = {.limit = 3};
    for (;;) {
        rows_t page = query(s, f);
        for (int i = 0; i < page.n; i++)
            assert_int_equal(page.ids[i], all.ids[seen + i]);
        seen += page.n;
        if (page.n < 3)
            break;
        /* new events arriving between pages do not shift the next page */
        event_t late = make_event(T0 + 999999, "portal", "10.9.9.9", "block", "sqli", "[]", "/");
        insert(s, &late, 1, NULL);
        event_clear(&late);
        f.has_cursor = 1;
        f.cursor_ts = page.ts[page.n - 1];
        f.cursor_id = page.ids[page.n - 1];
    }
    assert_int_equal(seen, 8);
    store_close(s);
    temp_dir_remove(dir);
}

typedef struct {
    char keys[16][32];
    int64_t counts[16];
    int n;
} tops_t;

static int collect_top(void *ctx, const char *key, int64_t count)
{
    tops_t *t = ctx;
    snprintf(t->keys[t->n], sizeof(t->keys[0]), "%s", key ? key : "");
    t->counts[t->n++] = count;
    return 0;
}

static int64_t minutes[8][3];
static int n_minutes;

static int collect_minute(void *ctx, int64_t minute, int64_t total, int64_t blocked)
{
    (void)ctx;
    minutes[n_minutes][0] = minute;
    minutes[n_minutes][1] = total;
    minutes[n_minutes][2] = blocked;
    n_minutes++;
    return 0;
}

static void test_aggregations(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fixture(dir);
    store_filter_t f = {.to = INT64_MAX};
    int64_t total = 0;
    assert_int_equal(s->ops->events_count(s, &f, &total), STORE_OK);
    assert_int_equal(total, 8);
    tops_t t = {0};
    assert_int_equal(s->ops->events_top(s, &f, STORE_TOP_CLIENT, 2, collect_top, &t), STORE_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.keys[0], "10.0.0.1");
    assert_int_equal(t.counts[0], 4);
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &f, STORE_TOP_RULE, 10, collect_top, &t), STORE_OK);
    assert_string_equal(t.keys[0], "942100");
    assert_int_equal(t.counts[0], 3);
    memset(&t, 0, sizeof(t));
    store_filter_t portal = {.to = INT64_MAX, .app = "portal"};
    assert_int_equal(s->ops->events_top(s, &portal, STORE_TOP_RULE, 10, collect_top, &t), STORE_OK);
    assert_string_equal(t.keys[0], "942100");
    assert_int_equal(t.counts[0], 2);
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &f, STORE_TOP_PATH, 1, collect_top, &t), STORE_OK);
    assert_string_equal(t.keys[0], "/search");
    assert_int_equal(t.counts[0], 3);
    n_minutes = 0;
    assert_int_equal(s->ops->events_per_minute(s, &f, collect_minute, NULL), STORE_OK);
    assert_int_equal(n_minutes, 3);
    assert_int_equal(minutes[0][0], T0 / 60000 * 60000);
    assert_int_equal(minutes[0][1], 3);
    assert_int_equal(minutes[0][2], 2);
    assert_int_equal(minutes[2][1], 2);
    store_close(s);
    temp_dir_remove(dir);
}

/* SQLite deletes row by row, exactly up to before_ms. */
static void test_retention_rows(void **state)
{
    (void)state;
    if (is_postgres())
        skip(); /* whole days: test_retention_days */
    char dir[256];
    store_t *s = fixture(dir);
    int64_t deleted = 0;
    /* everything before T0 + 61000, in batches of 2 */
    int64_t total = 0;
    do {
        assert_int_equal(s->ops->retention_delete(s, T0 + 61000, 2, &deleted), STORE_OK);
        total += deleted;
    } while (deleted == 2);
    assert_int_equal(total, 4);
    assert_int_equal(query(s, (store_filter_t){0}).n, 4);
    /* the rule index went with its events */
    assert_int_equal(query(s, (store_filter_t){.rule = "942100"}).n, 1);
    tops_t t = {0};
    store_filter_t f = {.to = INT64_MAX};
    assert_int_equal(s->ops->events_top(s, &f, STORE_TOP_RULE, 10, collect_top, &t), STORE_OK);
    int64_t rule_rows = 0;
    for (int i = 0; i < t.n; i++)
        rule_rows += t.counts[i];
    assert_int_equal(rule_rows, 4); /* 941100, 942100, traversal, xss */
    store_close(s);
    temp_dir_remove(dir);
}

static int64_t count_all(store_t *s)
{
    store_filter_t f = {.to = INT64_MAX};
    int64_t n = -1;
    assert_int_equal(s->ops->events_count(s, &f, &n), STORE_OK);
    return n;
}

/* Events older than whole days go; PostgreSQL drops the days' partitions. */
static void test_retention_days(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int64_t today = T0 / DAY_MS * DAY_MS;
    event_t evs[5] = {
        make_event(today - 2 * DAY_MS + 5000, "portal", "10.0.0.1", "block", "sqli",
                   "[{\"rule_id\":\"942100\"}]", "/a"),
        make_event(today - 2 * DAY_MS + 9000, "portal", "10.0.0.2", "block", "sqli", "[]", "/b"),
        make_event(today - DAY_MS + 1, "tax", "10.0.0.3", "detect", "xss",
                   "[{\"detector\":\"xss\"}]", "/c"),
        make_event(today + 1000, "tax", "10.0.0.4", "block", "sqli", "[{\"rule_id\":\"942100\"}]",
                   "/d"),
        make_event(today + 7200000, "tax", "10.0.0.5", "block", "sqli", "[]", "/e"),
    };
    insert(s, evs, 5, NULL);
    for (int i = 0; i < 5; i++)
        event_clear(&evs[i]);
    /* top-N over whole days (PostgreSQL: its per-day counts), over partial
     * days (the events), and both */
    store_filter_t all = {.to = INT64_MAX};
    store_filter_t edges = {.from = today - 2 * DAY_MS + 6000, .to = today + 2000};
    store_filter_t inner = {.from = today - 2 * DAY_MS, .to = today};
    tops_t t = {0};
    assert_int_equal(s->ops->events_top(s, &all, STORE_TOP_CLIENT, 10, collect_top, &t), STORE_OK);
    assert_int_equal(t.n, 5);
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &all, STORE_TOP_RULE, 10, collect_top, &t), STORE_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.keys[0], "942100");
    assert_int_equal(t.counts[0], 2);
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &edges, STORE_TOP_CLIENT, 10, collect_top, &t),
                     STORE_OK);
    assert_int_equal(t.n, 3); /* 10.0.0.2, .3, .4 */
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &inner, STORE_TOP_APP, 10, collect_top, &t), STORE_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.keys[0], "portal");
    assert_int_equal(t.counts[0], 2);
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &edges, STORE_TOP_PATH, 10, collect_top, &t), STORE_OK);
    assert_int_equal(t.n, 3);
    int64_t deleted = 0, total = 0;
    do {
        assert_int_equal(s->ops->retention_delete(s, today, 5000, &deleted), STORE_OK);
        total += deleted;
    } while (deleted >= 5000);
    assert_int_equal(total, 3);
    assert_int_equal(count_all(s), 2);
    assert_int_equal(query(s, (store_filter_t){.rule = "942100"}).n, 1);
    memset(&t, 0, sizeof(t));
    assert_int_equal(s->ops->events_top(s, &all, STORE_TOP_CLIENT, 10, collect_top, &t), STORE_OK);
    assert_int_equal(t.n, 2); /* the dropped days' counts went with them */
    if (is_postgres()) {
        /* the two old days are gone as tables; today's is whole */
        assert_int_equal(pg_test_int(&pg, "SELECT count(*) FROM event_partitions"
                                          " WHERE upper <= 1795651200000"),
                         0);
        assert_int_equal(s->ops->retention_delete(s, today + 3600000, 5000, &deleted), STORE_OK);
        assert_int_equal(deleted, 0); /* a day that straddles the limit stays */
        assert_int_equal(count_all(s), 2);
    }
    assert_int_equal(s->ops->optimize(s), STORE_OK);
    store_close(s);
    temp_dir_remove(dir);
}

/* An event of any day is stored: a partition is made for it if needed. */
static void test_any_day_is_stored(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int64_t y2001 = 978307200000LL, far = T0 + 400 * DAY_MS, y1969 = -86400000LL * 3 + 5;
    event_t evs[3] = {
        make_event(y2001, "old", "10.1.1.1", "block", "sqli", "[]", "/x"),
        make_event(far, "future", "10.1.1.2", "block", "sqli", "[]", "/y"),
        make_event(y1969, "ancient", "10.1.1.3", "log", "", "[]", "/z"),
    };
    insert(s, evs, 3, NULL);
    for (int i = 0; i < 3; i++)
        event_clear(&evs[i]);
    assert_int_equal(query(s, (store_filter_t){.from = INT64_MIN}).n, 3);
    rows_t r = query(s, (store_filter_t){.app = "old"});
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ts[0], y2001);
    if (is_postgres())
        assert_true(pg_test_int(&pg, "SELECT count(*) FROM event_partitions") >= 3 + 5);
    store_close(s);
    temp_dir_remove(dir);
}

/* PostgreSQL restarts under a running store: calls fail while it is down
 * and work again once it is back, on the same store_t and writer. */
static void test_server_restart(void **state)
{
    (void)state;
    if (!is_postgres())
        skip();
    char dir[256];
    store_t *s = fresh_store(dir);
    store_writer_t *w = s->ops->writer_open(s);
    assert_non_null(w);
    event_t ev = make_event(T0, "portal", "10.0.0.1", "block", "sqli", "[]", "/a");
    assert_int_equal(s->ops->writer_begin(w), STORE_OK);
    assert_int_equal(s->ops->writer_insert(w, &ev, "test", T0), STORE_OK);
    assert_int_equal(s->ops->writer_commit(w), STORE_OK);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), RP_SOURCE_DIR "/scripts/pg-test-server.sh stop '%s'", pg.dir);
    assert_int_equal(system(cmd), 0);
    assert_int_not_equal(s->ops->ping(s), STORE_OK);
    assert_int_equal(s->ops->writer_begin(w), STORE_OK);
    assert_int_equal(s->ops->writer_insert(w, &ev, "test", T0), STORE_OK);
    assert_int_not_equal(s->ops->writer_commit(w), STORE_OK);
    snprintf(cmd, sizeof(cmd), RP_SOURCE_DIR "/scripts/pg-test-server.sh start '%s'", pg.dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(s->ops->ping(s), STORE_OK);
    /* the batch that failed is sent again, whole */
    assert_int_equal(s->ops->writer_begin(w), STORE_OK);
    assert_int_equal(s->ops->writer_insert(w, &ev, "test", T0), STORE_OK);
    assert_int_equal(s->ops->writer_commit(w), STORE_OK);
    assert_int_equal(count_all(s), 2);
    int64_t users = -1;
    assert_int_equal(s->ops->user_count(s, &users), STORE_OK);
    event_clear(&ev);
    s->ops->writer_close(w);
    store_close(s);
    temp_dir_remove(dir);
}

static void test_accounts(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int64_t n = -1;
    assert_int_equal(s->ops->user_count(s, &n), STORE_OK);
    assert_int_equal(n, 0);
    store_user_t u = {.name = "Alice",
                      .role = "secops",
                      .pw_hash = "$argon2id$x",
                      .must_change = 1,
                      .created = T0};
    assert_int_equal(s->ops->user_create(s, &u), STORE_OK);
    assert_true(u.id > 0);
    store_user_t dup = {.name = "alice", .role = "auditor", .pw_hash = "h", .created = T0};
    assert_int_equal(s->ops->user_create(s, &dup), STORE_CONFLICT); /* names ignore case */
    store_user_t bad = {.name = "mallory", .role = "root", .pw_hash = "h", .created = T0};
    assert_int_equal(s->ops->user_create(s, &bad), STORE_ERROR); /* CHECK on role */
    store_user_t got;
    assert_int_equal(s->ops->user_get_by_name(s, "ALICE", &got), STORE_OK);
    assert_int_equal(got.id, u.id);
    assert_string_equal(got.role, "secops");
    assert_int_equal(got.must_change, 1);
    got.must_change = 0;
    snprintf(got.role, sizeof(got.role), "admin");
    assert_int_equal(s->ops->user_update(s, &got), STORE_OK);
    assert_int_equal(s->ops->user_count_active_admins(s, &n), STORE_OK);
    assert_int_equal(n, 1);
    /* sessions: by hash, touched, purged, ended with the account */
    store_session_t a = {.user_id = u.id, .created = T0, .last_seen = T0, .expires = T0 + 3600000};
    memset(a.hash, 1, sizeof(a.hash));
    store_session_t b = a;
    memset(b.hash, 2, sizeof(b.hash));
    assert_int_equal(s->ops->session_create(s, &a), STORE_OK);
    assert_int_equal(s->ops->session_create(s, &b), STORE_OK);
    store_session_t sg;
    assert_int_equal(s->ops->session_get(s, a.hash, &sg), STORE_OK);
    assert_int_equal(sg.user_id, u.id);
    assert_int_equal(s->ops->session_touch(s, a.hash, T0 + 1000), STORE_OK);
    int64_t purged = 0;
    assert_int_equal(s->ops->session_purge(s, T0 + 500, T0 + 2000, &purged), STORE_OK);
    assert_int_equal(purged, 1); /* b idle since T0 */
    assert_int_equal(s->ops->session_get(s, b.hash, &sg), STORE_NOT_FOUND);
    assert_int_equal(s->ops->session_delete_user(s, u.id, a.hash), STORE_OK);
    assert_int_equal(s->ops->session_get(s, a.hash, &sg), STORE_OK); /* kept */
    assert_int_equal(s->ops->user_delete(s, u.id), STORE_OK);
    assert_int_equal(s->ops->session_get(s, a.hash, &sg), STORE_NOT_FOUND); /* cascaded */
    assert_int_equal(s->ops->user_delete(s, u.id), STORE_NOT_FOUND);
    /* tokens: by hash, revoked once */
    store_token_t t = {.name = "gw-1", .role = "gateway", .prefix = "rpt_abcdefgh", .created = T0};
    memset(t.hash, 7, sizeof(t.hash));
    assert_int_equal(s->ops->token_create(s, &t), STORE_OK);
    store_token_t same = t;
    memset(same.hash, 8, sizeof(same.hash));
    assert_int_equal(s->ops->token_create(s, &same), STORE_CONFLICT); /* name taken */
    store_token_t tg;
    assert_int_equal(s->ops->token_get_by_hash(s, t.hash, &tg), STORE_OK);
    assert_string_equal(tg.role, "gateway");
    assert_int_equal(tg.revoked, 0);
    assert_int_equal(s->ops->token_revoke(s, t.id, T0 + 5), STORE_OK);
    assert_int_equal(s->ops->token_revoke(s, t.id, T0 + 6), STORE_NOT_FOUND);
    assert_int_equal(s->ops->token_get_by_hash(s, t.hash, &tg), STORE_OK);
    assert_int_equal(tg.revoked, T0 + 5);
    store_close(s);
    temp_dir_remove(dir);
}

/* ---- the audit log ------------------------------------------------------ */

/* Bytes a text reader would mangle: NUL, high bytes, a backslash. */
static const unsigned char audit_canonical_bytes[] = {'R', 0x00, 0xff, 0x80, '\\', '\n'};

/* A record with made-up hashes (seq - 1, seq): the store keeps the chain,
 * audit_verify checks it. */
static store_audit_row_t audit_record(int64_t seq, int64_t ts, const char *actor,
                                      const char *action)
{
    store_audit_row_t r = {.seq = seq,
                           .ts = ts,
                           .actor = actor,
                           .role = "admin",
                           .client = "127.0.0.1",
                           .action = action,
                           .method = "POST",
                           .path = "/api/v1/users",
                           .target = "alice",
                           .outcome = "success",
                           .status = 201,
                           .detail = "{\"role\":\"secops\"}",
                           .canonical = audit_canonical_bytes,
                           .canonical_len = sizeof(audit_canonical_bytes)};
    memset(r.prev_hash, (int)(seq - 1), sizeof(r.prev_hash));
    memset(r.hash, (int)seq, sizeof(r.hash));
    return r;
}

typedef struct {
    int n;
    int64_t seq[16];
} audit_seqs_t;

/* Collects seqs, checking every field came back as appended. */
static int collect_audit(void *ctx, const store_audit_row_t *row)
{
    audit_seqs_t *a = ctx;
    store_audit_row_t want = audit_record(row->seq, row->ts, row->actor, row->action);
    assert_string_equal(row->role, want.role);
    assert_string_equal(row->client, want.client);
    assert_string_equal(row->method, want.method);
    assert_string_equal(row->path, want.path);
    assert_string_equal(row->target, want.target);
    assert_string_equal(row->outcome, want.outcome);
    assert_string_equal(row->detail, want.detail);
    assert_int_equal(row->status, 201);
    assert_int_equal(row->canonical_len, sizeof(audit_canonical_bytes));
    assert_memory_equal(row->canonical, audit_canonical_bytes, sizeof(audit_canonical_bytes));
    assert_memory_equal(row->prev_hash, want.prev_hash, sizeof(want.prev_hash));
    assert_memory_equal(row->hash, want.hash, sizeof(want.hash));
    if (a->n < 16)
        a->seq[a->n] = row->seq;
    a->n++;
    return 0;
}

static audit_seqs_t audit_query(store_t *s, store_audit_filter_t f)
{
    audit_seqs_t a = {0};
    assert_int_equal(s->ops->audit_query(s, &f, collect_audit, &a), STORE_OK);
    return a;
}

typedef struct {
    int n;
    store_audit_seal_t seals[8];
} seals_t;

static int collect_seal(void *ctx, const store_audit_seal_t *seal)
{
    seals_t *l = ctx;
    if (l->n < 8)
        l->seals[l->n] = *seal;
    l->n++;
    return 0;
}

static store_audit_seal_t audit_seal(int64_t seq, int64_t ts, size_t sig_len)
{
    store_audit_seal_t seal = {.seq = seq, .ts = ts, .sig_len = sig_len};
    memset(seal.hash, (int)seq, sizeof(seal.hash));
    memset(seal.key_id, 0xab, sizeof(seal.key_id));
    for (size_t i = 0; i < sig_len; i++)
        seal.sig[i] = (unsigned char)(i * 7);
    return seal;
}

/* Appends, the newest record, filters and keyset pages, seals, export
 * cursors. */
static void test_audit_log(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int64_t seq = -1;
    unsigned char hash[STORE_AUDIT_HASH_LEN];
    memset(hash, 9, sizeof(hash));
    assert_int_equal(s->ops->audit_last(s, &seq, hash), STORE_OK);
    assert_int_equal(seq, 0);
    unsigned char zero[STORE_AUDIT_HASH_LEN] = {0};
    assert_memory_equal(hash, zero, sizeof(hash));
    const char *actors[] = {"admin", "admin", "bob", "admin", "bob", "admin"};
    for (int i = 1; i <= 6; i++) {
        store_audit_row_t r =
            audit_record(i, T0 + i * 1000, actors[i - 1], i % 2 ? "user.create" : "login");
        assert_int_equal(s->ops->audit_append(s, &r), STORE_OK);
    }
    /* only the next seq is taken */
    store_audit_row_t again = audit_record(6, T0, "admin", "login");
    assert_int_not_equal(s->ops->audit_append(s, &again), STORE_OK);
    store_audit_row_t gap = audit_record(8, T0, "admin", "login");
    assert_int_not_equal(s->ops->audit_append(s, &gap), STORE_OK);
    assert_int_equal(s->ops->audit_last(s, &seq, hash), STORE_OK);
    assert_int_equal(seq, 6);
    assert_memory_equal(hash, audit_record(6, T0, "", "").hash, sizeof(hash));

    audit_seqs_t a = audit_query(s, (store_audit_filter_t){0});
    assert_int_equal(a.n, 6);
    assert_int_equal(a.seq[0], 6); /* newest first */
    a = audit_query(s, (store_audit_filter_t){.ascending = 1});
    assert_int_equal(a.seq[0], 1);
    a = audit_query(s, (store_audit_filter_t){.actor = "admin", .before_seq = 6, .limit = 2});
    assert_int_equal(a.n, 2);
    assert_int_equal(a.seq[0], 4);
    assert_int_equal(a.seq[1], 2);
    a = audit_query(s, (store_audit_filter_t){.ascending = 1, .after_seq = 2, .action = "login"});
    assert_int_equal(a.n, 2);
    assert_int_equal(a.seq[0], 4);
    assert_int_equal(a.seq[1], 6);
    a = audit_query(s, (store_audit_filter_t){.from = T0 + 2000, .to = T0 + 4000});
    assert_int_equal(a.n, 2); /* [from, to) */
    assert_int_equal(a.seq[0], 3);
    a = audit_query(
        s, (store_audit_filter_t){
               .outcome = "success", .client = "127.0.0.1", .target = "alice", .to = INT64_MAX});
    assert_int_equal(a.n, 6);
    a = audit_query(s, (store_audit_filter_t){.target = "nobody"});
    assert_int_equal(a.n, 0);

    /* seals: listed by seq, their signatures of any length intact */
    store_audit_seal_t s4 = audit_seal(4, T0 + 10, 72), s2 = audit_seal(2, T0 + 11, 70);
    assert_int_equal(s->ops->audit_seal_append(s, &s4), STORE_OK);
    assert_int_equal(s->ops->audit_seal_append(s, &s2), STORE_OK);
    assert_true(s4.id > 0);
    assert_true(s2.id > s4.id);
    seals_t l = {0};
    assert_int_equal(s->ops->audit_seals(s, collect_seal, &l), STORE_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.seals[0].id, s2.id);
    assert_int_equal(l.seals[0].seq, 2);
    assert_int_equal(l.seals[0].ts, T0 + 11);
    assert_int_equal(l.seals[0].sig_len, 70);
    assert_memory_equal(l.seals[0].sig, s2.sig, 70);
    assert_memory_equal(l.seals[0].hash, s2.hash, sizeof(s2.hash));
    assert_memory_equal(l.seals[1].key_id, s4.key_id, sizeof(s4.key_id));
    assert_int_equal(l.seals[1].sig_len, 72);

    /* export cursors */
    assert_int_equal(s->ops->audit_cursor_get(s, "syslog", &seq), STORE_NOT_FOUND);
    assert_int_equal(seq, 0);
    assert_int_equal(s->ops->audit_cursor_set(s, "syslog", 3), STORE_OK);
    assert_int_equal(s->ops->audit_cursor_set(s, "webhook", 1), STORE_OK);
    assert_int_equal(s->ops->audit_cursor_set(s, "syslog", 5), STORE_OK);
    assert_int_equal(s->ops->audit_cursor_get(s, "syslog", &seq), STORE_OK);
    assert_int_equal(seq, 5);
    assert_int_equal(s->ops->audit_cursor_get(s, "webhook", &seq), STORE_OK);
    assert_int_equal(seq, 1);
    store_close(s);
    /* the log continues after a reopen */
    s = reopen_store(dir);
    assert_int_equal(s->ops->audit_last(s, &seq, hash), STORE_OK);
    assert_int_equal(seq, 6);
    store_close(s);
    temp_dir_remove(dir);
}

static int64_t audit_count(store_t *s)
{
    return audit_query(s, (store_audit_filter_t){0}).n;
}

/* The store refuses to rewrite history even to SQL behind rampartd's
 * back; retention deletes only what is old enough. */
static void test_audit_append_only(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int64_t now = time_now_ms(), year_ago = now - 365 * DAY_MS;
    for (int i = 1; i <= 4; i++) {
        store_audit_row_t r = audit_record(i, i < 4 ? year_ago + i : now, "admin", "login");
        assert_int_equal(s->ops->audit_append(s, &r), STORE_OK);
    }
    store_audit_seal_t old = audit_seal(3, year_ago + 10, 71), young = audit_seal(3, now, 71),
                       last = audit_seal(4, now, 71);
    assert_int_equal(s->ops->audit_seal_append(s, &old), STORE_OK);
    assert_int_equal(s->ops->audit_seal_append(s, &young), STORE_OK);
    assert_int_equal(s->ops->audit_seal_append(s, &last), STORE_OK);

    assert_int_not_equal(backend_sql_rc(dir, "UPDATE audit_log SET actor = 'x' WHERE seq = 1"), 0);
    assert_int_not_equal(backend_sql_rc(dir, "UPDATE audit_log SET ts = 0 WHERE seq = 4"), 0);
    assert_int_not_equal(backend_sql_rc(dir, "DELETE FROM audit_log WHERE seq = 4"), 0);
    assert_int_not_equal(backend_sql_rc(dir, "DELETE FROM audit_log"), 0);
    assert_int_not_equal(
        backend_sql_rc(dir, "INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = 1"), 0);
    assert_int_not_equal(backend_sql_rc(dir, "UPDATE audit_seals SET seq = 1"), 0);
    assert_int_not_equal(backend_sql_rc(dir, "DELETE FROM audit_seals"), 0);
    if (is_postgres()) {
        /* TRUNCATE skips row triggers: refused on its own */
        assert_int_not_equal(backend_sql_rc(dir, "TRUNCATE audit_log"), 0);
        assert_int_not_equal(backend_sql_rc(dir, "TRUNCATE audit_seals"), 0);
    }
    assert_int_equal(audit_count(s), 4);
    seals_t l = {0};
    assert_int_equal(s->ops->audit_seals(s, collect_seal, &l), STORE_OK);
    assert_int_equal(l.n, 3);

    /* retention through a young record: refused, nothing goes */
    int64_t deleted = -1;
    assert_int_not_equal(s->ops->audit_retention_delete(s, 4, now - 180 * DAY_MS, &deleted),
                         STORE_OK);
    assert_int_equal(audit_count(s), 4);
    /* through the old ones: they go, with the seals older than the period */
    assert_int_equal(s->ops->audit_retention_delete(s, 3, now - 180 * DAY_MS, &deleted), STORE_OK);
    assert_int_equal(deleted, 3);
    audit_seqs_t a = audit_query(s, (store_audit_filter_t){0});
    assert_int_equal(a.n, 1);
    assert_int_equal(a.seq[0], 4);
    memset(&l, 0, sizeof(l));
    assert_int_equal(s->ops->audit_seals(s, collect_seal, &l), STORE_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.seals[0].id, young.id);
    assert_int_equal(l.seals[1].id, last.id);
    /* the next record still has to be seq 5 */
    store_audit_row_t r = audit_record(5, now, "admin", "login");
    assert_int_equal(s->ops->audit_append(s, &r), STORE_OK);
    store_close(s);
    temp_dir_remove(dir);
}

/* ---- applications, policies, bundles, gateways ------------------------- */

typedef struct {
    int n;
    char names[8][STORE_NAME_MAX + 1];
    int64_t numbers[8];                /* versions, or running versions */
    int text_seen;                     /* a version came with its text */
    char other[8][STORE_NAME_MAX + 1]; /* a gateway's name */
    int64_t first_seen[8], last_seen[8];
} names_t;

static int collect_app(void *ctx, const store_app_t *a)
{
    names_t *l = ctx;
    if (l->n < 8)
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", a->name);
    l->n++;
    return 0;
}

static int collect_policy(void *ctx, const store_policy_t *p)
{
    names_t *l = ctx;
    if (l->n < 8) {
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", p->name);
        l->numbers[l->n] = p->current_version;
    }
    l->n++;
    return 0;
}

static int collect_version(void *ctx, const store_policy_version_t *v)
{
    names_t *l = ctx;
    if (l->n < 8) {
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", v->author);
        l->numbers[l->n] = v->version;
    }
    l->text_seen |= v->text != NULL;
    l->n++;
    return 0;
}

static int collect_gateway(void *ctx, const store_gateway_t *g)
{
    names_t *l = ctx;
    if (l->n < 8) {
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", g->id);
        snprintf(l->other[l->n], sizeof(l->other[0]), "%s", g->name);
        l->numbers[l->n] = g->running_version;
        l->first_seen[l->n] = g->first_seen;
        l->last_seen[l->n] = g->last_seen;
    }
    l->n++;
    return 0;
}

/* One version with its text, copied out of the callback. */
typedef struct {
    store_policy_version_t v;
    char text[256];
} version_copy_t;

static int copy_version(void *ctx, const store_policy_version_t *v)
{
    version_copy_t *c = ctx;
    c->v = *v;
    snprintf(c->text, sizeof(c->text), "%s", v->text ? v->text : "(null)");
    c->v.text = c->text;
    return 0;
}

static store_policy_version_t policy_text(const char *text, const char *author, int64_t created)
{
    store_policy_version_t v = {.text = text, .created = created};
    snprintf(v.author, sizeof(v.author), "%s", author);
    snprintf(v.comment, sizeof(v.comment), "by %s", author);
    return v;
}

static store_app_t app(const char *name, const char *policy)
{
    store_app_t a = {.created = T0, .updated = T0};
    snprintf(a.name, sizeof(a.name), "%s", name);
    snprintf(a.host, sizeof(a.host), "www.example.gov.cn");
    snprintf(a.path_prefix, sizeof(a.path_prefix), "/%s/", name);
    snprintf(a.upstream, sizeof(a.upstream), "http://10.0.0.5:8080");
    snprintf(a.policy, sizeof(a.policy), "%s", policy);
    snprintf(a.switches, sizeof(a.switches), "{\"waf\":\"block\"}");
    return a;
}

/* Migration 17: applications stored before the gateways enforced the
 * rate_limit switch get "block" for its old default "off"; the other
 * switches stay. */
static void test_rate_limit_switch_migration(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    store_app_t old = app("old", "");
    snprintf(
        old.switches, sizeof(old.switches),
        "{\"encryption\":\"off\",\"masking\":\"off\",\"rate_limit\":\"off\",\"waf\":\"detect\"}");
    assert_int_equal(s->ops->app_create(s, &old), STORE_OK);
    store_close(s);
    backend_sql(dir, "DELETE FROM schema_version WHERE version = 17");
    s = reopen_store(dir);
    store_app_t got;
    assert_int_equal(s->ops->app_get(s, "old", &got), STORE_OK);
    assert_string_equal(got.switches, "{\"encryption\":\"off\",\"masking\":\"off\","
                                      "\"rate_limit\":\"block\",\"waf\":\"detect\"}");
    store_close(s);
}

/* Applications by name ignoring case, their policy by name, in NOCASE
 * order; a policy in use cannot be deleted. */
static void test_apps(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    store_app_t portal = app("portal", "");
    assert_int_equal(s->ops->app_create(s, &portal), STORE_OK);
    assert_true(portal.id > 0);
    store_app_t dup = app("PORTAL", "");
    assert_int_equal(s->ops->app_create(s, &dup), STORE_CONFLICT);
    store_app_t orphan = app("orphan", "no-such-policy");
    assert_int_equal(s->ops->app_create(s, &orphan), STORE_NOT_FOUND);
    int64_t version = 0;
    store_policy_version_t v = policy_text("mode block\n", "alice", T0);
    assert_int_equal(s->ops->policy_create(s, "site", &v, &version), STORE_OK);
    store_app_t shop = app("Shop", "SITE"); /* the policy's name ignores case too */
    assert_int_equal(s->ops->app_create(s, &shop), STORE_OK);
    assert_true(shop.id != portal.id);

    store_app_t got;
    assert_int_equal(s->ops->app_get(s, "shop", &got), STORE_OK);
    assert_int_equal(got.id, shop.id);
    assert_string_equal(got.name, "Shop");
    assert_string_equal(got.policy, "site"); /* as the policy is named */
    assert_string_equal(got.host, "www.example.gov.cn");
    assert_string_equal(got.path_prefix, "/Shop/");
    assert_string_equal(got.upstream, "http://10.0.0.5:8080");
    assert_string_equal(got.switches, "{\"waf\":\"block\"}");
    assert_int_equal(got.created, T0);
    assert_int_equal(s->ops->app_get(s, "nobody", &got), STORE_NOT_FOUND);
    store_app_t apple = app("apple", "");
    assert_int_equal(s->ops->app_create(s, &apple), STORE_OK);
    names_t l = {0};
    assert_int_equal(s->ops->app_list(s, collect_app, &l), STORE_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.names[0], "apple");
    assert_string_equal(l.names[1], "portal");
    assert_string_equal(l.names[2], "Shop");

    /* update: every field by id; the policy by name, or none */
    assert_int_equal(s->ops->app_get(s, "portal", &got), STORE_OK);
    snprintf(got.policy, sizeof(got.policy), "site");
    snprintf(got.switches, sizeof(got.switches), "{\"waf\":\"detect\"}");
    snprintf(got.upstream, sizeof(got.upstream), "https://[::1]:8443");
    got.updated = T0 + 5;
    assert_int_equal(s->ops->app_update(s, &got), STORE_OK);
    store_app_t again;
    assert_int_equal(s->ops->app_get(s, "PORTAL", &again), STORE_OK);
    assert_string_equal(again.policy, "site");
    assert_string_equal(again.switches, "{\"waf\":\"detect\"}");
    assert_string_equal(again.upstream, "https://[::1]:8443");
    assert_int_equal(again.created, T0);
    assert_int_equal(again.updated, T0 + 5);
    snprintf(got.policy, sizeof(got.policy), "missing");
    assert_int_equal(s->ops->app_update(s, &got), STORE_NOT_FOUND); /* unchanged */
    assert_int_equal(s->ops->app_get(s, "portal", &again), STORE_OK);
    assert_string_equal(again.policy, "site");
    snprintf(got.policy, sizeof(got.policy), "%s", "");
    snprintf(got.name, sizeof(got.name), "apple"); /* taken */
    assert_int_equal(s->ops->app_update(s, &got), STORE_CONFLICT);
    store_app_t gone = again;
    gone.id = 999999;
    assert_int_equal(s->ops->app_update(s, &gone), STORE_NOT_FOUND);

    /* a policy in use stays; with its last user gone it can go */
    assert_int_equal(s->ops->policy_delete(s, "site"), STORE_CONFLICT);
    assert_int_equal(s->ops->app_delete(s, "SHOP"), STORE_OK);
    assert_int_equal(s->ops->app_delete(s, "shop"), STORE_NOT_FOUND);
    assert_int_equal(s->ops->policy_delete(s, "site"), STORE_CONFLICT); /* portal */
    assert_int_equal(s->ops->app_get(s, "portal", &got), STORE_OK);
    snprintf(got.policy, sizeof(got.policy), "%s", "");
    assert_int_equal(s->ops->app_update(s, &got), STORE_OK);
    assert_int_equal(s->ops->app_get(s, "portal", &got), STORE_OK);
    assert_string_equal(got.policy, "");
    assert_int_equal(s->ops->policy_delete(s, "Site"), STORE_OK);
    assert_int_equal(s->ops->policy_delete(s, "site"), STORE_NOT_FOUND);
    store_close(s);
    temp_dir_remove(dir);
}

typedef struct {
    store_t *s;
    int64_t versions[10];
    int failures;
} editor_t;

static void *edit_policy(void *arg)
{
    editor_t *e = arg;
    for (int i = 0; i < 10; i++) {
        store_policy_version_t v = policy_text("mode detect\n", "editor", T0 + i);
        if (e->s->ops->policy_add_version(e->s, "busy", &v, &e->versions[i]) != STORE_OK)
            e->failures++;
    }
    return NULL;
}

/* Versions: 1 at creation, current + 1 after, never the same number twice
 * even with two editors at once; history newest first without texts. */
static void test_policies(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    int64_t version = 0;
    store_policy_version_t v1 = policy_text("version site-1\ndetect xss on\n", "alice", T0);
    assert_int_equal(s->ops->policy_create(s, "site", &v1, &version), STORE_OK);
    assert_int_equal(version, 1);
    assert_int_equal(s->ops->policy_create(s, "SITE", &v1, &version), STORE_CONFLICT);
    /* a text the store keeps byte for byte: UTF-8, quotes, a backslash */
    store_policy_version_t v2 = policy_text("# 默认策略 'x' \"y\" \\d+\n", "bob", T0 + 10);
    assert_int_equal(s->ops->policy_add_version(s, "Site", &v2, &version), STORE_OK);
    assert_int_equal(version, 2);
    store_policy_version_t v3 = v1;
    v3.rollback_of = 1;
    v3.created = T0 + 20;
    assert_int_equal(s->ops->policy_add_version(s, "site", &v3, &version), STORE_OK);
    assert_int_equal(version, 3);
    assert_int_equal(s->ops->policy_add_version(s, "nope", &v3, &version), STORE_NOT_FOUND);

    store_policy_t p;
    assert_int_equal(s->ops->policy_get(s, "SITE", &p), STORE_OK);
    assert_string_equal(p.name, "site");
    assert_int_equal(p.current_version, 3);
    assert_int_equal(p.created, T0);
    assert_int_equal(p.updated, T0 + 20);
    assert_int_equal(s->ops->policy_get(s, "nope", &p), STORE_NOT_FOUND);

    names_t l = {0};
    assert_int_equal(s->ops->policy_versions(s, "site", collect_version, &l), STORE_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.numbers[0], 3);
    assert_int_equal(l.numbers[2], 1);
    assert_string_equal(l.names[1], "bob");
    assert_false(l.text_seen); /* listings carry no text */
    l = (names_t){0};
    assert_int_equal(s->ops->policy_versions(s, "nope", collect_version, &l), STORE_NOT_FOUND);

    version_copy_t c = {0};
    assert_int_equal(s->ops->policy_version_get(s, "site", 2, copy_version, &c), STORE_OK);
    assert_int_equal(c.v.version, 2);
    assert_string_equal(c.text, v2.text);
    assert_string_equal(c.v.author, "bob");
    assert_string_equal(c.v.comment, "by bob");
    assert_int_equal(c.v.rollback_of, 0);
    assert_int_equal(c.v.created, T0 + 10);
    assert_int_equal(s->ops->policy_version_get(s, "site", 0, copy_version, &c), STORE_OK);
    assert_int_equal(c.v.version, 3); /* 0: the current one */
    assert_int_equal(c.v.rollback_of, 1);
    assert_string_equal(c.text, v1.text);
    assert_int_equal(s->ops->policy_version_get(s, "site", 4, copy_version, &c), STORE_NOT_FOUND);
    assert_int_equal(s->ops->policy_version_get(s, "nope", 0, copy_version, &c), STORE_NOT_FOUND);

    /* two editors saving at once */
    assert_int_equal(s->ops->policy_create(s, "busy", &v1, &version), STORE_OK);
    editor_t a = {.s = s}, b = {.s = s};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, edit_policy, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, edit_policy, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.failures + b.failures, 0);
    int seen[22] = {0};
    for (int i = 0; i < 10; i++) {
        assert_in_range(a.versions[i], 2, 21);
        assert_in_range(b.versions[i], 2, 21);
        seen[a.versions[i]]++;
        seen[b.versions[i]]++;
    }
    for (int i = 2; i <= 21; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(s->ops->policy_get(s, "busy", &p), STORE_OK);
    assert_int_equal(p.current_version, 21);

    l = (names_t){0};
    assert_int_equal(s->ops->policy_list(s, collect_policy, &l), STORE_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.names[0], "busy");
    assert_string_equal(l.names[1], "site");
    assert_int_equal(l.numbers[1], 3);
    /* deleting a policy takes its versions along */
    assert_int_equal(s->ops->policy_delete(s, "busy"), STORE_OK);
    assert_int_equal(s->ops->policy_create(s, "busy", &v2, &version), STORE_OK);
    assert_int_equal(version, 1);
    l = (names_t){0};
    assert_int_equal(s->ops->policy_versions(s, "busy", collect_version, &l), STORE_OK);
    assert_int_equal(l.n, 1);
    store_close(s);
    temp_dir_remove(dir);
}

typedef struct {
    store_bundle_t b;
    char json[128];
} bundle_copy_t;

static int copy_bundle(void *ctx, const store_bundle_t *b)
{
    bundle_copy_t *c = ctx;
    c->b = *b;
    snprintf(c->json, sizeof(c->json), "%s", b->json ? b->json : "(null)");
    return 0;
}

/* Bundles: numbered from 1, the latest one back whole, a version taken
 * once; gateways: inserted, then updated in place (first_seen kept). */
static void test_bundles_and_gateways(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    bundle_copy_t c = {0};
    assert_int_equal(s->ops->bundle_latest(s, copy_bundle, &c), STORE_NOT_FOUND);
    int64_t next = 0;
    assert_int_equal(s->ops->bundle_next_version(s, &next), STORE_OK);
    assert_int_equal(next, 1);
    for (int64_t v = 1; v <= 3; v++) {
        char json[64], hash[65];
        snprintf(json, sizeof(json), "{\"format\":1,\"version\":%lld}", (long long)v);
        memset(hash, 'a' + (int)v, 64);
        hash[64] = '\0';
        store_bundle_t b = {.version = v, .json = json, .created = T0 + v};
        memcpy(b.hash, hash, sizeof(hash));
        assert_int_equal(s->ops->bundle_publish(s, &b), STORE_OK);
    }
    store_bundle_t twice = {.version = 3, .json = "{}", .created = T0, .hash = "x"};
    assert_int_equal(s->ops->bundle_publish(s, &twice), STORE_CONFLICT);
    assert_int_equal(s->ops->bundle_next_version(s, &next), STORE_OK);
    assert_int_equal(next, 4);
    assert_int_equal(s->ops->bundle_latest(s, copy_bundle, &c), STORE_OK);
    assert_int_equal(c.b.version, 3);
    assert_string_equal(c.json, "{\"format\":1,\"version\":3}");
    assert_int_equal(strlen(c.b.hash), 64);
    assert_int_equal(c.b.hash[0], 'd');
    assert_int_equal(c.b.created, T0 + 3);

    store_gateway_t g = {.id = "hz-1",
                         .name = "hangzhou-1",
                         .running_version = 0,
                         .address = "10.1.1.1",
                         .token = "gw-token",
                         .first_seen = T0,
                         .last_seen = T0};
    assert_int_equal(s->ops->gateway_checkin(s, &g), STORE_OK);
    store_gateway_t b = g;
    snprintf(b.id, sizeof(b.id), "bj-1");
    assert_int_equal(s->ops->gateway_checkin(s, &b), STORE_OK);
    g.running_version = 3;
    snprintf(g.running_hash, sizeof(g.running_hash), "%s", c.b.hash);
    snprintf(g.name, sizeof(g.name), "hangzhou-one");
    g.first_seen = g.last_seen = T0 + 60000;
    assert_int_equal(s->ops->gateway_checkin(s, &g), STORE_OK);
    names_t l = {0};
    assert_int_equal(s->ops->gateway_list(s, collect_gateway, &l), STORE_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.names[0], "bj-1");
    assert_string_equal(l.names[1], "hz-1");
    assert_int_equal(l.numbers[1], 3);
    assert_string_equal(l.other[1], "hangzhou-one");
    assert_int_equal(l.first_seen[1], T0); /* kept */
    assert_int_equal(l.last_seen[1], T0 + 60000);
    assert_int_equal(l.first_seen[0], T0);
    store_close(s);
    temp_dir_remove(dir);
}

/* ---- host agents (store_agents.h): an enrolment token enrols one host
 * and only before it expires, a taken name leaves the token usable,
 * signature timestamps only move forward (replay), the heartbeat's
 * counters, capabilities, listing and removal ---- */

static const unsigned char token_a[32] = {1}, token_b[32] = {2}, token_old[32] = {3};

static store_agent_t agent_named(const char *name)
{
    store_agent_t a;
    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "%s", name);
    snprintf(a.version, sizeof(a.version), "0.1.0");
    memset(a.secret, 0x5a, sizeof(a.secret));
    return a;
}

static int count_agents(void *ctx, const store_agent_t *a)
{
    (*(int *)ctx)++;
    assert_true(a->id > 0);
    return 0;
}

static int count_groups(void *ctx, const store_agent_group_t *g)
{
    (void)g;
    (*(int *)ctx)++;
    return 0;
}

static int sum_members(void *ctx, int64_t agent_id, int64_t group_id)
{
    *(int64_t *)ctx += agent_id * 1000 + group_id;
    return 0;
}

/* Host groups (migration 11): names unique in any case, members, removal. */
static void agent_groups_case(store_t *s, int64_t host_a, int64_t host_b, int64_t now)
{
    const store_agent_ops_t *ops = s->agents;
    store_agent_group_t g = {.created = now}, h = {.created = now}, got;
    snprintf(g.name, sizeof(g.name), "web");
    snprintf(g.capabilities, sizeof(g.capabilities), "{\"fim\":false}");
    snprintf(g.response_rules, sizeof(g.response_rules), "[]");
    assert_int_equal(ops->group_create(s, &g), STORE_OK);
    assert_true(g.id > 0);
    h = g;
    snprintf(h.name, sizeof(h.name), "WEB");
    assert_int_equal(ops->group_create(s, &h), STORE_CONFLICT);
    snprintf(h.name, sizeof(h.name), "db");
    assert_int_equal(ops->group_create(s, &h), STORE_OK);
    int64_t db_id = h.id;
    snprintf(g.response_rules, sizeof(g.response_rules),
             "[{\"detection\":\"webshell.*\",\"action\":\"quarantine\",\"mode\":\"dry-run\"}]");
    assert_int_equal(ops->group_update(s, &g), STORE_OK);
    snprintf(got.name, sizeof(got.name), "x");
    assert_int_equal(ops->group_get(s, g.id, &got), STORE_OK);
    assert_string_equal(got.name, "web");
    assert_string_equal(got.response_rules, g.response_rules);
    assert_int_equal(got.created, now);
    h.id = 999999;
    assert_int_equal(ops->group_update(s, &h), STORE_NOT_FOUND);
    snprintf(h.name, sizeof(h.name), "web");
    h.id = db_id;
    assert_int_equal(ops->group_update(s, &h), STORE_CONFLICT);

    assert_int_equal(ops->group_of(s, host_a, &got), STORE_NOT_FOUND);
    assert_int_equal(ops->group_assign(s, host_a, h.id), STORE_OK);
    assert_int_equal(ops->group_assign(s, host_a, g.id), STORE_OK); /* one group at most */
    assert_int_equal(ops->group_assign(s, host_b, g.id), STORE_OK);
    assert_int_equal(ops->group_of(s, host_a, &got), STORE_OK);
    assert_string_equal(got.capabilities, "{\"fim\":false}");
    int64_t sum = 0;
    assert_int_equal(ops->group_members(s, sum_members, &sum), STORE_OK);
    assert_int_equal(sum, host_a * 1000 + g.id + host_b * 1000 + g.id);
    assert_int_equal(ops->group_assign(s, host_b, 0), STORE_OK);
    assert_int_equal(ops->group_of(s, host_b, &got), STORE_NOT_FOUND);
    int n = 0;
    assert_int_equal(ops->group_list(s, count_groups, &n), STORE_OK);
    assert_int_equal(n, 2);
    /* a removed group leaves its hosts without one */
    assert_int_equal(ops->group_assign(s, host_b, h.id), STORE_OK);
    assert_int_equal(ops->group_remove(s, h.id), STORE_OK);
    assert_int_equal(ops->group_remove(s, h.id), STORE_NOT_FOUND);
    assert_int_equal(ops->group_of(s, host_b, &got), STORE_NOT_FOUND);
    assert_int_equal(ops->group_get(s, h.id, &got), STORE_NOT_FOUND);
}

static void test_agents(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    const store_agent_ops_t *ops = s->agents;
    assert_non_null(ops);
    int64_t now = 1795000000000LL;
    assert_int_equal(ops->enrolment_create(s, token_a, 0, now, now + 60000), STORE_OK);
    assert_int_equal(ops->enrolment_create(s, token_b, 0, now, now + 60000), STORE_OK);
    assert_int_equal(ops->enrolment_create(s, token_old, 0, now - 120000, now - 60000), STORE_OK);

    store_agent_t a = agent_named("web-1");
    assert_int_equal(ops->enrol(s, token_a, now, &a), STORE_OK);
    assert_true(a.id > 0);
    /* one token, one host */
    store_agent_t again = agent_named("web-2");
    assert_int_equal(ops->enrol(s, token_a, now, &again), STORE_NOT_FOUND);
    /* expired */
    assert_int_equal(ops->enrol(s, token_old, now, &again), STORE_NOT_FOUND);
    /* a taken name (any case) fails and leaves token_b usable */
    store_agent_t dup = agent_named("WEB-1");
    assert_int_equal(ops->enrol(s, token_b, now, &dup), STORE_CONFLICT);
    assert_int_equal(ops->enrol(s, token_b, now, &again), STORE_OK);

    store_agent_t got;
    assert_int_equal(ops->get(s, a.id, &got), STORE_OK);
    assert_string_equal(got.name, "web-1");
    assert_memory_equal(got.secret, a.secret, AGENT_SECRET_LEN);
    assert_string_equal(got.capabilities, "{}"); /* no overrides: the group decides */

    /* timestamps only move forward */
    assert_int_equal(ops->accept(s, a.id, now), STORE_OK);
    assert_int_equal(ops->accept(s, a.id, now), STORE_NOT_FOUND);
    assert_int_equal(ops->accept(s, a.id, now - 1), STORE_NOT_FOUND);
    assert_int_equal(ops->accept(s, a.id, now + 1), STORE_OK);

    got.last_seen = now;
    got.heartbeat_s = 30;
    got.spool_pending = 7;
    got.spool_dropped = 2;
    assert_int_equal(ops->heartbeat(s, &got), STORE_OK);
    assert_int_equal(ops->set_capabilities(s, a.id, "{\"fim\":false}"), STORE_OK);
    assert_int_equal(ops->get(s, a.id, &got), STORE_OK);
    assert_int_equal(got.spool_dropped, 2);
    assert_int_equal(got.last_ts, now + 1);
    assert_string_equal(got.capabilities, "{\"fim\":false}");

    /* baseline results: none, stored, replaced, removed with the host */
    store_agent_baseline_t b = {.reported = now,
                                .score = 50,
                                .passed = 1,
                                .failed = 1,
                                .report = "{\"score\":50}"},
                           gb;
    assert_int_equal(ops->baseline_get(s, a.id, &gb), STORE_NOT_FOUND);
    assert_int_equal(ops->baseline_put(s, a.id, &b), STORE_OK);
    b.score = -1;
    b.report = "{\"score\":null}";
    assert_int_equal(ops->baseline_put(s, a.id, &b), STORE_OK);
    assert_int_equal(ops->baseline_get(s, a.id, &gb), STORE_OK);
    assert_int_equal(gb.score, -1);
    assert_int_equal(gb.failed, 1);
    assert_string_equal(gb.report, "{\"score\":null}");
    free(gb.report);

    agent_groups_case(s, a.id, again.id, now);

    int n = 0;
    assert_int_equal(ops->list(s, count_agents, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ops->remove(s, a.id), STORE_OK);
    store_agent_group_t gg;
    assert_int_equal(ops->group_of(s, a.id, &gg), STORE_NOT_FOUND); /* left with the host */
    assert_int_equal(ops->baseline_get(s, a.id, &gb), STORE_NOT_FOUND);
    assert_int_equal(ops->remove(s, a.id), STORE_NOT_FOUND);
    assert_int_equal(ops->get(s, a.id, &got), STORE_NOT_FOUND);
    assert_int_equal(ops->accept(s, a.id, now + 5), STORE_NOT_FOUND);
    store_close(s);
    temp_dir_remove(dir);
}

static store_key_version_t key_version(uint32_t version, uint32_t master, unsigned char fill)
{
    store_key_version_t v;
    memset(&v, 0, sizeof(v));
    v.version = version;
    v.master_version = master;
    v.wrapped_len = 100;
    memset(v.wrapped, fill, v.wrapped_len);
    v.created = 1795000000000LL + version;
    return v;
}

static int count_versions(void *ctx, const store_key_version_t *v)
{
    uint32_t *seen = ctx;
    seen[0]++;
    seen[seen[0]] = v->version;
    return 0;
}

static int count_rows(void *ctx, const void *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

static int count_grants(void *ctx, const store_grant_t *g)
{
    return count_rows(ctx, g);
}

static int count_keys(void *ctx, const store_key_t *k)
{
    return count_rows(ctx, k);
}

static int last_job(void *ctx, const store_key_job_t *j)
{
    store_key_job_t *out = ctx;
    if (!out->id)
        *out = *j;
    return 0;
}

static void test_keys(void **state)
{
    (void)state;
    char dir[256];
    store_t *s = fresh_store(dir);
    const store_key_ops_t *ops = s->keys;
    assert_non_null(ops);
    store_key_t k = {.alg = 1, .created = 1795000000000LL};
    snprintf(k.name, sizeof(k.name), "billing/card");
    snprintf(k.app, sizeof(k.app), "billing");
    snprintf(k.created_by, sizeof(k.created_by), "admin");
    store_key_version_t v1 = key_version(1, 1, 0xa1);
    assert_int_equal(ops->create(s, &k, &v1), STORE_OK);
    assert_true(k.id > 0);
    store_key_t dup = k;
    assert_int_equal(ops->create(s, &dup, &v1), STORE_CONFLICT);
    store_key_t other = k;
    snprintf(other.name, sizeof(other.name), "crm/phone");
    snprintf(other.app, sizeof(other.app), "crm");
    assert_int_equal(ops->create(s, &other, &v1), STORE_OK);

    /* rotation: only from the version the caller saw */
    store_key_version_t v2 = key_version(2, 1, 0xa2);
    assert_int_equal(ops->add_version(s, "billing/card", &v2), STORE_OK);
    assert_int_equal(ops->add_version(s, "billing/card", &v2), STORE_CONFLICT);
    store_key_version_t v4 = key_version(4, 1, 0xa4);
    assert_int_equal(ops->add_version(s, "billing/card", &v4), STORE_CONFLICT);
    assert_int_equal(ops->add_version(s, "nope/x", &v2), STORE_CONFLICT);
    store_key_t got;
    assert_int_equal(ops->get(s, "billing/card", &got), STORE_OK);
    assert_int_equal(got.current_version, 2);
    assert_string_equal(got.app, "billing");
    assert_string_equal(got.created_by, "admin");
    assert_int_equal(ops->get(s, "billing/none", &got), STORE_NOT_FOUND);
    int n = 0;
    assert_int_equal(ops->list(s, count_keys, &n), STORE_OK);
    assert_int_equal(n, 2);

    store_key_version_t gv;
    assert_int_equal(ops->version_get(s, k.id, 2, &gv), STORE_OK);
    assert_int_equal(gv.wrapped_len, 100);
    assert_memory_equal(gv.wrapped, v2.wrapped, 100);
    assert_int_equal(ops->version_get(s, k.id, 3, &gv), STORE_NOT_FOUND);
    uint32_t seen[8] = {0};
    assert_int_equal(ops->versions(s, k.id, count_versions, seen), STORE_OK);
    assert_int_equal(seen[0], 2);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 2);

    /* master rotation: three versions under master 1, rewrapped to 2 */
    int64_t total = 0, below = 0;
    assert_int_equal(ops->count_below(s, 2, &total, &below), STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(below, 3);
    memset(seen, 0, sizeof(seen));
    assert_int_equal(ops->versions_below(s, 2, 2, count_versions, seen), STORE_OK);
    assert_int_equal(seen[0], 2);
    store_key_version_t re = key_version(1, 2, 0xb1);
    assert_int_equal(ops->rewrap(s, k.id, 1, 1, &re), STORE_OK);
    /* already done by someone else: not found, nothing changed */
    store_key_version_t stale = key_version(1, 3, 0xc1);
    assert_int_equal(ops->rewrap(s, k.id, 1, 1, &stale), STORE_NOT_FOUND);
    assert_int_equal(ops->version_get(s, k.id, 1, &gv), STORE_OK);
    assert_int_equal(gv.master_version, 2);
    assert_memory_equal(gv.wrapped, re.wrapped, 100);
    assert_int_equal(ops->count_below(s, 2, &total, &below), STORE_OK);
    assert_int_equal(below, 2);

    /* grants */
    store_grant_t g = {.ops = 3, .created = 1795000000000LL};
    snprintf(g.subject, sizeof(g.subject), "token:billing-app");
    snprintf(g.app, sizeof(g.app), "billing");
    snprintf(g.keys, sizeof(g.keys), "[\"*\"]");
    assert_int_equal(ops->grant_create(s, &g), STORE_OK);
    store_grant_t g2 = g;
    snprintf(g2.subject, sizeof(g2.subject), "alice");
    assert_int_equal(ops->grant_create(s, &g2), STORE_OK);
    assert_true(g2.id > g.id);
    n = 0;
    assert_int_equal(ops->grants_of(s, "token:billing-app", count_grants, &n), STORE_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(ops->grant_list(s, count_grants, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ops->grant_delete(s, g.id), STORE_OK);
    assert_int_equal(ops->grant_delete(s, g.id), STORE_NOT_FOUND);
    n = 0;
    assert_int_equal(ops->grants_of(s, "token:billing-app", count_grants, &n), STORE_OK);
    assert_int_equal(n, 0);

    /* jobs, newest first */
    store_key_job_t j = {.target = 2, .total = 3, .rate = 5, .created = 1795000000000LL};
    snprintf(j.kind, sizeof(j.kind), "master-rotation");
    snprintf(j.state, sizeof(j.state), "running");
    assert_int_equal(ops->job_create(s, &j), STORE_OK);
    j.done = 3;
    snprintf(j.state, sizeof(j.state), "done");
    j.updated = j.created + 5;
    assert_int_equal(ops->job_update(s, &j), STORE_OK);
    store_key_job_t newest = {0};
    assert_int_equal(ops->job_list(s, last_job, &newest), STORE_OK);
    assert_int_equal(newest.id, j.id);
    assert_string_equal(newest.state, "done");
    assert_int_equal(newest.done, 3);
    assert_int_equal(newest.rate, 5);
    assert_int_equal(newest.target, 2);

    /* migration 6 lets API tokens have the role app */
    store_token_t t = {.created = 1795000000000LL};
    snprintf(t.name, sizeof(t.name), "billing-app");
    snprintf(t.role, sizeof(t.role), "app");
    snprintf(t.prefix, sizeof(t.prefix), "rpt_x");
    memset(t.hash, 0x5a, sizeof(t.hash));
    assert_int_equal(s->ops->token_create(s, &t), STORE_OK);
    snprintf(t.name, sizeof(t.name), "bad-role");
    snprintf(t.role, sizeof(t.role), "root");
    memset(t.hash, 0x5b, sizeof(t.hash));
    assert_int_not_equal(s->ops->token_create(s, &t), STORE_OK);
    store_close(s);
    temp_dir_remove(dir);
}

static int postgres_setup(void **state)
{
    (void)state;
    backend = "postgres";
    if (pg_test_start(&pg)) {
        fprintf(stderr, "cannot start the test PostgreSQL (scripts/pg-test-server.sh)\n");
        return -1;
    }
    return 0;
}

static int postgres_teardown(void **state)
{
    (void)state;
    pg_test_stop(&pg);
    return 0;
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR); /* expected failures log errors; keep the output short */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_rate_limit_switch_migration),
        cmocka_unit_test(test_writer_transaction_and_checkpoint),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_keyset_pagination),
        cmocka_unit_test(test_aggregations),
        cmocka_unit_test(test_retention_rows),
        cmocka_unit_test(test_retention_days),
        cmocka_unit_test(test_any_day_is_stored),
        cmocka_unit_test(test_server_restart),
        cmocka_unit_test(test_accounts),
        cmocka_unit_test(test_audit_log),
        cmocka_unit_test(test_audit_append_only),
        cmocka_unit_test(test_apps),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_bundles_and_gateways),
        cmocka_unit_test(test_agents),
        cmocka_unit_test(test_keys),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("postgres", tests, postgres_setup, postgres_teardown);
    return failed;
}
