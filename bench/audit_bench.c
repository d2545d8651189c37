/*
 * audit_bench.c — the audit log's costs on this machine:
 *   appends/s  records appended through audit_log_append (SM3 chain, one
 *              SQLite commit each, sealed every 100) with the store's
 *              synchronous setting given;
 *   verify/s   records checked by the verifier (SM3 per record, SM2 per
 *              seal) reading them back from the store.
 *
 *   audit_bench [N] [full|normal]     (default 20000 normal)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_log.h"
#include "audit_verify.h"
#include "log.h"
#include "timefmt.h"

static int seal_cb(void *ctx, const store_audit_seal_t *s)
{
    return audit_verifier_seal(ctx, s);
}

static int row_cb(void *ctx, const store_audit_row_t *r)
{
    return audit_verifier_record(ctx, r);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int full = argc > 2 && strcmp(argv[2], "full") == 0;
    char dir[] = "/tmp/rampart-audit-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    log_set_level(LOG_LEVEL_WARN);
    static ctl_t ctl;
    config_slot_init(&ctl.config, config_defaults());
    store_options_t opt = {
        .backend = "sqlite", .data_dir = dir, .synchronous_full = full, .connections = 2};
    rp_error_t err;
    if (!(ctl.store = store_open(&opt, &err)) || !(ctl.audit = audit_log_open(&ctl, dir, &err))) {
        fprintf(stderr, "audit_bench: %s\n", err.reason);
        return 2;
    }
    audit_entry_t e = {.actor = "admin",
                       .role = "admin",
                       .client = "127.0.0.1",
                       .action = "user.update",
                       .method = "PATCH",
                       .path = "/api/v1/users/alice",
                       .target = "alice",
                       .outcome = "success",
                       .status = 200,
                       .detail = "{\"disabled\":true}"};
    int64_t t0 = time_mono_ns();
    for (int i = 0; i < n; i++)
        if (audit_log_append(ctl.audit, &e, NULL) != STORE_OK)
            return 1;
    int64_t t1 = time_mono_ns();
    audit_verifier_t v;
    audit_verifier_init(&v, audit_log_key(ctl.audit));
    store_audit_filter_t f = {.ascending = 1};
    ctl.store->ops->audit_seals(ctl.store, seal_cb, &v);
    ctl.store->ops->audit_query(ctl.store, &f, row_cb, &v);
    const audit_verify_result_t *res = audit_verifier_finish(&v);
    int64_t t2 = time_mono_ns();
    printf("{\"records\":%d,\"synchronous\":\"%s\",\"append_per_s\":%.0f,\"append_us\":%.1f,"
           "\"verify_per_s\":%.0f,\"seals\":%lld,\"ok\":%s}\n",
           n, full ? "full" : "normal", n / ((t1 - t0) / 1e9), (t1 - t0) / 1e3 / n,
           res->records / ((t2 - t1) / 1e9), (long long)res->seals, res->ok ? "true" : "false");
    int ok = res->ok;
    audit_verifier_free(&v);
    audit_log_close(ctl.audit);
    store_close(ctl.store);
    config_slot_clear(&ctl.config);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 2;
    return ok ? 0 : 1;
}
