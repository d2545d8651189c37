/*
 * store_pg_schema.c — the PostgreSQL schema as an ordered list of
 * migrations. Each runs once, in order, inside the transaction that
 * records it in schema_version (PostgreSQL's DDL is transactional, so a
 * failed migration leaves nothing behind); a released migration is never
 * edited, a change is a new one at the end.
 *
 * Events are range-partitioned by ts (ms since the epoch) into one table
 * per UTC day, events_YYYYMMDD (declarative partitioning, PostgreSQL 10+):
 * retention drops whole days instead of deleting rows, and a time range
 * only reads the days it covers. rampart_event_partition(day) creates a
 * day's table when it is missing (rampartd calls it ahead of need and for
 * any day an incoming batch touches, so no event is refused for lack of a
 * partition).
 *
 * Indexes are declared on the parent and so exist on every day. Each one
 * costs every insert, so there are few, each the cheapest form that
 * answers its filter (server CPU per event measured in
 * docs/BENCHMARKS.md; migration 12 set the current ones):
 *   (ts, id)          newest-first pages and their keyset cursor, time
 *                     ranges, per-minute counts; a page filtered by a
 *                     column without an index of its own (category,
 *                     action), or by a frequent application, walks it
 *                     newest first
 *   (client, ts)      the client filter, and top clients of a partial
 *                     day (an index-only scan that reads the counts in
 *                     client order); the dearest index per event (inserts
 *                     land at random among the addresses), and worth it
 *   (app)             a rare application's events (few keys, posting
 *                     lists: nearly free)
 *   GIN (rules)       the rule filter: every event a rule matched; with
 *                     its pending list (fastupdate, 4 MB), so new entries
 *                     are appended and merged in bulk, a third of the cost
 *                     of inserting each into the posting trees
 *   BRIN (id)         an event by id; ids grow with insertion order, so a
 *                     block-range index is exact enough and nearly free;
 *                     autosummarize: each filled range is summarised soon
 *                     (an unsummarised range is read whole at every lookup)
 * event_day_counts holds the events per (dimension, day, key) for fast
 * top-N over whole days (store_pg_counts.c).
 * Text columns that are filtered, grouped or sorted use the "C" collation:
 * byte comparisons, the order SQLite uses, and no locale cost per index
 * comparison.
 */
#include "store_dir_schema.h"
#include "store_oidc_schema.h"
#include "store_dataview_schema.h"
#include "store_pg_t.h"
#include "store_webauthn_schema.h"

static const char migration_1[] =
    "CREATE SEQUENCE events_id_seq AS bigint CACHE 1000;"
    "CREATE TABLE events ("
    "  id bigint NOT NULL DEFAULT nextval('events_id_seq'),"
    "  ts bigint NOT NULL,"
    "  received bigint NOT NULL,"
    "  source text NOT NULL,"
    "  request_id text,"
    "  app text COLLATE \"C\","
    "  host text,"
    "  client text COLLATE \"C\","
    "  method text,"
    "  uri text,"
    "  path text COLLATE \"C\","
    "  action text COLLATE \"C\" NOT NULL,"
    "  status integer,"
    "  category text COLLATE \"C\","
    "  score bigint,"
    "  rules text[] NOT NULL DEFAULT '{}',"
    "  raw text NOT NULL"
    ") PARTITION BY RANGE (ts);"
    "ALTER SEQUENCE events_id_seq OWNED BY events.id;"
    "CREATE INDEX events_ts ON events (ts, id);"
    "CREATE INDEX events_id ON events USING brin (id) WITH (autosummarize = on);"
    "CREATE INDEX events_client_ts ON events (client, ts);"
    "CREATE INDEX events_app_ts ON events (app, ts);"
    "CREATE INDEX events_rules ON events USING gin (rules) WITH (fastupdate = off);"
    /* the day partitions with their bounds */
    "CREATE VIEW event_partitions AS"
    "  SELECT c.relname::text AS name,"
    "    (regexp_match(pg_get_expr(c.relpartbound, c.oid),"
    "                  'FROM \\(''?(-?[0-9]+)''?\\)'))[1]::bigint AS lower,"
    "    (regexp_match(pg_get_expr(c.relpartbound, c.oid),"
    "                  'TO \\(''?(-?[0-9]+)''?\\)'))[1]::bigint AS upper"
    "  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    "  WHERE i.inhparent = 'events'::regclass;"
    "CREATE FUNCTION rampart_event_partition(day bigint) RETURNS void"
    " LANGUAGE plpgsql AS $$"
    " DECLARE part text;"
    " BEGIN"
    "   part := CASE WHEN day >= 0"
    "     THEN 'events_' || to_char(timestamp 'epoch' + day * interval '1 day', 'YYYYMMDD')"
    "     ELSE 'events_before_epoch_' || (-day)::text END;"
    "   IF to_regclass(quote_ident(part)) IS NULL THEN"
    "     EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',"
    "                    part, day * 86400000, (day + 1) * 86400000);"
    "   END IF;"
    " EXCEPTION WHEN duplicate_table OR unique_violation THEN"
    "   NULL;" /* another session created it at the same moment */
    " END $$;"
    /* events per (top-N dimension, day, key), kept by the ingest writer
     * in each batch's transaction (store_pg_counts.c); dim is store_top_t */
    "CREATE TABLE event_day_counts ("
    "  dim smallint NOT NULL,"
    "  day bigint NOT NULL,"
    "  key text COLLATE \"C\" NOT NULL,"
    "  n bigint NOT NULL,"
    "  PRIMARY KEY (dim, day, key)"
    ") WITH (fillfactor = 70);" /* room for in-page (HOT) updates of n */
    "CREATE FUNCTION rampart_drop_event_partition(part text) RETURNS bigint"
    " LANGUAGE plpgsql AS $$"
    " DECLARE n bigint; first_ts bigint;"
    " BEGIN"
    "   SELECT lower INTO first_ts FROM event_partitions WHERE name = part;"
    "   IF NOT FOUND THEN"
    "     RAISE EXCEPTION 'not an event partition: %', part;"
    "   END IF;"
    /* a long query holding the table must not queue every reader behind
     * the drop: give up and retry at the next pass */
    "   PERFORM set_config('lock_timeout', '5s', true);"
    "   EXECUTE format('SELECT count(*) FROM %I', part) INTO n;"
    "   EXECUTE format('DROP TABLE %I', part);"
    "   DELETE FROM event_day_counts WHERE day = first_ts / 86400000;"
    "   RETURN n;"
    " END $$;"
    "CREATE TABLE ingest_checkpoints ("
    "  source text PRIMARY KEY,"
    "  dev bigint NOT NULL,"
    "  inode bigint NOT NULL,"
    "  fp bytea,"
    "  fp_len bigint NOT NULL,"
    "  \"offset\" bigint NOT NULL,"
    "  updated bigint NOT NULL"
    ");"
    "CREATE TABLE users ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  role text NOT NULL CHECK (role IN ('admin', 'secops', 'auditor')),"
    "  pw_hash text NOT NULL,"
    "  must_change integer NOT NULL DEFAULT 1,"
    "  disabled integer NOT NULL DEFAULT 0,"
    "  created bigint NOT NULL,"
    "  updated bigint NOT NULL,"
    "  pw_changed bigint NOT NULL"
    ");"
    "CREATE UNIQUE INDEX users_name ON users (lower(name));"
    "CREATE TABLE sessions ("
    "  token_hash bytea PRIMARY KEY,"
    "  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created bigint NOT NULL,"
    "  last_seen bigint NOT NULL,"
    "  expires bigint NOT NULL,"
    "  client text"
    ");"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE api_tokens ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  role text NOT NULL CHECK (role IN ('admin', 'secops', 'auditor', 'gateway')),"
    "  token_hash bytea NOT NULL UNIQUE,"
    "  prefix text NOT NULL,"
    "  created_by bigint,"
    "  created bigint NOT NULL,"
    "  last_used bigint NOT NULL DEFAULT 0,"
    "  expires bigint NOT NULL DEFAULT 0,"
    "  revoked bigint NOT NULL DEFAULT 0"
    ");"
    "CREATE UNIQUE INDEX api_tokens_name ON api_tokens (lower(name));";

/* The audit log (audit_record.h): append-only, as SQLite's migration 2.
 * Triggers refuse every UPDATE, a DELETE of anything younger than 180
 * days (the minimum retention; older records go only through audit
 * retention), an INSERT that is not the next seq, and TRUNCATE (which
 * skips row triggers), so even a bug in rampartd cannot rewrite history;
 * a role that owns the tables can drop the triggers, which is what the
 * SM3 chain and the SM2 seals detect. The refusals are SQLSTATE 23000
 * (integrity_constraint_violation), as SQLite's are constraint errors. */
static const char migration_2[] =
    "CREATE TABLE audit_log ("
    "  seq bigint PRIMARY KEY,"
    "  ts bigint NOT NULL,"
    "  actor text COLLATE \"C\" NOT NULL,"
    "  role text NOT NULL,"
    "  client text COLLATE \"C\" NOT NULL,"
    "  action text COLLATE \"C\" NOT NULL,"
    "  method text NOT NULL,"
    "  path text NOT NULL,"
    "  target text COLLATE \"C\" NOT NULL,"
    "  outcome text COLLATE \"C\" NOT NULL,"
    "  status bigint NOT NULL,"
    "  detail text NOT NULL,"
    "  canonical bytea NOT NULL,"
    "  prev_hash bytea NOT NULL,"
    "  hash bytea NOT NULL"
    ");"
    "CREATE INDEX audit_log_ts ON audit_log (ts);"
    "CREATE INDEX audit_log_actor ON audit_log (actor, seq);"
    "CREATE INDEX audit_log_action ON audit_log (action, seq);"
    "CREATE TABLE audit_seals ("
    "  id bigserial PRIMARY KEY,"
    "  seq bigint NOT NULL,"
    "  ts bigint NOT NULL,"
    "  hash bytea NOT NULL,"
    "  key_id bytea NOT NULL,"
    "  signature bytea NOT NULL"
    ");"
    "CREATE INDEX audit_seals_seq ON audit_seals (seq);"
    "CREATE TABLE audit_export_cursors ("
    "  name text PRIMARY KEY,"
    "  seq bigint NOT NULL,"
    "  updated bigint NOT NULL"
    ");"
    /* a row-level BEFORE trigger sees the rows its statement inserted
     * before this one, so a multi-row INSERT is checked row by row */
    "CREATE FUNCTION rampart_audit_next_seq() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "   IF NEW.seq IS DISTINCT FROM (SELECT coalesce(max(seq), 0) + 1 FROM audit_log) THEN"
    "     RAISE EXCEPTION 'audit records are appended in seq order'"
    "       USING ERRCODE = 'integrity_constraint_violation';"
    "   END IF;"
    "   RETURN NEW;"
    " END $$;"
    "CREATE FUNCTION rampart_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "   RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';"
    " END $$;"
    /* now(): the transaction's start, in whole seconds as SQLite's check */
    "CREATE FUNCTION rampart_audit_keep_young() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "   IF OLD.ts >= (floor(extract(epoch FROM now()))::bigint - 180 * 86400) * 1000 THEN"
    "     RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';"
    "   END IF;"
    "   RETURN OLD;"
    " END $$;"
    "CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log"
    "  FOR EACH ROW EXECUTE FUNCTION rampart_audit_next_seq();"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  FOR EACH ROW EXECUTE FUNCTION rampart_audit_refuse('audit records cannot be changed');"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  FOR EACH ROW EXECUTE FUNCTION"
    "  rampart_audit_keep_young('audit records are kept at least 180 days');"
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
    "  FOR EACH STATEMENT EXECUTE FUNCTION"
    "  rampart_audit_refuse('audit records are kept at least 180 days');"
    "CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals"
    "  FOR EACH ROW EXECUTE FUNCTION rampart_audit_refuse('audit seals cannot be changed');"
    "CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals"
    "  FOR EACH ROW EXECUTE FUNCTION"
    "  rampart_audit_keep_young('audit seals are kept at least 180 days');"
    "CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals"
    "  FOR EACH STATEMENT EXECUTE FUNCTION"
    "  rampart_audit_refuse('audit seals are kept at least 180 days');";

/* Applications, their protection switches (a JSON object per app),
 * policies with every version kept, the published distribution bundles
 * and the gateways' check-ins, as SQLite's migration 3. Names are unique
 * ignoring case (lower(name)), as SQLite's NOCASE columns; an application
 * names its policy by id, and the foreign key keeps a policy in use from
 * being deleted. */
static const char migration_3[] =
    "CREATE TABLE policies ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  current_version bigint NOT NULL,"
    "  created bigint NOT NULL,"
    "  updated bigint NOT NULL"
    ");"
    "CREATE UNIQUE INDEX policies_name ON policies (lower(name));"
    "CREATE TABLE policy_versions ("
    "  policy_id bigint NOT NULL REFERENCES policies(id) ON DELETE CASCADE,"
    "  version bigint NOT NULL,"
    "  text text NOT NULL,"
    "  author text NOT NULL,"
    "  comment text NOT NULL DEFAULT '',"
    "  rollback_of bigint NOT NULL DEFAULT 0,"
    "  created bigint NOT NULL,"
    "  PRIMARY KEY (policy_id, version)"
    ");"
    "CREATE TABLE apps ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  host text NOT NULL,"
    "  path_prefix text NOT NULL,"
    "  upstream text NOT NULL,"
    "  policy_id bigint REFERENCES policies(id),"
    "  switches text NOT NULL DEFAULT '{}',"
    "  created bigint NOT NULL,"
    "  updated bigint NOT NULL"
    ");"
    "CREATE UNIQUE INDEX apps_name ON apps (lower(name));"
    "CREATE INDEX apps_policy ON apps (policy_id);"
    "CREATE TABLE bundles ("
    "  version bigint PRIMARY KEY,"
    "  hash text NOT NULL,"
    "  json text NOT NULL,"
    "  created bigint NOT NULL"
    ");"
    "CREATE TABLE gateways ("
    "  id text COLLATE \"C\" PRIMARY KEY,"
    "  name text NOT NULL,"
    "  running_version bigint NOT NULL DEFAULT 0,"
    "  running_hash text NOT NULL DEFAULT '',"
    "  address text NOT NULL DEFAULT '',"
    "  token text NOT NULL DEFAULT '',"
    "  first_seen bigint NOT NULL,"
    "  last_seen bigint NOT NULL"
    ");";
/* Host agents and their one-time enrolment tokens (store_agents.h), as
 * SQLite's migration 4. Names are unique without regard to case, as
 * SQLite's NOCASE column. */
static const char migration_4[] =
    "CREATE TABLE agent_enrolments ("
    "  id bigserial PRIMARY KEY,"
    "  token_hash bytea NOT NULL UNIQUE,"
    "  created_by bigint,"
    "  created bigint NOT NULL,"
    "  expires bigint NOT NULL,"
    "  used bigint NOT NULL DEFAULT 0,"
    "  agent_id bigint"
    ");"
    "CREATE TABLE agents ("
    "  id bigserial PRIMARY KEY,"
    "  name text NOT NULL,"
    "  version text NOT NULL DEFAULT '',"
    "  secret bytea NOT NULL,"
    "  capabilities text NOT NULL DEFAULT '{\"bruteforce\":true,\"fim\":true,\"webshell\":true}',"
    "  enrolled bigint NOT NULL,"
    "  last_seen bigint NOT NULL DEFAULT 0,"
    "  last_ts bigint NOT NULL DEFAULT 0,"
    "  heartbeat_s bigint NOT NULL DEFAULT 0,"
    "  spool_pending bigint NOT NULL DEFAULT 0,"
    "  spool_dropped bigint NOT NULL DEFAULT 0,"
    "  events_sent bigint NOT NULL DEFAULT 0"
    ");"
    "CREATE UNIQUE INDEX agents_name ON agents (lower(name));";

/* Key management (store_keys.h), as SQLite's migration 6, and the role
 * "app" for API tokens. */
static const char migration_6[] =
    "ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check,"
    "  ADD CONSTRAINT api_tokens_role_check"
    "  CHECK (role IN ('admin', 'secops', 'auditor', 'gateway', 'app'));"
    "CREATE TABLE crypto_keys ("
    "  id bigserial PRIMARY KEY,"
    "  name text COLLATE \"C\" NOT NULL UNIQUE,"
    "  app text COLLATE \"C\" NOT NULL,"
    "  alg integer NOT NULL,"
    "  current_version bigint NOT NULL,"
    "  created_by text NOT NULL DEFAULT '',"
    "  created bigint NOT NULL,"
    "  updated bigint NOT NULL"
    ");"
    "CREATE TABLE crypto_key_versions ("
    "  key_id bigint NOT NULL REFERENCES crypto_keys(id),"
    "  version bigint NOT NULL,"
    "  master_version bigint NOT NULL,"
    "  wrapped bytea NOT NULL,"
    "  created bigint NOT NULL,"
    "  PRIMARY KEY (key_id, version)"
    ");"
    "CREATE INDEX crypto_key_versions_master ON crypto_key_versions (master_version);"
    "CREATE TABLE crypto_grants ("
    "  id bigserial PRIMARY KEY,"
    "  subject text COLLATE \"C\" NOT NULL,"
    "  app text NOT NULL,"
    "  keys text NOT NULL,"
    "  ops bigint NOT NULL,"
    "  created_by text NOT NULL DEFAULT '',"
    "  created bigint NOT NULL"
    ");"
    "CREATE INDEX crypto_grants_subject ON crypto_grants (subject);"
    "CREATE TABLE crypto_jobs ("
    "  id bigserial PRIMARY KEY,"
    "  kind text NOT NULL,"
    "  state text NOT NULL,"
    "  target bigint NOT NULL,"
    "  total bigint NOT NULL DEFAULT 0,"
    "  done bigint NOT NULL DEFAULT 0,"
    "  rate bigint NOT NULL DEFAULT 0,"
    "  created_by text NOT NULL DEFAULT '',"
    "  error text NOT NULL DEFAULT '',"
    "  created bigint NOT NULL,"
    "  updated bigint NOT NULL"
    ");";

/* The latest baseline results of each host (store_agents.h), as SQLite's
 * migration 7; removed with the host. */
static const char migration_7[] =
    "CREATE TABLE agent_baselines ("
    "  agent_id bigint PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,"
    "  reported bigint NOT NULL,"
    "  score bigint NOT NULL,"
    "  passed bigint NOT NULL,"
    "  failed bigint NOT NULL,"
    "  not_applicable bigint NOT NULL,"
    "  report text NOT NULL"
    ");";

/* Cheaper event indexes (see the top of this file): 21.7 µs of server
 * CPU per event had made PostgreSQL the ingestion bottleneck. Rebuilding
 * them reads every stored day once, at the first start after the
 * upgrade. (client, ts) stays: a (client) B-tree costs half as much per
 * event, but the top clients of a partial day then read the day's rows
 * instead of the index alone, 0.8 -> 3.8 s for the last 7 days over 10
 * million events.) */
static const char migration_12[] =
    "DROP INDEX events_app_ts;"
    "CREATE INDEX events_app ON events (app);"
    "DROP INDEX events_rules;"
    "CREATE INDEX events_rules ON events USING gin (rules) WITH (fastupdate = on);";

/* The gateways enforce the rate_limit switch from migration 17 on; before,
 * they ignored it and every application stored its default "off". Moving
 * those to "block" (the policy's own rate limits decide) keeps upgraded
 * applications limited as they were (docs/API-SECURITY.md "Switches"). */
static const char migration_17[] =
    "UPDATE apps SET switches = replace(switches, '\"rate_limit\":\"off\"', "
    "'\"rate_limit\":\"block\"');";

const pg_migration_t pg_migrations[] = {
    {1,
     "events partitioned by day, their per-day counts, ingestion checkpoints, users, sessions,"
     " API tokens",
     migration_1},
    {2, "audit log (SM3 chain, SM2 seals, export cursors), append-only", migration_2},
    {3, "applications, policies and their versions, bundles, gateways", migration_3},
    {4, "host agents and their enrolment tokens", migration_4},
    {5, "identity: directory users, groups, roles, sessions, revocations, keys",
     STORE_DIR_MIGRATION("bigserial PRIMARY KEY", "bigint")},
    {6, "data keys wrapped by the master key, their versions, grants, key jobs", migration_6},
    {7, "host agents' baseline results", migration_7},
    {8, "identity: WebAuthn credentials of directory users",
     STORE_WEBAUTHN_MIGRATION("bigserial PRIMARY KEY", "bigint")},
    {9, "OpenID Connect provider: signing keys, clients, codes, tokens, consents",
     STORE_OIDC_MIGRATION("bigint")},
    {10, "data visibility: exposure of data classes per endpoint, alerts",
     STORE_DATAVIEW_MIGRATION("bigserial PRIMARY KEY", "bigint")},
    {11, "host groups: capabilities and response rules of their hosts", pg_migration_agent_groups},
    {12, "cheaper event indexes: (app), GIN (rules) with its pending list", migration_12},
    {16, "API inventory learnt from gateways' discovery", pg_migration_api_inventory},
    {17, "the rate_limit switch enforced: stored \"off\" defaults become \"block\"", migration_17},
};

const int pg_migrations_count = (int)(sizeof(pg_migrations) / sizeof(pg_migrations[0]));
