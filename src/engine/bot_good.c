/*
 * bot_good.c — verified good bots by reverse-then-forward DNS, the check
 * Google and Bing document for their crawlers: the address's PTR name
 * must end in one of the operator's suffixes, and that name must resolve
 * back to the address (else anyone controlling their own reverse zone
 * could name themselves crawl-1.googlebot.com).
 *
 * DNS is slow and a client can claim to be Googlebot on every request, so
 * answers (yes and no) are cached per address for an hour in a small
 * table under a mutex; a lookup blocks only for the first request of an
 * address.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "rampart/bot.h"

#define CACHE_SLOTS 1024
#define CACHE_TTL   3600

typedef struct {
    char addr[64];
    char suffixes[256];
    time_t until;
    bool good;
} cache_entry_t;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry_t cache[CACHE_SLOTS];

static int system_reverse(void *ctx, const char *addr, char *host, size_t host_len)
{
    (void)ctx;
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        sl = sizeof(*s4);
    } else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        sl = sizeof(*s6);
    } else {
        return -1;
    }
    return getnameinfo((struct sockaddr *)&ss, sl, host, (socklen_t)host_len, NULL, 0,
                       NI_NAMEREQD) == 0
               ? 0
               : -1;
}

static int system_forward(void *ctx, const char *host, char (*addrs)[64], int max)
{
    (void)ctx;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return -1;
    int n = 0;
    for (ai = res; ai && n < max; ai = ai->ai_next) {
        const void *a = ai->ai_family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        if (inet_ntop(ai->ai_family, a, addrs[n], 64))
            n++;
    }
    freeaddrinfo(res);
    return n;
}

static rp_bot_resolver_t resolver = {system_reverse, system_forward, NULL};

void rp_bot_set_resolver(const rp_bot_resolver_t *r)
{
    pthread_mutex_lock(&cache_lock);
    resolver = r ? *r : (rp_bot_resolver_t){system_reverse, system_forward, NULL};
    memset(cache, 0, sizeof(cache));
    pthread_mutex_unlock(&cache_lock);
}

static bool ends_with_suffix(const char *host, const char *suffixes)
{
    size_t hl = strlen(host);
    while (hl && host[hl - 1] == '.') /* the root's dot of an absolute name */
        hl--;
    for (const char *s = suffixes; *s;) {
        size_t sl = strcspn(s, ",");
        if (sl && hl > sl && strncasecmp(host + hl - sl, s, sl) == 0)
            return true;
        s += sl + (s[sl] == ',');
    }
    return false;
}

/* Addresses compared as bytes: "::ffff:1.2.3.4" style spellings differ. */
static bool same_address(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    if (inet_pton(AF_INET, a, x) == 1)
        return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
    return inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1 &&
           memcmp(x, y, 16) == 0;
}

static unsigned slot_of(const char *addr)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % CACHE_SLOTS;
}

bool rp_bot_verify_good(const char *addr, const char *suffixes)
{
    if (strlen(addr) >= 64 || strlen(suffixes) >= 256)
        return false;
    time_t now = time(NULL);
    unsigned slot = slot_of(addr);
    pthread_mutex_lock(&cache_lock);
    cache_entry_t e = cache[slot];
    rp_bot_resolver_t r = resolver;
    pthread_mutex_unlock(&cache_lock);
    if (e.until > now && strcmp(e.addr, addr) == 0 && strcmp(e.suffixes, suffixes) == 0)
        return e.good;

    bool good = false;
    char host[256];
    if (r.reverse(r.ctx, addr, host, sizeof(host)) == 0 && ends_with_suffix(host, suffixes)) {
        char addrs[16][64];
        int n = r.forward(r.ctx, host, addrs, 16);
        for (int i = 0; i < n && !good; i++)
            good = same_address(addr, addrs[i]);
    }
    cache_entry_t fresh = {.until = now + CACHE_TTL, .good = good};
    snprintf(fresh.addr, sizeof(fresh.addr), "%s", addr);
    snprintf(fresh.suffixes, sizeof(fresh.suffixes), "%s", suffixes);
    pthread_mutex_lock(&cache_lock);
    cache[slot] = fresh;
    pthread_mutex_unlock(&cache_lock);
    return good;
}
