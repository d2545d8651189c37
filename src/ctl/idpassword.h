/*
 * idpassword.h — passwords of directory users: the policy a new one must
 * meet and setting it (argon2id, password.h's PHC strings).
 *
 * Policy (docs/IDENTITY.md "Passwords"; MLPS 2.0 level 3 asks for
 * complexity and periodic change, NIST SP 800-63B 5.1.1.2 for a
 * blocklist): at least id_password_min_length characters, characters
 * from at least id_password_min_classes of lower case, upper case, digits
 * and others, not containing the account name (any case), not a common
 * password (etc/common-passwords.txt, also after stripping digits and
 * punctuation at either end), not one of the last id_password_history
 * passwords. A password expires id_password_max_age_days after it was set
 * (0: never). The numbers are rampartd.conf settings (idconf.h).
 */
#ifndef RAMPART_CTL_IDPASSWORD_H
#define RAMPART_CTL_IDPASSWORD_H

#include <jansson.h>

#include "config.h"
#include "store_dir.h"

/* NULL when the password is acceptable for u (history included), else
 * the reason, safe to show the user. */
const char *idpw_policy(const idconf_t *id, const dir_user_t *u, const char *password);

/* Checks the policy, hashes the password into u->pw_hash, pushes the old
 * hash onto u->pw_history (keeping id_password_history) and sets pw_changed.
 * NULL or the reason. u is not written to the store. */
const char *idpw_set(const ctl_config_t *cfg, dir_user_t *u, const char *password);

/* 1 when u's password is older than the policy allows, or temporary
 * (set by an operator: pw_changed 0). */
int idpw_expired(const idconf_t *id, const dir_user_t *u, int64_t now_ms);

/* {min_length, min_classes, history}: what the portal tells a user
 * choosing a password (a new reference). */
json_t *idpw_policy_json(const idconf_t *id);

/* 1 when word is on the common-password list (exact, any case). */
int idpw_is_common(const char *word);

#endif
