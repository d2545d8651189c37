/*
 * store_test.c — the SQLite backend through the store interface:
 * migrations, the ingest writer's transactions and checkpoints, filters,
 * keyset pagination, aggregations, retention, accounts, sessions, tokens.
 */
#include "ctl_test_util.h"

#include <sqlite3.h>

#include "event_parse.h"
#include "timefmt.h"

#define T0 1795688637000LL /* 2026-11-26T10:23:57Z */

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
    temp_dir(dir);
    store_t *s = open_store(dir);
    int v = 0;
    assert_int_equal(s->ops->schema_version(s, &v), STORE_OK);
    int newest = v; /* the last migration's number (more come with each feature) */
    assert_true(newest >= 1);
    store_close(s);
    /* reopening applies nothing twice */
    s = open_store(dir);
    assert_int_equal(s->ops->schema_version(s, &v), STORE_OK);
    assert_int_equal(v, newest);
    store_close(s);
    /* a store from a newer rampartd is refused, untouched */
    char path[300];
    snprintf(path, sizeof(path), "%s/rampart.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO schema_version VALUES (99, 0, 'from the future')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    store_options_t opt = {.backend = "sqlite", .data_dir = dir, .connections = 1};
    rp_error_t err;
    assert_null(store_open(&opt, &err));
    assert_non_null(strstr(err.reason, "newer than this rampartd"));
    opt.backend = "postgresql";
    assert_null(store_open(&opt, &err));
    temp_dir_remove(dir);
}

static void test_writer_transaction_and_checkpoint(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    store_t *s = open_store(dir);
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
    temp_dir(dir);
    store_t *s = open_store(dir);
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

static void test_retention(void **state)
{
    (void)state;
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

static void test_accounts(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    store_t *s = open_store(dir);
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

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR); /* expected failures log errors; keep the output short */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_writer_transaction_and_checkpoint),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_keyset_pagination),
        cmocka_unit_test(test_aggregations),
        cmocka_unit_test(test_retention),
        cmocka_unit_test(test_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
