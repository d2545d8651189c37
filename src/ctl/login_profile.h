/*
 * login_profile.h — abnormal logins: a learned profile per account of the
 * source networks it logs in from and the hours of the day it logs in at.
 * One detector for both daemons: rampart-agent feeds it sshd's accepted
 * logins, rampartd the identity service's successful portal logins.
 *
 * Per account the profile keeps
 *   - the known source prefixes: the login address truncated to /prefix4
 *     (IPv4, default 24) or /prefix6 (IPv6, default 64), up to
 *     LP_SOURCES_MAX, the least recently used forgotten first;
 *   - a 24-bin histogram of the local hour of each login;
 *   - the time of its first login and the count of logins.
 * An account is learning until learning_s have passed since its first
 * login AND it has min_logins logins; a learning account raises nothing.
 * After that a login
 *   - from a prefix not in the profile is login.new_source;
 *   - at an hour whose share of the account's logins, counting the hour
 *     before and after too (a 3-hour window, so 08:59 and 09:01 are
 *     alike), is below unusual_share is login.unusual_time.
 * Every login is learned after it is judged, so a new source alerts once
 * and then is known. Memory is bounded: LP_ACCOUNTS_MAX accounts, the one
 * seen least recently forgotten first. The clock is the caller's (now_ms),
 * the hour local time (TZ).
 *
 * Not thread-safe: rampartd holds a mutex around it.
 */
#ifndef RAMPART_LOGIN_PROFILE_H
#define RAMPART_LOGIN_PROFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define LP_ACCOUNTS_MAX 4096
#define LP_SOURCES_MAX  32
#define LP_ACCOUNT_MAX  64
#define LP_PREFIX_MAX   48 /* "ffff:...:ffff/128" */

typedef struct {
    int learning_s;       /* default 14 days */
    int min_logins;       /* default 10 */
    int prefix4, prefix6; /* default 24, 64 */
    double unusual_share; /* default 0.05 */
} lp_settings_t;

void lp_settings_defaults(lp_settings_t *s);

typedef struct {
    int new_source;
    int unusual_time;
    int learning;      /* the account was still learning: nothing judged */
    int hour;          /* local hour of the login */
    double hour_share; /* the 3-hour window's share before this login */
    uint32_t logins;   /* before this login */
    size_t known_sources;
    char prefix[LP_PREFIX_MAX]; /* the login's source prefix ("" when not an address) */
} lp_verdict_t;

typedef struct login_profiles login_profiles_t;

login_profiles_t *lp_new(const lp_settings_t *s);
void lp_free(login_profiles_t *p);

/* Judges one successful login of account from source (a numeric IPv4 or
 * IPv6 address; anything else is judged by time only) at now_ms, then
 * learns it. Returns 1 when an alert is due (new_source or unusual_time),
 * 0 otherwise, -1 out of memory. */
int lp_login(login_profiles_t *p, const char *account, const char *source, int64_t now_ms,
             lp_verdict_t *v);

/* The event detail of a verdict: account, source, prefix, hour,
 * hour_share, logins, known_sources (new reference). */
json_t *lp_verdict_json(const lp_verdict_t *v, const char *account, const char *source);

/* The profiles as JSON (to keep them across restarts) and back; load
 * replaces what is learned and refuses (-1) a malformed document. */
json_t *lp_save(const login_profiles_t *p);
int lp_load(login_profiles_t *p, const json_t *doc);

/* The same with a file: saved to path (0600, written to path.tmp,
 * fsync'd, renamed over it); loaded from it (absent: 0, nothing learned
 * yet). 0 or -1. */
int lp_save_file(const login_profiles_t *p, const char *path);
int lp_load_file(login_profiles_t *p, const char *path);

#endif
