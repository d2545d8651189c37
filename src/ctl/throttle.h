/*
 * throttle.h — login throttling, per account and per client address.
 *
 * Account: after login_account_failures consecutive failures the account
 * refuses logins for login_lockout_seconds, doubling with each further
 * lockout up to login_lockout_max_seconds (an hour by default); a success
 * resets it. Address: more than
 * login_address_failures failures within login_address_window_seconds
 * refuses that address until the window ends. Accounts that do not exist
 * are throttled the same way, so throttling tells nothing about which
 * names exist. A refused attempt never reaches the password hash, so a
 * flood costs no argon2 work. State is in memory (bounded tables): a
 * restart forgets it, which errs towards availability.
 */
#ifndef RAMPART_CTL_THROTTLE_H
#define RAMPART_CTL_THROTTLE_H

#include <stdint.h>

#include "config.h"

typedef struct throttle throttle_t;

throttle_t *throttle_new(void);
void throttle_free(throttle_t *t);

/* 0 when an attempt may proceed, else seconds until it may. */
int throttle_check(throttle_t *t, const ctl_config_t *cfg, const char *account, const char *addr,
                   int64_t now_ms);
void throttle_failure(throttle_t *t, const ctl_config_t *cfg, const char *account, const char *addr,
                      int64_t now_ms);
void throttle_success(throttle_t *t, const char *account);

#endif
