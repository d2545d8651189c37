/*
 * bruteforce.h — password guessing and abnormal logins from sshd's log.
 *
 * Lines of sshd's log (auth.log, or sshd -E) are reduced to "failed" or
 * "accepted" with an account and a source address; everything else is
 * ignored. The address is taken from the end of the line (the last
 * " from ADDR port N"), where sshd writes it after the account name, so an
 * account name an attacker chose — spaces, "from", quotes, any byte —
 * cannot pose as another source; it must parse as an IPv4 or IPv6 address.
 *
 * Detections, within a sliding window of `window_s` seconds:
 *   bruteforce.source   `threshold` failures from one address (guessing)
 *   bruteforce.account  `threshold` failures for one account from any
 *                       addresses (distributed guessing)
 *   bruteforce.success_after_failures  a login accepted from an address
 *                       that failed at least 3 times just before
 * Each fires once per window and key. Memory is bounded: at most
 * BF_TRACKED addresses and accounts each; the stalest is forgotten first.
 */
#ifndef RAMPART_AGENT_BRUTEFORCE_H
#define RAMPART_AGENT_BRUTEFORCE_H

#include <stddef.h>
#include <stdint.h>

#define BF_TRACKED            1024
#define BF_KEY_MAX            64
#define BF_MIN_BEFORE_SUCCESS 3

typedef enum { AUTH_OTHER, AUTH_FAILED, AUTH_ACCEPTED } auth_kind_t;

/* user: at most BF_KEY_MAX bytes, bytes outside printable ASCII as '?';
 * source: the numeric address. */
auth_kind_t auth_parse_sshd(const char *line, size_t len, char user[BF_KEY_MAX + 1],
                            char source[BF_KEY_MAX + 1]);

typedef enum { BF_SOURCE, BF_ACCOUNT, BF_SUCCESS_AFTER_FAILURES } bf_kind_t;

typedef struct {
    bf_kind_t kind;
    char user[BF_KEY_MAX + 1];
    char source[BF_KEY_MAX + 1];
    int failures; /* in the window */
} bf_alert_t;

const char *bf_kind_name(bf_kind_t kind); /* "bruteforce.source", ... */

typedef struct bf bf_t;

bf_t *bf_new(int threshold, int window_s);
void bf_free(bf_t *b);

/* Feeds one log line seen at now_ms; writes up to 2 alerts; their count. */
int bf_line(bf_t *b, const char *line, size_t len, int64_t now_ms, bf_alert_t out[2]);

#endif
