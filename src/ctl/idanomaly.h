/*
 * idanomaly.h — abnormal portal logins: every successful login of the
 * identity service goes through the shared per-account profile detector
 * (login_profile.h, the one rampart-agent uses for sshd); a login from a
 * new source prefix or at an unusual hour is an identity event and audit
 * record login.new_source / login.unusual_time (idevent.h, outcome
 * "anomaly"). The profiles are kept in DATA_DIR/login-profiles.json
 * (0600): saved at most every 10 s while logins come in and at stop.
 */
#ifndef RAMPART_CTL_IDANOMALY_H
#define RAMPART_CTL_IDANOMALY_H

#include "config.h"
#include "http.h"

typedef struct idanomaly idanomaly_t;

/* NULL when out of memory; an unreadable profile file is logged and
 * learning starts again. */
idanomaly_t *idanomaly_new(const ctl_config_t *cfg);
/* Saves what was learned. */
void idanomaly_free(idanomaly_t *a);

/* A successful login of user from r->client. */
void idanomaly_login(http_req_t *r, idanomaly_t *a, const char *user);

#endif
