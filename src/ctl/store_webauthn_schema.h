/*
 * store_webauthn_schema.h — migration 8, the directory users' WebAuthn
 * credentials (store_webauthn.h), written once for both backends as
 * migration 5 (store_dir_schema.h): ID is the backend's generated integer
 * key and INT its 64-bit integer type.
 *
 *   dir_webauthn   one row per registered credential: its id (base64url,
 *                  unique across every user — W3C WebAuthn §7.1 step 22),
 *                  the user handle given at registration, the COSE public
 *                  key (base64url), algorithm, signature counter,
 *                  transports, AAGUID, the user's name for it, created and
 *                  last used (Unix ms)
 */
#ifndef RAMPART_CTL_STORE_WEBAUTHN_SCHEMA_H
#define RAMPART_CTL_STORE_WEBAUTHN_SCHEMA_H

#define STORE_WEBAUTHN_MIGRATION(ID, INT)                                                          \
    "CREATE TABLE dir_webauthn ("                                                                  \
    "  id " ID ","                                                                                 \
    "  user_id " INT " NOT NULL REFERENCES dir_users(id) ON DELETE CASCADE,"                       \
    "  credential_id text NOT NULL,"                                                               \
    "  user_handle text NOT NULL,"                                                                 \
    "  public_key text NOT NULL,"                                                                  \
    "  alg " INT " NOT NULL,"                                                                      \
    "  sign_count " INT " NOT NULL DEFAULT 0,"                                                     \
    "  transports text NOT NULL DEFAULT '',"                                                       \
    "  aaguid text NOT NULL DEFAULT '',"                                                           \
    "  name text NOT NULL DEFAULT '',"                                                             \
    "  created " INT " NOT NULL,"                                                                  \
    "  last_used " INT " NOT NULL DEFAULT 0"                                                       \
    ");"                                                                                           \
    "CREATE UNIQUE INDEX dir_webauthn_credential ON dir_webauthn (credential_id);"                 \
    "CREATE INDEX dir_webauthn_user ON dir_webauthn (user_id);"

#endif
