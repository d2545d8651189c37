/*
 * store_oidc_schema.h — migration 9, the OpenID Connect provider
 * (store_oidc.h), written once for both backends in the style of
 * migration 5: INT is the backend's 64-bit integer type.
 *
 *   oidc_keys     ID token signing keys, sealed (oidc_keys.c); retired
 *                 keys stay published in the JWKS until prune_after
 *   oidc_clients  relying parties registered by operators
 *   oidc_codes    authorization codes (SHA-256 of the code), single-use
 *   oidc_tokens   access and refresh tokens (SHA-256), with the family
 *                 (the code they came from) for reuse revocation
 *   oidc_consents what a user allowed a client (scopes)
 */
#ifndef RAMPART_CTL_STORE_OIDC_SCHEMA_H
#define RAMPART_CTL_STORE_OIDC_SCHEMA_H

#define STORE_OIDC_MIGRATION(INT)                                                                  \
    "CREATE TABLE oidc_keys ("                                                                     \
    "  kid text PRIMARY KEY,"                                                                      \
    "  alg text NOT NULL,"                                                                         \
    "  sealed text NOT NULL,"                                                                      \
    "  created " INT " NOT NULL,"                                                                  \
    "  prune_after " INT " NOT NULL DEFAULT 0"                                                     \
    ");"                                                                                           \
    "CREATE TABLE oidc_clients ("                                                                  \
    "  client_id text PRIMARY KEY,"                                                                \
    "  name text NOT NULL DEFAULT '',"                                                             \
    "  app text NOT NULL DEFAULT '',"                                                              \
    "  secret_hash text NOT NULL DEFAULT '',"                                                      \
    "  first_party " INT " NOT NULL DEFAULT 0,"                                                    \
    "  redirect_uris text NOT NULL DEFAULT '[]',"                                                  \
    "  post_logout_uris text NOT NULL DEFAULT '[]',"                                               \
    "  scopes text NOT NULL DEFAULT 'openid',"                                                     \
    "  alg text NOT NULL DEFAULT 'RS256',"                                                         \
    "  created " INT " NOT NULL,"                                                                  \
    "  updated " INT " NOT NULL"                                                                   \
    ");"                                                                                           \
    "CREATE TABLE oidc_codes ("                                                                    \
    "  hash text PRIMARY KEY,"                                                                     \
    "  client_id text NOT NULL REFERENCES oidc_clients(client_id) ON DELETE CASCADE,"              \
    "  user_id " INT " NOT NULL,"                                                                  \
    "  sid text NOT NULL,"                                                                         \
    "  grant_data text NOT NULL,"                                                                  \
    "  expires " INT " NOT NULL,"                                                                  \
    "  used " INT " NOT NULL DEFAULT 0"                                                            \
    ");"                                                                                           \
    "CREATE TABLE oidc_tokens ("                                                                   \
    "  hash text PRIMARY KEY,"                                                                     \
    "  kind text NOT NULL CHECK (kind IN ('access', 'refresh')),"                                  \
    "  client_id text NOT NULL REFERENCES oidc_clients(client_id) ON DELETE CASCADE,"              \
    "  user_id " INT " NOT NULL,"                                                                  \
    "  sid text NOT NULL,"                                                                         \
    "  family text NOT NULL,"                                                                      \
    "  grant_data text NOT NULL,"                                                                  \
    "  expires " INT " NOT NULL,"                                                                  \
    "  used " INT " NOT NULL DEFAULT 0,"                                                           \
    "  revoked " INT " NOT NULL DEFAULT 0"                                                         \
    ");"                                                                                           \
    "CREATE INDEX oidc_tokens_family ON oidc_tokens (family);"                                     \
    "CREATE INDEX oidc_tokens_sid ON oidc_tokens (sid);"                                           \
    "CREATE TABLE oidc_consents ("                                                                 \
    "  user_id " INT " NOT NULL,"                                                                  \
    "  client_id text NOT NULL REFERENCES oidc_clients(client_id) ON DELETE CASCADE,"              \
    "  scopes text NOT NULL,"                                                                      \
    "  created " INT " NOT NULL,"                                                                  \
    "  PRIMARY KEY (user_id, client_id)"                                                           \
    ");"

#endif
