/*
 * api_agent_groups.c — host groups: their capability switches, members
 * and pushed active-response rules (see api_agent_groups.h).
 *
 *   GET    /api/v1/agent-groups      admin, secops, auditor
 *   POST   /api/v1/agent-groups      {name, capabilities?, response_rules?}   admin, secops
 *   PATCH  /api/v1/agent-groups/ID   {name?, capabilities?, response_rules?}  admin, secops
 *   DELETE /api/v1/agent-groups/ID   its hosts keep running with no group     admin, secops
 * A host joins a group with PATCH /api/v1/agents/ID {"group": ID or null}.
 *
 * A response rule: {"detection": fnmatch(3) pattern of detections,
 * "action": "block" | "kill" | "quarantine", "seconds": block duration
 * (1-2,592,000; default 600), "mode": "off" (the default) | "dry-run" |
 * "active"}; at most 32 per group. Audited as agent_group.create,
 * agent_group.update, agent_group.delete.
 */
#include "api_agent_groups.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_names.h"
#include "audit_hook.h"
#include "log.h"
#include "store_agents.h"
#include "timefmt.h"

#define RULES_MAX          32
#define RULE_DETECTION_MAX 63
#define BLOCK_SECONDS_MAX  (30 * 86400)

const char *const agent_capability_names[AGENT_CAPABILITY_COUNT] = {
    "fim", "webshell", "bruteforce", "process", "baseline", "response"};

static void overlay(json_t *out, const char *layer)
{
    json_t *o = layer ? json_loads(layer, 0, NULL) : NULL;
    for (size_t i = 0; i < AGENT_CAPABILITY_COUNT; i++) {
        json_t *v = json_object_get(o, agent_capability_names[i]);
        if (json_is_boolean(v))
            json_object_set(out, agent_capability_names[i], v);
    }
    json_decref(o);
}

json_t *agent_effective_capabilities(const char *group_caps, const char *host_caps)
{
    json_t *out = json_object();
    for (size_t i = 0; i < AGENT_CAPABILITY_COUNT; i++)
        json_object_set_new(out, agent_capability_names[i], json_true());
    overlay(out, group_caps);
    overlay(out, host_caps);
    return out;
}

static int known_capability(const char *name)
{
    for (size_t i = 0; i < AGENT_CAPABILITY_COUNT; i++)
        if (strcmp(name, agent_capability_names[i]) == 0)
            return 1;
    return 0;
}

int agent_capabilities_change(const char *current, json_t *change, char *out, size_t size)
{
    if (!json_is_object(change))
        return -1;
    json_t *now = json_object();
    overlay(now, current);
    const char *key;
    json_t *v;
    json_object_foreach(change, key, v)
    {
        if (!known_capability(key) || !(json_is_boolean(v) || json_is_null(v))) {
            json_decref(now);
            return -1;
        }
        if (json_is_null(v))
            json_object_del(now, key);
        else
            json_object_set(now, key, v);
    }
    char *text = json_dumps(now, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(now);
    int rc = text && strlen(text) < size ? 0 : -1;
    if (!rc)
        snprintf(out, size, "%s", text);
    free(text);
    return rc;
}

/* Checks and normalises the rules into out (JSON text); NULL or a reason. */
static const char *rules_normalise(json_t *rules, char *out, size_t size)
{
    static const char *const actions[] = {"block", "kill", "quarantine"};
    static const char *const modes[] = {"off", "dry-run", "active"};
    if (!json_is_array(rules) || json_array_size(rules) > RULES_MAX)
        return "response_rules: an array of at most 32 rules";
    json_t *norm = json_array();
    size_t i;
    json_t *rule;
    const char *why = NULL;
    json_array_foreach(rules, i, rule)
    {
        const char *det = json_string_value(json_object_get(rule, "detection"));
        const char *action = json_string_value(json_object_get(rule, "action"));
        const char *mode = json_string_value(json_object_get(rule, "mode"));
        json_t *secs = json_object_get(rule, "seconds");
        size_t dl = det ? strlen(det) : 0;
        int det_ok = dl > 0 && dl <= RULE_DETECTION_MAX;
        for (size_t k = 0; det_ok && k < dl; k++) /* the agent's detection names, and * ? [ ] */
            det_ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-*?[]",
                            det[k]) != NULL;
        int a = -1, m = mode ? -1 : 0;
        for (int k = 0; k < 3; k++) {
            if (action && strcmp(action, actions[k]) == 0)
                a = k;
            if (mode && strcmp(mode, modes[k]) == 0)
                m = k;
        }
        json_int_t seconds = json_is_integer(secs) ? json_integer_value(secs) : 0;
        if (!json_is_object(rule) || !det_ok) {
            why = "response_rules: each needs a detection (1-63 of A-Z a-z 0-9 . _ - and the "
                  "fnmatch characters * ? [ ])";
        } else if (a < 0 || m < 0) {
            why = "response_rules: action block, kill or quarantine; mode off, dry-run or active";
        } else if (secs && (a != 0 || !json_is_integer(secs) || seconds < 1 ||
                            seconds > BLOCK_SECONDS_MAX)) {
            why = "response_rules: seconds only for block, 1 to 2592000";
        }
        if (why)
            break;
        json_t *n =
            json_pack("{s:s, s:s, s:s}", "detection", det, "action", actions[a], "mode", modes[m]);
        if (a == 0)
            json_object_set_new(n, "seconds", json_integer(secs ? seconds : 600));
        json_array_append_new(norm, n);
    }
    char *text = why ? NULL : json_dumps(norm, JSON_COMPACT);
    json_decref(norm);
    if (!why && (!text || strlen(text) >= size))
        why = "response_rules: too long";
    if (!why)
        snprintf(out, size, "%s", text);
    free(text);
    return why;
}

static const store_agent_ops_t *ops_or_reply(http_req_t *r)
{
    const store_agent_ops_t *ops = r->ctl->store->agents;
    if (!ops)
        http_reply_error(r, 503, "not_supported", "this store keeps no host agents");
    return ops;
}

static json_t *group_json(const store_agent_group_t *g, json_t *hosts)
{
    char created[TIME_RFC3339_MAX];
    time_format_rfc3339(g->created, created);
    json_t *caps = json_loads(g->capabilities, 0, NULL);
    json_t *rules = json_loads(g->response_rules, 0, NULL);
    json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:s}", "id", (json_int_t)g->id, "name",
                          g->name, "capabilities", caps ? caps : json_object(), "effective",
                          agent_effective_capabilities(g->capabilities, NULL), "response_rules",
                          rules ? rules : json_array(), "created", created);
    if (hosts) /* the list's answer: member host ids */
        json_object_set_new(o, "hosts", hosts);
    return o;
}

typedef struct {
    json_t *groups;  /* array */
    json_t *members; /* "group id" → array of host ids */
} groups_ctx_t;

static int add_member(void *ctx, int64_t agent_id, int64_t group_id)
{
    groups_ctx_t *g = ctx;
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, group_id);
    json_t *list = json_object_get(g->members, key);
    if (!list)
        json_object_set_new(g->members, key, list = json_array());
    json_array_append_new(list, json_integer(agent_id));
    return 0;
}

static int add_group(void *ctx, const store_agent_group_t *group)
{
    groups_ctx_t *g = ctx;
    char key[24];
    snprintf(key, sizeof(key), "%" PRId64, group->id);
    json_t *hosts = json_object_get(g->members, key);
    json_array_append_new(g->groups, group_json(group, hosts ? json_incref(hosts) : json_array()));
    return 0;
}

enum MHD_Result api_agent_groups_list(http_req_t *r)
{
    const store_agent_ops_t *ops = ops_or_reply(r);
    if (!ops)
        return MHD_YES;
    groups_ctx_t g = {json_array(), json_object()};
    int rc = ops->group_members(r->ctl->store, add_member, &g);
    if (rc == STORE_OK)
        rc = ops->group_list(r->ctl->store, add_group, &g);
    json_decref(g.members);
    if (rc != STORE_OK) {
        json_decref(g.groups);
        return api_store_error(r, rc);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "groups", g.groups));
}

/* name, capabilities and response_rules of body into g; NULL or a reason. */
static const char *apply_body(json_t *body, store_agent_group_t *g)
{
    json_t *name = json_object_get(body, "name");
    json_t *caps = json_object_get(body, "capabilities");
    json_t *rules = json_object_get(body, "response_rules");
    if (name) {
        if (!api_valid_name(json_string_value(name)))
            return "name: 1-64 of A-Z a-z 0-9 . _ - @";
        snprintf(g->name, sizeof(g->name), "%s", json_string_value(name));
    }
    if (caps &&
        agent_capabilities_change(g->capabilities, caps, g->capabilities, sizeof(g->capabilities)))
        return "capabilities: an object of true, false or null (back to the default); known: "
               "fim, webshell, bruteforce, process, baseline, response";
    return rules ? rules_normalise(rules, g->response_rules, sizeof(g->response_rules)) : NULL;
}

static enum MHD_Result group_store_error(http_req_t *r, int rc)
{
    if (rc == STORE_CONFLICT)
        return http_reply_error(r, 409, "conflict", "a host group with this name exists");
    if (rc == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no such host group");
    return api_store_error(r, rc);
}

enum MHD_Result api_agent_groups_create(http_req_t *r)
{
    const store_agent_ops_t *ops = ops_or_reply(r);
    if (!ops)
        return MHD_YES;
    audit_note(r, "agent_group.create", NULL);
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    store_agent_group_t g;
    memset(&g, 0, sizeof(g));
    snprintf(g.capabilities, sizeof(g.capabilities), "{}");
    snprintf(g.response_rules, sizeof(g.response_rules), "[]");
    g.created = time_now_ms();
    const char *why =
        json_object_get(body, "name") ? apply_body(body, &g) : "name: 1-64 of A-Z a-z 0-9 . _ - @";
    audit_detail(r, "request", json_incref(body));
    json_decref(body);
    if (why)
        return http_reply_error(r, 400, "bad_request", why);
    audit_note(r, NULL, g.name);
    int rc = ops->group_create(r->ctl->store, &g);
    if (rc != STORE_OK)
        return group_store_error(r, rc);
    log_kv(LOG_LEVEL_INFO, "host group created", "group", g.name, "by", r->who.name, NULL);
    return http_reply_json(r, 201, json_pack("{s:o}", "group", group_json(&g, NULL)));
}

static int parse_group_id(http_req_t *r, int64_t *id)
{
    char *end;
    long long v = strtoll(r->arg, &end, 10);
    if (!r->arg[0] || *end || v <= 0) {
        http_reply_error(r, 400, "bad_request", "the group id must be a positive integer");
        return -1;
    }
    *id = v;
    return 0;
}

enum MHD_Result api_agent_groups_update(http_req_t *r)
{
    const store_agent_ops_t *ops = ops_or_reply(r);
    if (!ops)
        return MHD_YES;
    audit_note(r, "agent_group.update", NULL);
    int64_t id;
    if (parse_group_id(r, &id))
        return MHD_YES;
    enum MHD_Result mrc;
    json_t *body = http_json_body(r, &mrc);
    if (!body)
        return mrc;
    audit_detail(r, "request", json_incref(body));
    store_agent_group_t g;
    int rc = ops->group_get(r->ctl->store, id, &g);
    const char *why = rc == STORE_OK ? apply_body(body, &g) : NULL;
    json_decref(body);
    if (rc != STORE_OK)
        return group_store_error(r, rc);
    if (why)
        return http_reply_error(r, 400, "bad_request", why);
    if ((rc = ops->group_update(r->ctl->store, &g)) != STORE_OK)
        return group_store_error(r, rc);
    log_kv(LOG_LEVEL_INFO, "host group changed", "group", g.name, "by", r->who.name, NULL);
    return http_reply_json(r, 200, json_pack("{s:o}", "group", group_json(&g, NULL)));
}

enum MHD_Result api_agent_groups_delete(http_req_t *r)
{
    const store_agent_ops_t *ops = ops_or_reply(r);
    if (!ops)
        return MHD_YES;
    audit_note(r, "agent_group.delete", NULL);
    int64_t id;
    if (parse_group_id(r, &id))
        return MHD_YES;
    int rc = ops->group_remove(r->ctl->store, id);
    if (rc != STORE_OK)
        return group_store_error(r, rc);
    log_kv(LOG_LEVEL_INFO, "host group removed", "group_id", LOG_INT(id), "by", r->who.name, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}
