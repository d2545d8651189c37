/*
 * identity.h — who this agent is to rampartd: the id and the 256-bit
 * secret that enrolment gave it (src/ctl/agent_sign.h says how requests
 * are signed with them).
 *
 * Kept in STATE_DIR/identity, mode 0600, one line "ID SECRET-HEX",
 * replaced atomically. The secret never reaches the log.
 */
#ifndef RAMPART_AGENT_IDENTITY_H
#define RAMPART_AGENT_IDENTITY_H

#include <stdint.h>

#include "agent_sign.h"

typedef struct {
    int64_t id;
    unsigned char secret[AGENT_SECRET_LEN];
} agent_identity_t;

/* 0 loaded, 1 no identity yet, -1 unreadable or malformed (logged). */
int identity_load(const char *state_dir, agent_identity_t *out);

/* 0 or -1 (logged). */
int identity_save(const char *state_dir, const agent_identity_t *id);

#endif
