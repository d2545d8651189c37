/*
 * idldap.h — LDAP as an external directory (RFC 4511 over libldap): a
 * user whose password lives in LDAP is authenticated by binding as that
 * user — never by fetching and comparing a hash — and its attributes and
 * groups come back to be synced into rampartd's directory (idldap_sync.c).
 *
 * The sequence: bind with the service account (ldap_bind_dn and the
 * password in ldap_bind_password_file; anonymous when none), search
 * ldap_user_base for ldap_user_filter with the name escaped (RFC 4515),
 * require exactly one entry, bind as its DN with the password, then
 * search ldap_group_base for ldap_group_filter with the escaped DN and
 * read the groups' cn. Every network step has ldap_timeout_ms; ldaps://
 * verifies the server against ldap_ca (or the system's CAs).
 */
#ifndef RAMPART_CTL_IDLDAP_H
#define RAMPART_CTL_IDLDAP_H

#include "config.h"
#include "store_dir.h"

#define IDLDAP_MAX_GROUPS 64

typedef enum {
    IDLDAP_OK,          /* the password is right */
    IDLDAP_REFUSED,     /* no such user, several, or the wrong password */
    IDLDAP_UNAVAILABLE, /* the server cannot be reached or failed: never a success */
} idldap_result_t;

typedef struct {
    char dn[1024];
    char display_name[DIR_TEXT_MAX + 1];
    char email[DIR_TEXT_MAX + 1];
    char phone[DIR_PHONE_MAX + 1];
    char groups[IDLDAP_MAX_GROUPS][DIR_NAME_MAX + 1]; /* the groups' cn */
    int n_groups;
} idldap_user_t;

/* Whether LDAP is configured (ldap_url set). */
int idldap_enabled(const ctl_config_t *cfg);

/* Authenticates name with password against the server; *why says what
 * went wrong (for the log and events, never the answer). */
idldap_result_t idldap_authenticate(const ctl_config_t *cfg, const char *name, const char *password,
                                    idldap_user_t *out, const char **why);

/* Writes s with RFC 4515's escapes (* ( ) \ NUL as \XX) into out; -1 when
 * it does not fit. */
int idldap_escape(const char *s, char *out, size_t size);

#endif
