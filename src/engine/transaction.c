/*
 * transaction.c — the life cycle of one HTTP exchange through the engine.
 *
 * The host feeds the request as it arrives (line, headers, body chunks);
 * values are inspected as soon as they are complete, so a verdict can come
 * before the body ends and nothing needs buffering beyond the value at
 * hand. The response side is a pass-through today: later protections
 * (masking, field decryption) rewrite there, and say so by not declining
 * in rp_tx_response_headers_done.
 *
 * A blocked transaction stays blocked: later calls return RP_BLOCK again
 * and do no work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body_xml.h"
#include "normalize.h"
#include "rampart/collections.h"
#include "rules.h"
#include "transform.h"
#include "tx_t.h"
#include "urldecode.h"

/* Arena headroom beyond the body limit, for names, paths and events. */
#define TX_ARENA_SLACK (8u * 1024 * 1024)

static bool blocked(const rp_tx_t *tx)
{
    return tx->blocking && tx->mode == RP_MODE_BLOCK;
}

static rp_status_t verdict_status(const rp_tx_t *tx)
{
    return blocked(tx) ? RP_BLOCK : RP_OK;
}

rp_tx_t *rp_tx_new(rp_policy_t *policy)
{
    size_t cap = policy->limits.body;
    cap = cap > (SIZE_MAX - TX_ARENA_SLACK) / 2 ? SIZE_MAX : cap * 2 + TX_ARENA_SLACK;
    rp_arena_t *a = rp_arena_new(8192, cap);
    if (!a)
        return NULL;
    rp_tx_t *tx = rp_arena_calloc(a, sizeof(*tx));
    if (!tx) {
        rp_arena_free(a);
        return NULL;
    }
    tx->arena = a;
    tx->policy = rp_policy_ref(policy);
    tx->mode = policy->mode;
    tx->content_length = -1;
    tx->client_addr[0] = '\0';
    clock_gettime(CLOCK_REALTIME, &tx->started);
    if (policy->rules && !(tx->rules = rl_state_new(tx, policy->rules))) {
        rp_tx_free(tx);
        return NULL;
    }
    return tx;
}

void rp_tx_free(rp_tx_t *tx)
{
    if (!tx)
        return;
    if (tx->body && tx->body_kind == BODY_XML)
        rp_body_xml_abort(tx->body);
    rp_tx_mask_free(tx);
    rp_tx_fieldenc_free(tx);
    rp_policy_unref(tx->policy);
    rp_arena_free(tx->arena);
}

void rp_tx_set_request_id(rp_tx_t *tx, const char *id, size_t len)
{
    if (len > 128)
        len = 128;
    tx->request_id = rp_arena_strndup(tx->arena, id, len);
}

void rp_tx_set_app(rp_tx_t *tx, const char *app, size_t len)
{
    if (len > 128)
        len = 128;
    tx->app = rp_arena_strndup(tx->arena, app, len);
}

void rp_tx_set_collections(rp_tx_t *tx, rp_collections_t *c)
{
    tx->collections = c;
}

void rp_tx_set_mode(rp_tx_t *tx, rp_mode_t mode)
{
    tx->mode = mode;
}

void rp_tx_set_protection(rp_tx_t *tx, rp_protection_t protection, rp_mode_t mode)
{
    if ((unsigned)protection >= RP_PROTECTION_COUNT)
        return;
    tx->protection[protection] = (uint8_t)mode;
    if (mode == RP_MODE_DETECT)
        tx->protection_detect = true;
}

const char *rp_tx_request_id(const rp_tx_t *tx)
{
    if (!tx->request_id) {
        /* Generated lazily: hosts usually bring their own. */
        unsigned char raw[16];
        arc4random_buf(raw, sizeof(raw));
        char *id = rp_arena_alloc(tx->arena, 33);
        if (!id)
            return "";
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++) {
            id[2 * i] = hex[raw[i] >> 4];
            id[2 * i + 1] = hex[raw[i] & 15];
        }
        id[32] = '\0';
        ((rp_tx_t *)tx)->request_id = id;
    }
    return tx->request_id;
}

rp_status_t rp_tx_connection(rp_tx_t *tx, const char *client_addr, size_t client_addr_len,
                             uint16_t client_port, const char *server_addr, size_t server_addr_len,
                             uint16_t server_port)
{
    if (tx->rules) {
        rl_state_t *st = tx->rules;
        size_t n = server_addr_len < sizeof(st->server_addr) ? server_addr_len
                                                             : sizeof(st->server_addr) - 1;
        if (n)
            memcpy(st->server_addr, server_addr, n);
        st->server_addr[n] = '\0';
        st->server_port = server_port;
    }
    if (client_addr_len >= sizeof(tx->client_addr))
        client_addr_len = sizeof(tx->client_addr) - 1;
    if (client_addr_len)
        memcpy(tx->client_addr, client_addr, client_addr_len);
    tx->client_addr[client_addr_len] = '\0';
    tx->client_port = client_port;
    return RP_OK;
}

static void limit_match(rp_tx_t *tx, const char *what, int status)
{
    rp_tx_add_match(tx, "limit", "limit", what, "limit exceeded", "", 5, true, status);
}

rp_status_t rp_tx_request_line(rp_tx_t *tx, const char *method, size_t method_len, const char *uri,
                               size_t uri_len, const char *protocol, size_t protocol_len)
{
    tx->state = TX_REQUEST_LINE;
    tx->method = rp_arena_strndup(tx->arena, method, method_len > 32 ? 32 : method_len);
    tx->protocol = rp_arena_strndup(tx->arena, protocol, protocol_len > 16 ? 16 : protocol_len);
    if (uri_len > tx->policy->limits.uri_size) {
        limit_match(tx, "uri_size", 414);
        uri_len = tx->policy->limits.uri_size;
    }
    tx->uri = rp_arena_strndup(tx->arena, uri, uri_len);
    if (!tx->method || !tx->protocol || !tx->uri)
        return RP_NOMEM;
    return verdict_status(tx);
}

static bool header_is(const char *name, size_t len, const char *lower)
{
    return strlen(lower) == len && strncasecmp(name, lower, len) == 0;
}

static bool header_skipped(const rp_policy_t *p, const char *name, size_t len)
{
    /* names are stored lower-case: the first byte rules out most before
     * the comparison is called */
    unsigned char first = len ? (unsigned char)name[0] : 0;
    if (first >= 'A' && first <= 'Z')
        first += 'a' - 'A';
    for (size_t i = 0; i < p->nskip_headers; i++)
        if (p->skip_header_len[i] == len && (unsigned char)p->skip_headers[i][0] == first &&
            strncasecmp(name, p->skip_headers[i], len) == 0)
            return true;
    /* Fetch metadata and client hints: browser-generated, fixed grammar. */
    return len > 4 && strncasecmp(name, "sec-", 4) == 0;
}

/* Keep a field for the SecLang rules, in the collection ModSecurity puts
 * it in. */
static int rules_field(rp_tx_t *tx, rp_source_t src, const char *name, size_t name_len,
                       const char *value, size_t value_len, unsigned flags)
{
    rl_state_t *st = tx->rules;
    switch (src) {
    case RP_SRC_QUERY:
    case RP_SRC_FORM:
        if (flags & RP_ARG_BAD_ENCODING)
            st->multipart_flags |= 1u << 31; /* URLENCODED_ERROR */
        return rl_list_add(st, src == RP_SRC_QUERY ? &st->args_get : &st->args_post, name, name_len,
                           value, value_len);
    case RP_SRC_MULTIPART:
        if (flags & RP_FIELD_PART_HEADER) /* "Content-Type: text/plain", by part name */
            return rl_list_add(st, &st->part_headers, name, name_len, value, value_len);
        return rl_list_add(st, &st->args_post, name, name_len, value, value_len);
    case RP_SRC_JSON: {
        if (flags & RP_FIELD_KEY_ONLY)
            return 0;
        /* ModSecurity v3 names JSON arguments json.a.b */
        char *full = rp_arena_alloc(tx->arena, name_len + 6);
        if (!full)
            return -1;
        memcpy(full, "json", 4);
        size_t n = 4;
        if (name_len) {
            full[n++] = '.';
            memcpy(full + n, name, name_len);
            n += name_len;
        }
        return rl_list_add(st, &st->args_post, full, n, value, value_len);
    }
    case RP_SRC_XML:
        if (flags & RP_FIELD_ENTITY_DECL)
            return 0;
        return rl_list_add(st, &st->xml, name, name_len, value, value_len);
    case RP_SRC_FILENAME:
        return rl_list_add(st, &st->files, name, name_len, value, value_len);
    case RP_SRC_FILE:
        if (flags & RP_FIELD_FILE_SIZE) {
            /* the processor's own decimal, so strtoull cannot misread it */
            st->files_combined_size += (size_t)strtoull(value, NULL, 10);
            return rl_list_add(st, &st->files_sizes, name, name_len, value, value_len);
        }
        return 0;
    case RP_SRC_COOKIE:
        return rl_list_add(st, &st->cookies, name, name_len, value, value_len);
    default:
        return 0;
    }
}

static rp_status_t inspect_field(void *ctx, rp_source_t src, const char *name, size_t name_len,
                                 const char *value, size_t value_len, unsigned flags)
{
    rp_tx_t *tx = ctx;
    if (tx->rules && rules_field(tx, src, name, name_len, value, value_len, flags) < 0)
        return RP_NOMEM;
    if (tx->abuse_login)
        rp_tx_abuse_field(tx, src, name, name_len, value, value_len);
    if (tx->discover)
        rp_tx_discover_field(tx, src, name, name_len, value, value_len);
    if (flags & (RP_FIELD_PART_HEADER | RP_FIELD_FILE_SIZE))
        return RP_OK; /* multipart metadata, for the rules only */
    return rp_inspect_value(ctx, src, name, name_len, value, value_len, flags);
}

rp_status_t rp_tx_request_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                                 size_t value_len)
{
    const rp_policy_t *p = tx->policy;
    tx->state = TX_HEADERS;
    if (p->discover)
        rp_tx_discover_header(tx, name, name_len, value, value_len);
    if (blocked(tx) || tx->mode == RP_MODE_OFF)
        return verdict_status(tx);
    if (++tx->nheaders > p->limits.headers) {
        if (tx->nheaders == p->limits.headers + 1)
            limit_match(tx, "headers", 431);
        return verdict_status(tx);
    }
    if (name_len + value_len > p->limits.header_size) {
        limit_match(tx, rp_target_name(tx, RP_SRC_HEADER, name, name_len), 431);
        return verdict_status(tx);
    }
    if (tx->rules &&
        rl_list_add(tx->rules, &tx->rules->headers, name, name_len, value, value_len) < 0)
        return RP_NOMEM;
    if ((p->openapi || p->nratelimits || p->bot || p->abuse) &&
        rp_tx_api_header(tx, name, name_len, value, value_len) != RP_OK)
        return RP_NOMEM;
    /* The headers the engine itself reads, told apart by length first: a
     * request has a dozen headers and each would otherwise be compared
     * with all six names. */
    switch (name_len) {
    case 4:
        if (header_is(name, name_len, "host"))
            tx->host = rp_arena_strndup(tx->arena, value, value_len > 255 ? 255 : value_len);
        break;
    case 6:
        if (header_is(name, name_len, "cookie")) {
            rp_status_t rc = rp_cookies_split(tx->arena, value, value_len, inspect_field, tx);
            if (rc == RP_NOMEM)
                return rc;
            return verdict_status(tx);
        }
        break;
    case 10:
        if (header_is(name, name_len, "user-agent"))
            tx->user_agent = rp_arena_strndup(tx->arena, value, value_len > 256 ? 256 : value_len);
        break;
    case 12:
        if (header_is(name, name_len, "content-type"))
            tx->content_type = rp_arena_strndup(tx->arena, value, value_len);
        break;
    case 14:
        if (header_is(name, name_len, "content-length")) {
            char *end;
            char buf[24];
            size_t n = value_len < sizeof(buf) - 1 ? value_len : sizeof(buf) - 1;
            memcpy(buf, value, n);
            buf[n] = '\0';
            long long v = strtoll(buf, &end, 10);
            tx->content_length = (*end == '\0' && v >= 0) ? v : -1;
        }
        break;
    case 17:
        if (header_is(name, name_len, "transfer-encoding"))
            tx->chunked = value_len > 0;
        break;
    }
    if (header_skipped(p, name, name_len))
        return RP_OK;
    unsigned flags = rp_utf8_check(value, value_len);
    if (memchr(value, '\0', value_len))
        flags |= RP_ARG_NUL;
    return rp_inspect_value(tx, RP_SRC_HEADER, name, name_len, value, value_len, flags);
}

/* Query arguments go through the form processor: same grammar, same
 * decoding, so query and body can never be decoded differently. */
static rp_status_t query_field(void *ctx, rp_source_t src, const char *name, size_t name_len,
                               const char *value, size_t value_len, unsigned flags)
{
    (void)src;
    return inspect_field(ctx, RP_SRC_QUERY, name, name_len, value, value_len, flags);
}

static rp_body_limits_t body_limits(const rp_policy_t *p, size_t depth, size_t fields)
{
    return (rp_body_limits_t){
        .max_depth = depth,
        .max_fields = fields,
        .max_field_size = p->limits.field_size,
        .max_name_size = 4096,
    };
}

/* The request-line variables of the SecLang rules: REQUEST_LINE,
 * REQUEST_FILENAME (the path, percent-decoded, dot segments kept as
 * ModSecurity v3 does), REQUEST_BASENAME and QUERY_STRING. */
static int rules_request_line(rp_tx_t *tx)
{
    rl_state_t *st = tx->rules;
    const char *uri = tx->uri;
    size_t len = strlen(uri);
    const char *q = memchr(uri, '?', len);
    size_t path_len = q ? (size_t)(q - uri) : len;
    char *path = rp_arena_alloc(tx->arena, path_len + 1);
    if (!path)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < path_len; i++) {
        int hi, lo;
        if (uri[i] == '%' && i + 2 < path_len && (hi = rp_tf_hex((unsigned char)uri[i + 1])) >= 0 &&
            (lo = rp_tf_hex((unsigned char)uri[i + 2])) >= 0) {
            path[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            path[n++] = uri[i];
        }
    }
    path[n] = '\0';
    st->request_filename = path;
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/' || path[i] == '\\')
            slash = path + i;
    st->request_basename = slash ? slash + 1 : path;
    st->query_string = q ? q + 1 : NULL;
    size_t ml = strlen(tx->method), pl = strlen(tx->protocol);
    char *line = rp_arena_alloc(tx->arena, ml + len + pl + 3);
    if (!line)
        return -1;
    memcpy(line, tx->method, ml);
    line[ml] = ' ';
    memcpy(line + ml + 1, uri, len);
    line[ml + 1 + len] = ' ';
    memcpy(line + ml + 2 + len, tx->protocol, pl);
    line[ml + len + pl + 2] = '\0';
    st->request_line = line;
    return 0;
}

static rp_status_t inspect_path_and_query(rp_tx_t *tx)
{
    const char *uri = tx->uri;
    size_t len = strlen(uri);
    const char *q = memchr(uri, '?', len);
    size_t path_len = q ? (size_t)(q - uri) : len;
    char *path = rp_arena_alloc(tx->arena, path_len + 2);
    if (!path)
        return RP_NOMEM;
    unsigned flags = 0;
    bool above_root = false;
    size_t n = rp_path_normalize(path, uri, path_len, &flags, &above_root);
    tx->path = path;
    if (tx->policy->discover)
        rp_tx_discover_start(tx);
    if (above_root && tx->policy->anomaly[RP_ANOM_PATH_TRAVERSAL] != RP_ANOMALY_IGNORE) {
        bool blocks = tx->policy->anomaly[RP_ANOM_PATH_TRAVERSAL] == RP_ANOMALY_BLOCK;
        rp_tx_add_match(tx, "protocol", "protocol", "path",
                        rp_anomaly_names[RP_ANOM_PATH_TRAVERSAL], "", blocks ? 5 : 0, blocks, 0);
    }
    /* flags already hold the UTF-8 verdict on the decoded path: resolving
     * dot segments only drops whole segments between ASCII '/'. */
    rp_status_t rc = rp_inspect_value(tx, RP_SRC_PATH, "", 0, path, n, flags);
    if (rc != RP_OK || !q)
        return rc;
    rp_body_limits_t lim = body_limits(tx->policy, 1, tx->policy->limits.args);
    rp_body_proc_t *form = rp_body_form_new(tx->arena, &lim, query_field, tx);
    if (!form)
        return RP_NOMEM;
    rc = form->feed(form, q + 1, len - path_len - 1);
    if (rc == RP_OK)
        rc = form->finish(form);
    if (rc == RP_LIMIT)
        limit_match(tx, "args", 0);
    return rc == RP_NOMEM ? rc : verdict_status(tx);
}

static bool media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return strncasecmp(ct, type, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* "+json"/"+xml" structured syntax suffixes (RFC 6839). */
static bool media_suffix_is(const char *ct, const char *suffix)
{
    size_t end = strcspn(ct, "; \t");
    size_t n = strlen(suffix);
    return end >= n && strncasecmp(ct + end - n, suffix, n) == 0;
}

static void choose_body_kind(rp_tx_t *tx)
{
    const char *ct = tx->content_type;
    if (!ct || !*ct || media_type_is(ct, "text/plain")) {
        /* No declared grammar: many frameworks parse JSON or forms
         * regardless, so an undeclared body is guessed, not skipped. */
        tx->body_sniff = true;
        return;
    }
    if (media_type_is(ct, "application/x-www-form-urlencoded"))
        tx->body_kind = BODY_FORM;
    else if (media_type_is(ct, "multipart/form-data"))
        tx->body_kind = BODY_MULTIPART;
    else if (media_type_is(ct, "application/json") || media_suffix_is(ct, "+json"))
        tx->body_kind = BODY_JSON;
    else if (media_type_is(ct, "application/xml") || media_type_is(ct, "text/xml") ||
             media_suffix_is(ct, "+xml"))
        tx->body_kind = BODY_XML;
}

rp_status_t rp_tx_request_headers_done(rp_tx_t *tx)
{
    if (tx->mode == RP_MODE_OFF)
        return RP_DECLINED;
    if (!tx->uri)
        return RP_ERROR;
    rp_status_t rc = inspect_path_and_query(tx);
    if (rc == RP_NOMEM)
        return rc;
    if (blocked(tx))
        return RP_BLOCK;
    tx->state = TX_BODY;
    bool has_body = tx->content_length > 0 || tx->chunked;
    bool api_body = tx->policy->openapi && rp_tx_protection_on(tx, RP_PROTECTION_OPENAPI) &&
                    rp_tx_api_head(tx, has_body);
    if (blocked(tx))
        return RP_BLOCK;
    if (tx->policy->reputation_deny && rp_tx_reputation(tx) == RP_NOMEM)
        return RP_NOMEM;
    if (blocked(tx))
        return RP_BLOCK;
    if (tx->policy->geo && rp_tx_geo(tx) == RP_NOMEM)
        return RP_NOMEM;
    if (blocked(tx))
        return RP_BLOCK;
    if (tx->policy->nratelimits && rp_tx_protection_on(tx, RP_PROTECTION_RATELIMIT) &&
        rp_tx_ratelimits(tx) == RP_NOMEM)
        return RP_NOMEM;
    if (blocked(tx))
        return RP_BLOCK;
    if (tx->policy->bot && rp_tx_protection_on(tx, RP_PROTECTION_BOT) && rp_tx_bot(tx) == RP_NOMEM)
        return RP_NOMEM;
    if (blocked(tx))
        return RP_BLOCK;
    if (tx->policy->abuse && rp_tx_protection_on(tx, RP_PROTECTION_RATELIMIT) &&
        rp_tx_abuse_head(tx) == RP_NOMEM)
        return RP_NOMEM;
    if (blocked(tx))
        return RP_BLOCK;
    if (has_body || tx->rules)
        choose_body_kind(tx); /* REQBODY_PROCESSOR is known in phase 1 */
    if (tx->rules) {
        if (rules_request_line(tx) < 0)
            return RP_NOMEM;
        rl_run_phase(tx->rules, 1);
        if (blocked(tx))
            return RP_BLOCK;
    }
    if (!has_body)
        return RP_DECLINED;
    if (api_body)
        return RP_OK; /* the spec's schema wants the bytes */
    if (tx->rules && tx->rules->body_processor) {
        /* ctl:requestBodyProcessor decides the grammar */
        static const body_kind_t kinds[] = {BODY_NONE, BODY_FORM, BODY_MULTIPART, BODY_XML,
                                            BODY_JSON};
        tx->body_kind = kinds[tx->rules->body_processor];
        tx->body_sniff = false;
    }
    if (tx->rules && tx->rules->rs->needs_request_body)
        return RP_OK; /* REQUEST_BODY wants the bytes whatever the grammar */
    if (tx->body_kind == BODY_NONE && !tx->body_sniff)
        return RP_DECLINED;
    return RP_OK;
}

static rp_status_t start_body(rp_tx_t *tx)
{
    const rp_policy_t *p = tx->policy;
    rp_body_limits_t lim;
    switch (tx->body_kind) {
    case BODY_FORM:
        lim = body_limits(p, 1, p->limits.args);
        tx->body = rp_body_form_new(tx->arena, &lim, inspect_field, tx);
        break;
    case BODY_MULTIPART: {
        const char *b;
        size_t blen;
        const char *ct = tx->content_type ? tx->content_type : "";
        if (rp_multipart_boundary(ct, strlen(ct), &b, &blen) != RP_OK) {
            tx->body_failed = true;
            return RP_ERROR;
        }
        lim = body_limits(p, 1, p->limits.multipart_parts);
        tx->body = rp_body_multipart_new(tx->arena, &lim, b, blen, inspect_field, tx);
        if (tx->body && tx->rules) {
            /* MULTIPART_PART_HEADERS, FILES_SIZES, MULTIPART_BOUNDARY_QUOTED */
            rp_body_multipart_meta(tx->body);
            if (b > ct && b[-1] == '"')
                tx->rules->multipart_flags |=
                    1u << (RV_MULTIPART_BOUNDARY_QUOTED - RV_MULTIPART_STRICT_ERROR);
        }
        break;
    }
    case BODY_JSON:
        lim = body_limits(p, p->limits.json_depth, p->limits.args);
        tx->body = rp_body_json_new(tx->arena, &lim, inspect_field, tx);
        break;
    case BODY_XML:
        lim = body_limits(p, p->limits.xml_depth, p->limits.args);
        tx->body = rp_body_xml_new(tx->arena, &lim, inspect_field, tx);
        break;
    case BODY_NONE:
        return RP_DECLINED;
    }
    return tx->body ? RP_OK : RP_NOMEM;
}

/* Pick a processor for an undeclared body from its first visible byte. */
static void sniff_body(rp_tx_t *tx, const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i == len)
        return; /* still only blanks: decide on a later chunk */
    tx->body_sniff = false;
    if (data[i] == '{' || data[i] == '[')
        tx->body_kind = BODY_JSON;
    else if (data[i] == '<')
        tx->body_kind = BODY_XML;
    else
        tx->body_kind = BODY_FORM;
    tx->body_sniffed = true;
}

/* What a processor's failure means depends on whether the client declared
 * the grammar: a declared grammar that does not parse is an evasion risk
 * (parser differential); a guessed one that does not parse is just not
 * that grammar. */
static rp_status_t body_result(rp_tx_t *tx, rp_status_t rc)
{
    if (rc == RP_OK || rc == RP_BLOCK)
        return verdict_status(tx);
    if (rc == RP_NOMEM) {
        limit_match(tx, "memory", 413);
        tx->body_failed = true;
        return verdict_status(tx);
    }
    tx->body_failed = true;
    if (tx->body_sniffed)
        return verdict_status(tx);
    const char *reason = tx->body && tx->body->reason ? tx->body->reason : "unparseable body";
    if (rc == RP_LIMIT) {
        rp_tx_add_match(tx, "limit", "limit", "body", reason, "", 5, true, 0);
    } else {
        rp_anomaly_action_t act = tx->policy->anomaly[RP_ANOM_BODY_MALFORMED];
        if (act != RP_ANOMALY_IGNORE)
            rp_tx_add_match(tx, "protocol", "protocol", "body",
                            rp_anomaly_names[RP_ANOM_BODY_MALFORMED], reason,
                            act == RP_ANOMALY_BLOCK ? 5 : 0, act == RP_ANOMALY_BLOCK, 0);
    }
    return verdict_status(tx);
}

rp_status_t rp_tx_request_body(rp_tx_t *tx, const void *data, size_t len)
{
    if (blocked(tx))
        return RP_BLOCK;
    /* field encryption sees every byte, whatever the WAF's mode and limits */
    if (tx->fieldenc && rp_tx_fieldenc_feed(tx, data, len) == RP_BLOCK)
        return RP_BLOCK;
    const rp_policy_t *p = tx->policy;
    if (tx->api_body && tx->mode != RP_MODE_OFF) {
        /* buffered whatever the body processor thinks of it: a body the
         * processor gives up on still has to fit the schema */
        if (tx->api_buf.len + len > p->limits.body)
            tx->api_body = false; /* the body limit's own match decides */
        else if (rp_tx_api_body(tx, data, len) != RP_OK)
            return RP_NOMEM;
        if (blocked(tx))
            return RP_BLOCK;
    }
    if (tx->mode == RP_MODE_OFF || tx->body_failed || tx->body_truncated || len == 0)
        return RP_OK;
    tx->state = TX_BODY;
    if (tx->body_bytes + len > p->limits.body || tx->body_bytes + len < tx->body_bytes) {
        if (p->body_limit_action == RP_BODY_LIMIT_REJECT) {
            limit_match(tx, "body", 413);
            tx->body_failed = true;
            return verdict_status(tx);
        }
        /* pass: inspect what fits, let the rest through uninspected. */
        len = p->limits.body - tx->body_bytes;
        tx->body_truncated = true;
        rp_tx_add_match(tx, "limit", "limit", "body", "body inspected in part", "", 0, false, 0);
    }
    tx->body_bytes += len;
    if (tx->rules && tx->rules->rs->needs_request_body &&
        rp_abuf_append(&tx->rules->request_body, data, len) < 0)
        return RP_NOMEM;
    if (tx->body_sniff) {
        sniff_body(tx, data, len);
        if (tx->body_sniff)
            return RP_OK;
    }
    if (!tx->body) {
        rp_status_t rc = start_body(tx);
        if (rc == RP_DECLINED)
            return RP_OK;
        if (rc != RP_OK)
            return body_result(tx, rc);
    }
    return body_result(tx, tx->body->feed(tx->body, data, len));
}

/* The multipart processor's RP_MP_* flags as the MULTIPART_* variables'
 * bits (rl_state_t.multipart_flags). */
static unsigned multipart_rule_flags(unsigned mp)
{
    static const struct {
        unsigned mp;
        rv_id_t var;
    } map[] = {
        {RP_MP_DATA_BEFORE, RV_MULTIPART_DATA_BEFORE},
        {RP_MP_DATA_AFTER, RV_MULTIPART_DATA_AFTER},
        {RP_MP_HEADER_FOLDING, RV_MULTIPART_HEADER_FOLDING},
        {RP_MP_LF_LINE, RV_MULTIPART_LF_LINE},
        {RP_MP_CRLF_LF_LINES, RV_MULTIPART_CRLF_LF_LINES},
        {RP_MP_INVALID_QUOTING, RV_MULTIPART_INVALID_QUOTING},
        {RP_MP_INVALID_PART, RV_MULTIPART_INVALID_PART},
        {RP_MP_UNMATCHED_BOUNDARY, RV_MULTIPART_UNMATCHED_BOUNDARY},
    };
    unsigned bits = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (mp & map[i].mp)
            bits |= 1u << (map[i].var - RV_MULTIPART_STRICT_ERROR);
    return bits;
}

static void build_verdict(rp_tx_t *tx)
{
    rp_verdict_t *v = &tx->verdict;
    v->matches = tx->matches;
    v->nmatches = tx->nmatches;
    v->score = 0;
    v->category = NULL;
    for (size_t i = 0; i < tx->nmatches; i++) {
        v->score += tx->matches[i].score;
        if (!v->category && tx->matches[i].score > 0)
            v->category = tx->matches[i].category;
    }
    if (blocked(tx) || tx->host_refused) {
        v->action = RP_ACTION_BLOCK;
        v->status = tx->block_status;
        v->retry_after = v->status == 429 && tx->retry_after_us
                             ? (unsigned)((tx->retry_after_us + 999999) / 1000000)
                             : 0;
        v->detect_only = false;
        if (tx->redirect && !tx->host_refused) {
            v->action = RP_ACTION_REDIRECT;
            v->location = tx->redirect;
        }
        if (tx->bot_page && !tx->host_refused)
            v->action = RP_ACTION_CHALLENGE;
    } else {
        v->action = RP_ACTION_ALLOW;
        v->status = 0;
        v->detect_only = tx->blocking;
    }
}

rp_status_t rp_tx_request_end(rp_tx_t *tx)
{
    if (tx->mode != RP_MODE_OFF && !blocked(tx) && tx->body && !tx->body_failed &&
        !tx->body_truncated) {
        body_result(tx, tx->body->finish(tx->body));
    }
    if (tx->state < TX_REQUEST_DONE)
        tx->state = TX_REQUEST_DONE;
    if (tx->api_body && tx->mode != RP_MODE_OFF && !blocked(tx))
        rp_tx_api_end(tx);
    if (tx->abuse_login && tx->mode != RP_MODE_OFF && !blocked(tx) &&
        rp_tx_abuse_end(tx) == RP_NOMEM)
        return RP_NOMEM;
    if (tx->rules && tx->mode != RP_MODE_OFF && !blocked(tx)) {
        rl_state_t *st = tx->rules;
        if (tx->body && tx->body_kind == BODY_MULTIPART)
            st->multipart_flags |= multipart_rule_flags(rp_body_multipart_flags(tx->body));
        if (tx->body_failed) {
            st->reqbody_error = true;
            st->reqbody_error_msg =
                tx->body && tx->body->reason ? tx->body->reason : "request body not parsed";
            if (tx->body_kind == BODY_MULTIPART)
                st->multipart_flags |= 1u; /* MULTIPART_STRICT_ERROR */
        }
        rl_run_phase(st, 2);
    }
    build_verdict(tx);
    return verdict_status(tx);
}

void rp_tx_host_refused(rp_tx_t *tx, int status, const char *reason, size_t reason_len)
{
    const char *r = rp_arena_strndup(tx->arena, reason, reason_len > 200 ? 200 : reason_len);
    rp_tx_add_match(tx, "protocol", "protocol", "request", r ? r : "refused", "", 5, true, status);
    tx->host_refused = true;
    tx->block_status = status;
}

void rp_tx_identity_refused(rp_tx_t *tx, int status, const char *target, const char *reason,
                            bool enforce)
{
    rp_tx_add_match(tx, "identity", "identity", target, reason, "", 5, false, status);
    if (enforce) {
        tx->host_refused = true;
        tx->block_status = status;
    }
}

const rp_verdict_t *rp_tx_verdict(const rp_tx_t *tx)
{
    build_verdict((rp_tx_t *)tx);
    return &tx->verdict;
}

rp_status_t rp_tx_response_status(rp_tx_t *tx, int status)
{
    tx->state = TX_RESPONSE_HEADERS;
    tx->response_status = status;
    return RP_OK;
}

rp_status_t rp_tx_response_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                                  size_t value_len)
{
    rp_tx_mask_header(tx, name, name_len, value, value_len);
    rp_tx_fieldenc_header(tx, name, name_len, value, value_len);
    if (tx->discover)
        rp_tx_discover_response_header(tx, name, name_len, value, value_len);
    if (tx->policy->baseline && tx->mode != RP_MODE_OFF &&
        rp_tx_protection_on(tx, RP_PROTECTION_BASELINE))
        rp_tx_baseline_header(tx, name, name_len, value, value_len);
    rl_state_t *st = tx->rules;
    if (!st || tx->mode == RP_MODE_OFF)
        return RP_OK;
    if (rl_list_add(st, &st->response_headers, name, name_len, value, value_len) < 0)
        return RP_NOMEM;
    if (header_is(name, name_len, "content-type"))
        st->response_content_type = st->response_headers.v[st->response_headers.n - 1].value;
    return RP_OK;
}

/* SecResponseBodyMimeType: is the response's media type inspected? */
static bool response_mime_wanted(const rl_state_t *st)
{
    const char *ct = st->response_content_type;
    if (!ct)
        return false;
    size_t n = strcspn(ct, "; \t");
    for (size_t i = 0; i < st->rs->nresponse_mime; i++) {
        const char *m = st->rs->response_mime[i];
        if (strlen(m) == n && strncasecmp(ct, m, n) == 0)
            return true;
    }
    return false;
}

rp_status_t rp_tx_response_headers_done(rp_tx_t *tx)
{
    tx->state = TX_RESPONSE_BODY;
    if (tx->policy->baseline && tx->mode != RP_MODE_OFF && !blocked(tx) &&
        rp_tx_protection_on(tx, RP_PROTECTION_BASELINE))
        rp_tx_baseline_done(tx);
    rl_state_t *st = tx->rules;
    if (blocked(tx))
        return RP_BLOCK;
    /* masking (tx_mask.c) needs the body whatever the rules want */
    bool masking = rp_tx_mask_start(tx);
    /* field decryption (tx_fieldenc.c) runs first, masking on its output */
    masking |= rp_tx_fieldenc_start(tx);
    if (tx->host_refused)
        return RP_BLOCK;
    if (!st || tx->mode == RP_MODE_OFF)
        return masking ? RP_OK : RP_DECLINED;
    st->response_protocol = tx->protocol;
    if (rl_run_phase(st, 3) == RP_BLOCK || blocked(tx))
        return RP_BLOCK;
    if (st->rs->needs_response_body && st->response_body_access && response_mime_wanted(st)) {
        st->response_body_on = true;
        return RP_OK;
    }
    return masking ? RP_OK : RP_DECLINED;
}

rp_status_t rp_tx_response_body(rp_tx_t *tx, const void *in, size_t in_len, const void **out,
                                size_t *out_len)
{
    *out = in;
    *out_len = in_len;
    rl_state_t *st = tx->rules;
    if (st && st->response_body_on) {
        size_t room = st->rs->response_body_limit > st->response_body.len
                          ? st->rs->response_body_limit - st->response_body.len
                          : 0;
        /* Beyond the limit the rest passes uninspected (ProcessPartial). */
        size_t take = in_len < room ? in_len : room;
        if (take && rp_abuf_append(&st->response_body, in, take) < 0)
            return RP_NOMEM;
    }
    /* the rules saw the body as the application sent it; the client gets
     * it decrypted or masked */
    if (tx->fieldenc) {
        rp_status_t rc = rp_tx_fieldenc_body(tx, in, in_len, false, out, out_len);
        if (rc != RP_OK)
            return rc;
        in = *out;
        in_len = *out_len;
    }
    if (tx->mask)
        return rp_tx_mask_body(tx, in, in_len, false, out, out_len);
    return RP_OK;
}

rp_status_t rp_tx_response_end(rp_tx_t *tx, const void **out, size_t *out_len)
{
    tx->state = TX_DONE;
    *out = NULL;
    *out_len = 0;
    const void *tail = "";
    size_t tail_len = 0;
    if (tx->fieldenc) {
        rp_status_t rc = rp_tx_fieldenc_body(tx, "", 0, true, &tail, &tail_len);
        rp_tx_fieldenc_report(tx);
        if (rc != RP_OK)
            return rc;
        *out = tail_len ? tail : NULL;
        *out_len = tail_len;
    }
    if (tx->mask && rp_tx_mask_body(tx, tail, tail_len, true, out, out_len) != RP_OK)
        return tx->host_refused ? RP_BLOCK : RP_NOMEM;
    rl_state_t *st = tx->rules;
    if (st && tx->mode != RP_MODE_OFF && st->response_body_on) {
        if (!st->response_body.data)
            rp_abuf_append(&st->response_body, "", 0);
        if (rl_run_phase(st, 4) == RP_BLOCK || blocked(tx))
            return RP_BLOCK;
    }
    return RP_OK;
}

void rp_tx_log_always(rp_tx_t *tx)
{
    tx->log_always = true;
}

void rp_tx_finish(rp_tx_t *tx)
{
    /* rl_run_phase runs a phase once however often it is asked */
    if (tx->rules && tx->mode != RP_MODE_OFF)
        rl_run_phase(tx->rules, 5);
}

const char *rp_tx_event(rp_tx_t *tx, size_t *len)
{
    /* The logging phase runs once, before the event is written. */
    if (!tx->event)
        rp_tx_finish(tx);
    if (!tx->log_always && tx->policy->events == RP_EVENTS_OFF)
        return NULL;
    if (!tx->log_always && tx->policy->events == RP_EVENTS_MATCHED && tx->nmatches == 0)
        return NULL;
    if (!tx->event) {
        build_verdict(tx);
        tx->event = rp_event_build(tx, &tx->event_len);
    }
    if (len)
        *len = tx->event_len;
    return tx->event;
}
