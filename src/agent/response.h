/*
 * response.h — active response (docs/AGENT.md, "Active response"): off
 * by default; per rule (response_rule DETECTION ACTION [SECONDS]) a
 * detection can block its source address with nftables (time-limited,
 * response_nft.h), kill its process (the one the event names, checked by
 * its start time so a reused pid is never hit) or quarantine its file
 * (quarantine.h). response_mode dry-run records what would be done and
 * does nothing. Every action, done, failed or dry, is a "response" event;
 * so are the reversals made with rampart-agent -U (unblock) and -R
 * (restore), which leave a note the running agent turns into an event.
 */
#ifndef RAMPART_AGENT_RESPONSE_H
#define RAMPART_AGENT_RESPONSE_H

#include <jansson.h>

#include "agent_config.h"

struct agent;
typedef struct response response_t;

response_t *response_open(struct agent *ag);
void response_close(response_t *r);

/* A detection just reported (detail borrowed: the event's detail). */
void response_on_event(response_t *r, const char *category, const char *detection,
                       const char *object, const char *client, json_t *detail);

/* The rules rampartd pushes with the host's group (the heartbeat's
 * "response_rules": [{detection, action, seconds, mode}], each rule in its
 * own mode off, dry-run or active), besides the configuration's. Replaces
 * the previous ones; a malformed list is refused whole (-1) and the
 * previous rules stay. */
int response_set_pushed(response_t *r, json_t *rules);
size_t response_pushed_count(const response_t *r);

/* Turns the reversal notes of -U and -R into events. */
void response_tick(response_t *r);

/* rampart-agent -U ADDR / -R ID: the reversal, recorded for the agent.
 * Exit codes: 0 done, 1 failed. */
int response_unblock_now(const agent_config_t *cfg, const char *addr);
int response_restore_now(const agent_config_t *cfg, const char *id);

#endif
