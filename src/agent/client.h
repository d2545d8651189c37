/*
 * client.h — the agent's HTTP client to rampartd (libcurl, one connection
 * kept alive, one request at a time).
 *
 * Requests after enrolment are signed (src/ctl/agent_sign.h) with a
 * timestamp that only grows, even if the clock steps back, so rampartd's
 * replay check never refuses a fresh request from this process.
 */
#ifndef RAMPART_AGENT_CLIENT_H
#define RAMPART_AGENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "agent_config.h"
#include "identity.h"
#include "strbuf.h"

#define CLIENT_RESPONSE_MAX (1024 * 1024)

typedef struct agent_client agent_client_t;

agent_client_t *client_new(const agent_config_t *cfg);
void client_free(agent_client_t *cl);

/* POSTs a JSON body to rampartd's path, signed when id is given. Returns
 * the HTTP status, or 0 when no answer came (logged at debug level; the
 * caller counts failures). The answer's body is appended to resp. */
long client_post(agent_client_t *cl, const char *path, const char *body, size_t len,
                 const agent_identity_t *id, strbuf_t *resp);

#endif
