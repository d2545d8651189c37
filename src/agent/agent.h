/*
 * agent.h — the running agent: its configuration, spool, identity with
 * rampartd, the capabilities rampartd switched on for this host, and the
 * loop that ties them together (agent.c).
 *
 * One thread does everything: it waits in epoll on a signalfd (SIGTERM and
 * SIGINT stop, SIGHUP reloads the configuration and reopens the log), a
 * one-second timerfd (heartbeat, retries, scheduled scans) and the
 * detectors' descriptors (inotify for file integrity). Detectors append
 * events to the spool; after each burst the spool is synced and sent.
 */
#ifndef RAMPART_AGENT_AGENT_H
#define RAMPART_AGENT_AGENT_H

#include <jansson.h>
#include <stdint.h>

#include "agent_config.h"
#include "bruteforce.h"
#include "client.h"
#include "identity.h"
#include "log_tail.h"
#include "spool.h"

#define AGENT_VERSION "0.1.0"

/* What rampartd lets this host run (the heartbeat's answer). */
typedef struct {
    int fim;
    int webshell;
    int bruteforce;
    int process;
    int baseline;
    int response;
} agent_caps_t;

typedef struct fim fim_t;
typedef struct webshell webshell_t;
typedef struct procmon procmon_t;
typedef struct baseline baseline_t;
typedef struct response response_t;

typedef struct agent {
    agent_config_t cfg;
    spool_t *spool;
    agent_client_t *client;
    agent_identity_t identity;
    int enrolled;
    agent_caps_t caps;
    fim_t *fim;
    webshell_t *webshell; /* NULL without webshell_root */
    bf_t *bruteforce;     /* NULL without auth_log */
    struct login_anomaly *login_anomaly; /* NULL without auth_log or login_anomaly off */
    procmon_t *procmon;   /* NULL without process_monitor on */
    baseline_t *baseline; /* NULL without baseline_policy */
    response_t *response; /* active response rules (response.h) */
    log_tail_t auth_logs[AGENT_MAX_AUTH_LOGS];
    struct auth_journal *auth_journal; /* NULL without auth_journal on */
    size_t n_auth_logs;
    int64_t started_ms;
    int64_t next_heartbeat_ms;
    int64_t next_send_ms; /* after a failed send: when to try again */
    int send_failures;
    uint64_t events_sent;
} agent_t;

/* Runs until SIGTERM/SIGINT. 0 after a clean stop, -1 when it could not
 * start (logged). */
int agent_run(const agent_config_t *cfg);

/* Queues one event for rampartd in the gateway event format
 * (src/engine/event.c) that rampartd's event store reads: time, action,
 * category, host, uri (the object concerned, e.g. a file path) and one
 * match naming the detection; client (NULL: none) is the remote address
 * concerned; `detail` (taken, may be NULL) is added as
 * the member named by the category. */
void agent_emit(agent_t *ag, const char *category, const char *detection, const char *action,
                const char *object, const char *client, json_t *detail);

#endif
