/*
 * login_profile.c — abnormal logins from learned per-account profiles
 * (see login_profile.h).
 */
#include "login_profile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char prefix[LP_PREFIX_MAX];
    int64_t last_ms;
} lp_source_t;

typedef struct {
    char account[LP_ACCOUNT_MAX + 1];
    int64_t first_ms, last_ms;
    uint32_t logins;
    uint32_t hours[24];
    lp_source_t sources[LP_SOURCES_MAX];
    size_t n_sources;
} lp_account_t;

struct login_profiles {
    lp_settings_t s;
    lp_account_t *accounts;
    size_t n;
};

void lp_settings_defaults(lp_settings_t *s)
{
    s->learning_s = 14 * 86400;
    s->min_logins = 10;
    s->prefix4 = 24;
    s->prefix6 = 64;
    s->unusual_share = 0.05;
}

login_profiles_t *lp_new(const lp_settings_t *s)
{
    login_profiles_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->s = *s;
    p->accounts = calloc(LP_ACCOUNTS_MAX, sizeof(*p->accounts));
    if (!p->accounts) {
        free(p);
        return NULL;
    }
    return p;
}

void lp_free(login_profiles_t *p)
{
    if (!p)
        return;
    free(p->accounts);
    free(p);
}

static void mask_bits(unsigned char *addr, size_t len, int bits)
{
    for (size_t i = 0; i < len; i++) {
        int keep = bits - (int)i * 8;
        addr[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
    }
}

/* "192.0.2.0/24" for 192.0.2.77; IPv4-mapped IPv6 counts as IPv4. */
static int source_prefix(const lp_settings_t *s, const char *source, char out[LP_PREFIX_MAX])
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    out[0] = '\0';
    if (!source)
        return -1;
    if (inet_pton(AF_INET6, source, a) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, sizeof(mapped)) == 0) {
            memmove(a, a + 12, 4);
        } else {
            mask_bits(a, 16, s->prefix6);
            inet_ntop(AF_INET6, a, text, sizeof(text));
            snprintf(out, LP_PREFIX_MAX, "%s/%d", text, s->prefix6);
            return 0;
        }
    } else if (inet_pton(AF_INET, source, a) != 1) {
        return -1;
    }
    mask_bits(a, 4, s->prefix4);
    inet_ntop(AF_INET, a, text, sizeof(text));
    snprintf(out, LP_PREFIX_MAX, "%s/%d", text, s->prefix4);
    return 0;
}

static lp_account_t *account_slot(login_profiles_t *p, const char *account)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->accounts[i].account, account) == 0)
            return &p->accounts[i];
    lp_account_t *a;
    if (p->n < LP_ACCOUNTS_MAX) {
        a = &p->accounts[p->n++];
    } else { /* full: the account seen least recently makes room */
        a = &p->accounts[0];
        for (size_t i = 1; i < p->n; i++)
            if (p->accounts[i].last_ms < a->last_ms)
                a = &p->accounts[i];
    }
    memset(a, 0, sizeof(*a));
    snprintf(a->account, sizeof(a->account), "%s", account);
    return a;
}

static int hour_of(int64_t now_ms)
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 0;
    return tm.tm_hour;
}

static void learn_source(lp_account_t *a, const char *prefix, int64_t now_ms)
{
    lp_source_t *slot = NULL;
    for (size_t i = 0; i < a->n_sources && !slot; i++)
        if (strcmp(a->sources[i].prefix, prefix) == 0)
            slot = &a->sources[i];
    if (!slot && a->n_sources < LP_SOURCES_MAX)
        slot = &a->sources[a->n_sources++];
    if (!slot) { /* full: the prefix used least recently is forgotten */
        slot = &a->sources[0];
        for (size_t i = 1; i < a->n_sources; i++)
            if (a->sources[i].last_ms < slot->last_ms)
                slot = &a->sources[i];
    }
    snprintf(slot->prefix, sizeof(slot->prefix), "%s", prefix);
    slot->last_ms = now_ms;
}

int lp_login(login_profiles_t *p, const char *account, const char *source, int64_t now_ms,
             lp_verdict_t *v)
{
    memset(v, 0, sizeof(*v));
    lp_account_t *a = account_slot(p, account);
    int has_prefix = source_prefix(&p->s, source, v->prefix) == 0;
    v->hour = hour_of(now_ms);
    v->logins = a->logins;
    v->known_sources = a->n_sources;
    uint32_t window =
        a->hours[v->hour] + a->hours[(v->hour + 23) % 24] + a->hours[(v->hour + 1) % 24];
    v->hour_share = a->logins ? (double)window / a->logins : 0.0;
    v->learning = a->logins == 0 || a->logins < (uint32_t)p->s.min_logins ||
                  now_ms - a->first_ms < (int64_t)p->s.learning_s * 1000;
    if (!v->learning) {
        if (has_prefix) {
            v->new_source = 1;
            for (size_t i = 0; i < a->n_sources; i++)
                if (strcmp(a->sources[i].prefix, v->prefix) == 0)
                    v->new_source = 0;
        }
        v->unusual_time = v->hour_share < p->s.unusual_share;
    }
    if (!a->logins)
        a->first_ms = now_ms;
    a->last_ms = now_ms;
    if (a->logins < UINT32_MAX) { /* the hours sum to the logins */
        a->logins++;
        a->hours[v->hour]++;
    }
    if (has_prefix)
        learn_source(a, v->prefix, now_ms);
    return v->new_source || v->unusual_time;
}

json_t *lp_verdict_json(const lp_verdict_t *v, const char *account, const char *source)
{
    return json_pack("{s:s, s:s?, s:s?, s:i, s:f, s:I, s:I}", "account", account, "source", source,
                     "prefix", v->prefix[0] ? v->prefix : NULL, "hour", v->hour, "hour_share",
                     v->hour_share, "logins", (json_int_t)v->logins, "known_sources",
                     (json_int_t)v->known_sources);
}

json_t *lp_save(const login_profiles_t *p)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < p->n; i++) {
        const lp_account_t *a = &p->accounts[i];
        json_t *hours = json_array(), *sources = json_array();
        for (int h = 0; h < 24; h++)
            json_array_append_new(hours, json_integer(a->hours[h]));
        for (size_t k = 0; k < a->n_sources; k++)
            json_array_append_new(sources, json_pack("{s:s, s:I}", "prefix", a->sources[k].prefix,
                                                     "last", (json_int_t)a->sources[k].last_ms));
        json_array_append_new(
            list, json_pack("{s:s, s:I, s:I, s:I, s:o, s:o}", "account", a->account, "first",
                            (json_int_t)a->first_ms, "last", (json_int_t)a->last_ms, "logins",
                            (json_int_t)a->logins, "hours", hours, "sources", sources));
    }
    return json_pack("{s:i, s:o}", "version", 1, "accounts", list);
}

static int load_account(lp_account_t *a, const json_t *o)
{
    const char *name;
    json_int_t first, last, logins;
    json_t *hours, *sources;
    if (json_unpack((json_t *)o, "{s:s, s:I, s:I, s:I, s:o, s:o}", "account", &name, "first",
                    &first, "last", &last, "logins", &logins, "hours", &hours, "sources",
                    &sources) ||
        strlen(name) > LP_ACCOUNT_MAX || logins < 0 || logins > UINT32_MAX ||
        json_array_size(hours) != 24 || !json_is_array(sources) ||
        json_array_size(sources) > LP_SOURCES_MAX)
        return -1;
    memset(a, 0, sizeof(*a));
    snprintf(a->account, sizeof(a->account), "%s", name);
    a->first_ms = first;
    a->last_ms = last;
    a->logins = (uint32_t)logins;
    json_int_t sum = 0;
    for (size_t h = 0; h < 24; h++) {
        json_int_t n = json_integer_value(json_array_get(hours, h));
        if (!json_is_integer(json_array_get(hours, h)) || n < 0 || n > UINT32_MAX)
            return -1;
        a->hours[h] = (uint32_t)n;
        sum += n;
    }
    if (sum > logins) /* each login counts in one hour */
        return -1;
    size_t k;
    json_t *s;
    json_array_foreach(sources, k, s)
    {
        const char *prefix;
        json_int_t at;
        if (json_unpack(s, "{s:s, s:I}", "prefix", &prefix, "last", &at) ||
            strlen(prefix) >= LP_PREFIX_MAX)
            return -1;
        snprintf(a->sources[k].prefix, LP_PREFIX_MAX, "%s", prefix);
        a->sources[k].last_ms = at;
    }
    a->n_sources = json_array_size(sources);
    return 0;
}

int lp_load(login_profiles_t *p, const json_t *doc)
{
    json_t *list = json_object_get(doc, "accounts");
    if (json_integer_value(json_object_get(doc, "version")) != 1 || !json_is_array(list) ||
        json_array_size(list) > LP_ACCOUNTS_MAX)
        return -1;
    lp_account_t *fresh = calloc(LP_ACCOUNTS_MAX, sizeof(*fresh));
    if (!fresh)
        return -1;
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        if (load_account(&fresh[i], o)) {
            free(fresh);
            return -1;
        }
    }
    free(p->accounts);
    p->accounts = fresh;
    p->n = json_array_size(list);
    return 0;
}

int lp_save_file(const login_profiles_t *p, const char *path)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
        return -1;
    json_t *doc = lp_save(p);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int ok = doc && fd >= 0 && json_dumpfd(doc, fd, JSON_COMPACT) == 0 && fsync(fd) == 0;
    if (fd >= 0 && close(fd))
        ok = 0;
    json_decref(doc);
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int lp_load_file(login_profiles_t *p, const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        return access(path, F_OK) && errno == ENOENT ? 0 : -1;
    int rc = lp_load(p, doc);
    json_decref(doc);
    return rc;
}
