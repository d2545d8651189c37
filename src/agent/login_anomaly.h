/*
 * login_anomaly.h — abnormal sshd logins on this host: every accepted
 * login of sshd's log goes through the shared per-account profile
 * detector (src/ctl/login_profile.h); a login from a new source prefix or
 * at an unusual hour is an event, category "login", detection
 * login.new_source or login.unusual_time. The profiles are kept in
 * STATE_DIR/login-profiles.json (0600, replaced atomically after each
 * login), so learning survives restarts.
 */
#ifndef RAMPART_AGENT_LOGIN_ANOMALY_H
#define RAMPART_AGENT_LOGIN_ANOMALY_H

#include <stdint.h>

struct agent;
typedef struct login_anomaly login_anomaly_t;

/* NULL (logged) when out of memory; an unreadable profile file is logged
 * and learning starts again. */
login_anomaly_t *login_anomaly_open(const struct agent *ag);
void login_anomaly_close(login_anomaly_t *la);

/* One accepted login. */
void login_anomaly_accepted(login_anomaly_t *la, struct agent *ag, const char *user,
                            const char *source, int64_t now_ms);

#endif
