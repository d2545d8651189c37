/*
 * authz.h — roles and what each may do: the permission matrix of
 * docs/RAMPARTD.md, in one table (authz.c).
 *
 * Three human roles separate duties as MLPS 2.0 level 3 asks: admin runs
 * the system (accounts, tokens), secops runs security (events,
 * applications, switches, policies — admins may change those too),
 * auditor reviews (reads events, accounts, applications and policies,
 * changes nothing). gateway is a machine role for API tokens that submit
 * events and fetch the distribution bundle.
 */
#ifndef RAMPART_CTL_AUTHZ_H
#define RAMPART_CTL_AUTHZ_H

/* app: a machine role for API tokens of applications that call the
 * encryption service; what each may do with which keys is its grants
 * (keyring.h, docs/CRYPTO.md). */
typedef enum {
    ROLE_NONE = -1,
    ROLE_ADMIN,
    ROLE_SECOPS,
    ROLE_AUDITOR,
    ROLE_GATEWAY,
    ROLE_APP
} role_t;

#define ROLE_COUNT 5

typedef enum {
    PERM_PUBLIC,           /* no authentication: /healthz, /readyz, login */
    PERM_SELF,             /* any authenticated caller, about itself */
    PERM_EVENTS_READ,      /* query, export and aggregate events */
    PERM_EVENTS_SUBMIT,    /* POST events (gateways) */
    PERM_INGEST_READ,      /* ingestion counters and sources */
    PERM_METRICS_READ,     /* /metrics */
    PERM_USERS_READ,       /* list accounts */
    PERM_USERS_MANAGE,     /* create, change, delete accounts */
    PERM_TOKENS_MANAGE,    /* create, list, revoke API tokens */
    PERM_AUDIT_READ,       /* read, export and verify the audit log */
    PERM_APPS_READ,        /* applications and their protection switches */
    PERM_APPS_MANAGE,      /* register, change, delete applications; set switches */
    PERM_POLICIES_READ,    /* policies, versions, diffs */
    PERM_POLICIES_MANAGE,  /* create, change, roll back, delete policies */
    PERM_BUNDLE_FETCH,     /* the distribution bundle (gateways check in with it) */
    PERM_GATEWAYS_READ,    /* the gateways, their running version and last check-in */
    PERM_AGENTS_READ,      /* list host agents */
    PERM_AGENTS_MANAGE,    /* enrolment tokens, capabilities, removal of host agents */
    PERM_AGENT,            /* a host agent's signed request (no role: api.c checks the signature) */
    PERM_DIRECTORY_READ,   /* identity directory: users, groups, roles, export */
    PERM_DIRECTORY_MANAGE, /* create, change, delete, import directory entries; reset, unlock */
    PERM_IDSESSIONS_MANAGE, /* revoke directory users' sessions */
    PERM_GATEWAY_IDENTITY,  /* the revocation feed and identity keys (gateway tokens only) */
    PERM_KEYS_READ,         /* key metadata, grants, key jobs (never material) */
    PERM_KEYS_MANAGE,       /* create and rotate keys, rotate the master key, grant key use */
    PERM_CRYPTO_USE, /* the encryption service; the handler then checks the caller's grants */
    PERM_OIDC_CLIENTS_READ,   /* OpenID Connect relying parties */
    PERM_OIDC_CLIENTS_MANAGE, /* register, change, delete them; rotate secrets */
    PERM_DATA_READ,           /* data exposure per endpoint, alerts */
    PERM_ALERTS_MANAGE,       /* acknowledge alerts */
    PERM_COUNT
} perm_t;

const char *role_name(role_t role);         /* "admin", ...; "none" */
role_t role_parse(const char *name);        /* ROLE_NONE when unknown */
int role_is_human(role_t role);             /* may own a console account */
int authz_allows(role_t role, perm_t perm); /* 1 or 0 */
const char *perm_name(perm_t perm);

#endif
