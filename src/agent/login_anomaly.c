/*
 * login_anomaly.c — abnormal sshd logins (see login_anomaly.h).
 */
#include "login_anomaly.h"

#include <stdio.h>
#include <stdlib.h>

#include "agent.h"
#include "log.h"
#include "login_profile.h"

struct login_anomaly {
    login_profiles_t *profiles;
    char path[AGENT_PATH_MAX + 32];
};

login_anomaly_t *login_anomaly_open(const agent_t *ag)
{
    login_anomaly_t *la = calloc(1, sizeof(*la));
    lp_settings_t s = ag->cfg.login;
    s.unusual_share = ag->cfg.login_unusual_percent / 100.0;
    if (la)
        la->profiles = lp_new(&s);
    if (!la || !la->profiles) {
        log_kv(LOG_LEVEL_ERROR, "login profiles: out of memory", NULL);
        free(la);
        return NULL;
    }
    snprintf(la->path, sizeof(la->path), "%s/login-profiles.json", ag->cfg.state_dir);
    if (lp_load_file(la->profiles, la->path))
        log_kv(LOG_LEVEL_WARN, "login profiles unreadable; learning again", "file", la->path, NULL);
    return la;
}

void login_anomaly_close(login_anomaly_t *la)
{
    if (!la)
        return;
    lp_free(la->profiles);
    free(la);
}

void login_anomaly_accepted(login_anomaly_t *la, agent_t *ag, const char *user, const char *source,
                            int64_t now_ms)
{
    lp_verdict_t v;
    int alert = lp_login(la->profiles, user, source, now_ms, &v);
    if (lp_save_file(la->profiles, la->path))
        log_kv(LOG_LEVEL_WARN, "login profiles not saved", "file", la->path, NULL);
    if (alert <= 0)
        return;
    char object[LP_ACCOUNT_MAX + 16];
    snprintf(object, sizeof(object), "ssh://%s", user);
    const char *kinds[2] = {v.new_source ? "login.new_source" : NULL,
                            v.unusual_time ? "login.unusual_time" : NULL};
    for (int i = 0; i < 2; i++) {
        if (!kinds[i])
            continue;
        log_kv(LOG_LEVEL_WARN, "abnormal login", "detection", kinds[i], "account", user, "source",
               source, NULL);
        json_t *d = lp_verdict_json(&v, user, source);
        json_object_set_new(d, "service", json_string("sshd"));
        agent_emit(ag, "login", kinds[i], "detect", object, source, d);
    }
}
