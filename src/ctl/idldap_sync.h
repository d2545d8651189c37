/*
 * idldap_sync.h — a login of an LDAP user (idldap.h) and the sync of what
 * LDAP says into the directory (docs/IDENTITY.md "LDAP").
 */
#ifndef RAMPART_CTL_IDLDAP_SYNC_H
#define RAMPART_CTL_IDLDAP_SYNC_H

#include "idldap.h"

/* Whether the directory user came from LDAP (attributes.source "ldap"). */
int idldap_is_source(const dir_user_t *u);

/* Authenticates name against LDAP; on IDLDAP_OK the user is created or
 * updated in the directory with its groups and mapped roles, u is it and
 * *known is 1. *why as idldap_authenticate's. */
idldap_result_t idldap_login(store_t *s, const ctl_config_t *cfg, const char *name,
                             const char *password, dir_user_t *u, int *known, const char **why);

#endif
