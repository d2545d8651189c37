/*
 * api_agents.c — host agents (rampart-agent, docs/AGENT.md).
 *
 * For people (admin and secops manage, auditor reads):
 *   GET    /api/v1/agents              hosts: status, version, last seen, spool
 *   POST   /api/v1/agents/enrolments   a one-time enrolment token (shown once)
 *   PATCH  /api/v1/agents/ID           the host's group, capability overrides
 *   DELETE /api/v1/agents/ID           forget the host: its signatures fail
 * For agents:
 *   POST /api/v1/agent/enrol      the token → the agent's id and secret
 *   POST /api/v1/agent/heartbeat  signed; the answer carries the capabilities
 *   POST /api/v1/agent/events     signed; stored like gateway events, with
 *                                 source "agent:HOSTNAME"
 * Signed requests are checked by api_agent_authenticate before the handler
 * runs (src/ctl/agent_sign.h: HMAC-SHA-256, time window, no replay).
 *
 * Audit (audit_hook.h): the people's changes are audited by the
 * dispatcher, named here (agent.enrolment_create, agent.update,
 * agent.delete). Enrolment is public, so it writes its own records as
 * login does: agent.enrol for a success (fail closed: a host whose
 * enrolment cannot be audited is removed again) and, within the audit
 * log's noise budget, for a refused token or a taken name. Heartbeats and
 * events are machine traffic and not audited.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_sign.h"
#include "api.h"
#include "api_agent_groups.h"
#include "api_names.h"
#include "audit_hook.h"
#include "audit_log.h"
#include "log.h"
#include "secret.h"
#include "store_agents.h"
#include "timefmt.h"

#define ENROL_PREFIX          "rpe_"
#define ENROL_BYTES           32
#define ENROL_DEFAULT_MINUTES 60
#define ONLINE_GRACE_MS       5000
#define AGENT_ACTOR_PREFIX    "agent:" /* audit actor, as the events' source */

static const store_agent_ops_t *agent_ops(http_req_t *r)
{
    return r->ctl->store->agents;
}

static enum MHD_Result no_agents(http_req_t *r)
{
    return http_reply_error(r, 503, "not_supported", "this store keeps no host agents");
}

static json_t *ms_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(ms, t);
    return json_string(t);
}

static const char *agent_status(const store_agent_t *a, int64_t now)
{
    if (!a->last_seen)
        return "never";
    int64_t period = (a->heartbeat_s > 0 ? a->heartbeat_s : 30) * 1000LL;
    return now - a->last_seen <= 3 * period + ONLINE_GRACE_MS ? "online" : "offline";
}

/* group: the host's group or NULL. */
static json_t *agent_json(const store_agent_t *a, int64_t now, const store_agent_group_t *group)
{
    json_t *overrides = json_loads(a->capabilities, 0, NULL);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:{s:I, s:I}, s:I}", "id", (json_int_t)a->id,
        "name", a->name, "version", a->version, "status", agent_status(a, now), "enrolled",
        ms_or_null(a->enrolled), "last_seen", ms_or_null(a->last_seen), "capabilities",
        agent_effective_capabilities(group ? group->capabilities : NULL, a->capabilities),
        "overrides", json_is_object(overrides) ? overrides : json_object(), "heartbeat_seconds",
        a->heartbeat_s, "spool", "pending", (json_int_t)a->spool_pending, "dropped",
        (json_int_t)a->spool_dropped, "events_sent", (json_int_t)a->events_sent);
    if (overrides && !json_is_object(overrides))
        json_decref(overrides);
    json_object_set_new(
        o, "group",
        group ? json_pack("{s:I, s:s}", "id", (json_int_t)group->id, "name", group->name)
              : json_null());
    return o;
}

/* ---- signed requests --------------------------------------------------- */

static int parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 19)
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static int unauthorised(http_req_t *r, const char *code, const char *message)
{
    http_reply_error(r, 401, code, message);
    return -1;
}

int api_agent_authenticate(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    if (!ops) {
        no_agents(r);
        return -1;
    }
    int64_t id, ts;
    const char *sig = http_header(r, AGENT_HEADER_SIGNATURE);
    if (parse_int64(http_header(r, AGENT_HEADER_ID), &id) ||
        parse_int64(http_header(r, AGENT_HEADER_TIMESTAMP), &ts) || !sig)
        return unauthorised(r, "unsigned",
                            "a host agent's request needs X-Rampart-Agent, X-Rampart-Timestamp "
                            "and X-Rampart-Signature");
    store_agent_t a;
    int rc = ops->get(r->ctl->store, id, &a);
    if (rc == STORE_NOT_FOUND)
        return unauthorised(r, "unknown_agent", "no such agent; enrol again");
    if (rc != STORE_OK) {
        http_reply_error(r, 503, "store_error", "cannot check the agent right now");
        return -1;
    }
    int64_t now = time_now_ms();
    agent_sign_result_t v = agent_sign_verify(a.secret, r->method, r->path, id, ts, r->body.data,
                                              r->body.len, sig, now, a.last_ts);
    secret_wipe(a.secret, sizeof(a.secret));
    if (v == AGENT_SIGN_BAD)
        return unauthorised(r, "bad_signature", "the request signature does not match");
    if (v == AGENT_SIGN_STALE)
        return unauthorised(r, "stale_request",
                            "the timestamp is more than 5 minutes from rampartd's clock");
    /* the update is conditional, so two copies of one request racing each
     * other cannot both pass */
    if (v == AGENT_SIGN_REPLAY || ops->accept(r->ctl->store, id, ts) != STORE_OK)
        return unauthorised(r, "replayed_request", "this request was seen already");
    r->who.kind = WHO_AGENT;
    r->who.role = ROLE_NONE;
    r->who.agent_id = id;
    snprintf(r->who.name, sizeof(r->who.name), "%s", a.name);
    return 0;
}

/* ---- for agents -------------------------------------------------------- */

enum MHD_Result api_agent_enrol(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    if (!ops)
        return no_agents(r);
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    const char *token = json_string_value(json_object_get(body, "token"));
    const char *host = json_string_value(json_object_get(body, "hostname"));
    const char *version = json_string_value(json_object_get(body, "version"));
    if (!token || strncmp(token, ENROL_PREFIX, strlen(ENROL_PREFIX)) != 0 ||
        !api_valid_name(host) || (version && strlen(version) > STORE_AGENT_VERSION_MAX)) {
        json_decref(body);
        return http_reply_error(r, 400, "bad_request",
                                "token (rpe_...), hostname (1-64 of A-Z a-z 0-9 . _ - @) and "
                                "optional version (at most 32 bytes)");
    }
    store_agent_t a;
    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "%s", host);
    snprintf(a.version, sizeof(a.version), "%s", version ? version : "");
    unsigned char hash[SECRET_SHA256_LEN];
    secret_sha256(token, strlen(token), hash);
    json_decref(body);
    if (secret_random(a.secret, sizeof(a.secret)))
        return http_reply_error(r, 500, "internal", "cannot generate a secret");
    int64_t now = time_now_ms();
    int rc = ops->enrol(r->ctl->store, hash, now, &a);
    char actor[sizeof(AGENT_ACTOR_PREFIX) + STORE_AGENT_NAME_MAX];
    snprintf(actor, sizeof(actor), AGENT_ACTOR_PREFIX "%s", a.name);
    audit_note(r, NULL, a.name);
    if ((rc == STORE_NOT_FOUND || rc == STORE_CONFLICT) && audit_log_admit_noise(r->ctl->audit))
        audit_event(r, actor, "", "agent.enrol", "failure", rc == STORE_NOT_FOUND ? 401 : 409,
                    json_pack("{s:s}", "reason",
                              rc == STORE_NOT_FOUND ? "enrolment token unknown, used or expired"
                                                    : "host name enrolled already"));
    if (rc == STORE_OK && audit_event(r, actor, "", "agent.enrol", "success", 201,
                                      json_pack("{s:I, s:s}", "agent_id", (json_int_t)a.id,
                                                "version", a.version)) != STORE_OK) {
        secret_wipe(a.secret, sizeof(a.secret));
        ops->remove(r->ctl->store, a.id);
        return http_reply_error(r, 503, "audit_unavailable",
                                "the enrolment cannot be audited right now, so it was undone; "
                                "create a new enrolment token");
    }
    if (rc != STORE_OK) {
        secret_wipe(a.secret, sizeof(a.secret));
        if (rc == STORE_NOT_FOUND) {
            log_kv(LOG_LEVEL_WARN, "agent enrolment refused: bad token", "host", a.name, "client",
                   r->client, NULL);
            return http_reply_error(r, 401, "invalid_enrolment_token",
                                    "the enrolment token is unknown, used or expired");
        }
        return rc == STORE_CONFLICT
                   ? http_reply_error(r, 409, "conflict",
                                      "a host with this name is enrolled; remove it first")
                   : api_store_error(r, rc);
    }
    char hex[2 * AGENT_SECRET_LEN + 1];
    agent_hex(a.secret, AGENT_SECRET_LEN, hex);
    secret_wipe(a.secret, sizeof(a.secret));
    log_kv(LOG_LEVEL_INFO, "agent enrolled", "agent_id", LOG_INT(a.id), "host", a.name, "client",
           r->client, NULL);
    snprintf(a.capabilities, sizeof(a.capabilities), "{}"); /* no overrides */
    json_t *o = json_pack("{s:o, s:s}", "agent", agent_json(&a, now, NULL), "secret", hex);
    secret_wipe(hex, sizeof(hex));
    return http_reply_json(r, 201, o);
}

static int64_t member_count(json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : 0;
}

enum MHD_Result api_agent_heartbeat(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    store_agent_t a;
    int rc = ops->get(r->ctl->store, r->who.agent_id, &a);
    secret_wipe(a.secret, sizeof(a.secret));
    if (rc != STORE_OK) {
        json_decref(body);
        return api_store_error(r, rc);
    }
    const char *version = json_string_value(json_object_get(body, "version"));
    if (version && strlen(version) <= STORE_AGENT_VERSION_MAX)
        snprintf(a.version, sizeof(a.version), "%s", version);
    int64_t hb = member_count(body, "heartbeat_s");
    a.heartbeat_s = hb > 0 && hb <= 3600 ? (int)hb : a.heartbeat_s;
    json_t *spool = json_object_get(body, "spool");
    a.spool_pending = member_count(spool, "pending");
    a.spool_dropped = member_count(spool, "dropped");
    a.events_sent = member_count(body, "events_sent");
    a.last_seen = time_now_ms();
    json_decref(body);
    rc = ops->heartbeat(r->ctl->store, &a);
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    /* what the host runs: its group's switches and rules, its overrides */
    store_agent_group_t g;
    rc = ops->group_of(r->ctl->store, a.id, &g);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return api_store_error(r, rc);
    json_t *rules = rc == STORE_OK ? json_loads(g.response_rules, 0, NULL) : NULL;
    return http_reply_json(r, 200,
                           json_pack("{s:o, s:o, s:o}", "capabilities",
                                     agent_effective_capabilities(
                                         rc == STORE_OK ? g.capabilities : NULL, a.capabilities),
                                     "response_rules", json_is_array(rules) ? rules : json_array(),
                                     "server_time", ms_or_null(a.last_seen)));
}

enum MHD_Result api_agent_events(http_req_t *r)
{
    /* the same validation, queueing and durability as a gateway's POST
     * /api/v1/events; r->who (WHO_AGENT) makes the source agent:HOSTNAME */
    return api_events_submit(r);
}

/* ---- for people ------------------------------------------------------- */

typedef struct {
    json_t *list;
    int64_t now;
    store_agent_group_t *groups;
    size_t n_groups, cap_groups;
    int64_t *member_agent, *member_group;
    size_t n_members, cap_members;
} list_ctx_t;

static int collect_group(void *ctx, const store_agent_group_t *g)
{
    list_ctx_t *l = ctx;
    if (l->n_groups == l->cap_groups) {
        size_t cap = l->cap_groups ? 2 * l->cap_groups : 8;
        store_agent_group_t *grown = realloc(l->groups, cap * sizeof(*grown));
        if (!grown)
            return -1;
        l->groups = grown;
        l->cap_groups = cap;
    }
    l->groups[l->n_groups++] = *g;
    return 0;
}

static int collect_member(void *ctx, int64_t agent_id, int64_t group_id)
{
    list_ctx_t *l = ctx;
    if (l->n_members == l->cap_members) {
        size_t cap = l->cap_members ? 2 * l->cap_members : 64;
        int64_t *a = realloc(l->member_agent, cap * sizeof(*a));
        if (a)
            l->member_agent = a;
        int64_t *g = realloc(l->member_group, cap * sizeof(*g));
        if (g)
            l->member_group = g;
        if (!a || !g)
            return -1;
        l->cap_members = cap;
    }
    l->member_agent[l->n_members] = agent_id;
    l->member_group[l->n_members++] = group_id;
    return 0;
}

static const store_agent_group_t *group_of_listed(const list_ctx_t *l, int64_t agent_id)
{
    for (size_t i = 0; i < l->n_members; i++)
        if (l->member_agent[i] == agent_id)
            for (size_t k = 0; k < l->n_groups; k++)
                if (l->groups[k].id == l->member_group[i])
                    return &l->groups[k];
    return NULL;
}

static int add_agent(void *ctx, const store_agent_t *a)
{
    list_ctx_t *l = ctx;
    json_array_append_new(l->list, agent_json(a, l->now, group_of_listed(l, a->id)));
    return 0;
}

enum MHD_Result api_agents_list(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    if (!ops)
        return no_agents(r);
    list_ctx_t l = {.list = json_array(), .now = time_now_ms()};
    int rc = ops->group_list(r->ctl->store, collect_group, &l);
    if (rc == STORE_OK)
        rc = ops->group_members(r->ctl->store, collect_member, &l);
    if (rc == STORE_OK)
        rc = ops->list(r->ctl->store, add_agent, &l);
    free(l.groups);
    free(l.member_agent);
    free(l.member_group);
    if (rc != STORE_OK) {
        json_decref(l.list);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "agents", l.list));
}

enum MHD_Result api_agents_enrolment_create(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    if (!ops)
        return no_agents(r);
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    json_t *minutes = json_object_get(body, "expires_minutes");
    int64_t m = ENROL_DEFAULT_MINUTES;
    if (minutes) {
        m = json_is_integer(minutes) ? json_integer_value(minutes) : 0;
        if (m < 1 || m > 7 * 24 * 60) {
            json_decref(body);
            return http_reply_error(r, 400, "bad_request",
                                    "expires_minutes: an integer from 1 to 10080");
        }
    }
    json_decref(body);
    audit_note(r, "agent.enrolment_create", NULL);
    audit_detail(r, "expires_minutes", json_integer(m));
    char token[80];
    if (secret_token(ENROL_PREFIX, ENROL_BYTES, token, sizeof(token)))
        return http_reply_error(r, 500, "internal", "cannot generate a token");
    unsigned char hash[SECRET_SHA256_LEN];
    secret_sha256(token, strlen(token), hash);
    int64_t now = time_now_ms(), expires = now + m * 60000;
    int rc = ops->enrolment_create(r->ctl->store, hash,
                                   r->who.kind == WHO_SESSION ? r->who.user_id : 0, now, expires);
    if (rc != STORE_OK) {
        secret_wipe(token, sizeof(token));
        return api_store_error(r, rc);
    }
    log_kv(LOG_LEVEL_INFO, "agent enrolment token created", "by", r->who.name, "expires_minutes",
           LOG_INT(m), NULL);
    json_t *o = json_pack("{s:s, s:o}", "token", token, "expires", ms_or_null(expires));
    secret_wipe(token, sizeof(token));
    return http_reply_json(r, 201, o);
}

static int parse_id(http_req_t *r, int64_t *id)
{
    if (parse_int64(r->arg, id)) {
        http_reply_error(r, 400, "bad_request", "the agent id must be a positive integer");
        return -1;
    }
    return 0;
}

/* {"group": ID or null, "capabilities": {"fim": false, "webshell": null}}:
 * the host's group, and its overrides (null: back to the group's). */
enum MHD_Result api_agents_update(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    if (!ops)
        return no_agents(r);
    audit_note(r, "agent.update", NULL);
    int64_t id;
    if (parse_id(r, &id))
        return MHD_YES;
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    json_t *caps = json_object_get(body, "capabilities");
    json_t *group = json_object_get(body, "group");
    audit_detail(r, "request", json_incref(body));
    int64_t group_id = json_is_integer(group) ? json_integer_value(group) : 0;
    int bad = (!caps && !group) || (group && !json_is_null(group) && group_id <= 0);
    store_agent_t a;
    store_agent_group_t g;
    int rc = bad ? STORE_OK : ops->get(r->ctl->store, id, &a);
    if (!bad && rc == STORE_OK) {
        secret_wipe(a.secret, sizeof(a.secret));
        if (caps &&
            agent_capabilities_change(a.capabilities, caps, a.capabilities, sizeof(a.capabilities)))
            bad = 1;
    }
    json_decref(body);
    if (bad)
        return http_reply_error(
            r, 400, "bad_request",
            "group: a host group id or null; capabilities: an object of true, false or null "
            "(back to the group's); known: fim, webshell, bruteforce, process, baseline, "
            "response");
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such agent");
    if (rc == STORE_OK && group_id &&
        (rc = ops->group_get(r->ctl->store, group_id, &g)) == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such host group");
    if (rc == STORE_OK && caps)
        rc = ops->set_capabilities(r->ctl->store, id, a.capabilities);
    if (rc == STORE_OK && group) {
        rc = ops->group_assign(r->ctl->store, id, group_id);
    } else if (rc == STORE_OK) { /* the answer shows the group it stays in */
        rc = ops->group_of(r->ctl->store, id, &g);
        group_id = rc == STORE_OK ? g.id : 0;
        if (rc == STORE_NOT_FOUND)
            rc = STORE_OK;
    }
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    log_kv(LOG_LEVEL_INFO, "agent changed", "agent_id", LOG_INT(id), "by", r->who.name, NULL);
    /* the host as the list shows it */
    return http_reply_json(r, 200, agent_json(&a, time_now_ms(), group_id ? &g : NULL));
}

enum MHD_Result api_agents_delete(http_req_t *r)
{
    const store_agent_ops_t *ops = agent_ops(r);
    if (!ops)
        return no_agents(r);
    audit_note(r, "agent.delete", NULL);
    int64_t id;
    if (parse_id(r, &id))
        return MHD_YES;
    int rc = ops->remove(r->ctl->store, id);
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such agent");
    if (rc != STORE_OK)
        return api_store_error(r, rc);
    log_kv(LOG_LEVEL_INFO, "agent removed", "agent_id", LOG_INT(id), "by", r->who.name, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}
