/*
 * rules_vars.c — the variables SecLang rules read, per transaction.
 *
 * Request data arrives through the transaction (transaction.c calls
 * rl_list_add for each argument, header, cookie, XML node...) and is kept
 * in arena lists; scalars (REQUEST_METHOD, REQUEST_FILENAME...) are read
 * from the transaction itself. Mutable collections (TX, IP, GLOBAL,
 * SESSION, ENV) are small open-addressing hash maps with lower-case names,
 * as ModSecurity treats variable names case-insensitively.
 *
 * Element names are matched case-insensitively (ModSecurity v3:
 * ARGS:Foo finds "foo"); regex selectors are compiled with (?i).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rules.h"
#include "tx_t.h"

/* ---------------------------------------------------------------- names */

static const char *const rv_names[RV_COUNT] = {
    [RV_ARGS] = "ARGS",
    [RV_ARGS_GET] = "ARGS_GET",
    [RV_ARGS_POST] = "ARGS_POST",
    [RV_ARGS_NAMES] = "ARGS_NAMES",
    [RV_ARGS_GET_NAMES] = "ARGS_GET_NAMES",
    [RV_ARGS_POST_NAMES] = "ARGS_POST_NAMES",
    [RV_ARGS_COMBINED_SIZE] = "ARGS_COMBINED_SIZE",
    [RV_REQUEST_HEADERS] = "REQUEST_HEADERS",
    [RV_REQUEST_HEADERS_NAMES] = "REQUEST_HEADERS_NAMES",
    [RV_REQUEST_COOKIES] = "REQUEST_COOKIES",
    [RV_REQUEST_COOKIES_NAMES] = "REQUEST_COOKIES_NAMES",
    [RV_FILES] = "FILES",
    [RV_FILES_NAMES] = "FILES_NAMES",
    [RV_FILES_SIZES] = "FILES_SIZES",
    [RV_FILES_COMBINED_SIZE] = "FILES_COMBINED_SIZE",
    [RV_FILES_TMPNAMES] = "FILES_TMPNAMES",
    [RV_FILES_TMP_CONTENT] = "FILES_TMP_CONTENT",
    [RV_XML] = "XML",
    [RV_MULTIPART_PART_HEADERS] = "MULTIPART_PART_HEADERS",
    [RV_RESPONSE_HEADERS] = "RESPONSE_HEADERS",
    [RV_RESPONSE_HEADERS_NAMES] = "RESPONSE_HEADERS_NAMES",
    [RV_TX] = "TX",
    [RV_IP] = "IP",
    [RV_GLOBAL] = "GLOBAL",
    [RV_SESSION] = "SESSION",
    [RV_USER] = "USER",
    [RV_RESOURCE] = "RESOURCE",
    [RV_ENV] = "ENV",
    [RV_GEO] = "GEO",
    [RV_RULE] = "RULE",
    [RV_MATCHED_VAR] = "MATCHED_VAR",
    [RV_MATCHED_VAR_NAME] = "MATCHED_VAR_NAME",
    [RV_MATCHED_VARS] = "MATCHED_VARS",
    [RV_MATCHED_VARS_NAMES] = "MATCHED_VARS_NAMES",
    [RV_REQUEST_URI] = "REQUEST_URI",
    [RV_REQUEST_URI_RAW] = "REQUEST_URI_RAW",
    [RV_REQUEST_FILENAME] = "REQUEST_FILENAME",
    [RV_REQUEST_BASENAME] = "REQUEST_BASENAME",
    [RV_REQUEST_LINE] = "REQUEST_LINE",
    [RV_REQUEST_METHOD] = "REQUEST_METHOD",
    [RV_REQUEST_PROTOCOL] = "REQUEST_PROTOCOL",
    [RV_QUERY_STRING] = "QUERY_STRING",
    [RV_PATH_INFO] = "PATH_INFO",
    [RV_REQUEST_BODY] = "REQUEST_BODY",
    [RV_REQUEST_BODY_LENGTH] = "REQUEST_BODY_LENGTH",
    [RV_FULL_REQUEST] = "FULL_REQUEST",
    [RV_FULL_REQUEST_LENGTH] = "FULL_REQUEST_LENGTH",
    [RV_REQBODY_PROCESSOR] = "REQBODY_PROCESSOR",
    [RV_REQBODY_ERROR] = "REQBODY_ERROR",
    [RV_REQBODY_ERROR_MSG] = "REQBODY_ERROR_MSG",
    [RV_REQBODY_PROCESSOR_ERROR] = "REQBODY_PROCESSOR_ERROR",
    [RV_REQBODY_PROCESSOR_ERROR_MSG] = "REQBODY_PROCESSOR_ERROR_MSG",
    [RV_INBOUND_DATA_ERROR] = "INBOUND_DATA_ERROR",
    [RV_OUTBOUND_DATA_ERROR] = "OUTBOUND_DATA_ERROR",
    [RV_URLENCODED_ERROR] = "URLENCODED_ERROR",
    [RV_MULTIPART_STRICT_ERROR] = "MULTIPART_STRICT_ERROR",
    [RV_MULTIPART_UNMATCHED_BOUNDARY] = "MULTIPART_UNMATCHED_BOUNDARY",
    [RV_MULTIPART_BOUNDARY_QUOTED] = "MULTIPART_BOUNDARY_QUOTED",
    [RV_MULTIPART_BOUNDARY_WHITESPACE] = "MULTIPART_BOUNDARY_WHITESPACE",
    [RV_MULTIPART_DATA_BEFORE] = "MULTIPART_DATA_BEFORE",
    [RV_MULTIPART_DATA_AFTER] = "MULTIPART_DATA_AFTER",
    [RV_MULTIPART_HEADER_FOLDING] = "MULTIPART_HEADER_FOLDING",
    [RV_MULTIPART_LF_LINE] = "MULTIPART_LF_LINE",
    [RV_MULTIPART_CRLF_LF_LINES] = "MULTIPART_CRLF_LF_LINES",
    [RV_MULTIPART_MISSING_SEMICOLON] = "MULTIPART_MISSING_SEMICOLON",
    [RV_MULTIPART_INVALID_QUOTING] = "MULTIPART_INVALID_QUOTING",
    [RV_MULTIPART_INVALID_PART] = "MULTIPART_INVALID_PART",
    [RV_MULTIPART_INVALID_HEADER_FOLDING] = "MULTIPART_INVALID_HEADER_FOLDING",
    [RV_MULTIPART_FILE_LIMIT_EXCEEDED] = "MULTIPART_FILE_LIMIT_EXCEEDED",
    [RV_MULTIPART_FILENAME] = "MULTIPART_FILENAME",
    [RV_MULTIPART_NAME] = "MULTIPART_NAME",
    [RV_REMOTE_ADDR] = "REMOTE_ADDR",
    [RV_REMOTE_HOST] = "REMOTE_HOST",
    [RV_REMOTE_PORT] = "REMOTE_PORT",
    [RV_REMOTE_USER] = "REMOTE_USER",
    [RV_SERVER_ADDR] = "SERVER_ADDR",
    [RV_SERVER_NAME] = "SERVER_NAME",
    [RV_SERVER_PORT] = "SERVER_PORT",
    [RV_UNIQUE_ID] = "UNIQUE_ID",
    [RV_RESPONSE_STATUS] = "RESPONSE_STATUS",
    [RV_RESPONSE_PROTOCOL] = "RESPONSE_PROTOCOL",
    [RV_RESPONSE_BODY] = "RESPONSE_BODY",
    [RV_RESPONSE_CONTENT_TYPE] = "RESPONSE_CONTENT_TYPE",
    [RV_RESPONSE_CONTENT_LENGTH] = "RESPONSE_CONTENT_LENGTH",
    [RV_STATUS_LINE] = "STATUS_LINE",
    [RV_DURATION] = "DURATION",
    [RV_HIGHEST_SEVERITY] = "HIGHEST_SEVERITY",
    [RV_TIME] = "TIME",
    [RV_TIME_DAY] = "TIME_DAY",
    [RV_TIME_EPOCH] = "TIME_EPOCH",
    [RV_TIME_HOUR] = "TIME_HOUR",
    [RV_TIME_MIN] = "TIME_MIN",
    [RV_TIME_MON] = "TIME_MON",
    [RV_TIME_SEC] = "TIME_SEC",
    [RV_TIME_WDAY] = "TIME_WDAY",
    [RV_TIME_YEAR] = "TIME_YEAR",
    [RV_AUTH_TYPE] = "AUTH_TYPE",
    [RV_USERID] = "USERID",
    [RV_SESSIONID] = "SESSIONID",
    [RV_WEBAPPID] = "WEBAPPID",
    [RV_MODSEC_BUILD] = "MODSEC_BUILD",
    [RV_MSC_PCRE_LIMITS_EXCEEDED] = "MSC_PCRE_LIMITS_EXCEEDED",
    [RV_WEBSERVER_ERROR_LOG] = "WEBSERVER_ERROR_LOG",
};

/* Name lookups happen at run time too (every %{macro}): a hash table of
 * the lower-cased names, built once. */
#define RV_SLOTS 512
static short rv_slot[RV_SLOTS]; /* variable id + 1, 0 when empty */
static pthread_once_t rv_once = PTHREAD_ONCE_INIT;

static unsigned rv_hash(const char *s, size_t len)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 16777619u;
    return h;
}

static void rv_index(void)
{
    for (int i = 0; i < RV_COUNT; i++) {
        if (!rv_names[i])
            continue;
        unsigned k = rv_hash(rv_names[i], strlen(rv_names[i])) % RV_SLOTS;
        while (rv_slot[k])
            k = (k + 1) % RV_SLOTS;
        rv_slot[k] = (short)(i + 1);
    }
}

int rv_lookup(const char *name, size_t len)
{
    pthread_once(&rv_once, rv_index);
    for (unsigned k = rv_hash(name, len) % RV_SLOTS; rv_slot[k]; k = (k + 1) % RV_SLOTS) {
        const char *n = rv_names[rv_slot[k] - 1];
        if (strlen(n) == len && strncasecmp(n, name, len) == 0)
            return rv_slot[k] - 1;
    }
    return -1;
}

const char *rv_name(rv_id_t id)
{
    return id < RV_COUNT && rv_names[id] ? rv_names[id] : "";
}

bool rv_is_collection(rv_id_t id)
{
    switch (id) {
    case RV_ARGS:
    case RV_ARGS_GET:
    case RV_ARGS_POST:
    case RV_ARGS_NAMES:
    case RV_ARGS_GET_NAMES:
    case RV_ARGS_POST_NAMES:
    case RV_REQUEST_HEADERS:
    case RV_REQUEST_HEADERS_NAMES:
    case RV_REQUEST_COOKIES:
    case RV_REQUEST_COOKIES_NAMES:
    case RV_FILES:
    case RV_FILES_NAMES:
    case RV_FILES_SIZES:
    case RV_FILES_TMPNAMES:
    case RV_FILES_TMP_CONTENT:
    case RV_XML:
    case RV_MULTIPART_PART_HEADERS:
    case RV_RESPONSE_HEADERS:
    case RV_RESPONSE_HEADERS_NAMES:
    case RV_TX:
    case RV_IP:
    case RV_GLOBAL:
    case RV_SESSION:
    case RV_USER:
    case RV_RESOURCE:
    case RV_ENV:
    case RV_GEO:
    case RV_RULE:
    case RV_MATCHED_VARS:
    case RV_MATCHED_VARS_NAMES:
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- lists */

int rl_list_add_ref(rl_state_t *st, rl_list_t *l, const char *name, size_t name_len,
                    const char *value, size_t value_len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        rl_kv_t *v = rp_arena_alloc(st->arena, cap * sizeof(*v));
        if (!v)
            return -1;
        if (l->n)
            memcpy(v, l->v, l->n * sizeof(*v));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] =
        (rl_kv_t){name ? name : "", value ? value : "", (uint32_t)name_len, (uint32_t)value_len};
    return 0;
}

int rl_list_add(rl_state_t *st, rl_list_t *l, const char *name, size_t name_len, const char *value,
                size_t value_len)
{
    char *n = rp_arena_strndup(st->arena, name, name_len);
    char *val = rp_arena_strndup(st->arena, value, value_len);
    if (!n || !val)
        return -1;
    return rl_list_add_ref(st, l, n, name_len, val, value_len);
}

/* ----------------------------------------------------------------- maps */

/* Case-insensitive hash of a collection name, eight bytes at a time:
 * OR-ing 0x20 into every byte folds ASCII case (and merges a few
 * punctuation pairs, harmless: equality is checked by name_eq). CRS looks
 * TX names up about 170 times per request, 25 bytes long on average. */
static uint64_t name_hash(const char *s, size_t len)
{
    const uint64_t fold = 0x2020202020202020ull;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ (w | fold)) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    if (len) {
        uint64_t w = 0;
        memcpy(&w, s, len);
        h = (h ^ (w | (fold >> (8 * (8 - len))))) * 0xc4ceb9fe1a85ec53ull;
    }
    return h ^ (h >> 31);
}

/* ASCII case-insensitive equality of a map name (lower case) and a
 * looked-up name (any case), eight bytes at a time: CRS looks TX names of
 * ~25 bytes up ~170 times per request. */
static bool name_eq(const char *lower, const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t a, b;
        memcpy(&a, lower + i, 8);
        memcpy(&b, s + i, 8);
        if (a != rl_fold_ascii8(b))
            return false;
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c |= 0x20;
        if ((unsigned char)lower[i] != c)
            return false;
    }
    return true;
}

static rl_kv_t *map_slot(const rl_map_t *m, const char *name, size_t len)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = name_hash(name, len) & mask;; i = (i + 1) & mask) {
        rl_kv_t *s = &m->slot[i];
        if (!s->name)
            return s;
        if (s->name_len == len && name_eq(s->name, name, len))
            return s;
    }
}

const rl_kv_t *rl_map_get(const rl_map_t *m, const char *name, size_t len)
{
    rl_kv_t *s = map_slot(m, name, len);
    return s && s->name && s->value ? s : NULL;
}

static int map_grow(rl_state_t *st, rl_map_t *m)
{
    size_t cap = m->cap ? m->cap * 2 : 128;
    rl_kv_t *slots = rp_arena_calloc(st->arena, cap * sizeof(*slots));
    if (!slots)
        return -1;
    rl_map_t n = {slots, 0, cap, NULL, 0, 0};
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slot[i].name)
            continue;
        *map_slot(&n, m->slot[i].name, m->slot[i].name_len) = m->slot[i];
        n.n++;
    }
    m->slot = slots;
    m->cap = cap;
    m->n = n.n;
    return 0;
}

int rl_map_set(rl_state_t *st, rl_map_t *m, const char *name, size_t len, const char *value,
               size_t value_len)
{
    if ((m->n + 1) * 4 > m->cap * 3 && map_grow(st, m) < 0)
        return -1;
    rl_kv_t *s = map_slot(m, name, len);
    char *v = rp_arena_strndup(st->arena, value, value_len);
    if (!v)
        return -1;
    if (!s->name) {
        char *n = rp_arena_strndup(st->arena, name, len);
        if (!n)
            return -1;
        for (size_t i = 0; i < len; i++)
            n[i] = (char)tolower((unsigned char)n[i]);
        s->name = n;
        s->name_len = (uint32_t)len;
        m->n++;
        /* insertion order, for iterating TX in a stable order */
        if (m->norder == m->order_cap) {
            size_t cap = m->order_cap ? m->order_cap * 2 : 64;
            rl_kv_t *o = rp_arena_alloc(st->arena, cap * sizeof(*o));
            if (!o)
                return -1;
            if (m->norder)
                memcpy(o, m->order, m->norder * sizeof(*o));
            m->order = o;
            m->order_cap = cap;
        }
        m->order[m->norder++] = (rl_kv_t){n, NULL, (uint32_t)len, 0};
    }
    s->value = v;
    s->value_len = (uint32_t)value_len;
    return 0;
}

void rl_map_del(rl_map_t *m, const char *name, size_t len)
{
    rl_kv_t *s = map_slot(m, name, len);
    if (s && s->name)
        s->value = NULL; /* a tombstone keeps probe chains intact */
}

/* ------------------------------------------------------------ resolving */

typedef struct {
    const rl_target_t *t;
    rl_value_fn fn;
    void *ctx;
    rv_id_t as;
    bool names;   /* emit the element names as values (*_NAMES) */
    size_t count; /* &VAR */
    bool counting;
    bool stop;
} walk_t;

static inline unsigned char lower_ascii(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Does name contain the lower-case factor f, ignoring ASCII case? */
static bool contains_factor(const char *name, size_t len, const char *f, size_t flen)
{
    for (size_t i = 0; i + flen <= len; i++) {
        size_t k = 0;
        while (k < flen && lower_ascii((unsigned char)name[i + k]) == (unsigned char)f[k])
            k++;
        if (k == flen)
            return true;
    }
    return false;
}

bool rl_target_selects(const rl_target_t *t, const char *name, size_t len)
{
    if (t->sel_rx) {
        if (t->sel_nfac) {
            size_t i = 0;
            while (i < t->sel_nfac && !contains_factor(name, len, t->sel_fac[i], t->sel_fac_len[i]))
                i++;
            if (i == t->sel_nfac)
                return false;
        }
        return rp_op_execute(t->sel_rx, name, len, NULL, 0, NULL) == RP_OP_MATCH;
    }
    if (t->sel)
        return t->sel_len == len && strncasecmp(t->sel, name, len) == 0;
    return true;
}

/* Hand out one element the target selects (the caller checked). */
static void emit_selected(walk_t *w, const char *name, size_t name_len, const char *value,
                          size_t value_len)
{
    if (w->stop)
        return;
    if (w->counting) {
        w->count++;
        return;
    }
    if (w->names) {
        value = name;
        value_len = name_len;
    }
    if (!w->fn(w->ctx, w->as, name, name_len, value, value_len))
        w->stop = true;
}

static void emit(walk_t *w, const char *name, size_t name_len, const char *value, size_t value_len)
{
    if (!w->stop && rl_target_selects(w->t, name, name_len))
        emit_selected(w, name, name_len, value, value_len);
}

static void walk_list(walk_t *w, const rl_list_t *l)
{
    for (size_t i = 0; i < l->n && !w->stop; i++)
        emit(w, l->v[i].name, l->v[i].name_len, l->v[i].value, l->v[i].value_len);
}

/* IP, GLOBAL, SESSION, USER and RESOURCE have no persistent store: they
 * last as long as the transaction, in the TX map under "ip.name",
 * "global.name"... (rules_exec.c's run_setvar; map names are lower case).
 * Walking one of them reads the entries under its prefix; walking TX
 * leaves them out. */
static const struct {
    rv_id_t id;
    const char *prefix;
    size_t len;
} other_collections[] = {{RV_IP, "ip.", 3},
                         {RV_GLOBAL, "global.", 7},
                         {RV_SESSION, "session.", 8},
                         {RV_USER, "user.", 5},
                         {RV_RESOURCE, "resource.", 9}};

static bool in_other_collection(const char *name, size_t len)
{
    /* most TX names start with none of i, g, s, u, r: decide on one byte */
    switch (name[0] | 0x20) {
    case 'i':
    case 'g':
    case 's':
    case 'u':
    case 'r':
        break;
    default:
        return false;
    }
    for (size_t i = 0; i < sizeof(other_collections) / sizeof(other_collections[0]); i++)
        if (len > other_collections[i].len &&
            strncasecmp(name, other_collections[i].prefix, other_collections[i].len) == 0)
            return true;
    return false;
}

/* Walk a map, or only its entries under prefix (emitted without it);
 * tx: leave out the other collections' entries. */
static void walk_map(walk_t *w, const rl_map_t *m, const char *prefix, size_t plen, bool tx)
{
    if (w->t->sel && !w->t->sel_rx) {
        /* direct lookup: TX:foo is by far the most common target */
        char key[256];
        const char *k = w->t->sel;
        size_t kl = w->t->sel_len;
        if (plen) {
            if (plen + kl > sizeof(key))
                return;
            memcpy(key, prefix, plen);
            memcpy(key + plen, k, kl);
            k = key;
            kl += plen;
        } else if (tx && in_other_collection(k, kl)) {
            return;
        }
        /* found by the selector itself (the map compares names the way
         * rl_target_selects does, ASCII case folded) */
        const rl_kv_t *kv = rl_map_get(m, k, kl);
        if (kv)
            emit_selected(w, kv->name + plen, kv->name_len - plen, kv->value, kv->value_len);
        return;
    }
    for (size_t i = 0; i < m->norder && !w->stop; i++) {
        const rl_kv_t *o = &m->order[i];
        if (plen ? o->name_len <= plen || strncmp(o->name, prefix, plen) != 0
                 : tx && in_other_collection(o->name, o->name_len))
            continue;
        /* the selector first: it rejects most names without a lookup */
        if (w->t->sel_rx && !rl_target_selects(w->t, o->name + plen, o->name_len - plen))
            continue;
        const rl_kv_t *kv = rl_map_get(m, o->name, o->name_len);
        if (kv) /* no selector, or the regex selector just tested */
            emit_selected(w, kv->name + plen, kv->name_len - plen, kv->value, kv->value_len);
    }
}

size_t rl_format_ll(char *buf, long long v)
{
    char digits[RL_LL_BUF];
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    size_t n = 0, len = 0;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return len;
}

static const char *num(rl_state_t *st, long long v, size_t *len)
{
    char buf[RL_LL_BUF];
    *len = rl_format_ll(buf, v);
    return rp_arena_strndup(st->arena, buf, *len);
}

static const char *time_part(rl_state_t *st, rv_id_t id, size_t *len)
{
    struct tm tm;
    time_t now = st->tx->started.tv_sec;
    localtime_r(&now, &tm);
    char buf[64];
    switch (id) {
    case RV_TIME:
        strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
        break;
    case RV_TIME_DAY:
        return num(st, tm.tm_mday, len);
    case RV_TIME_EPOCH:
        return num(st, (long long)now, len);
    case RV_TIME_HOUR:
        return num(st, tm.tm_hour, len);
    case RV_TIME_MIN:
        return num(st, tm.tm_min, len);
    case RV_TIME_MON:
        return num(st, tm.tm_mon + 1, len);
    case RV_TIME_SEC:
        return num(st, tm.tm_sec, len);
    case RV_TIME_WDAY:
        return num(st, tm.tm_wday, len);
    default:
        return num(st, tm.tm_year + 1900, len);
    }
    *len = strlen(buf);
    return rp_arena_strndup(st->arena, buf, *len);
}

static size_t list_size(const rl_list_t *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += l->v[i].name_len + l->v[i].value_len;
    return n;
}

static const char *body_processor_name(const rl_state_t *st)
{
    if (st->body_processor) {
        static const char *const n[] = {"", "URLENCODED", "MULTIPART", "XML", "JSON"};
        return n[st->body_processor];
    }
    switch (st->tx->body_kind) {
    case BODY_FORM:
        return "URLENCODED";
    case BODY_MULTIPART:
        return "MULTIPART";
    case BODY_JSON:
        return "JSON";
    case BODY_XML:
        return "XML";
    default:
        return NULL;
    }
}

/* The single value of a scalar variable, or NULL when it has none. */
static const char *scalar(rl_state_t *st, rv_id_t id, size_t *len)
{
    rp_tx_t *tx = st->tx;
    const char *v = NULL;
    switch (id) {
    case RV_REQUEST_URI:
    case RV_REQUEST_URI_RAW:
        v = tx->uri;
        break;
    case RV_REQUEST_FILENAME:
    case RV_PATH_INFO:
        v = st->request_filename;
        break;
    case RV_REQUEST_BASENAME:
        v = st->request_basename;
        break;
    case RV_REQUEST_LINE:
        v = st->request_line;
        break;
    case RV_REQUEST_METHOD:
        v = tx->method;
        break;
    case RV_REQUEST_PROTOCOL:
        v = tx->protocol;
        break;
    case RV_QUERY_STRING:
        v = st->query_string;
        break;
    case RV_REQUEST_BODY:
        if (!st->request_body.data)
            return NULL;
        *len = st->request_body.len;
        return st->request_body.data;
    case RV_REQUEST_BODY_LENGTH:
        return num(st, (long long)tx->body_bytes, len);
    case RV_FULL_REQUEST_LENGTH:
        return num(st,
                   (long long)(tx->body_bytes + (st->request_line ? strlen(st->request_line) : 0) +
                               list_size(&st->headers) + 4 * st->headers.n),
                   len);
    case RV_ARGS_COMBINED_SIZE:
        return num(st, (long long)(list_size(&st->args_get) + list_size(&st->args_post)), len);
    case RV_FILES_COMBINED_SIZE:
        return num(st, (long long)st->files_combined_size, len);
    case RV_REQBODY_PROCESSOR:
        v = body_processor_name(st);
        break;
    case RV_REQBODY_ERROR:
    case RV_REQBODY_PROCESSOR_ERROR:
        v = st->reqbody_error ? "1" : "0";
        break;
    case RV_REQBODY_ERROR_MSG:
    case RV_REQBODY_PROCESSOR_ERROR_MSG:
        v = st->reqbody_error_msg ? st->reqbody_error_msg : "";
        break;
    case RV_INBOUND_DATA_ERROR:
        v = tx->body_truncated ? "1" : "0";
        break;
    case RV_OUTBOUND_DATA_ERROR:
        v = "0";
        break;
    case RV_URLENCODED_ERROR:
        v = (st->multipart_flags & (1u << 31)) ? "1" : "0";
        break;
    case RV_MULTIPART_STRICT_ERROR:
    case RV_MULTIPART_UNMATCHED_BOUNDARY:
    case RV_MULTIPART_BOUNDARY_QUOTED:
    case RV_MULTIPART_BOUNDARY_WHITESPACE:
    case RV_MULTIPART_DATA_BEFORE:
    case RV_MULTIPART_DATA_AFTER:
    case RV_MULTIPART_HEADER_FOLDING:
    case RV_MULTIPART_LF_LINE:
    case RV_MULTIPART_CRLF_LF_LINES:
    case RV_MULTIPART_MISSING_SEMICOLON:
    case RV_MULTIPART_INVALID_QUOTING:
    case RV_MULTIPART_INVALID_PART:
    case RV_MULTIPART_INVALID_HEADER_FOLDING:
    case RV_MULTIPART_FILE_LIMIT_EXCEEDED:
        if (tx->body_kind != BODY_MULTIPART)
            return NULL;
        v = (st->multipart_flags & (1u << (id - RV_MULTIPART_STRICT_ERROR))) ? "1" : "0";
        break;
    case RV_REMOTE_ADDR:
    case RV_REMOTE_HOST:
        v = tx->client_addr;
        break;
    case RV_REMOTE_PORT:
        return num(st, tx->client_port, len);
    case RV_SERVER_ADDR:
        v = st->server_addr;
        break;
    case RV_SERVER_PORT:
        return num(st, st->server_port, len);
    case RV_SERVER_NAME:
        if (!tx->host)
            return NULL;
        *len = strcspn(tx->host, ":");
        if (tx->host[0] == '[')
            *len = strcspn(tx->host, "]") + 1;
        return tx->host;
    case RV_UNIQUE_ID:
        v = rp_tx_request_id(tx);
        break;
    case RV_RESPONSE_STATUS:
        if (!tx->response_status)
            return NULL;
        return num(st, tx->response_status, len);
    case RV_RESPONSE_PROTOCOL:
        v = st->response_protocol;
        break;
    case RV_RESPONSE_BODY:
        if (!st->response_body.data)
            return NULL;
        *len = st->response_body.len;
        return st->response_body.data;
    case RV_RESPONSE_CONTENT_TYPE:
        v = st->response_content_type;
        break;
    case RV_RESPONSE_CONTENT_LENGTH:
        return num(st, (long long)st->response_body.len, len);
    case RV_STATUS_LINE:
        if (!tx->response_status)
            return NULL;
        {
            char buf[64];
            int n = snprintf(buf, sizeof(buf), "%s %d",
                             st->response_protocol ? st->response_protocol : "HTTP/1.1",
                             tx->response_status);
            *len = (size_t)n;
            return rp_arena_strndup(st->arena, buf, (size_t)n);
        }
    case RV_DURATION: {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        long long us = (long long)(now.tv_sec - tx->started.tv_sec) * 1000000 +
                       (now.tv_nsec - tx->started.tv_nsec) / 1000;
        return num(st, us, len);
    }
    case RV_HIGHEST_SEVERITY:
        return num(st, st->highest_severity, len);
    case RV_TIME:
    case RV_TIME_DAY:
    case RV_TIME_EPOCH:
    case RV_TIME_HOUR:
    case RV_TIME_MIN:
    case RV_TIME_MON:
    case RV_TIME_SEC:
    case RV_TIME_WDAY:
    case RV_TIME_YEAR:
        return time_part(st, id, len);
    case RV_MATCHED_VAR:
        if (!st->matched_var)
            return NULL;
        *len = st->matched_var_len;
        return st->matched_var;
    case RV_MATCHED_VAR_NAME:
        if (!st->matched_var_name)
            return NULL;
        *len = st->matched_var_name_len;
        return st->matched_var_name;
    case RV_MSC_PCRE_LIMITS_EXCEEDED:
        v = st->pcre_limits_exceeded ? "1" : "0";
        break;
    case RV_WEBAPPID:
        v = tx->app;
        break;
    case RV_MODSEC_BUILD:
        v = "030009"; /* the v3 behaviour Rampart follows (docs/SECLANG.md) */
        break;
    default:
        return NULL; /* AUTH_TYPE, USERID, SESSIONID, REMOTE_USER: not known here */
    }
    if (!v)
        return NULL;
    *len = strlen(v);
    return v;
}

static void walk_rule(walk_t *w, rl_state_t *st)
{
    const rl_rule_t *r = st->rule ? st->rule->head : NULL;
    if (!r)
        return;
    char idbuf[24];
    snprintf(idbuf, sizeof(idbuf), "%lu", r->id);
    char sev[8];
    snprintf(sev, sizeof(sev), "%d", r->severity);
    struct {
        const char *n, *v;
    } f[] = {{"id", idbuf},
             {"msg", r->msg},
             {"logdata", r->logdata},
             {"severity", r->severity >= 0 ? sev : NULL},
             {"ver", r->ver},
             {"phase", r->phase == 1   ? "1"
                       : r->phase == 2 ? "2"
                       : r->phase == 3 ? "3"
                       : r->phase == 4 ? "4"
                                       : "5"}};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && !w->stop; i++) {
        if (!f[i].v)
            continue;
        const char *v = f[i].v;
        size_t vl = strlen(v);
        if (strcmp(f[i].n, "id") == 0 || strcmp(f[i].n, "severity") == 0) {
            v = rp_arena_strndup(st->arena, v, vl);
            if (!v)
                return;
        }
        emit(w, f[i].n, strlen(f[i].n), v, vl);
    }
}

static void walk_env(walk_t *w, rl_state_t *st)
{
    walk_map(w, &st->env, NULL, 0, false);
    if (w->t->sel && !w->t->sel_rx && !rl_map_get(&st->env, w->t->sel, w->t->sel_len)) {
        char name[256];
        if (w->t->sel_len < sizeof(name)) {
            memcpy(name, w->t->sel, w->t->sel_len);
            name[w->t->sel_len] = '\0';
            const char *v = getenv(name);
            if (v)
                emit(w, w->t->sel, w->t->sel_len, v, strlen(v));
        }
    }
}

static void walk(walk_t *w, rl_state_t *st, rv_id_t id)
{
    switch (id) {
    case RV_ARGS:
    case RV_ARGS_NAMES:
        walk_list(w, &st->args_get);
        walk_list(w, &st->args_post);
        return;
    case RV_ARGS_GET:
    case RV_ARGS_GET_NAMES:
        walk_list(w, &st->args_get);
        return;
    case RV_ARGS_POST:
    case RV_ARGS_POST_NAMES:
        walk_list(w, &st->args_post);
        return;
    case RV_REQUEST_HEADERS:
    case RV_REQUEST_HEADERS_NAMES:
        walk_list(w, &st->headers);
        return;
    case RV_REQUEST_COOKIES:
    case RV_REQUEST_COOKIES_NAMES:
        walk_list(w, &st->cookies);
        return;
    case RV_FILES:
    case RV_FILES_NAMES:
        walk_list(w, &st->files);
        return;
    case RV_FILES_SIZES:
        walk_list(w, &st->files_sizes);
        return;
    case RV_XML:
        walk_list(w, &st->xml);
        return;
    case RV_MULTIPART_PART_HEADERS:
        walk_list(w, &st->part_headers);
        return;
    case RV_MULTIPART_FILENAME:
        /* ModSecurity v3: each filename parameter, named by itself */
        for (size_t i = 0; i < st->files.n && !w->stop; i++)
            emit(w, st->files.v[i].value, st->files.v[i].value_len, st->files.v[i].value,
                 st->files.v[i].value_len);
        return;
    case RV_MULTIPART_NAME:
        /* ... and each name parameter: text parts, then file parts */
        if (st->tx->body_kind != BODY_MULTIPART)
            return;
        for (size_t i = 0; i < st->args_post.n && !w->stop; i++)
            emit(w, st->args_post.v[i].name, st->args_post.v[i].name_len, st->args_post.v[i].name,
                 st->args_post.v[i].name_len);
        for (size_t i = 0; i < st->files.n && !w->stop; i++)
            emit(w, st->files.v[i].name, st->files.v[i].name_len, st->files.v[i].name,
                 st->files.v[i].name_len);
        return;
    case RV_RESPONSE_HEADERS:
    case RV_RESPONSE_HEADERS_NAMES:
        walk_list(w, &st->response_headers);
        return;
    case RV_MATCHED_VARS:
    case RV_MATCHED_VARS_NAMES:
        walk_list(w, &st->prev_matched_vars);
        return;
    case RV_TX:
        walk_map(w, &st->txv, NULL, 0, true);
        return;
    case RV_ENV:
        walk_env(w, st);
        return;
    case RV_RULE:
        walk_rule(w, st);
        return;
    case RV_IP:
    case RV_GLOBAL:
    case RV_SESSION:
    case RV_USER:
    case RV_RESOURCE:
        for (size_t i = 0; i < sizeof(other_collections) / sizeof(other_collections[0]); i++)
            if (other_collections[i].id == id)
                walk_map(w, &st->txv, other_collections[i].prefix, other_collections[i].len, false);
        return;
    case RV_GEO:
    case RV_FILES_TMPNAMES:
    case RV_FILES_TMP_CONTENT:
        return; /* empty: no GeoIP database, uploads are not stored */
    default: {
        size_t len = 0;
        const char *v = scalar(st, id, &len);
        if (v)
            emit(w, "", 0, v, len);
        return;
    }
    }
}

static bool names_var(rv_id_t id)
{
    return id == RV_ARGS_NAMES || id == RV_ARGS_GET_NAMES || id == RV_ARGS_POST_NAMES ||
           id == RV_REQUEST_HEADERS_NAMES || id == RV_REQUEST_COOKIES_NAMES ||
           id == RV_FILES_NAMES || id == RV_RESPONSE_HEADERS_NAMES || id == RV_MATCHED_VARS_NAMES;
}

void rl_target_values(rl_state_t *st, const rl_target_t *t, rl_value_fn fn, void *ctx)
{
    walk_t w = {.t = t, .fn = fn, .ctx = ctx, .as = (rv_id_t)t->var};
    w.names = names_var((rv_id_t)t->var);
    if (t->var == RV_FILES_NAMES)
        w.names = true;
    if (t->count) {
        w.counting = true;
        walk(&w, st, (rv_id_t)t->var);
        size_t len;
        const char *v = num(st, (long long)w.count, &len);
        if (v)
            fn(ctx, (rv_id_t)t->var, "", 0, v, len);
        return;
    }
    walk(&w, st, (rv_id_t)t->var);
}

/* ------------------------------------------------------- macro lookups */

typedef struct {
    const char **v;
    size_t *len;
    bool found;
} first_t;

static bool take_first(void *ctx, rv_id_t var, const char *name, size_t name_len, const char *value,
                       size_t value_len)
{
    (void)var;
    (void)name;
    (void)name_len;
    first_t *f = ctx;
    *f->v = value;
    *f->len = value_len;
    f->found = true;
    return false;
}

bool rl_var_value(rl_state_t *st, const char *path, size_t len, const char **value,
                  size_t *value_len)
{
    const char *dot = memchr(path, '.', len);
    size_t nlen = dot ? (size_t)(dot - path) : len;
    if (dot && nlen == 2 && (path[0] | 0x20) == 't' && (path[1] | 0x20) == 'x' &&
        !in_other_collection(dot + 1, len - 3)) {
        /* %{tx.name}: most macros CRS writes; straight to the map */
        const rl_kv_t *kv = rl_map_get(&st->txv, dot + 1, len - 3);
        if (!kv)
            return false;
        *value = kv->value;
        *value_len = kv->value_len;
        return true;
    }
    int id = rv_lookup(path, nlen);
    if (id < 0)
        return false;
    rl_target_t t = {.var = (uint16_t)id};
    if (dot) {
        t.sel = dot + 1;
        t.sel_len = len - nlen - 1;
    }
    first_t f = {value, value_len, false};
    rl_target_values(st, &t, take_first, &f);
    return f.found;
}
