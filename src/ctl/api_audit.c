/*
 * api_audit.c — reading the audit log (auditor role): the records with
 * filters, keyset pagination and CSV/JSON export, the verification state,
 * the seals and the public key that checks them. Nothing here or anywhere
 * in the API changes or deletes an audit record.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit_log.h"
#include "audit_verify.h"
#include "csv.h"
#include "timefmt.h"

#define JSON_LIMIT_MAX 1000
#define CSV_LIMIT_MAX  10000

static json_t *hex_json(const unsigned char *h)
{
    char hex[AUDIT_HEX_LEN];
    audit_hex(h, AUDIT_HASH_LEN, hex);
    return json_string(hex);
}

static json_t *time_json(int64_t ms)
{
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(ms, t);
    return json_string(t);
}

typedef struct {
    json_t *list;
    strbuf_t *csv;
    int64_t last_seq;
    int count;
} page_t;

static int add_row(void *ctx, const store_audit_row_t *row)
{
    page_t *p = ctx;
    p->last_seq = row->seq;
    p->count++;
    if (p->list) {
        json_array_append_new(p->list, audit_row_json(row));
        return 0;
    }
    char t[TIME_RFC3339_MAX], prev[AUDIT_HEX_LEN], hash[AUDIT_HEX_LEN];
    time_format_rfc3339(row->ts, t);
    audit_hex(row->prev_hash, AUDIT_HASH_LEN, prev);
    audit_hex(row->hash, AUDIT_HASH_LEN, hash);
    strbuf_t *o = p->csv;
    csv_int(o, row->seq);
    const char *cells[] = {t,           row->actor, row->role,   row->client, row->action,
                           row->method, row->path,  row->target, row->outcome};
    for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
        csv_sep(o);
        csv_text(o, cells[i]);
    }
    csv_sep(o);
    csv_int(o, row->status);
    const char *tail[] = {row->detail, prev, hash};
    for (size_t i = 0; i < 3; i++) {
        csv_sep(o);
        csv_text(o, tail[i]);
    }
    csv_end_row(o);
    return 0;
}

static int param_int(http_req_t *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *v = http_query(r, name);
    if (!v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

static int param_text(http_req_t *r, const char *name, const char **out)
{
    const char *v = http_query(r, name);
    if (v && (!*v || strlen(v) > 256))
        return -1;
    *out = v;
    return 0;
}

enum MHD_Result api_audit_list(http_req_t *r)
{
    store_audit_filter_t f;
    memset(&f, 0, sizeof(f));
    const char *format = http_query(r, "format");
    int csv = format && strcmp(format, "csv") == 0;
    if (format && !csv && strcmp(format, "json") != 0)
        return http_reply_error(r, 400, "bad_request", "format: json or csv");
    const char *order = http_query(r, "order");
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
        return http_reply_error(r, 400, "bad_request", "order: asc or desc");
    f.ascending = order && strcmp(order, "asc") == 0;
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    if ((from && time_parse_param(from, &f.from)) || (to && time_parse_param(to, &f.to)))
        return http_reply_error(r, 400, "bad_request",
                                "from/to: an RFC 3339 time or ms since the epoch");
    int64_t limit = csv ? 1000 : 100, cursor = 0;
    if (param_int(r, "limit", 1, csv ? CSV_LIMIT_MAX : JSON_LIMIT_MAX, &limit))
        return http_reply_error(r, 400, "bad_request",
                                csv ? "limit: 1-10000 for CSV" : "limit: 1-1000");
    if (param_int(r, "cursor", 0, INT64_MAX, &cursor))
        return http_reply_error(r, 400, "bad_request", "cursor: the next_cursor of a page");
    if (param_text(r, "actor", &f.actor) || param_text(r, "action", &f.action) ||
        param_text(r, "outcome", &f.outcome) || param_text(r, "client", &f.client) ||
        param_text(r, "target", &f.target))
        return http_reply_error(r, 400, "bad_request",
                                "actor, action, outcome, client, target: 1-256 bytes");
    if (http_query(r, "cursor")) {
        if (f.ascending)
            f.after_seq = cursor;
        else
            f.before_seq = cursor;
    }
    f.limit = (int)limit;
    page_t page = {0};
    strbuf_t out;
    strbuf_init(&out, 0);
    if (csv) {
        page.csv = &out;
        strbuf_puts(&out, "seq,time,actor,role,client,action,method,path,target,outcome,status,"
                          "detail,prev_hash,hash\r\n");
    } else {
        page.list = json_array();
    }
    int rc = r->ctl->store->ops->audit_query(r->ctl->store, &f, add_row, &page);
    if (rc != STORE_OK) {
        json_decref(page.list);
        strbuf_free(&out);
        return api_store_error(r, rc);
    }
    char next[24] = "";
    if (page.count == f.limit)
        snprintf(next, sizeof(next), "%" PRId64, page.last_seq);
    if (csv) {
        if (next[0])
            http_add_header(r, "X-Next-Cursor", next);
        size_t len;
        char *text = strbuf_take(&out, &len);
        if (!text)
            return http_reply_error(r, 500, "internal", "out of memory");
        http_add_header(r, "Content-Disposition", "attachment; filename=\"audit.csv\"");
        return http_reply(r, 200, "text/csv; charset=utf-8", text, len);
    }
    return http_reply_json(r, 200,
                           json_pack("{s:o, s:i, s:o}", "records", page.list, "count", page.count,
                                     "next_cursor", next[0] ? json_string(next) : json_null()));
}

static int add_seal_to_verifier(void *ctx, const store_audit_seal_t *seal)
{
    return audit_verifier_seal(ctx, seal) ? 1 : 0;
}

static int add_record_to_verifier(void *ctx, const store_audit_row_t *row)
{
    return audit_verifier_record(ctx, row);
}

enum MHD_Result api_audit_verify(http_req_t *r)
{
    store_t *s = r->ctl->store;
    audit_verifier_t v;
    audit_verifier_init(&v, audit_log_key(r->ctl->audit));
    /* The timer seals every audit_seal_seconds: twice that and some slack
     * is the oldest an unsealed record can honestly be. */
    v.max_unsealed_ms = (2 * (int64_t)r->cfg->audit_seal_seconds + 10) * 1000;
    v.now_ms = time_now_ms();
    store_audit_filter_t f = {.ascending = 1};
    int rc = s->ops->audit_seals(s, add_seal_to_verifier, &v);
    if (rc == STORE_OK)
        rc = s->ops->audit_query(s, &f, add_record_to_verifier, &v);
    if (rc != STORE_OK) {
        audit_verifier_free(&v);
        return api_store_error(r, rc);
    }
    const audit_verify_result_t *res = audit_verifier_finish(&v);
    unsigned char key_id[AUDIT_HASH_LEN];
    audit_key_id(audit_log_key(r->ctl->audit), key_id);
    json_t *o = json_pack(
        "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "ok", res->ok, "records",
        (json_int_t)res->records, "seals", (json_int_t)res->seals, "first_seq",
        (json_int_t)res->first_seq, "last_seq", (json_int_t)res->last_seq, "last_sealed_seq",
        (json_int_t)res->last_sealed_seq, "unsealed", (json_int_t)res->unsealed, "verified_at",
        time_json(time_now_ms()), "public_key_id", hex_json(key_id), "first_bad",
        res->ok ? json_null()
                : json_pack("{s:I, s:s}", "seq", (json_int_t)res->bad_seq, "reason", res->reason));
    audit_verifier_free(&v);
    return http_reply_json(r, 200, o);
}

enum MHD_Result api_audit_public_key(http_req_t *r)
{
    const audit_key_t *key = audit_log_key(r->ctl->audit);
    strbuf_t pem;
    strbuf_init(&pem, 0);
    if (audit_key_public_pem(key, &pem)) {
        strbuf_free(&pem);
        return http_reply_error(r, 500, "internal", "cannot export the public key");
    }
    const char *format = http_query(r, "format");
    if (format && strcmp(format, "pem") == 0) {
        size_t len;
        char *text = strbuf_take(&pem, &len);
        if (!text)
            return http_reply_error(r, 500, "internal", "out of memory");
        return http_reply(r, 200, "application/x-pem-file", text, len);
    }
    unsigned char id[AUDIT_HASH_LEN];
    audit_key_id(key, id);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:o, s:s}", "algorithm", "SM2", "hash", "SM3",
                  "distinguishing_id", AUDIT_SM2_ID, "key_id", hex_json(id), "pem", pem.data);
    strbuf_free(&pem);
    return http_reply_json(r, 200, o);
}

static int add_seal(void *ctx, const store_audit_seal_t *seal)
{
    char sig[2 * STORE_AUDIT_SIG_MAX + 1];
    audit_hex(seal->sig, seal->sig_len, sig);
    json_array_append_new(ctx, json_pack("{s:I, s:I, s:o, s:I, s:o, s:o, s:s}", "id",
                                         (json_int_t)seal->id, "seq", (json_int_t)seal->seq, "time",
                                         time_json(seal->ts), "time_ms", (json_int_t)seal->ts,
                                         "hash", hex_json(seal->hash), "key_id",
                                         hex_json(seal->key_id), "signature", sig));
    return 0;
}

enum MHD_Result api_audit_seals(http_req_t *r)
{
    json_t *list = json_array();
    int rc = r->ctl->store->ops->audit_seals(r->ctl->store, add_seal, list);
    if (rc != STORE_OK) {
        json_decref(list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "seals", list));
}
