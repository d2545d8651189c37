/*
 * idanomaly.c — abnormal portal logins (see idanomaly.h).
 */
#include "idanomaly.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "idevent.h"
#include "log.h"
#include "login_profile.h"
#include "timefmt.h"

#define SAVE_EVERY_MS 10000

struct idanomaly {
    pthread_mutex_t lock;
    login_profiles_t *profiles;
    char path[CONFIG_PATH_MAX + 32];
    int dirty;
    int64_t saved_ms;
};

idanomaly_t *idanomaly_new(const ctl_config_t *cfg)
{
    idanomaly_t *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    lp_settings_t s = cfg->login_anomaly;
    s.unusual_share = cfg->login_anomaly_unusual_percent / 100.0;
    if (!(a->profiles = lp_new(&s))) {
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    snprintf(a->path, sizeof(a->path), "%s/login-profiles.json", cfg->data_dir);
    if (lp_load_file(a->profiles, a->path))
        log_kv(LOG_LEVEL_WARN, "login profiles unreadable; learning again", "file", a->path, NULL);
    return a;
}

/* The caller holds the lock. */
static void save_locked(idanomaly_t *a)
{
    if (lp_save_file(a->profiles, a->path)) {
        log_kv(LOG_LEVEL_WARN, "login profiles not saved", "file", a->path, NULL);
        return;
    }
    a->dirty = 0;
    a->saved_ms = time_now_ms();
}

void idanomaly_free(idanomaly_t *a)
{
    if (!a)
        return;
    if (a->dirty)
        save_locked(a);
    lp_free(a->profiles);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

void idanomaly_login(http_req_t *r, idanomaly_t *a, const char *user)
{
    if (!a)
        return;
    lp_verdict_t v;
    int64_t now = time_now_ms();
    pthread_mutex_lock(&a->lock);
    int alert = lp_login(a->profiles, user, r->client, now, &v);
    a->dirty = 1;
    if (now - a->saved_ms >= SAVE_EVERY_MS)
        save_locked(a);
    pthread_mutex_unlock(&a->lock);
    if (alert <= 0)
        return;
    if (v.new_source)
        idevent(r, "login.new_source", "anomaly", 200, user, lp_verdict_json(&v, user, r->client));
    if (v.unusual_time)
        idevent(r, "login.unusual_time", "anomaly", 200, user,
                lp_verdict_json(&v, user, r->client));
}
