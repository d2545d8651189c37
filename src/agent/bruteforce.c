/*
 * bruteforce.c — sshd log lines to guessing and abnormal login alerts
 * (see bruteforce.h).
 */
#include "bruteforce.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char key[BF_KEY_MAX + 1];
    int64_t first_ms, last_ms;
    int count;
    int alerted;
} counter_t;

typedef struct {
    counter_t slots[BF_TRACKED];
    size_t used;
} table_t;

struct bf {
    int threshold;
    int64_t window_ms;
    table_t sources, accounts;
};

const char *bf_kind_name(bf_kind_t kind)
{
    return kind == BF_SOURCE    ? "bruteforce.source"
           : kind == BF_ACCOUNT ? "bruteforce.account"
                                : "bruteforce.success_after_failures";
}

bf_t *bf_new(int threshold, int window_s)
{
    bf_t *b = calloc(1, sizeof(*b));
    if (b) {
        b->threshold = threshold;
        b->window_ms = window_s * 1000LL;
    }
    return b;
}

void bf_free(bf_t *b)
{
    free(b);
}

/* Finds a substring in a length-bounded line. */
static const char *find(const char *s, size_t n, const char *what)
{
    size_t w = strlen(what);
    for (size_t i = 0; i + w <= n; i++)
        if (memcmp(s + i, what, w) == 0)
            return s + i;
    return NULL;
}

static const char *find_last(const char *s, size_t n, const char *what)
{
    size_t w = strlen(what);
    for (size_t i = n >= w ? n - w + 1 : 0; i-- > 0;)
        if (memcmp(s + i, what, w) == 0)
            return s + i;
    return NULL;
}

static void copy_key(char out[BF_KEY_MAX + 1], const char *s, size_t n)
{
    if (n > BF_KEY_MAX)
        n = BF_KEY_MAX;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    out[n] = '\0';
}

auth_kind_t auth_parse_sshd(const char *line, size_t len, char user[BF_KEY_MAX + 1],
                            char source[BF_KEY_MAX + 1])
{
    static const char *const failed[] = {"Failed password for ",
                                         "Failed keyboard-interactive/pam for "};
    static const char *const accepted[] = {"Accepted password for ", "Accepted publickey for ",
                                           "Accepted keyboard-interactive/pam for "};
    const char *start = NULL;
    auth_kind_t kind = AUTH_OTHER;
    for (size_t i = 0; !start && i < sizeof(failed) / sizeof(failed[0]); i++)
        if ((start = find(line, len, failed[i])))
            start += strlen(failed[i]), kind = AUTH_FAILED;
    for (size_t i = 0; !start && i < sizeof(accepted) / sizeof(accepted[0]); i++)
        if ((start = find(line, len, accepted[i])))
            start += strlen(accepted[i]), kind = AUTH_ACCEPTED;
    if (!start)
        return AUTH_OTHER;
    if (kind == AUTH_FAILED && (size_t)(line + len - start) > 13 &&
        memcmp(start, "invalid user ", 13) == 0)
        start += 13;
    /* the address: after the last " from ", up to " port " */
    const char *from = find_last(start, (size_t)(line + len - start), " from ");
    if (!from)
        return AUTH_OTHER;
    const char *addr = from + 6;
    const char *port = find(addr, (size_t)(line + len - addr), " port ");
    if (!port || port == addr || (size_t)(port - addr) > BF_KEY_MAX)
        return AUTH_OTHER;
    char a[BF_KEY_MAX + 1];
    memcpy(a, addr, (size_t)(port - addr));
    a[port - addr] = '\0';
    unsigned char bin[16];
    if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
        return AUTH_OTHER;
    memcpy(source, a, (size_t)(port - addr) + 1);
    copy_key(user, start, (size_t)(from - start));
    return kind;
}

/* The counter for key, created (forgetting the stalest when full). */
static counter_t *counter(table_t *t, const char *key, int64_t now)
{
    counter_t *stalest = NULL;
    for (size_t i = 0; i < t->used; i++) {
        if (strcmp(t->slots[i].key, key) == 0)
            return &t->slots[i];
        if (!stalest || t->slots[i].last_ms < stalest->last_ms)
            stalest = &t->slots[i];
    }
    counter_t *c = t->used < BF_TRACKED ? &t->slots[t->used++] : stalest;
    memset(c, 0, sizeof(*c));
    snprintf(c->key, sizeof(c->key), "%s", key);
    c->first_ms = c->last_ms = now;
    return c;
}

/* Counts one failure; 1 when it reaches the threshold in the window. */
static int hit(const bf_t *b, counter_t *c, int64_t now)
{
    if (now - c->first_ms > b->window_ms) {
        c->first_ms = now;
        c->count = 0;
        c->alerted = 0;
    }
    c->count++;
    c->last_ms = now;
    if (c->count >= b->threshold && !c->alerted) {
        c->alerted = 1;
        return 1;
    }
    return 0;
}

static void alert(bf_alert_t *a, bf_kind_t kind, const char *user, const char *source, int n)
{
    a->kind = kind;
    snprintf(a->user, sizeof(a->user), "%s", user);
    snprintf(a->source, sizeof(a->source), "%s", source);
    a->failures = n;
}

int bf_line(bf_t *b, const char *line, size_t len, int64_t now, bf_alert_t out[2])
{
    char user[BF_KEY_MAX + 1], source[BF_KEY_MAX + 1];
    auth_kind_t kind = auth_parse_sshd(line, len, user, source);
    int n = 0;
    if (kind == AUTH_FAILED) {
        counter_t *src = counter(&b->sources, source, now);
        if (hit(b, src, now))
            alert(&out[n++], BF_SOURCE, user, source, src->count);
        counter_t *acct = counter(&b->accounts, user, now);
        if (hit(b, acct, now))
            alert(&out[n++], BF_ACCOUNT, user, source, acct->count);
    } else if (kind == AUTH_ACCEPTED) {
        counter_t *src = counter(&b->sources, source, now);
        if (now - src->first_ms <= b->window_ms && src->count >= BF_MIN_BEFORE_SUCCESS)
            alert(&out[n++], BF_SUCCESS_AFTER_FAILURES, user, source, src->count);
        src->count = 0;
        src->alerted = 0;
        src->first_ms = src->last_ms = now;
    }
    return n;
}
