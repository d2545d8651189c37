/*
 * fuzz_bot.c — libFuzzer target for bot protection's parsers of untrusted
 * input: the clearance cookie, the challenge token and its work, the
 * challenge answer's query (token, work, webdriver flag, return path)
 * through a whole transaction, and the bot directives of a policy; and
 * the abuse rules' (tx_abuse.c): a path against an enumeration template,
 * a login body's fields, the enumerate and login directives.
 *
 * Checks the contract, not just the absence of crashes: nothing an
 * attacker can write verifies without the key, and an answer never yields
 * a redirect off the site (a Location must start with one '/').
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rampart/rampart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEY[] = "fuzz-key-fuzz-key-fuzz-key-fuzz-key!";
static rp_policy_t *policy;

static void setup(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/rampart-fuzz-bot-%d.key", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(KEY, 1, sizeof(KEY) - 1, f);
    fclose(f);
    chmod(path, 0600);
    char text[512];
    snprintf(text, sizeof(text),
             "bot_key %s\nbot / challenge difficulty=0\n"
             "enumerate recs /r/{a}/x/{b} 3/m action=challenge\n"
             "login in /login user=u password=p users=3/m accounts=2/m\n",
             path);
    rp_error_t err;
    policy = rp_policy_load_string(text, strlen(text), "fuzz.policy", &err);
    unlink(path);
    if (!policy)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!policy)
        setup();
    const char *s = (const char *)data;
    rp_bot_binding_t b;
    rp_bot_binding("192.0.2.1", "fuzz", &b);
    if (rp_bot_clearance_verify(KEY, sizeof(KEY) - 1, &b, s, size, 0, NULL) == RP_BOT_OK)
        abort(); /* a forged clearance verified */
    const char *dot = memchr(s, '|', size);
    size_t tl = dot ? (size_t)(dot - s) : size;
    if (rp_bot_challenge_verify(KEY, sizeof(KEY) - 1, &b, s, tl, dot ? dot + 1 : "",
                                dot ? size - tl - 1 : 0, 0, NULL) == RP_BOT_OK)
        abort();

    /* the answer path's query, as a request target */
    char *uri = malloc(size + 32);
    if (!uri)
        abort();
    memcpy(uri, "/.rampart/challenge?", 20);
    memcpy(uri + 20, s, size);
    rp_tx_t *tx = rp_tx_new(policy);
    rp_tx_connection(tx, "192.0.2.1", 9, 1, "127.0.0.1", 9, 80);
    rp_tx_request_line(tx, "GET", 3, uri, size + 20, "HTTP/1.1", 8);
    rp_tx_request_header(tx, "User-Agent", 10, "fuzz", 4);
    rp_tx_request_header(tx, "Cookie", 6, s, size);
    rp_tx_request_headers_done(tx);
    rp_tx_request_end(tx);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    if (v->action == RP_ACTION_REDIRECT &&
        (v->location[0] != '/' || v->location[1] == '/' || v->location[1] == '\\'))
        abort();
    rp_tx_free(tx);
    free(uri);

    /* a path against the enumeration template, a login body */
    uri = malloc(size + 8);
    if (!uri)
        abort();
    memcpy(uri, "/r/", 3);
    memcpy(uri + 3, s, size);
    for (int login = 0; login <= 1; login++) {
        tx = rp_tx_new(policy);
        rp_tx_connection(tx, "192.0.2.2", 9, 1, "127.0.0.1", 9, 80);
        if (login) {
            char cl[24];
            snprintf(cl, sizeof(cl), "%zu", size);
            rp_tx_request_line(tx, "POST", 4, "/login", 6, "HTTP/1.1", 8);
            rp_tx_request_header(tx, "Content-Type", 12, "application/x-www-form-urlencoded", 33);
            rp_tx_request_header(tx, "Content-Length", 14, cl, strlen(cl));
        } else {
            rp_tx_request_line(tx, "GET", 3, uri, size + 3, "HTTP/1.1", 8);
        }
        if (rp_tx_request_headers_done(tx) == RP_OK && login)
            rp_tx_request_body(tx, data, size);
        rp_tx_request_end(tx);
        rp_tx_free(tx);
    }
    free(uri);

    /* the directives */
    char *text = malloc(size + 8);
    if (!text)
        abort();
    memcpy(text, "bot ", 4);
    memcpy(text + 4, s, size);
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(text, size + 4, "fuzz.policy", &err);
    rp_policy_unref(p);
    free(text);
    static const char *const abuse[] = {"enumerate ", "login "};
    for (int i = 0; i < 2; i++) {
        size_t pl = strlen(abuse[i]);
        text = malloc(size + pl);
        if (!text)
            abort();
        memcpy(text, abuse[i], pl);
        memcpy(text + pl, s, size);
        rp_policy_unref(rp_policy_load_string(text, size + pl, "fuzz.policy", &err));
        free(text);
    }
    return 0;
}
