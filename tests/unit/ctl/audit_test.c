/*
 * audit_test.c — the audit log: the canonical form, SM3 (GB/T 32905
 * example), the chain, SM2 seals, the verifier against every kind of
 * tampering (a changed field, a deleted, inserted or reordered record, a
 * tail cut after a seal, a forged seal, a head removed without a
 * retention record), the append-only store, the log's appends and seals
 * through a real store (SQLite and PostgreSQL), and the export destinations, HTTP status lines
 * and syslog frames.
 */
#include "ctl_test_util.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "audit_dest.h"
#include "audit_log.h"
#include "audit_syslog.h"
#include "audit_transport.h"
#include "audit_verify.h"
#include "config.h"
#include "pg_test_server.h"
#include "timefmt.h"

#define N_RECORDS 12

typedef struct {
    store_audit_row_t rows[N_RECORDS + 1];
    strbuf_t canon[N_RECORDS + 1];
    char actors[N_RECORDS + 1][32];
    int n;
    store_audit_seal_t seals[8];
    int n_seals;
    audit_key_t *key;
    char dir[256];
} chain_t;

/* Hashes rows[from..n) again, each after the one before it. */
static void rehash(chain_t *c, int from)
{
    for (int i = from; i < c->n; i++) {
        store_audit_row_t *r = &c->rows[i];
        if (i == 0)
            memset(r->prev_hash, 0, AUDIT_HASH_LEN);
        else
            memcpy(r->prev_hash, c->rows[i - 1].hash, AUDIT_HASH_LEN);
        audit_canonical(r, &c->canon[i]);
        r->canonical = (const unsigned char *)c->canon[i].data;
        r->canonical_len = c->canon[i].len;
        assert_int_equal(audit_chain_hash(r->prev_hash, c->canon[i].data, c->canon[i].len, r->hash),
                         0);
    }
}

static void seal(chain_t *c, int index)
{
    store_audit_seal_t *s = &c->seals[c->n_seals];
    memset(s, 0, sizeof(*s));
    s->id = c->n_seals + 1;
    s->seq = c->rows[index].seq;
    s->ts = 1795688637000LL + index;
    memcpy(s->hash, c->rows[index].hash, AUDIT_HASH_LEN);
    audit_key_id(c->key, s->key_id);
    char msg[256];
    size_t len = audit_seal_message(s->seq, s->hash, s->ts, msg, sizeof(msg));
    s->sig_len = sizeof(s->sig);
    assert_int_equal(audit_sign(c->key, msg, len, s->sig, &s->sig_len), 0);
    c->n_seals++;
}

static chain_t *make_chain(void)
{
    chain_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    temp_dir(c->dir);
    rp_error_t err = {0};
    c->key = audit_key_load_or_create(c->dir, &err);
    assert_non_null(c->key);
    c->n = N_RECORDS;
    for (int i = 0; i < c->n; i++) {
        store_audit_row_t *r = &c->rows[i];
        snprintf(c->actors[i], sizeof(c->actors[i]), "user%d", i);
        strbuf_init(&c->canon[i], 0);
        r->seq = i + 1;
        r->ts = 1795688637000LL + i;
        r->actor = c->actors[i];
        r->role = "admin";
        r->client = "127.0.0.1";
        r->action = "user.create";
        r->method = "POST";
        r->path = "/api/v1/users";
        r->target = "alice";
        r->outcome = "success";
        r->status = 201;
        r->detail = "{\"role\":\"auditor\"}";
    }
    strbuf_init(&c->canon[N_RECORDS], 0);
    rehash(c, 0);
    seal(c, 4); /* seq 5 */
    seal(c, 9); /* seq 10 */
    return c;
}

static void free_chain(chain_t *c)
{
    for (int i = 0; i <= N_RECORDS; i++)
        strbuf_free(&c->canon[i]);
    audit_key_free(c->key);
    temp_dir_remove(c->dir);
    free(c);
}

static audit_verify_result_t run(chain_t *c)
{
    audit_verifier_t v;
    audit_verifier_init(&v, c->key);
    for (int i = 0; i < c->n_seals; i++)
        assert_int_equal(audit_verifier_seal(&v, &c->seals[i]), 0);
    for (int i = 0; i < c->n; i++)
        if (audit_verifier_record(&v, &c->rows[i]))
            break;
    audit_verify_result_t res = *audit_verifier_finish(&v);
    audit_verifier_free(&v);
    return res;
}

static void expect_bad(chain_t *c, int64_t seq, const char *reason_part)
{
    audit_verify_result_t res = run(c);
    if (res.ok)
        fail_msg("tampering not detected (want seq %lld: %s)", (long long)seq, reason_part);
    if (res.bad_seq != seq || !strstr(res.reason, reason_part))
        fail_msg("got seq %lld: %s; want seq %lld: ...%s...", (long long)res.bad_seq, res.reason,
                 (long long)seq, reason_part);
    free_chain(c);
}

static void test_sm3_known_answer(void **state)
{
    (void)state;
    /* GB/T 32905-2016 appendix A, example 1 */
    unsigned char h[AUDIT_HASH_LEN];
    char hex[AUDIT_HEX_LEN];
    assert_int_equal(audit_sm3("abc", 3, h), 0);
    audit_hex(h, AUDIT_HASH_LEN, hex);
    assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    unsigned char back[AUDIT_HASH_LEN];
    assert_int_equal(audit_unhex(hex, back), 0);
    assert_memory_equal(back, h, AUDIT_HASH_LEN);
    assert_int_equal(audit_unhex("66c7", back), -1);
    assert_int_equal(audit_unhex(NULL, back), -1);
}

static void test_canonical_form(void **state)
{
    (void)state;
    store_audit_row_t r = {.seq = 7,
                           .ts = 1795688637307LL,
                           .actor = "admin",
                           .role = "admin",
                           .client = "127.0.0.1",
                           .action = "user.create",
                           .method = "POST",
                           .path = "/api/v1/users",
                           .target = "a\nb",
                           .outcome = "success",
                           .status = 201,
                           .detail = ""};
    strbuf_t out;
    strbuf_init(&out, 0);
    audit_canonical(&r, &out);
    assert_string_equal(out.data, "RAMPART-AUDIT-1\n"
                                  "seq 1 7\n"
                                  "time 13 1795688637307\n"
                                  "actor 5 admin\n"
                                  "role 5 admin\n"
                                  "client 9 127.0.0.1\n"
                                  "action 11 user.create\n"
                                  "method 4 POST\n"
                                  "path 13 /api/v1/users\n"
                                  "target 3 a\nb\n"
                                  "outcome 7 success\n"
                                  "status 3 201\n"
                                  "detail 0 \n");
    /* Field boundaries cannot be moved: "ab" + "" differs from "a" + "b". */
    strbuf_t other;
    strbuf_init(&other, 0);
    r.target = "a";
    r.outcome = "\nbsuccess";
    audit_canonical(&r, &other);
    assert_true(other.len != out.len || memcmp(other.data, out.data, out.len) != 0);
    strbuf_free(&out);
    strbuf_free(&other);
}

static void test_seal_signature(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    char msg[256];
    size_t len = audit_seal_message(5, c->rows[4].hash, 1795688637004LL, msg, sizeof(msg));
    assert_non_null(strstr(msg, "RAMPART-AUDIT-SEAL-1\nseq 5\nhash "));
    assert_true(audit_verify_signature(c->key, msg, len, c->seals[0].sig, c->seals[0].sig_len));
    msg[len - 2] ^= 1;
    assert_false(audit_verify_signature(c->key, msg, len, c->seals[0].sig, c->seals[0].sig_len));
    /* The public key round-trips through PEM and keeps its id. */
    strbuf_t pem;
    strbuf_init(&pem, 0);
    assert_int_equal(audit_key_public_pem(c->key, &pem), 0);
    audit_key_t *pub = audit_key_from_public_pem(pem.data, pem.len);
    assert_non_null(pub);
    unsigned char a[AUDIT_HASH_LEN], b[AUDIT_HASH_LEN];
    audit_key_id(c->key, a);
    audit_key_id(pub, b);
    assert_memory_equal(a, b, AUDIT_HASH_LEN);
    assert_null(audit_key_from_public_pem("junk", 4));
    audit_key_free(pub);
    strbuf_free(&pem);
    /* The private key is the owner's alone; a loosened mode is refused. */
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", c->dir, AUDIT_KEY_FILE);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(path, 0640), 0);
    rp_error_t err = {0};
    assert_null(audit_key_load_or_create(c->dir, &err));
    assert_non_null(strstr(err.reason, "0600"));
    assert_int_equal(chmod(path, 0600), 0);
    audit_key_t *again = audit_key_load_or_create(c->dir, &err);
    assert_non_null(again);
    audit_key_id(again, b);
    assert_memory_equal(a, b, AUDIT_HASH_LEN);
    audit_key_free(again);
    free_chain(c);
}

static void test_intact_chain(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    audit_verify_result_t res = run(c);
    assert_true(res.ok);
    assert_int_equal(res.records, N_RECORDS);
    assert_int_equal(res.seals, 2);
    assert_int_equal(res.last_sealed_seq, 10);
    assert_int_equal(res.unsealed, 2);
    free_chain(c);
}

static void test_modified_field(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    c->rows[6].actor = "mallory"; /* the stored canonical form still says user6 */
    expect_bad(c, 7, "modified");
    c = make_chain();
    c->rows[6].actor = "mallory";
    c->rows[6].canonical = NULL; /* an export: no canonical form, the hash says it */
    expect_bad(c, 7, "SM3 hash does not match");
}

static void test_deleted_record(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    memmove(&c->rows[3], &c->rows[4], sizeof(c->rows[0]) * (size_t)(c->n - 4));
    c->n--;
    expect_bad(c, 5, "records 4..4 are missing");
}

static void test_inserted_record(void **state)
{
    (void)state;
    /* A forged record at seq 4, the later ones renumbered but not rehashed. */
    chain_t *c = make_chain();
    memmove(&c->rows[4], &c->rows[3], sizeof(c->rows[0]) * (size_t)(c->n - 3));
    c->n++;
    c->rows[3].actor = "forged";
    rehash(c, 3);
    for (int i = 4; i < c->n; i++)
        c->rows[i].seq = i + 1;
    expect_bad(c, 5, "modified");
    /* Rehashing the whole rest of the chain: the seal of seq 5 catches it. */
    c = make_chain();
    memmove(&c->rows[4], &c->rows[3], sizeof(c->rows[0]) * (size_t)(c->n - 3));
    c->n++;
    c->rows[3].actor = "forged";
    for (int i = 4; i < c->n; i++)
        c->rows[i].seq = i + 1;
    rehash(c, 3);
    expect_bad(c, 5, "differs from the record sealed");
}

static void test_reordered_records(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    store_audit_row_t tmp = c->rows[2];
    c->rows[2] = c->rows[3];
    c->rows[3] = tmp;
    expect_bad(c, 4, "missing"); /* seq 4 where 3 belongs */
    /* Swapped contents under the original seq numbers. */
    c = make_chain();
    int64_t s2 = c->rows[2].seq;
    tmp = c->rows[2];
    c->rows[2] = c->rows[3];
    c->rows[3] = tmp;
    c->rows[3].seq = c->rows[2].seq;
    c->rows[2].seq = s2;
    expect_bad(c, 3, "");
}

static void test_truncated_tail(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    c->n = 8; /* records 9..12 gone; seq 10 was sealed */
    expect_bad(c, 9, "truncated");
    /* Cutting only unsealed records is not detectable from the store: it is
     * reported as the count after the last seal. */
    c = make_chain();
    c->n = 11;
    audit_verify_result_t res = run(c);
    assert_true(res.ok);
    assert_int_equal(res.unsealed, 1);
    free_chain(c);
}

static void test_forged_seal(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    c->seals[1].sig[10] ^= 0x40;
    expect_bad(c, 10, "invalid SM2 signature");
    /* A seal made with another key: reported as such. */
    c = make_chain();
    chain_t *other = make_chain();
    audit_key_t *right = c->key;
    c->key = other->key;
    c->n_seals = 0;
    seal(c, 4);
    c->key = right;
    free_chain(other);
    expect_bad(c, 5, "another key");
}

static void test_removed_seals(void **state)
{
    (void)state;
    /* Intact: the tail after the last seal (seq 11, 12) is 1 ms old. */
    chain_t *c = make_chain();
    audit_verifier_t v;
    audit_verifier_init(&v, c->key);
    v.max_unsealed_ms = 130000;
    for (int i = 0; i < c->n_seals; i++)
        audit_verifier_seal(&v, &c->seals[i]);
    for (int i = 0; i < c->n; i++)
        audit_verifier_record(&v, &c->rows[i]);
    assert_true(audit_verifier_finish(&v)->ok);
    audit_verifier_free(&v);
    /* A record a minute, every seal removed and the chain rewritten from
     * seq 3: nothing in the chain is wrong, but records from 1 on have gone
     * unsealed for 11 minutes. */
    for (int i = 0; i < c->n; i++)
        c->rows[i].ts = 1795688637000LL + i * 60000LL;
    c->rows[2].actor = "mallory";
    rehash(c, 0);
    c->n_seals = 0;
    audit_verifier_init(&v, c->key);
    v.max_unsealed_ms = 130000;
    for (int i = 0; i < c->n; i++)
        audit_verifier_record(&v, &c->rows[i]);
    const audit_verify_result_t *res = audit_verifier_finish(&v);
    assert_false(res->ok);
    assert_int_equal(res->bad_seq, 1);
    assert_non_null(strstr(res->reason, "seals were removed"));
    audit_verifier_free(&v);
    free_chain(c);
}

static void test_head_needs_a_retention_record(void **state)
{
    (void)state;
    chain_t *c = make_chain();
    /* Records 1..3 removed without a trace. */
    memmove(&c->rows[0], &c->rows[3], sizeof(c->rows[0]) * (size_t)(c->n - 3));
    c->n -= 3;
    expect_bad(c, 4, "no audit.retention record");
    /* Retention: the record naming seq 3 and its hash anchors seq 4. */
    c = make_chain();
    char hex[AUDIT_HEX_LEN], detail[200];
    audit_hex(c->rows[2].hash, AUDIT_HASH_LEN, hex);
    snprintf(detail, sizeof(detail), "{\"deleted_through\":3,\"hash\":\"%s\"}", hex);
    c->rows[N_RECORDS - 1].action = "audit.retention";
    c->rows[N_RECORDS - 1].detail = detail;
    rehash(c, N_RECORDS - 1);
    memmove(&c->rows[0], &c->rows[3], sizeof(c->rows[0]) * (size_t)(c->n - 3));
    c->n -= 3;
    audit_verify_result_t res = run(c);
    if (!res.ok)
        fail_msg("%s", res.reason);
    assert_int_equal(res.first_seq, 4);
    free_chain(c);
}

/* ---- through a real store and the log -------------------------------- */

/* The backend of the group running now (the log's store tests run on
 * both), and PostgreSQL's test server. */
static const char *backend = "sqlite";
static pg_test_server_t pg;

/* The current backend's store: SQLite in dir, or PostgreSQL as it is. */
static store_t *store_in(const char *dir)
{
    if (strcmp(backend, "postgres") != 0)
        return open_store(dir);
    store_options_t opt = {.backend = backend, .conninfo = pg.dsn, .connections = 2};
    rp_error_t err;
    store_t *s = store_open(&opt, &err);
    if (!s)
        fail_msg("store_open(postgres): %s", err.reason);
    return s;
}

/* Each test starts on an empty PostgreSQL schema. */
static int empty_store(void **state)
{
    (void)state;
    if (strcmp(backend, "postgres") == 0)
        return pg_test_sql(&pg, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    return 0;
}

typedef struct {
    ctl_t ctl;
    char dir[256];
} daemon_t;

static daemon_t *daemon_open(const char *conf)
{
    daemon_t *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    temp_dir(d->dir);
    rp_error_t err;
    ctl_config_t *cfg = config_load_string(conf, strlen(conf), "test.conf", &err);
    if (!cfg)
        fail_msg("%s", err.reason);
    config_slot_init(&d->ctl.config, cfg);
    metrics_init(&d->ctl.metrics);
    d->ctl.store = store_in(d->dir);
    d->ctl.audit = audit_log_open(&d->ctl, d->dir, &err);
    if (!d->ctl.audit)
        fail_msg("%s", err.reason);
    return d;
}

static void daemon_close(daemon_t *d, int remove)
{
    audit_log_close(d->ctl.audit);
    store_close(d->ctl.store);
    config_slot_clear(&d->ctl.config);
    if (remove)
        temp_dir_remove(d->dir);
    free(d);
}

static int to_verifier_seal(void *ctx, const store_audit_seal_t *s)
{
    return audit_verifier_seal(ctx, s);
}

static int to_verifier_row(void *ctx, const store_audit_row_t *r)
{
    return audit_verifier_record(ctx, r);
}

static audit_verify_result_t verify_store(store_t *s, const audit_key_t *key)
{
    audit_verifier_t v;
    audit_verifier_init(&v, key);
    assert_int_equal(s->ops->audit_seals(s, to_verifier_seal, &v), STORE_OK);
    store_audit_filter_t f = {.ascending = 1};
    assert_int_equal(s->ops->audit_query(s, &f, to_verifier_row, &v), STORE_OK);
    audit_verify_result_t res = *audit_verifier_finish(&v);
    audit_verifier_free(&v);
    return res;
}

typedef struct {
    int n;
    int64_t seq[32];
} seqs_t;

static int collect_seq(void *ctx, const store_audit_row_t *row)
{
    seqs_t *s = ctx;
    if (s->n < 32)
        s->seq[s->n] = row->seq;
    s->n++;
    return 0;
}

static void test_log_appends_and_seals(void **state)
{
    (void)state;
    daemon_t *d = daemon_open("audit_seal_records 4\n");
    for (int i = 0; i < 10; i++) {
        audit_entry_t e = {.actor = "admin",
                           .role = "admin",
                           .action = "user.create",
                           .outcome = "success",
                           .status = 201,
                           .target = "x"};
        int64_t seq = 0;
        assert_int_equal(audit_log_append(d->ctl.audit, &e, &seq), STORE_OK);
        assert_int_equal(seq, i + 1);
    }
    assert_int_equal(audit_log_last_sealed(d->ctl.audit), 8);
    audit_verify_result_t res = verify_store(d->ctl.store, audit_log_key(d->ctl.audit));
    assert_true(res.ok);
    assert_int_equal(res.records, 10);
    assert_int_equal(res.last_sealed_seq, 8);
    /* Filters and keyset pages (newest first). */
    seqs_t got = {0};
    store_audit_filter_t f = {.actor = "admin", .limit = 3, .before_seq = 9};
    assert_int_equal(d->ctl.store->ops->audit_query(d->ctl.store, &f, collect_seq, &got), STORE_OK);
    assert_int_equal(got.n, 3);
    assert_int_equal(got.seq[0], 8);
    assert_int_equal(got.seq[2], 6);
    memset(&got, 0, sizeof(got));
    store_audit_filter_t asc = {.ascending = 1, .after_seq = 8, .action = "user.create"};
    assert_int_equal(d->ctl.store->ops->audit_query(d->ctl.store, &asc, collect_seq, &got),
                     STORE_OK);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.seq[0], 9);
    memset(&got, 0, sizeof(got));
    store_audit_filter_t none = {.actor = "nobody"};
    assert_int_equal(d->ctl.store->ops->audit_query(d->ctl.store, &none, collect_seq, &got),
                     STORE_OK);
    assert_int_equal(got.n, 0);
    /* Closing seals the rest; a reopened log continues the chain. */
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", d->dir);
    daemon_close(d, 0);
    ctl_t ctl;
    memset(&ctl, 0, sizeof(ctl));
    rp_error_t err;
    config_slot_init(&ctl.config, config_defaults());
    ctl.store = store_in(dir);
    ctl.audit = audit_log_open(&ctl, dir, &err);
    assert_non_null(ctl.audit);
    assert_int_equal(audit_log_last_sealed(ctl.audit), 10);
    assert_int_equal(audit_log_system(ctl.audit, "system.start", "success", NULL), STORE_OK);
    assert_int_equal(audit_log_last_seq(ctl.audit), 11);
    res = verify_store(ctl.store, audit_log_key(ctl.audit));
    assert_true(res.ok);
    assert_int_equal(res.records, 11);
    audit_log_close(ctl.audit);
    store_close(ctl.store);
    config_slot_clear(&ctl.config);
    temp_dir_remove(dir);
}

/* Records a year old, appended through the store with a correct chain,
 * then the log's retention: it deletes the sealed old ones after writing
 * the audit.retention record that anchors the rest. */
static void test_retention_keeps_the_chain_provable(void **state)
{
    (void)state;
    daemon_t *d = daemon_open("");
    store_t *s = d->ctl.store;
    audit_log_close(d->ctl.audit);
    unsigned char prev[AUDIT_HASH_LEN] = {0};
    strbuf_t canon;
    strbuf_init(&canon, 0);
    int64_t year_ago = time_now_ms() - 365LL * 86400 * 1000;
    for (int i = 1; i <= 5; i++) {
        store_audit_row_t r = {.seq = i,
                               .ts = year_ago + i,
                               .actor = "admin",
                               .role = "admin",
                               .client = "",
                               .action = "user.create",
                               .method = "POST",
                               .path = "/api/v1/users",
                               .target = "old",
                               .outcome = "success",
                               .status = 201,
                               .detail = ""};
        memcpy(r.prev_hash, prev, AUDIT_HASH_LEN);
        audit_canonical(&r, &canon);
        r.canonical = (const unsigned char *)canon.data;
        r.canonical_len = canon.len;
        assert_int_equal(audit_chain_hash(prev, canon.data, canon.len, r.hash), 0);
        assert_int_equal(s->ops->audit_append(s, &r), STORE_OK);
        memcpy(prev, r.hash, AUDIT_HASH_LEN);
    }
    strbuf_free(&canon);
    rp_error_t err;
    d->ctl.audit = audit_log_open(&d->ctl, d->dir, &err);
    assert_non_null(d->ctl.audit);
    assert_int_equal(audit_log_seal(d->ctl.audit), 0); /* seals seq 5 */
    assert_int_equal(audit_log_system(d->ctl.audit, "system.start", "success", NULL), STORE_OK);
    assert_int_equal(audit_log_retention(d->ctl.audit), 5);
    audit_verify_result_t res = verify_store(s, audit_log_key(d->ctl.audit));
    if (!res.ok)
        fail_msg("%s", res.reason);
    assert_int_equal(res.first_seq, 6);
    assert_int_equal(res.records, 2); /* system.start, audit.retention */
    /* nothing old is left: a second pass deletes nothing */
    assert_int_equal(audit_log_retention(d->ctl.audit), 0);
    daemon_close(d, 1);
}

static int exec_rc(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void test_store_is_append_only(void **state)
{
    (void)state;
    daemon_t *d = daemon_open("");
    for (int i = 0; i < 3; i++)
        assert_int_equal(audit_log_system(d->ctl.audit, "system.start", "success", NULL), STORE_OK);
    assert_int_equal(audit_log_seal(d->ctl.audit), 0);
    char path[400];
    snprintf(path, sizeof(path), "%s/rampart.db", d->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(exec_rc(db, "UPDATE audit_log SET actor = 'x' WHERE seq = 2") & 0xff,
                     SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db, "DELETE FROM audit_log WHERE seq = 2") & 0xff, SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db, "DELETE FROM audit_log") & 0xff, SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db, "UPDATE audit_seals SET seq = 1") & 0xff, SQLITE_CONSTRAINT);
    assert_int_equal(exec_rc(db, "INSERT INTO audit_log SELECT * FROM audit_log WHERE seq = 1") &
                         0xff,
                     SQLITE_CONSTRAINT);
    /* Through the store, too: retention cannot delete young records. */
    int64_t deleted = 0;
    assert_int_not_equal(
        d->ctl.store->ops->audit_retention_delete(d->ctl.store, 3, INT64_MAX, &deleted), STORE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM audit_log", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
    daemon_close(d, 1);
}

static void test_config(void **state)
{
    (void)state;
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"audit_retention_days 179\n", "from 180"},
        {"audit_seal_records 0\n", "audit_seal_records"},
        {"audit_syslog udp://127.0.0.1:514\n", "tcp://HOST:PORT"},
        {"audit_syslog tcp://127.0.0.1\n", "port"},
        {"audit_syslog tls://127.0.0.1:6514\n", "audit_syslog_ca"},
        {"audit_webhook http://198.51.100.7:80/hook\naudit_webhook_secret_file /k\n",
         "only to loopback"},
        {"audit_webhook http://127.0.0.1:80/hook\n", "audit_webhook_secret_file"},
        {"audit_webhook https://siem.example:443/x\naudit_webhook_secret_file /k\n",
         "audit_webhook_ca"},
        {"audit_syslog_ca relative.pem\n", "absolute"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rp_error_t err;
        ctl_config_t *c = config_load_string(bad[i].text, strlen(bad[i].text), "x.conf", &err);
        if (c)
            fail_msg("accepted: %s", bad[i].text);
        if (!strstr(err.reason, bad[i].error))
            fail_msg("%s: %s (want %s)", bad[i].text, err.reason, bad[i].error);
    }
    rp_error_t err;
    const char *good = "audit_retention_days 365\naudit_syslog tls://[::1]:6514\n"
                       "audit_syslog_ca /etc/ssl/ca.pem\n"
                       "audit_webhook https://siem.example:8443/rampart/audit\n"
                       "audit_webhook_secret_file /etc/rampart/webhook.key\n"
                       "audit_webhook_ca /etc/ssl/ca.pem\n";
    ctl_config_t *c = config_load_string(good, strlen(good), "x.conf", &err);
    if (!c)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_int_equal(c->audit_retention_days, 365);
    assert_string_equal(c->audit_syslog, "tls://[::1]:6514");
    config_unref(c);
    c = config_load_string("\n\naudit_retention_days 30\n", 27, "x.conf", &err);
    assert_null(c);
    assert_int_equal(err.line, 3);
}

static void test_destinations(void **state)
{
    (void)state;
    audit_dest_t d;
    char why[300];
    assert_int_equal(audit_dest_parse("tcp://127.0.0.1:6514", 0, &d, why, sizeof(why)), 0);
    assert_int_equal(d.scheme, AUDIT_DEST_TCP);
    assert_string_equal(d.host, "127.0.0.1");
    assert_int_equal(d.port, 6514);
    assert_int_equal(audit_dest_parse("tls://[::1]:1", 0, &d, why, sizeof(why)), 0);
    assert_string_equal(d.host, "::1");
    assert_int_equal(audit_dest_parse("http://localhost:8080", 1, &d, why, sizeof(why)), 0);
    assert_string_equal(d.path, "/");
    assert_int_equal(audit_dest_parse("https://siem.example:443/a/b?c=d", 1, &d, why, sizeof(why)),
                     0);
    assert_string_equal(d.path, "/a/b?c=d");
    static const char *const bad_syslog[] = {
        "tcp://",      "tcp://:1",           "tcp://h:0",       "tcp://h:65536",
        "tcp://h:1/x", "tcp://[::1:1",       "tcp://[x]:1",     "tcp://-h:1",
        "tcp://h_h:1", "http://127.0.0.1:1", "tcp://h:1234567",
    };
    for (size_t i = 0; i < sizeof(bad_syslog) / sizeof(bad_syslog[0]); i++)
        if (audit_dest_parse(bad_syslog[i], 0, &d, why, sizeof(why)) == 0)
            fail_msg("accepted %s", bad_syslog[i]);
    static const char *const bad_webhook[] = {
        "http://10.0.0.1:80/", "http://127.0.0.1:80/a b", "http://127.0.0.1:80x",
        "https://h:1/\x7f",    "tcp://127.0.0.1:1",       "http://127.0.0.1:80/#frag",
    };
    for (size_t i = 0; i < sizeof(bad_webhook) / sizeof(bad_webhook[0]); i++)
        if (audit_dest_parse(bad_webhook[i], 1, &d, why, sizeof(why)) == 0)
            fail_msg("accepted %s", bad_webhook[i]);
    assert_true(audit_dest_is_loopback("127.8.9.10"));
    assert_true(audit_dest_is_loopback("::1"));
    assert_false(audit_dest_is_loopback("128.0.0.1"));
}

static void test_http_status(void **state)
{
    (void)state;
    assert_int_equal(audit_http_status("HTTP/1.1 204 No Content\r\n", 25), 204);
    assert_int_equal(audit_http_status("HTTP/1.0 200\r\n", 14), 200);
    assert_int_equal(audit_http_status("HTTP/1.1 500 x", 14), 500);
    assert_int_equal(audit_http_status("HTTP/1.1 20", 11), -1);
    assert_int_equal(audit_http_status("HTTP/2 200 OK\r\n", 15), -1);
    assert_int_equal(audit_http_status("HTTP/1.1 2x0 OK", 15), -1);
    assert_int_equal(audit_http_status("HTTP/1.1 099 OK", 15), -1);
    assert_int_equal(audit_http_status("HTTP/1.1 2000 OK", 16), -1);
}

static void test_syslog_frame(void **state)
{
    (void)state;
    store_audit_row_t r = {.seq = 42,
                           .ts = 1795688637307LL,
                           .actor = "ad\"m]in",
                           .role = "admin",
                           .client = "127.0.0.1",
                           .action = "user.delete",
                           .method = "DELETE",
                           .path = "/api/v1/users/bob",
                           .target = "bob",
                           .outcome = "denied",
                           .status = 403,
                           .detail = "{\"reason\":\"x\"}"};
    strbuf_t out;
    strbuf_init(&out, 0);
    audit_syslog_frame(&r, "host one", 77, &out);
    assert_false(out.failed);
    char *space = strchr(out.data, ' ');
    assert_non_null(space);
    assert_int_equal(strtoul(out.data, NULL, 10), out.len - (size_t)(space + 1 - out.data));
    const char *msg = space + 1;
    /* authpriv.warning = 10 * 8 + 4 */
    assert_true(strncmp(msg,
                        "<84>1 2026-11-26T10:23:57.307Z hostone rampartd 77 user.delete "
                        "[rampart@32473 seq=\"42\" hash=\"",
                        strlen("<84>1 2026-11-26T10:23:57.307Z hostone rampartd 77 user.delete "
                               "[rampart@32473 seq=\"42\" hash=\"")) == 0);
    assert_non_null(strstr(msg, "actor=\"ad\\\"m\\]in\""));
    assert_non_null(strstr(msg, "] \xEF\xBB\xBF{\"seq\":42,"));
    strbuf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3_known_answer),
        cmocka_unit_test(test_canonical_form),
        cmocka_unit_test(test_seal_signature),
        cmocka_unit_test(test_intact_chain),
        cmocka_unit_test(test_modified_field),
        cmocka_unit_test(test_deleted_record),
        cmocka_unit_test(test_inserted_record),
        cmocka_unit_test(test_reordered_records),
        cmocka_unit_test(test_truncated_tail),
        cmocka_unit_test(test_forged_seal),
        cmocka_unit_test(test_removed_seals),
        cmocka_unit_test(test_head_needs_a_retention_record),
        cmocka_unit_test(test_log_appends_and_seals),
        cmocka_unit_test(test_store_is_append_only),
        cmocka_unit_test(test_retention_keeps_the_chain_provable),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_destinations),
        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_syslog_frame),
    };
    log_set_level(LOG_LEVEL_ERROR);
    int failed = cmocka_run_group_tests_name("audit", tests, NULL, NULL);
    /* the log through the PostgreSQL store (its append-only triggers:
     * store_test.c) */
    const struct CMUnitTest on_postgres[] = {
        cmocka_unit_test_setup(test_log_appends_and_seals, empty_store),
        cmocka_unit_test_setup(test_retention_keeps_the_chain_provable, empty_store),
    };
    backend = "postgres";
    if (pg_test_start(&pg)) {
        fprintf(stderr, "cannot start the test PostgreSQL (scripts/pg-test-server.sh)\n");
        return failed + 1;
    }
    failed += cmocka_run_group_tests_name("audit on postgres", on_postgres, NULL, NULL);
    pg_test_stop(&pg);
    return failed;
}
