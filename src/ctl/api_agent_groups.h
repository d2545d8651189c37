/*
 * api_agent_groups.h — host groups (docs/AGENT.md, "Host groups"): what
 * a host runs is decided in layers — every capability on by default, then
 * its group's switches, then the host's own overrides — and the group
 * carries the active-response rules pushed to its hosts with each
 * heartbeat's answer.
 */
#ifndef RAMPART_CTL_API_AGENT_GROUPS_H
#define RAMPART_CTL_API_AGENT_GROUPS_H

#include <jansson.h>

#include "http.h"

#define AGENT_CAPABILITY_COUNT 6
extern const char *const agent_capability_names[AGENT_CAPABILITY_COUNT];

/* The effective switches (all six): defaults ← group (JSON text or NULL)
 * ← host overrides (JSON text). New reference. */
json_t *agent_effective_capabilities(const char *group_caps, const char *host_caps);

/* Applies a change {"name": bool or null} to the switches in current
 * (JSON text): a boolean sets, null removes (back to the layer below).
 * Writes the compact sorted result into out; -1 for an unknown name or
 * a value of another type. */
int agent_capabilities_change(const char *current, json_t *change, char *out, size_t size);

/* GET/POST /api/v1/agent-groups, PATCH/DELETE /api/v1/agent-groups/ID */
enum MHD_Result api_agent_groups_list(http_req_t *r);
enum MHD_Result api_agent_groups_create(http_req_t *r);
enum MHD_Result api_agent_groups_update(http_req_t *r);
enum MHD_Result api_agent_groups_delete(http_req_t *r);

#endif
