/*
 * password.h — console passwords: argon2id hashes (RFC 9106) in the PHC
 * string format, and the policy a new password must meet.
 */
#ifndef RAMPART_CTL_PASSWORD_H
#define RAMPART_CTL_PASSWORD_H

#include <stddef.h>

#include "config.h"

#define PASSWORD_MIN_LENGTH 12
#define PASSWORD_MAX_BYTES  1024

/* "$argon2id$v=19$m=...,t=...,p=...$salt$hash" with a fresh 16-byte salt.
 * 0, or -1 on failure. */
int password_hash(const ctl_config_t *cfg, const char *password, char *out, size_t out_size);

/* 1 when password matches the encoded hash, 0 when not, -1 when the hash
 * is unusable. Costs one argon2id computation with the hash's own
 * parameters. */
int password_verify(const char *encoded, const char *password);

/* Spends the time a verification would, for logins naming no account, so
 * response time does not tell which accounts exist. */
void password_waste_time(const ctl_config_t *cfg, const char *password);

/* NULL when the password is acceptable for the account, else the reason
 * (NIST SP 800-63B section 5.1.1.2: length, not the account name, not one
 * repeated character; no composition rules). */
const char *password_policy_check(const char *account, const char *password);

#endif
