/*
 * audit_verify.c — `rampart audit verify`: checks rampartd's audit log
 * away from rampartd, with the public key only.
 *
 *   rampart audit verify [--public-key PEM] DATA_DIR/rampart.db
 *       reads the SQLite store read-only (rampartd may be running); the
 *       key defaults to audit-sm2.pub beside it — give a copy kept
 *       elsewhere to rule out a replaced key.
 *   rampart audit verify --public-key PEM --seals SEALS.json RECORDS.json...
 *       checks an export: RECORDS are bodies of GET /api/v1/audit?order=asc
 *       (pages in order, in one or more files), SEALS the body of
 *       GET /api/v1/audit/seals.
 *
 * --max-unsealed-seconds S also reports records that stayed unsealed
 * longer than S before the newest record (rampartd seals every
 * audit_seal_seconds, at start and at stop; 2 × that + 10 is safe), which
 * is what removing the seals after rewriting the chain leaves.
 *
 * Exit status: 0 intact, 1 tampered (the first bad record's seq and the
 * reason on standard output), 2 cannot check.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_verify.h"
#include "store_sqlite_t.h"

int rampart_audit_main(int argc, char **argv);

static int usage_audit(void)
{
    fputs("usage: rampart audit verify [--public-key PEM] [--max-unsealed-seconds S] "
          "DATA_DIR/rampart.db\n"
          "       rampart audit verify --public-key PEM --seals SEALS.json RECORDS.json...\n",
          stderr);
    return 2;
}

static int verify_db(audit_verifier_t *v, const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "rampart: %s: %s\n", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    /* One read transaction: the seals and the records of one moment. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQ_AUDIT_SEALS_SELECT, -1, &st, NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        store_audit_seal_t seal;
        sq_audit_seal_from(st, &seal);
        if (audit_verifier_seal(v, &seal))
            goto out;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT " SQ_AUDIT_COLUMNS " FROM audit_log ORDER BY seq", -1, &st,
                           NULL) != SQLITE_OK)
        goto out;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        store_audit_row_t row;
        sq_audit_row_from(st, &row);
        if (audit_verifier_record(v, &row))
            break;
    }
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -1;
out:
    if (rc)
        fprintf(stderr, "rampart: %s: %s\n", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int hex_field(json_t *o, const char *key, unsigned char out[AUDIT_HASH_LEN])
{
    return audit_unhex(json_string_value(json_object_get(o, key)), out);
}

static int seal_from_json(json_t *o, store_audit_seal_t *seal)
{
    memset(seal, 0, sizeof(*seal));
    const char *sig = json_string_value(json_object_get(o, "signature"));
    size_t n = sig ? strlen(sig) : 0;
    if (!json_is_integer(json_object_get(o, "seq")) ||
        !json_is_integer(json_object_get(o, "time_ms")) || hex_field(o, "hash", seal->hash) ||
        hex_field(o, "key_id", seal->key_id) || n == 0 || n % 2 || n / 2 > STORE_AUDIT_SIG_MAX)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned int byte;
        if (sscanf(sig + 2 * i, "%2x", &byte) != 1)
            return -1;
        seal->sig[i] = (unsigned char)byte;
    }
    seal->sig_len = n / 2;
    seal->seq = json_integer_value(json_object_get(o, "seq"));
    seal->ts = json_integer_value(json_object_get(o, "time_ms"));
    seal->id = json_integer_value(json_object_get(o, "id"));
    return 0;
}

/* A record of the API's JSON; detail goes back to the compact, key-sorted
 * text rampartd stored (docs/RAMPARTD.md). Returns the detail text to free. */
static int row_from_json(json_t *o, store_audit_row_t *row, char **detail)
{
    memset(row, 0, sizeof(*row));
    const char **texts[] = {&row->actor,  &row->role, &row->client, &row->action,
                            &row->method, &row->path, &row->target, &row->outcome};
    static const char *const names[] = {"actor",  "role", "client", "action",
                                        "method", "path", "target", "outcome"};
    for (size_t i = 0; i < 8; i++)
        if (!(*texts[i] = json_string_value(json_object_get(o, names[i]))))
            return -1;
    json_t *d = json_object_get(o, "detail");
    *detail = d && !json_is_null(d) ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    row->detail = *detail ? *detail : "";
    if (!json_is_integer(json_object_get(o, "seq")) ||
        !json_is_integer(json_object_get(o, "time_ms")) ||
        !json_is_integer(json_object_get(o, "status")) ||
        hex_field(o, "prev_hash", row->prev_hash) || hex_field(o, "hash", row->hash))
        return -1;
    row->seq = json_integer_value(json_object_get(o, "seq"));
    row->ts = json_integer_value(json_object_get(o, "time_ms"));
    row->status = json_integer_value(json_object_get(o, "status"));
    return 0;
}

/* Each JSON document in path, one after another. */
static int each_document(const char *path, int (*fn)(void *ctx, json_t *doc), void *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    int rc = 0;
    for (;;) {
        int c;
        while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
            ;
        if (c == EOF)
            break;
        ungetc(c, f);
        json_error_t jerr;
        json_t *doc = json_loadf(f, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
            fprintf(stderr, "rampart: %s:%d: %s\n", path, jerr.line, jerr.text);
            rc = -1;
            break;
        }
        rc = fn(ctx, doc);
        json_decref(doc);
        if (rc)
            break;
    }
    fclose(f);
    return rc;
}

static int seals_document(void *ctx, json_t *doc)
{
    json_t *list = json_object_get(doc, "seals"), *o;
    size_t i;
    if (!json_is_array(list))
        return fprintf(stderr, "rampart: the seals file has no \"seals\" array\n"), -1;
    json_array_foreach(list, i, o)
    {
        store_audit_seal_t seal;
        if (seal_from_json(o, &seal) || audit_verifier_seal(ctx, &seal))
            return fprintf(stderr, "rampart: seal %zu is malformed\n", i), -1;
    }
    return 0;
}

static int records_document(void *ctx, json_t *doc)
{
    json_t *list = json_object_get(doc, "records"), *o;
    size_t i;
    if (!json_is_array(list))
        return fprintf(stderr, "rampart: a records file has no \"records\" array\n"), -1;
    json_array_foreach(list, i, o)
    {
        store_audit_row_t row;
        char *detail = NULL;
        int bad = row_from_json(o, &row, &detail);
        if (!bad)
            audit_verifier_record(ctx, &row);
        free(detail);
        if (bad)
            return fprintf(stderr, "rampart: record %zu is malformed\n", i), -1;
    }
    return 0;
}

static int report(const audit_verify_result_t *res)
{
    if (!res->ok) {
        printf("audit log TAMPERED: first bad record: seq %" PRId64 ": %s\n", res->bad_seq,
               res->reason);
        return 1;
    }
    printf("audit log ok: %" PRId64 " records (seq %" PRId64 "-%" PRId64 "), %" PRId64
           " seals, last sealed seq %" PRId64 ", %" PRId64 " records after it not sealed yet\n",
           res->records, res->first_seq, res->last_seq, res->seals, res->last_sealed_seq,
           res->unsealed);
    return 0;
}

int rampart_audit_main(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "verify") != 0)
        return usage_audit();
    const char *key_path = NULL, *seals_path = NULL;
    long long max_unsealed_s = 0;
    const char *inputs[64];
    int n_inputs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--public-key") == 0 && i + 1 < argc)
            key_path = argv[++i];
        else if (strcmp(argv[i], "--seals") == 0 && i + 1 < argc)
            seals_path = argv[++i];
        else if (strcmp(argv[i], "--max-unsealed-seconds") == 0 && i + 1 < argc) {
            char *end;
            max_unsealed_s = strtoll(argv[++i], &end, 10);
            if (*end || max_unsealed_s < 1)
                return usage_audit();
        } else if (argv[i][0] != '-' && n_inputs < 64)
            inputs[n_inputs++] = argv[i];
        else
            return usage_audit();
    }
    if (n_inputs == 0 || (!seals_path && n_inputs != 1) || (seals_path && !key_path))
        return usage_audit();
    char default_key[4200];
    if (!key_path) {
        const char *slash = strrchr(inputs[0], '/');
        snprintf(default_key, sizeof(default_key), "%.*s%s",
                 slash ? (int)(slash - inputs[0] + 1) : 0, inputs[0], AUDIT_PUBKEY_FILE);
        key_path = default_key;
    }
    rp_error_t err = {0};
    audit_key_t *key = audit_key_from_public_file(key_path, &err);
    if (!key) {
        fprintf(stderr, "rampart: %s\n", err.reason);
        return 2;
    }
    audit_verifier_t v;
    audit_verifier_init(&v, key);
    v.max_unsealed_ms = max_unsealed_s * 1000;
    int rc = 0;
    if (!seals_path) {
        rc = verify_db(&v, inputs[0]);
    } else {
        rc = each_document(seals_path, seals_document, &v);
        for (int i = 0; rc == 0 && i < n_inputs; i++)
            rc = each_document(inputs[i], records_document, &v);
    }
    int status = rc ? 2 : report(audit_verifier_finish(&v));
    audit_verifier_free(&v);
    audit_key_free(key);
    return status;
}
