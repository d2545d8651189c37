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

#include "audit_log.h"
#include "bootstrap.h"
#include "bundle.h"
#include "log.h"
#include "secret.h"
#include "timefmt.h"

/* What rampartd itself created at start goes into the audit log like the
 * first admin account (bootstrap.c): actor rampartd, role system. detail
 * (a JSON object, reference taken) holds nothing secret. */
static int audit_created(ctl_t *ctl, const char *action, const char *target, json_t *detail,
                         rp_error_t *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    audit_entry_t e = {.actor = "rampartd",
                       .role = "system",
                       .action = action,
                       .target = target,
                       .outcome = "success",
                       .detail = text};
    int rc = text ? audit_log_append(ctl->audit, &e, NULL) : STORE_ERROR;
    free(text);
    if (rc != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot audit %s %s", action, target);
        return -1;
    }
    return 0;
}

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
    if (switches && cfg->seed_app.masking[0])
        json_object_set_new(switches, "masking", json_string(cfg->seed_app.masking));
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
    return audit_created(ctl, "app.create", a.name,
                         json_pack("{s:b, s:s, s:s, s:s, s:s}", "seed_app", 1, "host", a.host,
                                   "path_prefix", a.path_prefix, "upstream", a.upstream, "switches",
                                   a.switches),
                         err);
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
    return audit_created(
        ctl, "token.create", t.name,
        json_pack("{s:s, s:s, s:s}", "role", "gateway", "prefix", t.prefix, "file", path), err);
}

int apps_bootstrap(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    if (cfg->seed_app.name[0] && seed_app(ctl, cfg, err) != 0)
        return -1;
    if (cfg->gateway_token_file[0] && gateway_token(ctl, cfg->gateway_token_file, err) != 0)
        return -1;
    return 0;
}
