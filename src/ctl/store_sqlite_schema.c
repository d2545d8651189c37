/*
 * store_sqlite_schema.c — the SQLite schema as an ordered list of
 * migrations. Each runs once, in order, inside the transaction that
 * records it in schema_version; a released migration is never edited,
 * a change is a new one at the end.
 *
 * Events: one row per gateway event with the fields the API filters on,
 * its rule keys as a JSON array (rules), and the original JSON in raw.
 * Indexes pair each filter column with ts, so "filter + time range,
 * newest first" walks one index. event_rules has one row per distinct
 * rule key of an event, so a rule filter finds every event a rule matched,
 * not only those where it came first; it is a single B-tree keyed
 * (rule, ts, event_id) — the rule filter's own order — and retention
 * deletes its rows by exact key, from the rules array of each deleted
 * event, so no second index is needed.
 */
#include "store_dir_schema.h"
#include "store_webauthn_schema.h"
#include "store_oidc_schema.h"
#include "store_dataview_schema.h"
#include "store_sqlite_t.h"

static const char migration_1[] =
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  ts INTEGER NOT NULL,"
    "  received INTEGER NOT NULL,"
    "  source TEXT NOT NULL,"
    "  request_id TEXT,"
    "  app TEXT,"
    "  host TEXT,"
    "  client TEXT,"
    "  method TEXT,"
    "  uri TEXT,"
    "  path TEXT,"
    "  action TEXT NOT NULL,"
    "  status INTEGER,"
    "  category TEXT,"
    "  score INTEGER,"
    "  rules TEXT NOT NULL DEFAULT '[]',"
    "  raw TEXT NOT NULL"
    ");"
    "CREATE INDEX events_ts ON events(ts);"
    "CREATE INDEX events_app_ts ON events(app, ts);"
    "CREATE INDEX events_client_ts ON events(client, ts);"
    "CREATE INDEX events_category_ts ON events(category, ts);"
    "CREATE INDEX events_action_ts ON events(action, ts);"
    "CREATE TABLE event_rules ("
    "  rule TEXT NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  event_id INTEGER NOT NULL,"
    "  PRIMARY KEY (rule, ts, event_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE ingest_checkpoints ("
    "  source TEXT PRIMARY KEY,"
    "  dev INTEGER NOT NULL,"
    "  inode INTEGER NOT NULL,"
    "  fp BLOB,"
    "  fp_len INTEGER NOT NULL,"
    "  offset INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'secops', 'auditor')),"
    "  pw_hash TEXT NOT NULL,"
    "  must_change INTEGER NOT NULL DEFAULT 1,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  pw_changed INTEGER NOT NULL"
    ");"
    "CREATE TABLE sessions ("
    "  token_hash BLOB PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  client TEXT"
    ") WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE api_tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'secops', 'auditor', 'gateway')),"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  prefix TEXT NOT NULL,"
    "  created_by INTEGER,"
    "  created INTEGER NOT NULL,"
    "  last_used INTEGER NOT NULL DEFAULT 0,"
    "  expires INTEGER NOT NULL DEFAULT 0,"
    "  revoked INTEGER NOT NULL DEFAULT 0"
    ");";

/* The audit log (audit_record.h): append-only. Triggers refuse every
 * UPDATE, a DELETE of anything younger than 180 days (the minimum
 * retention; older records go only through audit retention), and an
 * INSERT that is not the next seq, so even a bug in rampartd cannot
 * rewrite history; an attacker with write access to the file can drop the
 * triggers, which is what the SM3 chain and the SM2 seals detect. */
#define AUDIT_MIN_AGE_MS "(CAST(strftime('%s', 'now') AS INTEGER) - 180 * 86400) * 1000"
static const char migration_2[] =
    "CREATE TABLE audit_log ("
    "  seq INTEGER PRIMARY KEY,"
    "  ts INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  client TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  canonical BLOB NOT NULL,"
    "  prev_hash BLOB NOT NULL,"
    "  hash BLOB NOT NULL"
    ");"
    "CREATE INDEX audit_log_ts ON audit_log(ts);"
    "CREATE INDEX audit_log_actor ON audit_log(actor, seq);"
    "CREATE INDEX audit_log_action ON audit_log(action, seq);"
    "CREATE TABLE audit_seals ("
    "  id INTEGER PRIMARY KEY,"
    "  seq INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  key_id BLOB NOT NULL,"
    "  signature BLOB NOT NULL"
    ");"
    "CREATE INDEX audit_seals_seq ON audit_seals(seq);"
    "CREATE TABLE audit_export_cursors ("
    "  name TEXT PRIMARY KEY,"
    "  seq INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log "
    "  WHEN new.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_log) "
    "  BEGIN SELECT RAISE(ABORT, 'audit records are appended in seq order'); END;"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "  BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "  WHEN old.ts >= " AUDIT_MIN_AGE_MS
    "  BEGIN SELECT RAISE(ABORT, 'audit records are kept at least 180 days'); END;"
    "CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals "
    "  BEGIN SELECT RAISE(ABORT, 'audit seals cannot be changed'); END;"
    "CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals "
    "  WHEN old.ts >= " AUDIT_MIN_AGE_MS
    "  BEGIN SELECT RAISE(ABORT, 'audit seals are kept at least 180 days'); END;";

/* Applications, their protection switches (a JSON object per app),
 * policies with every version kept, the published distribution bundles
 * and the gateways' check-ins. An application names its policy; the
 * foreign key keeps a policy in use from being deleted. */
static const char migration_3[] =
    "CREATE TABLE policies ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  current_version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE TABLE policy_versions ("
    "  policy_id INTEGER NOT NULL REFERENCES policies(id) ON DELETE CASCADE,"
    "  version INTEGER NOT NULL,"
    "  text TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  comment TEXT NOT NULL DEFAULT '',"
    "  rollback_of INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (policy_id, version)"
    ") WITHOUT ROWID;"
    "CREATE TABLE apps ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  host TEXT NOT NULL,"
    "  path_prefix TEXT NOT NULL,"
    "  upstream TEXT NOT NULL,"
    "  policy_id INTEGER REFERENCES policies(id),"
    "  switches TEXT NOT NULL DEFAULT '{}',"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE INDEX apps_policy ON apps(policy_id);"
    "CREATE TABLE bundles ("
    "  version INTEGER PRIMARY KEY,"
    "  hash TEXT NOT NULL,"
    "  json TEXT NOT NULL,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE TABLE gateways ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  running_version INTEGER NOT NULL DEFAULT 0,"
    "  running_hash TEXT NOT NULL DEFAULT '',"
    "  address TEXT NOT NULL DEFAULT '',"
    "  token TEXT NOT NULL DEFAULT '',"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL"
    ");";

/* The gateways enforce the rate_limit switch from migration 17 on; before,
 * they ignored it and every application stored its default "off". Moving
 * those to "block" (the policy's own rate limits decide) keeps upgraded
 * applications limited as they were (docs/API-SECURITY.md "Switches"). */
static const char migration_17[] =
    "UPDATE apps SET switches = replace(switches, '\"rate_limit\":\"off\"', "
    "'\"rate_limit\":\"block\"');";

/* In version order; migrate() applies every migration the store has not
 * recorded, in this order, so a store that had 4 before 3 was merged
 * still gets 3. */
const sq_migration_t sq_migrations[] = {
    {1, "events, event rules, ingestion checkpoints, users, sessions, API tokens", migration_1},
    {2, "audit log (SM3 chain, SM2 seals, export cursors), append-only", migration_2},
    {3, "applications, policies and their versions, bundles, gateways", migration_3},
    {4, "host agents and their enrolment tokens", sq_migration_agents},
    {5, "identity: directory users, groups, roles, sessions, revocations, keys",
     STORE_DIR_MIGRATION("INTEGER PRIMARY KEY", "INTEGER")},
    {6, "data keys wrapped by the master key, their versions, grants, key jobs", sq_migration_keys},
    {7, "host agents' baseline results", sq_migration_agent_baselines},
    {8, "identity: WebAuthn credentials of directory users",
     STORE_WEBAUTHN_MIGRATION("INTEGER PRIMARY KEY", "INTEGER")},
    {9, "OpenID Connect provider: signing keys, clients, codes, tokens, consents",
     STORE_OIDC_MIGRATION("INTEGER")},
    {10, "data visibility: exposure of data classes per endpoint, alerts",
     STORE_DATAVIEW_MIGRATION("INTEGER PRIMARY KEY", "INTEGER")},
    {11, "host groups: capabilities and response rules of their hosts", sq_migration_agent_groups},
    {16, "API inventory learnt from gateways' discovery", sq_migration_api_inventory},
    {17, "the rate_limit switch enforced: stored \"off\" defaults become \"block\"", migration_17},
};

const int sq_migrations_count = (int)(sizeof(sq_migrations) / sizeof(sq_migrations[0]));
