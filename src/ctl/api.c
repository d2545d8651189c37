/*
 * api.c — routes and the checks every request passes before its handler
 * (see api.h). The table below is the authorisation matrix's source of
 * truth: a route names its permission, authz.c says which roles hold it.
 */
#include "api.h"
#include "api_agent_groups.h"
#include "api_directory.h"
#include "api_id.h"
#include "api_id_webauthn.h"
#include "api_scim.h"
#include "api_oidc.h"
#include "api_dataview.h"

#include <stdio.h>
#include <string.h>

#include "audit_hook.h"
#include "auth.h"
#include "console_static.h"
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
    {"GET", "/api/v1/audit", PERM_AUDIT_READ, api_audit_list, 0, 0, 0, 0},
    {"GET", "/api/v1/audit/verify", PERM_AUDIT_READ, api_audit_verify, 0, 0, 0, 0},
    {"GET", "/api/v1/audit/public-key", PERM_AUDIT_READ, api_audit_public_key, 0, 0, 0, 0},
    {"GET", "/api/v1/audit/seals", PERM_AUDIT_READ, api_audit_seals, 0, 0, 0, 0},
    {"GET", "/api/v1/apps", PERM_APPS_READ, api_apps_list, 0, 0, 0, 0},
    {"POST", "/api/v1/apps", PERM_APPS_MANAGE, api_apps_create, 0, 0, 0, 0},
    {"GET", "/api/v1/apps/*", PERM_APPS_READ, api_apps_get, 0, 0, 0, 0},
    {"PATCH", "/api/v1/apps/*", PERM_APPS_MANAGE, api_apps_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/apps/*", PERM_APPS_MANAGE, api_apps_delete, 0, 0, 0, 0},
    {"PATCH", "/api/v1/apps/*/switches", PERM_APPS_MANAGE, api_apps_switches, 0, 0, 0, 0},
    {"GET", "/api/v1/apps/*/api-inventory", PERM_APPS_READ, api_inventory_get, 0, 0, 0, 0},
    {"GET", "/api/v1/apps/*/api-inventory/openapi", PERM_APPS_READ, api_inventory_openapi, 0, 0,
     0, 0},
    {"GET", "/api/v1/policies", PERM_POLICIES_READ, api_policies_list, 0, 0, 0, 0},
    {"POST", "/api/v1/policies", PERM_POLICIES_MANAGE, api_policies_create, 0, 0, 0, 0},
    {"POST", "/api/v1/policies/validate", PERM_POLICIES_READ, api_policies_validate, 0, 0, 0, 0},
    {"GET", "/api/v1/policies/*", PERM_POLICIES_READ, api_policies_get, 0, 0, 0, 0},
    {"DELETE", "/api/v1/policies/*", PERM_POLICIES_MANAGE, api_policies_delete, 0, 0, 0, 0},
    {"GET", "/api/v1/policies/*/versions", PERM_POLICIES_READ, api_policies_versions, 0, 0, 0, 0},
    {"POST", "/api/v1/policies/*/versions", PERM_POLICIES_MANAGE, api_policies_add_version, 0, 0, 0,
     0},
    {"GET", "/api/v1/policies/*/versions/*", PERM_POLICIES_READ, api_policies_version_get, 0, 0, 0,
     0},
    {"GET", "/api/v1/policies/*/diff", PERM_POLICIES_READ, api_policies_diff, 0, 0, 0, 0},
    {"POST", "/api/v1/policies/*/rollback", PERM_POLICIES_MANAGE, api_policies_rollback, 0, 0, 0,
     0},
    {"GET", "/api/v1/bundle", PERM_BUNDLE_FETCH, api_bundle_get, 0, 0, 1, 0},
    {"GET", "/api/v1/gateways", PERM_GATEWAYS_READ, api_gateways_list, 0, 0, 0, 0},
    {"GET", "/api/v1/agents", PERM_AGENTS_READ, api_agents_list, 0, 0, 0, 0},
    {"POST", "/api/v1/agents/enrolments", PERM_AGENTS_MANAGE, api_agents_enrolment_create, 0, 0, 0,
     0},
    {"PATCH", "/api/v1/agents/*", PERM_AGENTS_MANAGE, api_agents_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/agents/*", PERM_AGENTS_MANAGE, api_agents_delete, 0, 0, 0, 0},
    {"GET", "/api/v1/agents/*/baseline", PERM_AGENTS_READ, api_agents_baseline_get, 0, 0, 0, 0},
    {"GET", "/api/v1/agent-groups", PERM_AGENTS_READ, api_agent_groups_list, 0, 0, 0, 0},
    {"POST", "/api/v1/agent-groups", PERM_AGENTS_MANAGE, api_agent_groups_create, 0, 0, 0, 0},
    {"PATCH", "/api/v1/agent-groups/*", PERM_AGENTS_MANAGE, api_agent_groups_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/agent-groups/*", PERM_AGENTS_MANAGE, api_agent_groups_delete, 0, 0, 0, 0},
    {"POST", "/api/v1/agent/enrol", PERM_PUBLIC, api_agent_enrol, 0, 0, 0, 0},
    {"POST", "/api/v1/agent/heartbeat", PERM_AGENT, api_agent_heartbeat, 0, 0, 1, 0},
    {"POST", "/api/v1/agent/events", PERM_AGENT, api_agent_events, 1, 0, 1, 0},
    /* the identity directory (api_directory*.c) */
    {"GET", "/api/v1/directory/users", PERM_DIRECTORY_READ, api_dir_users_list, 0, 0, 0, 0},
    {"POST", "/api/v1/directory/users", PERM_DIRECTORY_MANAGE, api_dir_users_create, 0, 0, 0, 0},
    {"GET", "/api/v1/directory/users/*", PERM_DIRECTORY_READ, api_dir_users_get, 0, 0, 0, 0},
    {"PATCH", "/api/v1/directory/users/*", PERM_DIRECTORY_MANAGE, api_dir_users_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/directory/users/*", PERM_DIRECTORY_MANAGE, api_dir_users_delete, 0, 0, 0,
     0},
    {"GET", "/api/v1/directory/groups", PERM_DIRECTORY_READ, api_dir_groups_list, 0, 0, 0, 0},
    {"POST", "/api/v1/directory/groups", PERM_DIRECTORY_MANAGE, api_dir_groups_create, 0, 0, 0, 0},
    {"GET", "/api/v1/directory/groups/*", PERM_DIRECTORY_READ, api_dir_groups_get, 0, 0, 0, 0},
    {"PATCH", "/api/v1/directory/groups/*", PERM_DIRECTORY_MANAGE, api_dir_groups_update, 0, 0, 0,
     0},
    {"DELETE", "/api/v1/directory/groups/*", PERM_DIRECTORY_MANAGE, api_dir_groups_delete, 0, 0, 0,
     0},
    {"GET", "/api/v1/directory/roles", PERM_DIRECTORY_READ, api_dir_roles_list, 0, 0, 0, 0},
    {"POST", "/api/v1/directory/roles", PERM_DIRECTORY_MANAGE, api_dir_roles_create, 0, 0, 0, 0},
    {"GET", "/api/v1/directory/roles/*", PERM_DIRECTORY_READ, api_dir_roles_get, 0, 0, 0, 0},
    {"PATCH", "/api/v1/directory/roles/*", PERM_DIRECTORY_MANAGE, api_dir_roles_update, 0, 0, 0, 0},
    {"DELETE", "/api/v1/directory/roles/*", PERM_DIRECTORY_MANAGE, api_dir_roles_delete, 0, 0, 0,
     0},
    {"GET", "/api/v1/directory/export", PERM_DIRECTORY_READ, api_dir_export, 0, 0, 0, 0},
    {"POST", "/api/v1/directory/import", PERM_DIRECTORY_MANAGE, api_dir_import, 0, 0, 0, 0},
    {"POST", "/api/v1/directory/users/*/password", PERM_DIRECTORY_MANAGE, api_dir_users_password, 0,
     0, 0, 0},
    {"POST", "/api/v1/directory/users/*/unlock", PERM_DIRECTORY_MANAGE, api_dir_users_unlock, 0, 0,
     0, 0},
    {"DELETE", "/api/v1/directory/users/*/mfa", PERM_DIRECTORY_MANAGE, api_dir_users_mfa_reset, 0,
     0, 0, 0},
    {"DELETE", "/api/v1/directory/users/*/sessions", PERM_IDSESSIONS_MANAGE,
     api_idsessions_revoke_user, 0, 0, 0, 0},
    {"GET", "/api/v1/directory/sessions", PERM_DIRECTORY_READ, api_idsessions_list, 0, 0, 0, 0},
    {"DELETE", "/api/v1/directory/sessions/*", PERM_IDSESSIONS_MANAGE, api_idsessions_revoke, 0, 0,
     0, 0},
    /* field encryption keys for gateways (api_gateway_keys.c); POST so
     * that every delivery has its audit record before the keys leave */
    {"POST", "/api/v1/gateway/data-keys", PERM_GATEWAY_DATA_KEYS, api_gateway_data_keys, 0, 0, 0,
     0},
    /* the identity feed for gateways (api_idsessions.c) */
    {"GET", "/api/v1/gateway/revocations", PERM_GATEWAY_IDENTITY, api_gateway_revocations, 0, 0, 1,
     0},
    {"GET", "/api/v1/gateway/identity-keys", PERM_GATEWAY_IDENTITY, api_gateway_identity_keys, 0, 0,
     1, 0},
    /* the login portal (api_id*.c): public routes that check the portal's
     * own session cookie, or none before login */
    {"POST", "/api/v1/id/login", PERM_PUBLIC, api_id_login, 0, 1, 0, 0},
    {"POST", "/api/v1/id/mfa", PERM_PUBLIC, api_id_mfa, 0, 1, 0, 0},
    {"POST", "/api/v1/id/password", PERM_PUBLIC, api_id_password, 0, 1, 0, 0},
    {"GET", "/api/v1/id/session", PERM_PUBLIC, api_id_session, 0, 1, 0, 0},
    {"POST", "/api/v1/id/logout", PERM_PUBLIC, api_id_logout, 0, 1, 0, 0},
    {"POST", "/api/v1/id/logout-everywhere", PERM_PUBLIC, api_id_logout_everywhere, 0, 1, 0, 0},
    {"POST", "/api/v1/id/handoff", PERM_PUBLIC, api_id_handoff, 0, 1, 0, 0},
    {"GET", "/api/v1/id/sessions", PERM_PUBLIC, api_id_sessions, 0, 1, 0, 0},
    {"DELETE", "/api/v1/id/sessions/*", PERM_PUBLIC, api_id_session_revoke, 0, 1, 0, 0},
    {"POST", "/api/v1/id/totp/enrol", PERM_PUBLIC, api_id_totp_enrol, 0, 1, 0, 0},
    {"POST", "/api/v1/id/totp/confirm", PERM_PUBLIC, api_id_totp_confirm, 0, 1, 0, 0},
    {"POST", "/api/v1/id/totp/disable", PERM_PUBLIC, api_id_totp_disable, 0, 1, 0, 0},
    /* WebAuthn in the portal (api_id_webauthn.c) */
    {"POST", "/api/v1/id/webauthn/register/begin", PERM_PUBLIC, api_id_webauthn_register_begin, 0,
     1, 0, 0},
    {"POST", "/api/v1/id/webauthn/register/finish", PERM_PUBLIC, api_id_webauthn_register_finish,
     0, 1, 0, 0},
    {"POST", "/api/v1/id/webauthn/login/begin", PERM_PUBLIC, api_id_webauthn_login_begin, 0, 1, 0,
     0},
    {"POST", "/api/v1/id/webauthn/login/finish", PERM_PUBLIC, api_id_webauthn_login_finish, 0, 1,
     0, 0},
    {"GET", "/api/v1/id/webauthn/credentials", PERM_PUBLIC, api_id_webauthn_list, 0, 1, 0, 0},
    {"PATCH", "/api/v1/id/webauthn/credentials/*", PERM_PUBLIC, api_id_webauthn_rename, 0, 1, 0, 0},
    {"DELETE", "/api/v1/id/webauthn/credentials/*", PERM_PUBLIC, api_id_webauthn_delete, 0, 1, 0,
     0},
    /* key management and the encryption service (docs/CRYPTO.md) */
    {"GET", "/api/v1/crypto/keys", PERM_KEYS_READ, api_keys_list, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/keys", PERM_KEYS_MANAGE, api_keys_create, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/keys/rotate", PERM_KEYS_MANAGE, api_keys_rotate, 0, 0, 0, 0},
    {"GET", "/api/v1/crypto/master", PERM_KEYS_READ, api_keys_master, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/master/rotate", PERM_KEYS_MANAGE, api_keys_master_rotate, 0, 0, 0, 0},
    {"GET", "/api/v1/crypto/jobs", PERM_KEYS_READ, api_keys_jobs, 0, 0, 0, 0},
    {"GET", "/api/v1/crypto/grants", PERM_KEYS_READ, api_grants_list, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/grants", PERM_KEYS_MANAGE, api_grants_create, 0, 0, 0, 0},
    {"DELETE", "/api/v1/crypto/grants/*", PERM_KEYS_MANAGE, api_grants_delete, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/encrypt", PERM_CRYPTO_USE, api_crypto_encrypt, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/decrypt", PERM_CRYPTO_USE, api_crypto_decrypt, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/rewrap", PERM_CRYPTO_USE, api_crypto_rewrap, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/blind-index", PERM_CRYPTO_USE, api_crypto_blind_index, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/tokenize", PERM_CRYPTO_USE, api_crypto_tokenize, 0, 0, 0, 0},
    {"POST", "/api/v1/crypto/detokenize", PERM_CRYPTO_USE, api_crypto_detokenize, 0, 0, 0, 0},
    {"POST", "/api/v1/agent/baseline", PERM_AGENT, api_agent_baseline_put, 0, 0, 1, 0},
    /* SCIM 2.0 provisioning of the directory (api_scim*.c, docs/IDENTITY.md) */
    {"GET", "/scim/v2/ServiceProviderConfig", PERM_DIRECTORY_MANAGE, api_scim_service_config, 0, 0,
     0, 0},
    {"GET", "/scim/v2/ResourceTypes", PERM_DIRECTORY_MANAGE, api_scim_resource_types, 0, 0, 0, 0},
    {"GET", "/scim/v2/ResourceTypes/*", PERM_DIRECTORY_MANAGE, api_scim_resource_type, 0, 0, 0, 0},
    {"GET", "/scim/v2/Schemas", PERM_DIRECTORY_MANAGE, api_scim_schemas, 0, 0, 0, 0},
    {"GET", "/scim/v2/Schemas/*", PERM_DIRECTORY_MANAGE, api_scim_schema, 0, 0, 0, 0},
    {"GET", "/scim/v2/Users", PERM_DIRECTORY_MANAGE, api_scim_users_list, 0, 0, 0, 0},
    {"POST", "/scim/v2/Users", PERM_DIRECTORY_MANAGE, api_scim_users_create, 0, 0, 0, 0},
    {"GET", "/scim/v2/Users/*", PERM_DIRECTORY_MANAGE, api_scim_users_get, 0, 0, 0, 0},
    {"PUT", "/scim/v2/Users/*", PERM_DIRECTORY_MANAGE, api_scim_users_replace, 0, 0, 0, 0},
    {"PATCH", "/scim/v2/Users/*", PERM_DIRECTORY_MANAGE, api_scim_users_patch, 0, 0, 0, 0},
    {"DELETE", "/scim/v2/Users/*", PERM_DIRECTORY_MANAGE, api_scim_users_delete, 0, 0, 0, 0},
    {"GET", "/scim/v2/Groups", PERM_DIRECTORY_MANAGE, api_scim_groups_list, 0, 0, 0, 0},
    {"POST", "/scim/v2/Groups", PERM_DIRECTORY_MANAGE, api_scim_groups_create, 0, 0, 0, 0},
    {"GET", "/scim/v2/Groups/*", PERM_DIRECTORY_MANAGE, api_scim_groups_get, 0, 0, 0, 0},
    {"PUT", "/scim/v2/Groups/*", PERM_DIRECTORY_MANAGE, api_scim_groups_replace, 0, 0, 0, 0},
    {"PATCH", "/scim/v2/Groups/*", PERM_DIRECTORY_MANAGE, api_scim_groups_patch, 0, 0, 0, 0},
    {"DELETE", "/scim/v2/Groups/*", PERM_DIRECTORY_MANAGE, api_scim_groups_delete, 0, 0, 0, 0},
    /* the OpenID Connect provider (api_oidc*.c): public protocol endpoints;
     * each authenticates its caller as the protocol says */
    {"GET", "/.well-known/openid-configuration", PERM_PUBLIC, api_oidc_discovery, 0, 1, 0, 0},
    {"GET", "/oidc/jwks", PERM_PUBLIC, api_oidc_jwks, 0, 1, 0, 0},
    {"GET", "/oidc/authorize", PERM_PUBLIC, api_oidc_authorize, 0, 1, 0, 0},
    {"POST", "/oidc/token", PERM_PUBLIC, api_oidc_token, 0, 1, 0, 0},
    {"GET", "/oidc/userinfo", PERM_PUBLIC, api_oidc_userinfo, 0, 1, 0, 0},
    {"POST", "/oidc/userinfo", PERM_PUBLIC, api_oidc_userinfo, 0, 1, 0, 0},
    {"GET", "/oidc/logout", PERM_PUBLIC, api_oidc_logout, 0, 1, 0, 0},
    {"POST", "/api/v1/id/oidc/authorize", PERM_PUBLIC, api_oidc_portal_authorize, 0, 1, 0, 0},
    {"POST", "/api/v1/id/oidc/consent", PERM_PUBLIC, api_oidc_portal_consent, 0, 1, 0, 0},
    {"GET", "/api/v1/id/oidc/consents", PERM_PUBLIC, api_oidc_portal_consents, 0, 1, 0, 0},
    {"DELETE", "/api/v1/id/oidc/consents/*", PERM_PUBLIC, api_oidc_portal_consent_revoke, 0, 1, 0,
     0},
    /* its relying parties, registered by operators (api_oidc_clients.c) */
    {"GET", "/api/v1/oidc/clients", PERM_OIDC_CLIENTS_READ, api_oidc_clients_list, 0, 0, 0, 0},
    {"POST", "/api/v1/oidc/clients", PERM_OIDC_CLIENTS_MANAGE, api_oidc_clients_create, 0, 0, 0, 0},
    {"GET", "/api/v1/oidc/clients/*", PERM_OIDC_CLIENTS_READ, api_oidc_clients_get, 0, 0, 0, 0},
    {"PATCH", "/api/v1/oidc/clients/*", PERM_OIDC_CLIENTS_MANAGE, api_oidc_clients_update, 0, 0, 0,
     0},
    {"DELETE", "/api/v1/oidc/clients/*", PERM_OIDC_CLIENTS_MANAGE, api_oidc_clients_delete, 0, 0, 0,
     0},
    /* data visibility: exposure per endpoint, alerts (api_exposure.c, api_alerts.c) */
    {"GET", "/api/v1/exposure", PERM_DATA_READ, api_exposure_list, 0, 0, 0, 0},
    {"GET", "/api/v1/alerts", PERM_DATA_READ, api_alerts_list, 0, 0, 0, 0},
    {"POST", "/api/v1/alerts/*/ack", PERM_ALERTS_MANAGE, api_alerts_ack, 0, 0, 0, 0},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* The web console's files: every GET or HEAD outside /api/ that no route
 * above matches (console_static.h). */
static route_t console_route = {"GET", "/ (console)", PERM_PUBLIC, console_static_serve, 0, 1, 1,
                                0};

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
    console_route.metric = metrics_route(m, "GET /console");
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
        /* empty for a pattern without '*': r->arg is the audit record's
         * default target, and must never be stack garbage */
        char arg[sizeof(r->arg)];
        arg[0] = '\0';
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
    if (!allow[0] && console_static_claims(r)) {
        r->route = &console_route;
        return 0;
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

/* The checks before the handler: 0 to run it, or -1 with the refusal
 * queued (*rc is what dispatch returns). */
static int api_admit(http_req_t *r, enum MHD_Result *rc)
{
    const route_t *route = r->route;
    auth_result_t who = auth_identify(r);
    char msg[160];
    if (who == AUTH_STORE_ERROR)
        *rc = http_reply_error(r, 503, "store_error", "cannot check credentials right now");
    else if (who == AUTH_BAD_TOKEN)
        *rc = http_reply_error(r, 401, "invalid_token",
                               "the bearer token is unknown, revoked or expired");
    else if (r->who.kind == WHO_ANONYMOUS)
        *rc = http_reply_error(r, 401, "unauthenticated", "log in or send a bearer token");
    else if (!authz_allows(r->who.role, route->perm)) {
        snprintf(msg, sizeof(msg), "role %s lacks the permission %s", role_name(r->who.role),
                 perm_name(route->perm));
        *rc = http_reply_error(r, 403, "forbidden", msg);
    } else if (r->who.must_change && !route->while_must_change)
        *rc = http_reply_error(r, 403, "password_change_required",
                               "change the password first (POST /api/v1/auth/password)");
    else if (!auth_csrf_ok(r))
        *rc =
            http_reply_error(r, 403, "csrf", "missing or wrong X-CSRF-Token for a cookie session");
    else
        return 0;
    return -1;
}

/* Runs the handler; a state-changing request is audited around it
 * (audit_hook.h): nothing runs whose intent could not be recorded. */
static enum MHD_Result api_run(http_req_t *r)
{
    enum MHD_Result rc = r->route->handler(r);
    if (r->audit_state == 1 && r->replied)
        audit_request_end(r);
    return rc;
}

static enum MHD_Result api_dispatch(http_req_t *r)
{
    const route_t *route = r->route;
    if (r->state) /* a suspended handler, resumed */
        return api_run(r);
    /* Public routes ignore credentials: a stale cookie must not stand in
     * the way of logging in again. Login audits itself. */
    if (route->perm == PERM_PUBLIC)
        return route->handler(r);
    /* Host agents sign each request with their own secret instead of a
     * session or token; their routes are quiet (machine traffic, not
     * audited per request), so the audit hook does not apply. */
    if (route->perm == PERM_AGENT)
        return api_agent_authenticate(r) ? MHD_YES : api_run(r);
    int audited = audit_request_applies(r);
    enum MHD_Result rc = MHD_YES;
    if (api_admit(r, &rc)) {
        if (audited)
            audit_request_denied(r);
        return rc;
    }
    if (audited && audit_request_begin(r))
        return MHD_YES;
    return api_run(r);
}

static const http_api_t api = {
    .begin = api_begin,
    .dispatch = api_dispatch,
};

const http_api_t *api_http(void)
{
    return &api;
}
