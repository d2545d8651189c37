/*
 * store_agents.h — the store's part for host agents (rampart-agent):
 * one-time enrolment tokens and enrolled agents, behind their own table
 * of operations so a backend adds them without touching the rest of
 * store.h. A backend that has none leaves store->agents NULL and the
 * agent endpoints answer 503.
 *
 * An enrolment token is kept as its SHA-256 only; enrolling consumes it
 * and creates the agent in one transaction, so a token enrols at most one
 * host. The agent's secret is stored as it is: rampartd must compute the
 * HMAC of each request with it (docs/AGENT.md; the database file is 0600).
 */
#ifndef RAMPART_CTL_STORE_AGENTS_H
#define RAMPART_CTL_STORE_AGENTS_H

#include <stdint.h>

#include "agent_sign.h"

#define STORE_AGENT_NAME_MAX    64
#define STORE_AGENT_VERSION_MAX 32
#define STORE_AGENT_CAPS_MAX    256

struct store;

typedef struct {
    int64_t id;
    char name[STORE_AGENT_NAME_MAX + 1]; /* the host name it enrolled with */
    char version[STORE_AGENT_VERSION_MAX + 1];
    unsigned char secret[AGENT_SECRET_LEN];
    char capabilities[STORE_AGENT_CAPS_MAX + 1]; /* JSON object: {"fim":true} */
    int64_t enrolled, last_seen, last_ts;        /* ms; last_ts: the last accepted signature time */
    int heartbeat_s;
    int64_t spool_pending, spool_dropped, events_sent;
} store_agent_t;

typedef int (*store_agent_cb)(void *ctx, const store_agent_t *agent);

/* A host group (migration 11): capabilities its members get unless the
 * host overrides them, and the active-response rules pushed to them. */
#define STORE_AGENT_RULES_MAX 8192
typedef struct {
    int64_t id;
    char name[STORE_AGENT_NAME_MAX + 1];
    char capabilities[STORE_AGENT_CAPS_MAX + 1];    /* JSON object of booleans */
    char response_rules[STORE_AGENT_RULES_MAX + 1]; /* JSON array (api_agent_groups.c) */
    int64_t created;                                /* ms */
} store_agent_group_t;

typedef int (*store_agent_group_cb)(void *ctx, const store_agent_group_t *group);
/* One host's membership: group_id of agent_id. */
typedef int (*store_agent_member_cb)(void *ctx, int64_t agent_id, int64_t group_id);

/* The latest baseline (security configuration assessment) of a host. */
typedef struct {
    int64_t reported; /* ms */
    int score;        /* percent of the applicable checks passed; -1: none applies */
    int passed, failed, not_applicable;
    char *report; /* the agent's JSON report; baseline_get mallocs it */
} store_agent_baseline_t;

typedef struct store_agent_ops {
    /* A one-time token (its hash) valid until expires. */
    int (*enrolment_create)(struct store *s, const unsigned char hash[32], int64_t created_by,
                            int64_t created, int64_t expires);
    /* Consumes an unused, unexpired token and creates the agent (sets
     * a->id): STORE_NOT_FOUND for a bad token, STORE_CONFLICT when the
     * name is enrolled already (the token stays unused then). */
    int (*enrol)(struct store *s, const unsigned char hash[32], int64_t now, store_agent_t *a);
    int (*get)(struct store *s, int64_t id, store_agent_t *out);
    /* Records ts as the agent's last accepted signature time, only if it
     * is later than the one recorded: STORE_NOT_FOUND otherwise (replay). */
    int (*accept)(struct store *s, int64_t id, int64_t ts);
    int (*heartbeat)(struct store *s, const store_agent_t *a); /* version, last_seen, counters */
    int (*list)(struct store *s, store_agent_cb cb, void *ctx);
    int (*set_capabilities)(struct store *s, int64_t id, const char *json);
    int (*remove)(struct store *s, int64_t id);
    /* Replaces the host's baseline results (removed with the host). */
    int (*baseline_put)(struct store *s, int64_t id, const store_agent_baseline_t *b);
    /* STORE_NOT_FOUND when the host reported none; free(out->report). */
    int (*baseline_get)(struct store *s, int64_t id, store_agent_baseline_t *out);

    /* Host groups: create sets g->id (STORE_CONFLICT: the name is taken);
     * update replaces name, capabilities and rules (STORE_NOT_FOUND,
     * STORE_CONFLICT); removing a group leaves its hosts without one. */
    int (*group_create)(struct store *s, store_agent_group_t *g);
    int (*group_update)(struct store *s, const store_agent_group_t *g);
    int (*group_get)(struct store *s, int64_t id, store_agent_group_t *out);
    int (*group_list)(struct store *s, store_agent_group_cb cb, void *ctx);
    int (*group_remove)(struct store *s, int64_t id);
    /* Puts a host into a group (0: into none); a host is in one group at
     * most. The caller checks that both exist. */
    int (*group_assign)(struct store *s, int64_t agent_id, int64_t group_id);
    /* The host's group: STORE_NOT_FOUND when it is in none. */
    int (*group_of)(struct store *s, int64_t agent_id, store_agent_group_t *out);
    int (*group_members)(struct store *s, store_agent_member_cb cb, void *ctx);
} store_agent_ops_t;

#endif
