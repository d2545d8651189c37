/*
 * keys_reencrypt.c — `rampart keys reencrypt`: moves the envelopes in a
 * column of an application's own table (SQLite or PostgreSQL) to the
 * current version of their data key, through rampartd's rewrap endpoint
 * (docs/CRYPTO.md). The plaintext never reaches this process: rampartd
 * decrypts and encrypts again, and the row gets the new envelope.
 *
 * Rows are walked in order of an integer id column, a batch at a time;
 * each row is updated only if its value is still the envelope that was
 * rewrapped (the application may have changed it meanwhile), one
 * transaction per batch. Re-running is safe and resumes cheaply: rows
 * already at the current version are skipped, and --from-id starts past
 * the last id a previous run printed. Identifiers (table, columns) are
 * checked to be plain SQL names and quoted; values are bound parameters.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys_reencrypt.h"
#include "rampart/crypto.h"

#define BATCH_MAX  1000
#define SQL_MAX    512
#define TOKEN_MAX  256
#define ENV_PREFIX "rpe1.%"

typedef struct {
    const char *url, *token_file, *key, *dsn, *table, *column, *id_column;
    int batch;
    long long from_id, max_rows;
} options_t;

/* One open database: SQLite or PostgreSQL. */
typedef struct {
    sqlite3 *lite;
    PGconn *pg;
    char select_sql[SQL_MAX], update_sql[SQL_MAX], count_sql[SQL_MAX];
} db_t;

typedef struct {
    long long id;
    char *value;
} row_t;

static int plain_name(const char *s)
{
    if (!s || !*s || strlen(s) > 63 || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

/* ---- the database --------------------------------------------------------- */

static int db_open(db_t *db, const options_t *o)
{
    int pg = strncmp(o->dsn, "sqlite:", 7) != 0;
    /* $n for PostgreSQL, ?n for SQLite: the same statements otherwise */
    const char *p = pg ? "$" : "?";
    snprintf(db->select_sql, SQL_MAX,
             "SELECT \"%s\", \"%s\" FROM \"%s\" WHERE \"%s\" > %s1 AND \"%s\" LIKE %s2 "
             "ORDER BY \"%s\" LIMIT %s3",
             o->id_column, o->column, o->table, o->id_column, p, o->column, p, o->id_column, p);
    snprintf(db->update_sql, SQL_MAX,
             "UPDATE \"%s\" SET \"%s\" = %s1 WHERE \"%s\" = %s2 AND \"%s\" = %s3", o->table,
             o->column, p, o->id_column, p, o->column, p);
    snprintf(db->count_sql, SQL_MAX, "SELECT count(*) FROM \"%s\" WHERE \"%s\" LIKE %s1", o->table,
             o->column, p);
    if (!pg) {
        if (sqlite3_open_v2(o->dsn + 7, &db->lite, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
            fprintf(stderr, "rampart keys: cannot open %s: %s\n", o->dsn + 7,
                    db->lite ? sqlite3_errmsg(db->lite) : "out of memory");
            return -1;
        }
        sqlite3_busy_timeout(db->lite, 10000);
        return 0;
    }
    const char *conninfo = strncmp(o->dsn, "pg:", 3) == 0 ? o->dsn + 3 : o->dsn;
    db->pg = PQconnectdb(conninfo);
    if (PQstatus(db->pg) != CONNECTION_OK) {
        /* the message names the server, never the connection string */
        fprintf(stderr, "rampart keys: cannot connect to PostgreSQL: %s", PQerrorMessage(db->pg));
        return -1;
    }
    return 0;
}

static void db_close(db_t *db)
{
    if (db->lite)
        sqlite3_close(db->lite);
    if (db->pg)
        PQfinish(db->pg);
}

static long long db_count(db_t *db)
{
    long long n = -1;
    if (db->lite) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->lite, db->count_sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, ENV_PREFIX, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        return n;
    }
    const char *params[] = {ENV_PREFIX};
    PGresult *res = PQexecParams(db->pg, db->count_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        n = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

/* The next batch of rows after `after`; the count, or -1. */
static int db_rows(db_t *db, long long after, int limit, row_t *rows)
{
    int n = 0;
    if (db->lite) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->lite, db->select_sql, -1, &st, NULL) != SQLITE_OK)
            return -1;
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_text(st, 2, ENV_PREFIX, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, limit);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
            rows[n].id = sqlite3_column_int64(st, 0);
            const char *v = (const char *)sqlite3_column_text(st, 1);
            rows[n++].value = strdup(v ? v : "");
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
    }
    char a[24], l[24];
    snprintf(a, sizeof(a), "%lld", after);
    snprintf(l, sizeof(l), "%d", limit);
    const char *params[] = {a, ENV_PREFIX, l};
    PGresult *res = PQexecParams(db->pg, db->select_sql, 3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "rampart keys: %s", PQerrorMessage(db->pg));
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < PQntuples(res) && n < limit; i++) {
        rows[n].id = atoll(PQgetvalue(res, i, 0));
        rows[n++].value = strdup(PQgetvalue(res, i, 1));
    }
    PQclear(res);
    return n;
}

static int db_exec(db_t *db, const char *sql)
{
    if (db->lite)
        return sqlite3_exec(db->lite, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    PGresult *res = PQexec(db->pg, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear(res);
    return rc;
}

/* Replaces old with new in row id if it still holds old; 1 changed, 0 not,
 * -1 error. */
static int db_update(db_t *db, long long id, const char *old, const char *new_value)
{
    if (db->lite) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->lite, db->update_sql, -1, &st, NULL) != SQLITE_OK)
            return -1;
        sqlite3_bind_text(st, 1, new_value, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, id);
        sqlite3_bind_text(st, 3, old, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? sqlite3_changes(db->lite) > 0 : -1;
    }
    char idtext[24];
    snprintf(idtext, sizeof(idtext), "%lld", id);
    const char *params[] = {new_value, idtext, old};
    PGresult *res = PQexecParams(db->pg, db->update_sql, 3, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? atoi(PQcmdTuples(res)) > 0 : -1;
    PQclear(res);
    return rc;
}

/* ---- rampartd --------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
} body_t;

static size_t append(char *data, size_t size, size_t n, void *ctx)
{
    body_t *b = ctx;
    char *more = realloc(b->data, b->len + size * n + 1);
    if (!more)
        return 0;
    memcpy(more + b->len, data, size * n);
    b->len += size * n;
    more[b->len] = '\0';
    b->data = more;
    return size * n;
}

/* POST /api/v1/crypto/rewrap with the values; the parsed answer or NULL. */
static json_t *rewrap(CURL *curl, const options_t *o, const char *token, json_t *values)
{
    char url[1024], auth[TOKEN_MAX + 32];
    snprintf(url, sizeof(url), "%s/api/v1/crypto/rewrap", o->url);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    json_t *req = json_pack("{s:s, s:O}", "key", o->key, "batch", values);
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    body_t body = {NULL, 0};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    free(text);
    json_t *answer = NULL;
    if (rc != CURLE_OK)
        fprintf(stderr, "rampart keys: rampartd did not answer: %s\n", curl_easy_strerror(rc));
    else if (status != 200)
        fprintf(stderr, "rampart keys: rampartd answered %ld: %s\n", status,
                body.data ? body.data : "");
    else
        answer = json_loads(body.data ? body.data : "", 0, NULL);
    free(body.data);
    return answer;
}

/* ---- the job ------------------------------------------------------------------ */

/* The key version an envelope names, 0 when it is not one of this key's. */
static uint32_t envelope_version(const char *text, const char *envelope_id)
{
    uint8_t bin[RP_ENVELOPE_OVERHEAD(RP_ENVELOPE_KEY_ID) + 16];
    size_t len = 0;
    /* only the header matters: decode the first characters */
    size_t chars = strlen(text) < 80 ? strlen(text) : 80;
    chars -= (chars - 5) % 4; /* whole base64 groups after the prefix */
    if (rp_envelope_from_text(text, chars, bin, sizeof(bin), &len) != RP_ENV_OK || len < 10)
        return 0;
    if (memcmp(bin, "RPE", 3) != 0 || bin[5] != strlen(envelope_id) || len < 10u + bin[5] ||
        memcmp(bin + 10, envelope_id, bin[5]) != 0)
        return 0;
    return (uint32_t)bin[6] << 24 | (uint32_t)bin[7] << 16 | (uint32_t)bin[8] << 8 | bin[9];
}

static int run_job(const options_t *o, const char *token, db_t *db, CURL *curl)
{
    char envelope_id[RP_ENVELOPE_KEY_ID + 1];
    snprintf(envelope_id, sizeof(envelope_id), "%s", o->key);
    for (char *c = envelope_id; *c; c++)
        if (*c == '/')
            *c = ':';
    long long total = db_count(db), checked = 0, rewrapped = 0, failed = 0, changed = 0;
    long long after = o->from_id;
    uint32_t current = 0; /* learnt from the first answer */
    row_t *rows = calloc((size_t)o->batch, sizeof(*rows));
    int status = 0;
    printf("reencrypt %s: %lld envelopes in %s.%s\n", o->key, total, o->table, o->column);
    while (rows) {
        long long before = after; /* rows up to here are done */
        int n = db_rows(db, after, o->batch, rows);
        if (n < 0) {
            fprintf(stderr, "rampart keys: cannot read %s\n", o->table);
            status = 1;
            break;
        }
        if (n == 0)
            break;
        json_t *values = json_array();
        int pick[BATCH_MAX], picked = 0;
        for (int i = 0; i < n; i++) {
            uint32_t v = envelope_version(rows[i].value, envelope_id);
            if (v && v != current) {
                pick[picked++] = i;
                json_array_append_new(values, json_string(rows[i].value));
            }
        }
        json_t *answer = picked ? rewrap(curl, o, token, values) : NULL;
        json_decref(values);
        if (picked && !answer) {
            status = 1;
        } else if (picked) {
            current = (uint32_t)json_integer_value(json_object_get(answer, "version"));
            json_t *results = json_object_get(answer, "results");
            if (db_exec(db, "BEGIN") != 0)
                status = 1;
            for (int k = 0; k < picked && !status; k++) {
                const char *fresh = json_string_value(
                    json_object_get(json_array_get(results, (size_t)k), "ciphertext"));
                const row_t *row = &rows[pick[k]];
                if (!fresh) {
                    failed++;
                    continue;
                }
                int u = db_update(db, row->id, row->value, fresh);
                if (u < 0)
                    status = 1;
                else if (u == 0)
                    changed++;
                else
                    rewrapped++;
            }
            if (db_exec(db, status ? "ROLLBACK" : "COMMIT") != 0)
                status = 1;
            json_decref(answer);
        }
        checked += n;
        after = rows[n - 1].id;
        for (int i = 0; i < n; i++)
            free(rows[i].value);
        if (status) {
            if (before == INT64_MIN)
                fprintf(stderr, "rampart keys: stopped; run it again\n");
            else
                fprintf(stderr,
                        "rampart keys: stopped; rows up to id %lld are done, resume with "
                        "--from-id %lld\n",
                        before, before);
            break;
        }
        printf("reencrypt %s: %lld/%lld checked, %lld rewrapped, %lld failed, %lld changed "
               "meanwhile, last id %lld\n",
               o->key, checked, total, rewrapped, failed, changed, after);
        fflush(stdout);
        if (o->max_rows && checked >= o->max_rows)
            break;
    }
    free(rows);
    if (!status)
        printf("reencrypt %s: done: %lld checked, %lld rewrapped to version %u, %lld failed\n",
               o->key, checked, rewrapped, current, failed);
    return status || failed ? 1 : 0;
}

static void usage(FILE *f)
{
    fputs("usage: rampart keys reencrypt --url URL --token-file FILE --key APP/FIELD\n"
          "           --dsn sqlite:PATH|postgresql://...|pg:CONNINFO --table T --column C\n"
          "           [--id-column id] [--batch 500] [--from-id N] [--max-rows N]\n",
          f);
}

static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, TOKEN_MAX + 1);
    if (buf && !fgets(buf, TOKEN_MAX, f))
        buf[0] = '\0';
    fclose(f);
    if (buf)
        buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

int cmd_keys(int argc, char **argv)
{
    options_t o = {.id_column = "id", .batch = 500};
    if (argc < 1 || strcmp(argv[0], "reencrypt") != 0) {
        usage(stderr);
        return 2;
    }
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--url") == 0)
            o.url = v;
        else if (strcmp(a, "--token-file") == 0)
            o.token_file = v;
        else if (strcmp(a, "--key") == 0)
            o.key = v;
        else if (strcmp(a, "--dsn") == 0)
            o.dsn = v;
        else if (strcmp(a, "--table") == 0)
            o.table = v;
        else if (strcmp(a, "--column") == 0)
            o.column = v;
        else if (strcmp(a, "--id-column") == 0)
            o.id_column = v;
        else if (strcmp(a, "--batch") == 0)
            o.batch = atoi(v);
        else if (strcmp(a, "--from-id") == 0)
            o.from_id = atoll(v);
        else if (strcmp(a, "--max-rows") == 0)
            o.max_rows = atoll(v);
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!o.url || !o.token_file || !o.key || !strchr(o.key, '/') ||
        strlen(o.key) > RP_ENVELOPE_KEY_ID || !o.dsn || !plain_name(o.table) ||
        !plain_name(o.column) || !plain_name(o.id_column) || o.batch < 1 || o.batch > BATCH_MAX) {
        fprintf(stderr, "rampart keys: table and columns must be plain SQL names; batch 1-%d\n",
                BATCH_MAX);
        usage(stderr);
        return 2;
    }
    if (o.from_id == 0)
        o.from_id = INT64_MIN;
    char *token = read_token(o.token_file);
    if (!token || !*token) {
        fprintf(stderr, "rampart keys: cannot read the token file %s\n", o.token_file);
        free(token);
        return 2;
    }
    db_t db = {0};
    CURL *curl = curl_easy_init();
    int rc = curl && db_open(&db, &o) == 0 ? run_job(&o, token, &db, curl) : 1;
    db_close(&db);
    if (curl)
        curl_easy_cleanup(curl);
    memset(token, 0, TOKEN_MAX);
    free(token);
    return rc;
}
