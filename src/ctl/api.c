/*
 * api.c — routes and the checks every request passes before its handler
 * (see api.h). The table below is the authorisation matrix's source of
 * truth: a route names its permission, authz.c says which roles hold it.
 */
#include "api.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "log.h"

static route_t routes[] = {
    {"GET", "/healthz", PERM_PUBLIC, api_healthz, 0, 1, 1, 0},
    {"GET", "/readyz", PERM_PUBLIC, api_readyz, 0, 1, 1, 0},
    {"GET", "/metrics", PERM_METRICS_READ, api_metrics, 0, 0, 1, 0},
    {"POST", "/api/v1/auth/login", PERM_PUBLIC, api_login, 0, 1, 0, 0},
    {"POST", "/api/v1/auth/logout", PERM_SELF, api_logout, 0, 1, 0, 0},
    {"GET", "/api/v1/auth/session", PERM_SELF, api_session, 0, 1, 0, 0},
    {"POST", "/api/v1/auth/password", PERM_SELF, api_password, 0, 1, 0, 0},
    {"GET", "/api/v1/events", PERM_EVENTS_READ, api_events_list, 0, 0, 0, 0},
    {"POST", "/api/v1/events", PERM_EVENTS_SUBMIT, api_events_submit, 1, 0, 1, 0},
    {"GET", "/api/v1/events/stats", PERM_EVENTS_READ, api_events_stats, 0, 0, 0, 0},
    {"GET", "/api/v1/events/*", PERM_EVENTS_READ, api_events_get, 0, 0, 0, 0},
    {"GET", "/api/v1/ingest", PERM_INGEST_READ, api_ingest_status, 0, 0, 0, 0},
    {"GET", "/api/v1/users", PERM_USERS_READ, api_users_list, 0, 0, 0, 0},
    {"POST", "/api/v1/users", PERM_USERS_MANAGE, api_users_create, 0, 0, 0, 0},
    {"PATCH", "/api/v1/users/*", PERM_USERS_MANAGE, api_users_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/users/*", PERM_USERS_MANAGE, api_users_delete, 0, 0, 0, 0},
    {"GET", "/api/v1/tokens", PERM_TOKENS_MANAGE, api_tokens_list, 0, 0, 0, 0},
    {"POST", "/api/v1/tokens", PERM_TOKENS_MANAGE, api_tokens_create, 0, 0, 0, 0},
    {"DELETE", "/api/v1/tokens/*", PERM_TOKENS_MANAGE, api_tokens_revoke, 0, 0, 0, 0},
    {"GET", "/api/v1/agents", PERM_AGENTS_READ, api_agents_list, 0, 0, 0, 0},
    {"POST", "/api/v1/agents/enrolments", PERM_AGENTS_MANAGE, api_agents_enrolment_create, 0, 0, 0,
     0},
    {"PATCH", "/api/v1/agents/*", PERM_AGENTS_MANAGE, api_agents_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/agents/*", PERM_AGENTS_MANAGE, api_agents_delete, 0, 0, 0, 0},
    {"POST", "/api/v1/agent/enrol", PERM_PUBLIC, api_agent_enrol, 0, 0, 0, 0},
    {"POST", "/api/v1/agent/heartbeat", PERM_AGENT, api_agent_heartbeat, 0, 0, 1, 0},
    {"POST", "/api/v1/agent/events", PERM_AGENT, api_agent_events, 1, 0, 1, 0},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* Route labels for the latency histogram, "METHOD PATTERN". */
static char labels[N_ROUTES][64];

const route_t *api_routes(size_t *count)
{
    *count = N_ROUTES;
    return routes;
}

void api_register_metrics(metrics_t *m)
{
    for (size_t i = 0; i < N_ROUTES; i++) {
        snprintf(labels[i], sizeof(labels[i]), "%s %s", routes[i].method, routes[i].pattern);
        routes[i].metric = metrics_route(m, labels[i]);
    }
}

/* Matches path against pattern; a '*' segment is copied into arg. */
static int path_matches(const char *pattern, const char *path, char *arg, size_t arg_size)
{
    while (*pattern && *path) {
        if (*pattern == '*') {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= arg_size)
                return 0;
            memcpy(arg, path, n);
            arg[n] = '\0';
            path += n;
            pattern++;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

static int api_begin(http_req_t *r)
{
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    char allow[128] = "";
    for (size_t i = 0; i < N_ROUTES; i++) {
        char arg[sizeof(r->arg)];
        if (!path_matches(routes[i].pattern, r->path, arg, sizeof(arg)))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            r->route = &routes[i];
            snprintf(r->arg, sizeof(r->arg), "%s", arg);
            r->body_limit = routes[i].ingest_body ? r->cfg->ingest_max_body : r->cfg->http_max_body;
            return 0;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "", routes[i].method);
    }
    if (allow[0]) {
        char msg[200];
        snprintf(msg, sizeof(msg), "method %s not allowed here (allowed: %s)", r->method, allow);
        http_reply_error(r, 405, "method_not_allowed", msg);
    } else {
        http_reply_error(r, 404, "not_found", "no such endpoint");
    }
    return -1;
}

enum MHD_Result api_store_error(http_req_t *r, int rc)
{
    if (rc == STORE_FULL)
        return http_reply_error(r, 503, "store_full", "the store is full");
    return http_reply_error(r, 500, "store_error", "the store failed; see the rampartd log");
}

static enum MHD_Result api_dispatch(http_req_t *r)
{
    const route_t *route = r->route;
    if (r->state) /* a suspended handler, resumed */
        return route->handler(r);
    /* Public routes ignore credentials: a stale cookie must not stand in
     * the way of logging in again. */
    if (route->perm == PERM_PUBLIC)
        return route->handler(r);
    if (route->perm == PERM_AGENT)
        return api_agent_authenticate(r) ? MHD_YES : route->handler(r);
    auth_result_t who = auth_identify(r);
    if (who == AUTH_STORE_ERROR)
        return http_reply_error(r, 503, "store_error", "cannot check credentials right now");
    if (who == AUTH_BAD_TOKEN)
        return http_reply_error(r, 401, "invalid_token",
                                "the bearer token is unknown, revoked or expired");
    if (r->who.kind == WHO_ANONYMOUS)
        return http_reply_error(r, 401, "unauthenticated", "log in or send a bearer token");
    if (!authz_allows(r->who.role, route->perm)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "role %s lacks the permission %s", role_name(r->who.role),
                 perm_name(route->perm));
        return http_reply_error(r, 403, "forbidden", msg);
    }
    if (r->who.must_change && !route->while_must_change)
        return http_reply_error(r, 403, "password_change_required",
                                "change the password first (POST /api/v1/auth/password)");
    if (!auth_csrf_ok(r))
        return http_reply_error(r, 403, "csrf",
                                "missing or wrong X-CSRF-Token for a cookie session");
    return route->handler(r);
}

static const http_api_t api = {
    .begin = api_begin,
    .dispatch = api_dispatch,
};

const http_api_t *api_http(void)
{
    return &api;
}
