/*
 * store_dir_schema.h — migration 5, the identity directory and its
 * sessions (store_dir.h), written once for both backends: ID is the
 * backend's generated integer key and INT its 64-bit integer type.
 * Names are unique without regard to case (an index on lower(name)).
 *
 *   dir_users        application users: profile, state, password hash and
 *                    history, failure counter and lock, sealed TOTP secret
 *   dir_groups       groups and organisation units, as paths (/gov/city)
 *   dir_roles        roles; dir_user_groups, dir_user_roles: memberships
 *   dir_recovery_codes  SHA-256 of each unused MFA recovery code
 *   id_sessions      live sessions (sid), for lists and revocation
 *   id_revocations   the revocation feed (seq grows; pruned after expiry)
 *   id_keys          session and upstream keys, sealed (idkeys.c)
 *   id_state         counters that must survive pruning (name, value)
 */
#ifndef RAMPART_CTL_STORE_DIR_SCHEMA_H
#define RAMPART_CTL_STORE_DIR_SCHEMA_H

#define STORE_DIR_MIGRATION(ID, INT)                                                               \
    "CREATE TABLE dir_users ("                                                                     \
    "  id " ID ","                                                                                 \
    "  name text NOT NULL,"                                                                        \
    "  display_name text NOT NULL DEFAULT '',"                                                     \
    "  email text NOT NULL DEFAULT '',"                                                            \
    "  phone text NOT NULL DEFAULT '',"                                                            \
    "  ou text NOT NULL DEFAULT '',"                                                               \
    "  state text NOT NULL DEFAULT 'active',"                                                      \
    "  attributes text NOT NULL DEFAULT '{}',"                                                     \
    "  pw_hash text NOT NULL DEFAULT '',"                                                          \
    "  pw_history text NOT NULL DEFAULT '[]',"                                                     \
    "  pw_changed " INT " NOT NULL DEFAULT 0,"                                                     \
    "  failures " INT " NOT NULL DEFAULT 0,"                                                       \
    "  locked_until " INT " NOT NULL DEFAULT 0,"                                                   \
    "  totp_secret text NOT NULL DEFAULT '',"                                                      \
    "  totp_state " INT " NOT NULL DEFAULT 0,"                                                     \
    "  totp_last_step " INT " NOT NULL DEFAULT 0,"                                                 \
    "  last_login " INT " NOT NULL DEFAULT 0,"                                                     \
    "  created " INT " NOT NULL,"                                                                  \
    "  updated " INT " NOT NULL"                                                                   \
    ");"                                                                                           \
    "CREATE UNIQUE INDEX dir_users_name ON dir_users (lower(name));"                               \
    "CREATE TABLE dir_groups ("                                                                    \
    "  id " ID ","                                                                                 \
    "  path text NOT NULL,"                                                                        \
    "  display_name text NOT NULL DEFAULT '',"                                                     \
    "  description text NOT NULL DEFAULT '',"                                                      \
    "  created " INT " NOT NULL"                                                                   \
    ");"                                                                                           \
    "CREATE UNIQUE INDEX dir_groups_path ON dir_groups (lower(path));"                             \
    "CREATE TABLE dir_roles ("                                                                     \
    "  id " ID ","                                                                                 \
    "  name text NOT NULL,"                                                                        \
    "  description text NOT NULL DEFAULT '',"                                                      \
    "  created " INT " NOT NULL"                                                                   \
    ");"                                                                                           \
    "CREATE UNIQUE INDEX dir_roles_name ON dir_roles (lower(name));"                               \
    "CREATE TABLE dir_user_groups ("                                                               \
    "  user_id " INT " NOT NULL REFERENCES dir_users(id) ON DELETE CASCADE,"                       \
    "  group_id " INT " NOT NULL REFERENCES dir_groups(id) ON DELETE CASCADE,"                     \
    "  PRIMARY KEY (user_id, group_id)"                                                            \
    ");"                                                                                           \
    "CREATE INDEX dir_user_groups_group ON dir_user_groups (group_id);"                            \
    "CREATE TABLE dir_user_roles ("                                                                \
    "  user_id " INT " NOT NULL REFERENCES dir_users(id) ON DELETE CASCADE,"                       \
    "  role_id " INT " NOT NULL REFERENCES dir_roles(id) ON DELETE CASCADE,"                       \
    "  PRIMARY KEY (user_id, role_id)"                                                             \
    ");"                                                                                           \
    "CREATE INDEX dir_user_roles_role ON dir_user_roles (role_id);"                                \
    "CREATE TABLE dir_recovery_codes ("                                                            \
    "  user_id " INT " NOT NULL REFERENCES dir_users(id) ON DELETE CASCADE,"                       \
    "  hash text NOT NULL,"                                                                        \
    "  PRIMARY KEY (user_id, hash)"                                                                \
    ");"                                                                                           \
    "CREATE TABLE id_sessions ("                                                                   \
    "  sid text PRIMARY KEY,"                                                                      \
    "  user_id " INT " NOT NULL REFERENCES dir_users(id) ON DELETE CASCADE,"                       \
    "  amr text NOT NULL DEFAULT '',"                                                              \
    "  app text NOT NULL DEFAULT '',"                                                              \
    "  client text NOT NULL DEFAULT '',"                                                           \
    "  created " INT " NOT NULL,"                                                                  \
    "  expires " INT " NOT NULL"                                                                   \
    ");"                                                                                           \
    "CREATE INDEX id_sessions_user ON id_sessions (user_id);"                                      \
    "CREATE TABLE id_revocations ("                                                                \
    "  seq " INT " PRIMARY KEY,"                                                                   \
    "  kind text NOT NULL CHECK (kind IN ('sid', 'user')),"                                        \
    "  ident text NOT NULL,"                                                                       \
    "  t " INT " NOT NULL,"                                                                        \
    "  prune_after " INT " NOT NULL"                                                               \
    ");"                                                                                           \
    "CREATE TABLE id_keys ("                                                                       \
    "  kid text PRIMARY KEY,"                                                                      \
    "  purpose text NOT NULL,"                                                                     \
    "  app text NOT NULL DEFAULT '',"                                                              \
    "  alg text NOT NULL,"                                                                         \
    "  sealed text NOT NULL,"                                                                      \
    "  created " INT " NOT NULL,"                                                                  \
    "  not_after " INT " NOT NULL DEFAULT 0"                                                       \
    ");"                                                                                           \
    "CREATE TABLE id_state ("                                                                      \
    "  name text PRIMARY KEY,"                                                                     \
    "  value " INT " NOT NULL"                                                                     \
    ");"

#endif
