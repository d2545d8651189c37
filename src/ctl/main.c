/*
 * main.c — rampartd: the Rampart control plane daemon.
 *
 *   rampartd [-c FILE]    run with the configuration FILE
 *                         (default /etc/rampart/rampartd.conf)
 *   rampartd -t [-c FILE] check the configuration and exit (0 valid, 1 not)
 *   rampartd -v           print the version
 *
 * Signals: SIGTERM/SIGINT stop gracefully (no new connections, the event
 * queue drained into the store, requests in flight finished); SIGHUP
 * reloads the configuration and reopens the log file. All signals are
 * taken by the main thread with sigwaitinfo(), so no handler runs in an
 * arbitrary thread.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "api_inventory.h"
#include "apps_bootstrap.h"
#include "audit_export.h"
#include "audit_log.h"
#include "bootstrap.h"
#include "ctl.h"
#include "http.h"
#include "idsession.h"
#include "ingest_writer.h"
#include "keyprov_pkcs11.h"
#include "keyring.h"
#include "log.h"
#include "publisher.h"
#include "retention.h"
#include "seed_dir_user.h"
#include "source_file.h"
#include "source_socket.h"
#include "store_inventory.h"
#include "throttle.h"

#define RAMPARTD_VERSION  "0.1.0"
#define DEFAULT_CONFIG    "/etc/rampart/rampartd.conf"
#define SHUTDOWN_DRAIN_MS 5000

static void usage(FILE *f)
{
    fputs("usage: rampartd [-c FILE] [-t] [-v]\n"
          "  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
          "  -t       check the configuration and exit\n"
          "  -v       print the version and exit\n",
          f);
}

static void print_error(const char *what, const rp_error_t *err)
{
    if (err->file[0] && err->line)
        fprintf(stderr, "rampartd: %s: %s:%u: %s\n", what, err->file, err->line, err->reason);
    else if (err->file[0])
        fprintf(stderr, "rampartd: %s: %s: %s\n", what, err->file, err->reason);
    else
        fprintf(stderr, "rampartd: %s: %s\n", what, err->reason);
}

static int make_dir(const char *path, mode_t mode)
{
    char buf[CONFIG_PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) == 0)
        return chmod(buf, mode); /* exactly mode, whatever the umask */
    return errno == EEXIST ? 0 : -1;
}

/* A configuration reload's audit record. */
static void audit_reload(ctl_t *ctl, const char *path, const char *outcome, const char *problem)
{
    json_t *d = json_pack("{s:s}", "file", path);
    if (d && problem)
        json_object_set_new(d, outcome[0] == 'f' ? "error" : "restart_only", json_string(problem));
    char *text = d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(d);
    audit_log_system(ctl->audit, "system.reload", outcome, text);
    free(text);
}

static void reload(ctl_t *ctl, const char *path)
{
    rp_error_t err;
    ctl_config_t *fresh = config_load(path, &err);
    if (!fresh) {
        char where[300];
        snprintf(where, sizeof(where), "%s:%u", err.file, err.line);
        log_kv(LOG_LEVEL_ERROR,
               "reload refused: the configuration does not load; keeping the "
               "running one",
               "where", where, "reason", err.reason, NULL);
        char problem[700];
        snprintf(problem, sizeof(problem), "%s: %s", where, err.reason);
        audit_reload(ctl, path, "failure", problem);
        return;
    }
    ctl_config_t *old = config_acquire(&ctl->config);
    char restart[512];
    config_restart_only_changes(old, fresh, restart, sizeof(restart));
    if (restart[0])
        log_kv(LOG_LEVEL_WARN, "reload: these settings apply only after a restart", "settings",
               restart, NULL);
    config_keep_restart_only(fresh, old);
    if (strcmp(old->log_target, fresh->log_target) != 0) {
        if (log_open(fresh->log_target) != 0)
            log_kv(LOG_LEVEL_ERROR, "reload: cannot open the new log; keeping the old one", "log",
                   fresh->log_target, "error", strerror(errno), NULL);
    } else {
        log_reopen();
    }
    log_set_level((log_level_t)fresh->log_level);
    config_release(old);
    config_slot_swap(&ctl->config, fresh);
    log_kv(LOG_LEVEL_INFO, "configuration reloaded", "file", path, NULL);
    audit_reload(ctl, path, "success", restart[0] ? restart : NULL);
}

static void audit_keys(void *ctx, const char *action, const char *outcome, const char *detail)
{
    ctl_t *ctl = ctx;
    audit_log_system(ctl->audit, action, outcome, detail);
}

/* The master key (DATA_DIR/master.key, made at first start, or a PKCS#11
 * token's keys: master_key_provider) and the key service over it
 * (keyring.h). */
static int start_keys(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    char path[CONFIG_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/master.key", cfg->data_dir);
    /* a master key is made only for a store without data keys: one made
     * beside existing keys could never unwrap them */
    int64_t versions = 0, below = 0;
    if (ctl->store->keys->count_below(ctl->store, UINT32_MAX, &versions, &below) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the data keys");
        return -1;
    }
    keyprov_pkcs11_config_t p11 = {cfg->pkcs11_module, cfg->pkcs11_token, cfg->pkcs11_pin_file,
                                   cfg->pkcs11_key_label};
    keyprov_t *prov = strcmp(cfg->master_key_provider, "pkcs11") == 0
                          ? keyprov_pkcs11_open(&p11, versions == 0, err)
                          : keyprov_file_open(path, versions == 0, err);
    if (!prov)
        return -1;
    if (!(ctl->keyring = keyring_open(ctl->store, prov, audit_keys, ctl, err)))
        return -1;
    memset(err, 0, sizeof(*err));
    log_kv(LOG_LEVEL_INFO, "key management ready", "provider", keyring_provider_name(ctl->keyring),
           "master_version", LOG_INT(keyring_master_version(ctl->keyring)), NULL);
    return 0;
}

/* A stored application inventory; one that does not read is skipped (the
 * gateways' next observations rebuild it). */
static int load_inventory(void *ctx, const char *app, const char *doc)
{
    if (inventory_load_app(ctx, app, doc))
        log_kv(LOG_LEVEL_WARN, "stored API inventory unreadable; starting it again", "app", app,
               NULL);
    return 0;
}

static int start(ctl_t *ctl, ctl_config_t *cfg, rp_error_t *err)
{
    if (make_dir(cfg->data_dir, 0700) || make_dir(cfg->run_dir, 0755)) {
        snprintf(err->reason, sizeof(err->reason), "cannot create %s or %s: %s", cfg->data_dir,
                 cfg->run_dir, strerror(errno));
        return -1;
    }
    if (ingest_queue_init(&ctl->queue, cfg->ingest_queue)) {
        snprintf(err->reason, sizeof(err->reason), "out of memory for the ingest queue");
        return -1;
    }
    store_options_t opt = {
        .backend = cfg->store,
        .data_dir = cfg->data_dir,
        .conninfo = cfg->postgres_conninfo,
        .synchronous_full = cfg->sqlite_synchronous_full,
        .max_bytes = cfg->store_max_size,
        .connections = cfg->http_threads + 2,
    };
    ctl->store = store_open(&opt, err);
    if (!ctl->store)
        return -1;
    if (!(ctl->audit = audit_log_open(ctl, cfg->data_dir, err)))
        return -1;
    if (audit_log_system(ctl->audit, "system.start", "success", NULL) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot write the audit log");
        return -1;
    }
    if (bootstrap_admin(ctl, cfg, err))
        return -1;
    if (apps_bootstrap(ctl, cfg, err))
        return -1;
    if (seed_dir_user(ctl, cfg, err))
        return -1;
    if (!(ctl->publisher = publisher_start(ctl->store, err)))
        return -1;
    if (!(ctl->identity = idservice_start(ctl, err)))
        return -1;
    if (start_keys(ctl, cfg, err))
        return -1;
    if (!(ctl->throttle = throttle_new()) || !(ctl->inventory = inventory_new())) {
        snprintf(err->reason, sizeof(err->reason), "out of memory");
        return -1;
    }
    if (ctl->store->inventory &&
        ctl->store->inventory->list(ctl->store, load_inventory, ctl->inventory) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot read the API inventory");
        return -1;
    }
    if (!(ctl->writer = ingest_writer_start(ctl, err)))
        return -1;
    for (size_t i = 0; i < cfg->n_event_files; i++) {
        if (!(ctl->files[i] = file_source_start(ctl, cfg->event_files[i], err)))
            return -1;
        ctl->n_files++;
    }
    if (cfg->event_socket[0] &&
        !(ctl->socket = socket_source_start(ctl, cfg->event_socket, cfg->event_socket_mode, err)))
        return -1;
    if (!(ctl->retention = retention_start(ctl, err)))
        return -1;
    if (!(ctl->audit_export = audit_export_start(ctl, cfg, err)))
        return -1;
    api_register_metrics(&ctl->metrics);
    if (!(ctl->http = http_server_start(ctl, api_http(), err)))
        return -1;
    return 0;
}

static void stop(ctl_t *ctl)
{
    atomic_store(&ctl->ready, 0);
    http_server_quiesce(ctl->http);
    for (size_t i = 0; i < ctl->n_files; i++)
        file_source_stop(ctl->files[i]);
    socket_source_stop(ctl->socket);
    retention_stop(ctl->retention);
    ctl->retention = NULL;
    if (ctl->queue.ring) {
        ingest_queue_close(&ctl->queue);
        ingest_writer_join(ctl->writer);
        ctl->writer = NULL;
    }
    /* long-polls answer "nothing newer" now, so the drain does not wait
     * for them */
    publisher_stop(ctl->publisher);
    idservice_stop(ctl->identity);
    http_server_drain(ctl->http, SHUTDOWN_DRAIN_MS);
    http_server_stop(ctl->http);
    ctl->http = NULL;
    /* no request uses a key any more; a master-key rotation job stops here
     * (it resumes at the next start) while the audit log still takes its
     * records */
    keyring_close(ctl->keyring);
    ctl->keyring = NULL;
    /* Every request's record is in; the stop record is the last one, and
     * the export gets one more chance to deliver it before the log is
     * sealed and closed. */
    if (ctl->audit && atomic_load(&ctl->started))
        audit_log_system(ctl->audit, "system.stop", "success", NULL);
    audit_export_stop(ctl->audit_export);
    ctl->audit_export = NULL;
    audit_log_close(ctl->audit);
    ctl->audit = NULL;
    publisher_free(ctl->publisher);
    ctl->publisher = NULL;
    for (size_t i = 0; i < ctl->n_files; i++)
        file_source_free(ctl->files[i]);
    socket_source_free(ctl->socket);
    throttle_free(ctl->throttle);
    inventory_free(ctl->inventory);
    idservice_free(ctl->identity);
    ctl->identity = NULL;
    store_close(ctl->store);
    ingest_queue_destroy(&ctl->queue);
}

int main(int argc, char **argv)
{
    const char *config_path = DEFAULT_CONFIG;
    int check_only = 0, opt;
    while ((opt = getopt(argc, argv, "c:tvh")) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 't':
            check_only = 1;
            break;
        case 'v':
            printf("rampartd %s\n", RAMPARTD_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    rp_error_t err;
    ctl_config_t *cfg = config_load(config_path, &err);
    if (!cfg) {
        print_error("configuration", &err);
        return 1;
    }
    if (check_only) {
        printf("rampartd: %s: ok\n", config_path);
        config_unref(cfg);
        return 0;
    }
    umask(077); /* the store, the password file: owner only */
    if (log_open(cfg->log_target) != 0) {
        fprintf(stderr, "rampartd: cannot open the log %s: %s\n", cfg->log_target, strerror(errno));
        config_unref(cfg);
        return 1;
    }
    log_set_level((log_level_t)cfg->log_level);

    /* Every thread inherits this mask; only sigwaitinfo() below takes them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    static ctl_t ctl;
    metrics_init(&ctl.metrics);
    config_slot_init(&ctl.config, config_ref(cfg));
    if (start(&ctl, cfg, &err)) {
        print_error("start", &err);
        log_kv(LOG_LEVEL_ERROR, "cannot start", "reason", err.reason, "file", err.file, NULL);
        stop(&ctl);
        config_slot_clear(&ctl.config);
        config_unref(cfg);
        return 1;
    }
    atomic_store(&ctl.ready, 1);
    atomic_store(&ctl.started, 1);
    char listen[96];
    snprintf(listen, sizeof(listen), "%s%s%s:%u", strchr(cfg->listen_host, ':') ? "[" : "",
             cfg->listen_host, strchr(cfg->listen_host, ':') ? "]" : "", cfg->listen_port);
    log_kv(LOG_LEVEL_INFO, "rampartd ready", "version", RAMPARTD_VERSION, "listen", listen, "store",
           cfg->store, "data_dir", cfg->data_dir, "event_files", LOG_INT(cfg->n_event_files),
           "event_socket", cfg->event_socket[0] ? cfg->event_socket : "off", NULL);
    config_unref(cfg);

    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&signals, &info);
        if (sig == SIGHUP) {
            reload(&ctl, config_path);
            continue;
        }
        if (sig == SIGTERM || sig == SIGINT) {
            log_kv(LOG_LEVEL_INFO, "stopping", "signal", sig == SIGTERM ? "TERM" : "INT", NULL);
            break;
        }
    }
    stop(&ctl);
    config_slot_clear(&ctl.config);
    log_kv(LOG_LEVEL_INFO, "rampartd stopped", NULL);
    return 0;
}
