/*
 * authz.c — the permission matrix (see authz.h and docs/RAMPARTD.md).
 */
#include "authz.h"

#include <string.h>

static const char *const role_names[ROLE_COUNT] = {"admin", "secops", "auditor", "gateway", "app"};

#define R(role) (1u << (role))

/* Which roles hold each permission. PERM_PUBLIC needs no role at all. */
static const unsigned matrix[PERM_COUNT] = {
    [PERM_PUBLIC] =
        R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR) | R(ROLE_GATEWAY) | R(ROLE_APP),
    [PERM_SELF] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR) | R(ROLE_GATEWAY) | R(ROLE_APP),
    [PERM_EVENTS_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_EVENTS_SUBMIT] = R(ROLE_GATEWAY),
    [PERM_INGEST_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_METRICS_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_USERS_READ] = R(ROLE_ADMIN) | R(ROLE_AUDITOR),
    [PERM_USERS_MANAGE] = R(ROLE_ADMIN),
    [PERM_TOKENS_MANAGE] = R(ROLE_ADMIN),
    /* MLPS three-role separation: the auditor reviews what admin and
     * secops did; neither of them reads (or can erase) the audit log. */
    [PERM_AUDIT_READ] = R(ROLE_AUDITOR),
    [PERM_APPS_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_APPS_MANAGE] = R(ROLE_ADMIN) | R(ROLE_SECOPS),
    [PERM_POLICIES_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_POLICIES_MANAGE] = R(ROLE_ADMIN) | R(ROLE_SECOPS),
    [PERM_BUNDLE_FETCH] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR) | R(ROLE_GATEWAY),
    [PERM_GATEWAYS_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_AGENTS_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_AGENTS_MANAGE] = R(ROLE_ADMIN) | R(ROLE_SECOPS),
    [PERM_AGENT] = 0,
    /* The directory holds people's data: admin keeps it; secops and the
     * auditor read it (investigations, reviews). Ending a directory
     * user's sessions is incident response: admin and secops. */
    [PERM_DIRECTORY_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_DIRECTORY_MANAGE] = R(ROLE_ADMIN),
    [PERM_IDSESSIONS_MANAGE] = R(ROLE_ADMIN) | R(ROLE_SECOPS),
    /* Session keys let their holder mint sessions: only the gateways,
     * which enforce them, get them — no human role. */
    [PERM_GATEWAY_IDENTITY] = R(ROLE_GATEWAY),
    /* Keys: admins manage them, auditors see metadata and use records;
     * using a key needs a grant as well (admins hold none by default). */
    [PERM_KEYS_READ] = R(ROLE_ADMIN) | R(ROLE_AUDITOR),
    [PERM_KEYS_MANAGE] = R(ROLE_ADMIN),
    [PERM_CRYPTO_USE] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_APP),
    /* A relying party is let into people's identities: admin registers
     * them (like the directory); secops and the auditor review. */
    [PERM_OIDC_CLIENTS_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    [PERM_OIDC_CLIENTS_MANAGE] = R(ROLE_ADMIN),
    [PERM_DATA_READ] = R(ROLE_ADMIN) | R(ROLE_SECOPS) | R(ROLE_AUDITOR),
    /* security operations answer alerts */
    [PERM_ALERTS_MANAGE] = R(ROLE_SECOPS),
};

/* Designated, so that a permission added to the enum in the middle cannot
 * shift every name after it (or leave one NULL). */
static const char *const perm_names[PERM_COUNT] = {
    [PERM_PUBLIC] = "public",
    [PERM_SELF] = "self",
    [PERM_EVENTS_READ] = "events:read",
    [PERM_EVENTS_SUBMIT] = "events:submit",
    [PERM_INGEST_READ] = "ingest:read",
    [PERM_METRICS_READ] = "metrics:read",
    [PERM_USERS_READ] = "users:read",
    [PERM_USERS_MANAGE] = "users:manage",
    [PERM_TOKENS_MANAGE] = "tokens:manage",
    [PERM_AUDIT_READ] = "audit:read",
    [PERM_APPS_READ] = "apps:read",
    [PERM_APPS_MANAGE] = "apps:manage",
    [PERM_POLICIES_READ] = "policies:read",
    [PERM_POLICIES_MANAGE] = "policies:manage",
    [PERM_BUNDLE_FETCH] = "bundle:fetch",
    [PERM_GATEWAYS_READ] = "gateways:read",
    [PERM_AGENTS_READ] = "agents:read",
    [PERM_AGENTS_MANAGE] = "agents:manage",
    [PERM_AGENT] = "agent",
    [PERM_DIRECTORY_READ] = "directory:read",
    [PERM_DIRECTORY_MANAGE] = "directory:manage",
    [PERM_IDSESSIONS_MANAGE] = "idsessions:manage",
    [PERM_GATEWAY_IDENTITY] = "gateway:identity",
    [PERM_KEYS_READ] = "keys:read",
    [PERM_KEYS_MANAGE] = "keys:manage",
    [PERM_CRYPTO_USE] = "crypto:use",
    [PERM_OIDC_CLIENTS_READ] = "oidc-clients:read",
    [PERM_OIDC_CLIENTS_MANAGE] = "oidc-clients:manage",
    [PERM_DATA_READ] = "data:read",
    [PERM_ALERTS_MANAGE] = "alerts:manage",
};

const char *role_name(role_t role)
{
    return role >= 0 && role < ROLE_COUNT ? role_names[role] : "none";
}

role_t role_parse(const char *name)
{
    for (int i = 0; i < ROLE_COUNT; i++)
        if (name && strcmp(name, role_names[i]) == 0)
            return (role_t)i;
    return ROLE_NONE;
}

int role_is_human(role_t role)
{
    return role == ROLE_ADMIN || role == ROLE_SECOPS || role == ROLE_AUDITOR;
}

int authz_allows(role_t role, perm_t perm)
{
    if (perm < 0 || perm >= PERM_COUNT)
        return 0;
    if (perm == PERM_PUBLIC)
        return 1;
    if (role < 0 || role >= ROLE_COUNT)
        return 0;
    return (matrix[perm] & R(role)) != 0;
}

const char *perm_name(perm_t perm)
{
    return perm >= 0 && perm < PERM_COUNT ? perm_names[perm] : "unknown";
}
