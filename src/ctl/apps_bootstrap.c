/*
 * apps_bootstrap.c — the seed application and the local gateway token
 * (see apps_bootstrap.h).
 */
#include "apps_bootstrap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap.h"
#include "bundle.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"

static int count_app(void *ctx, const store_app_t *a)
{
    (void)a;
    (*(int *)ctx)++;
    return 1;
}

static int seed_app(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    store_t *s = ctl->store;
    int apps = 0;
    if (s->ops->app_list(s, count_app, &apps) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the applications");
        return -1;
    }
    if (apps)
        return 0;
    store_app_t a;
    memset(&a, 0, sizeof(a));
    snprintf(a.name, sizeof(a.name), "%s", cfg->seed_app.name);
    snprintf(a.host, sizeof(a.host), "%s", cfg->seed_app.host);
    snprintf(a.path_prefix, sizeof(a.path_prefix), "%s", cfg->seed_app.path_prefix);
    snprintf(a.upstream, sizeof(a.upstream), "%s", cfg->seed_app.upstream);
    json_t *switches = json_pack("{s:s}", "waf", cfg->seed_app.waf);
    char why[160], *text = NULL;
    if (switches && bundle_switches_complete(switches, why, sizeof(why)) == 0)
        text = json_dumps(switches, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(switches);
    snprintf(a.switches, sizeof(a.switches), "%s", text ? text : "{}");
    free(text);
    a.created = a.updated = time_now_ms();
    if (s->ops->app_create(s, &a) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot register the seed application %s",
                 a.name);
        return -1;
    }
    log_kv(LOG_LEVEL_INFO, "seed application registered", "app", a.name, "host", a.host,
           "path_prefix", a.path_prefix, "upstream", a.upstream, "waf", cfg->seed_app.waf, NULL);
    return 0;
}

static int gateway_token(ctl_t *ctl, const char *path, rp_error_t *err)
{
    if (access(path, F_OK) == 0)
        return 0;
    store_token_t t;
    memset(&t, 0, sizeof(t));
    snprintf(t.role, sizeof(t.role), "gateway");
    t.created = time_now_ms();
    char secret[80];
    if (secret_token("rpt_", 32, secret, sizeof(secret)) != 0) {
        snprintf(err->reason, sizeof(err->reason), "cannot generate the gateway token");
        return -1;
    }
    secret_sha256(secret, strlen(secret), t.hash);
    snprintf(t.prefix, sizeof(t.prefix), "%.12s", secret);
    /* a new name each time, so a lost file never blocks a new token */
    int rc = STORE_CONFLICT;
    for (int i = 1; rc == STORE_CONFLICT && i < 1000; i++) {
        snprintf(t.name, sizeof(t.name), i == 1 ? "local-gateway" : "local-gateway-%d", i);
        rc = ctl->store->ops->token_create(ctl->store, &t);
    }
    if (rc == STORE_OK && bootstrap_write_secret(path, secret) != 0) {
        ctl->store->ops->token_revoke(ctl->store, t.id, time_now_ms());
        rc = STORE_ERROR;
    }
    secret_wipe(secret, sizeof(secret));
    if (rc != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot create the gateway token file %s", path);
        return -1;
    }
    log_kv(LOG_LEVEL_INFO, "local gateway token created", "token", t.name, "prefix", t.prefix,
           "file", path, NULL);
    return 0;
}

int apps_bootstrap(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    if (cfg->seed_app.name[0] && seed_app(ctl, cfg, err) != 0)
        return -1;
    if (cfg->gateway_token_file[0] && gateway_token(ctl, cfg->gateway_token_file, err) != 0)
        return -1;
    return 0;
}
