/*
 * agent.c — the agent's loop, enrolment and reporting (see agent.h).
 *
 * Reporting to rampartd (docs/AGENT.md):
 *   POST /api/v1/agent/enrol      once: the one-time token → id and secret
 *   POST /api/v1/agent/heartbeat  every heartbeat_seconds, signed: version,
 *                                 uptime, spool counters → capabilities
 *   POST /api/v1/agent/events     signed: a JSON array of up to batch_max
 *                                 spooled events; 200 means stored
 * A failed send is retried with exponential backoff (1 s doubling to 60 s);
 * the spool keeps the events meanwhile.
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "auth_journal.h"
#include "baseline.h"
#include "fim.h"
#include "log.h"
#include "login_anomaly.h"
#include "procmon.h"
#include "response.h"
#include "secret.h"
#include "timefmt.h"
#include "webshell.h"

#define BATCH_MAX_BYTES (4 * 1024 * 1024)
#define BACKOFF_MAX_MS  60000

static const char *host_name(const agent_t *ag)
{
    return ag->cfg.hostname;
}

void agent_emit(agent_t *ag, const char *category, const char *detection, const char *action,
                const char *object, const char *client, json_t *detail)
{
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(time_now_ms(), t);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s}]}", "time", t, "action", action,
                           "category", category, "app", "rampart-agent", "host", host_name(ag),
                           "uri", object, "matches", "detector", detection);
    if (!ev) {
        json_decref(detail);
        log_kv(LOG_LEVEL_WARN, "event not built (not UTF-8?)", "detection", detection, NULL);
        return;
    }
    if (client)
        json_object_set_new(ev, "client", json_string(client));
    if (detail)
        json_object_set_new(ev, category, detail);
    char *text = json_dumps(ev, JSON_COMPACT);
    if (text) {
        spool_status_t st = spool_append(ag->spool, text, strlen(text));
        if (st != SPOOL_OK)
            log_kv(LOG_LEVEL_WARN, "event dropped: the spool is full", "detection", detection,
                   NULL);
        free(text);
    }
    /* after the detection is spooled, so its response event follows it */
    response_on_event(ag->response, category, detection, object, client,
                      json_object_get(ev, category));
    json_decref(ev);
}

/* ---- enrolment -------------------------------------------------------- */

static int read_token(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(out, 1, size - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = '\0';
    return n ? 0 : -1;
}

/* 0 enrolled, -1 not now (logged; retried at the next heartbeat time). */
static int enrol(agent_t *ag)
{
    char token[256];
    if (!ag->cfg.enrol_token_file[0] ||
        read_token(ag->cfg.enrol_token_file, token, sizeof(token))) {
        log_kv(LOG_LEVEL_ERROR, "not enrolled and no enrolment token to read", "file",
               ag->cfg.enrol_token_file, NULL);
        return -1;
    }
    json_t *req = json_pack("{s:s, s:s, s:s}", "token", token, "hostname", host_name(ag), "version",
                            AGENT_VERSION);
    secret_wipe(token, sizeof(token));
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    strbuf_t resp;
    strbuf_init(&resp, CLIENT_RESPONSE_MAX);
    long status =
        body ? client_post(ag->client, "/api/v1/agent/enrol", body, strlen(body), NULL, &resp) : 0;
    if (body) {
        secret_wipe(body, strlen(body));
        free(body);
    }
    int rc = -1;
    json_t *ans = status == 201 && !resp.failed ? json_loads(resp.data, 0, NULL) : NULL;
    const char *secret_hex = json_string_value(json_object_get(ans, "secret"));
    json_int_t id = json_integer_value(json_object_get(json_object_get(ans, "agent"), "id"));
    if (ans && secret_hex && id > 0 &&
        agent_unhex(secret_hex, ag->identity.secret, AGENT_SECRET_LEN) == 0) {
        ag->identity.id = id;
        if (identity_save(ag->cfg.state_dir, &ag->identity) == 0) {
            ag->enrolled = 1;
            rc = 0;
            log_kv(LOG_LEVEL_INFO, "enrolled", "agent_id", LOG_INT(id), "host", host_name(ag),
                   NULL);
        }
    } else {
        log_kv(LOG_LEVEL_ERROR, "enrolment refused or failed", "status", LOG_INT(status), "answer",
               status ? resp.data : "no answer", NULL);
    }
    json_decref(ans);
    if (resp.data)
        secret_wipe(resp.data, resp.len);
    strbuf_free(&resp);
    return rc;
}

/* ---- reporting -------------------------------------------------------- */

static void note_failure(agent_t *ag, int64_t now)
{
    int64_t delay = 1000LL << (ag->send_failures < 6 ? ag->send_failures : 6);
    ag->next_send_ms = now + (delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS);
    ag->send_failures++;
}

/* Applies one capability of the heartbeat's answer; 1 when it changed. */
static int switch_capability(json_t *caps, const char *name, int *current)
{
    json_t *v = json_object_get(caps, name);
    if (!json_is_boolean(v) || json_is_true(v) == *current)
        return 0;
    *current = json_is_true(v);
    log_kv(LOG_LEVEL_INFO, "capability switched by rampartd", name, *current ? "on" : "off", NULL);
    return 1;
}

static void apply_answer(agent_t *ag, const char *text)
{
    json_t *ans = json_loads(text, 0, NULL);
    json_t *caps = json_object_get(ans, "capabilities");
    if (switch_capability(caps, "fim", &ag->caps.fim) && ag->fim)
        fim_set_enabled(ag->fim, ag->caps.fim);
    /* switched on: the next full scan looks at every script again */
    if (switch_capability(caps, "webshell", &ag->caps.webshell) && ag->caps.webshell && ag->fim)
        fim_request_scan(ag->fim);
    switch_capability(caps, "bruteforce", &ag->caps.bruteforce);
    if (switch_capability(caps, "baseline", &ag->caps.baseline) && ag->caps.baseline)
        baseline_request(ag->baseline);
    switch_capability(caps, "response", &ag->caps.response);
    if (switch_capability(caps, "process", &ag->caps.process) && ag->procmon)
        procmon_set_enabled(ag->procmon, ag->caps.process);
    json_t *rules = json_object_get(ans, "response_rules");
    if (rules && response_set_pushed(ag->response, rules))
        log_kv(LOG_LEVEL_WARN, "response rules from rampartd refused; the previous ones stay",
               NULL);
    json_decref(ans);
}

static void heartbeat(agent_t *ag, int64_t now)
{
    ag->next_heartbeat_ms = now + ag->cfg.heartbeat_s * 1000LL;
    if (!ag->enrolled && enrol(ag))
        return;
    spool_stats_t st;
    spool_stats(ag->spool, &st);
    json_t *req = json_pack(
        "{s:s, s:s, s:i, s:I, s:{s:I, s:I, s:I}, s:I, s:{s:b, s:b, s:b}}", "version", AGENT_VERSION,
        "hostname", host_name(ag), "heartbeat_s", ag->cfg.heartbeat_s, "uptime_s",
        (json_int_t)((now - ag->started_ms) / 1000), "spool", "pending", (json_int_t)st.pending,
        "bytes", (json_int_t)st.pending_bytes, "dropped", (json_int_t)st.dropped, "events_sent",
        (json_int_t)ag->events_sent, "running", "fim", ag->fim && fim_enabled(ag->fim), "webshell",
        ag->webshell && ag->caps.webshell, "bruteforce", ag->bruteforce && ag->caps.bruteforce);
    json_t *running = json_object_get(req, "running");
    json_object_set_new(running, "process", json_boolean(procmon_enabled(ag->procmon)));
    json_object_set_new(running, "baseline", json_boolean(ag->baseline && ag->caps.baseline));
    json_object_set_new(running, "response",
                        json_boolean((ag->cfg.response_mode != RESPONSE_OFF ||
                                      response_pushed_count(ag->response)) &&
                                     ag->caps.response));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!body) {
        log_kv(LOG_LEVEL_ERROR, "heartbeat not built", NULL);
        return;
    }
    strbuf_t resp;
    strbuf_init(&resp, CLIENT_RESPONSE_MAX);
    long status = client_post(ag->client, "/api/v1/agent/heartbeat", body, strlen(body),
                              &ag->identity, &resp);
    free(body);
    if (status == 200 && !resp.failed)
        apply_answer(ag, resp.data);
    else
        log_kv(LOG_LEVEL_WARN, "heartbeat failed", "status", LOG_INT(status), NULL);
    strbuf_free(&resp);
}

static int add_record(void *ctx, const char *data, size_t len)
{
    strbuf_t *sb = ctx;
    strbuf_append(sb, sb->len > 1 ? "," : "", sb->len > 1 ? 1 : 0);
    strbuf_append(sb, data, len);
    return sb->failed;
}

/* Sends spooled events until the spool is empty or a send fails. */
static void send_events(agent_t *ag, int64_t now)
{
    if (!ag->enrolled || now < ag->next_send_ms)
        return;
    for (;;) {
        strbuf_t body;
        strbuf_init(&body, 0);
        strbuf_append(&body, "[", 1);
        uint64_t next;
        int n = spool_peek(ag->spool, (size_t)ag->cfg.batch_max, BATCH_MAX_BYTES, add_record, &body,
                           &next);
        strbuf_append(&body, "]", 1);
        if (n <= 0 || body.failed) {
            if (n < 0)
                log_kv(LOG_LEVEL_ERROR, "spool read failed", NULL);
            strbuf_free(&body);
            return;
        }
        strbuf_t resp;
        strbuf_init(&resp, CLIENT_RESPONSE_MAX);
        long status = client_post(ag->client, "/api/v1/agent/events", body.data, body.len,
                                  &ag->identity, &resp);
        strbuf_free(&body);
        /* 400: rampartd refused every event of the batch as invalid; they
         * would be refused forever, so they are acknowledged (and logged). */
        if (status == 200 || status == 400) {
            if (status == 400)
                log_kv(LOG_LEVEL_ERROR, "rampartd refused a batch of events", "events", LOG_INT(n),
                       "answer", resp.failed ? "" : resp.data, NULL);
            strbuf_free(&resp);
            if (spool_ack(ag->spool, next, (size_t)n)) {
                log_kv(LOG_LEVEL_ERROR, "spool acknowledgement failed", NULL);
                note_failure(ag, now);
                return;
            }
            ag->events_sent += (uint64_t)n;
            ag->send_failures = 0;
            continue;
        }
        log_kv(LOG_LEVEL_WARN, "sending events failed; kept in the spool", "status",
               LOG_INT(status), "events", LOG_INT(n), NULL);
        strbuf_free(&resp);
        note_failure(ag, now);
        return;
    }
}

/* ---- brute force ------------------------------------------------------- */

typedef struct {
    agent_t *ag;
    int64_t now;
} auth_ctx_t;

static void on_auth_line(void *ctx, const char *line, size_t len)
{
    auth_ctx_t *a = ctx;
    bf_alert_t alerts[2];
    int n = bf_line(a->ag->bruteforce, line, len, a->now, alerts);
    char user[BF_KEY_MAX + 1], source[BF_KEY_MAX + 1];
    if (a->ag->login_anomaly && auth_parse_sshd(line, len, user, source) == AUTH_ACCEPTED)
        login_anomaly_accepted(a->ag->login_anomaly, a->ag, user, source, a->now);
    for (int i = 0; i < n; i++) {
        json_t *d = json_pack("{s:s, s:s, s:i, s:i, s:i}", "account", alerts[i].user, "source",
                              alerts[i].source, "failures", alerts[i].failures, "threshold",
                              a->ag->cfg.bruteforce_threshold, "window_seconds",
                              a->ag->cfg.bruteforce_window_s);
        char object[BF_KEY_MAX + 16];
        snprintf(object, sizeof(object), "ssh://%s", alerts[i].user);
        log_kv(LOG_LEVEL_WARN, "bruteforce", "detection", bf_kind_name(alerts[i].kind), "source",
               alerts[i].source, "account", alerts[i].user, NULL);
        agent_emit(a->ag, "bruteforce", bf_kind_name(alerts[i].kind), "detect", object,
                   alerts[i].source, d);
    }
}

static void read_auth_logs(agent_t *ag, int64_t now)
{
    auth_ctx_t ctx = {ag, now};
    for (size_t i = 0; i < ag->n_auth_logs; i++)
        /* switched off: keep up with the file, judge nothing */
        log_tail_poll(&ag->auth_logs[i], ag->caps.bruteforce ? on_auth_line : NULL, &ctx);
    if (ag->auth_journal)
        auth_journal_poll(ag->auth_journal, ag->caps.bruteforce ? on_auth_line : NULL, &ctx);
}

/* ---- the loop ---------------------------------------------------------- */

static int add_fd(int ep, int fd)
{
    struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void reload(agent_t *ag)
{
    static agent_config_t fresh;
    rp_error_t err;
    if (agent_config_load(ag->cfg.file, &fresh, &err)) {
        log_kv(LOG_LEVEL_ERROR, "reload refused; the running configuration stays", "file", err.file,
               "line", LOG_INT(err.line), "reason", err.reason, NULL);
        return;
    }
    /* where state lives, whom the agent reports to and the baseline's
     * hash need a restart */
    snprintf(fresh.state_dir, sizeof(fresh.state_dir), "%s", ag->cfg.state_dir);
    snprintf(fresh.server, sizeof(fresh.server), "%s", ag->cfg.server);
    snprintf(fresh.hostname, sizeof(fresh.hostname), "%s", ag->cfg.hostname);
    fresh.fim_hash = ag->cfg.fim_hash; /* the baseline's algorithm */
    /* the compiled rules and their roots */
    memcpy(fresh.webshell_roots, ag->cfg.webshell_roots, sizeof(fresh.webshell_roots));
    fresh.n_webshell_roots = ag->cfg.n_webshell_roots;
    memcpy(fresh.webshell_rules, ag->cfg.webshell_rules, sizeof(fresh.webshell_rules));
    fresh.webshell_max_size = ag->cfg.webshell_max_size;
    memcpy(fresh.auth_logs, ag->cfg.auth_logs, sizeof(fresh.auth_logs));
    fresh.n_auth_logs = ag->cfg.n_auth_logs;
    fresh.auth_journal = ag->cfg.auth_journal;
    memcpy(fresh.auth_journal_dir, ag->cfg.auth_journal_dir, sizeof(fresh.auth_journal_dir));
    fresh.bruteforce_threshold = ag->cfg.bruteforce_threshold;
    fresh.bruteforce_window_s = ag->cfg.bruteforce_window_s;
    /* loaded at start: the process monitor, the policies, the responses */
    fresh.process_monitor = ag->cfg.process_monitor;
    memcpy(fresh.baseline_policies, ag->cfg.baseline_policies, sizeof(fresh.baseline_policies));
    fresh.n_baseline_policies = ag->cfg.n_baseline_policies;
    ag->cfg = fresh;
    log_open(ag->cfg.log_target);
    log_set_level((log_level_t)ag->cfg.log_level);
    if (ag->fim)
        fim_reconfigure(ag->fim, &ag->cfg);
    log_kv(LOG_LEVEL_INFO, "configuration reloaded", "file", ag->cfg.file, NULL);
}

static int setup(agent_t *ag, const agent_config_t *cfg)
{
    ag->cfg = *cfg;
    if (!ag->cfg.hostname[0] && gethostname(ag->cfg.hostname, sizeof(ag->cfg.hostname) - 1)) {
        log_kv(LOG_LEVEL_ERROR, "no host name", "error", strerror(errno), NULL);
        return -1;
    }
    if (log_open(ag->cfg.log_target)) {
        fprintf(stderr, "rampart-agent: cannot open the log %s: %s\n", ag->cfg.log_target,
                strerror(errno));
        return -1;
    }
    log_set_level((log_level_t)ag->cfg.log_level);
    if (mkdir(ag->cfg.state_dir, 0700) && errno != EEXIST) {
        log_kv(LOG_LEVEL_ERROR, "cannot create the state directory", "dir", ag->cfg.state_dir,
               "error", strerror(errno), NULL);
        return -1;
    }
    char dir[AGENT_PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/spool", ag->cfg.state_dir);
    rp_error_t err;
    ag->spool = spool_open(dir, ag->cfg.spool_max_size, &err);
    if (!ag->spool) {
        log_kv(LOG_LEVEL_ERROR, "cannot open the spool", "dir", err.file, "reason", err.reason,
               NULL);
        return -1;
    }
    ag->client = client_new(&ag->cfg);
    if (!ag->client) {
        log_kv(LOG_LEVEL_ERROR, "cannot set up the HTTP client", NULL);
        return -1;
    }
    int idrc = identity_load(ag->cfg.state_dir, &ag->identity);
    if (idrc < 0)
        return -1;
    ag->enrolled = idrc == 0;
    ag->caps.fim = 1; /* until rampartd says otherwise */
    ag->caps.webshell = 1;
    ag->caps.bruteforce = 1;
    ag->caps.process = 1;
    ag->caps.baseline = 1;
    ag->caps.response = 1;
    if (!(ag->response = response_open(ag)))
        return -1;
    if (ag->cfg.process_monitor && !(ag->procmon = procmon_open(ag)))
        return -1;
    if (ag->cfg.n_baseline_policies && !(ag->baseline = baseline_open(&ag->cfg, &err))) {
        log_kv(LOG_LEVEL_ERROR, "baseline policy refused", "file", err.file, "line",
               LOG_INT(err.line), "reason", err.reason, NULL);
        return -1;
    }
    if (ag->cfg.auth_journal &&
        !(ag->auth_journal = auth_journal_open(ag->cfg.auth_journal_dir, &err))) {
        log_kv(LOG_LEVEL_ERROR, "cannot follow the journal", "journal", err.file, "reason",
               err.reason, NULL);
        return -1;
    }
    if (ag->cfg.n_auth_logs || ag->auth_journal) {
        ag->bruteforce = bf_new(ag->cfg.bruteforce_threshold, ag->cfg.bruteforce_window_s);
        if (!ag->bruteforce)
            return -1;
        /* history before the start is not replayed as new attempts */
        for (size_t i = 0; i < ag->cfg.n_auth_logs; i++) {
            log_tail_init(&ag->auth_logs[i], ag->cfg.auth_logs[i], 1);
            log_tail_poll(&ag->auth_logs[i], NULL,
                          NULL); /* positioned now, not at the first tick */
        }
        ag->n_auth_logs = ag->cfg.n_auth_logs;
        if (ag->cfg.login_anomaly && !(ag->login_anomaly = login_anomaly_open(ag)))
            return -1;
    }
    if (ag->cfg.n_webshell_roots) {
        ag->webshell = webshell_open(ag->cfg.webshell_rules, ag->cfg.webshell_max_size, &err);
        if (!ag->webshell) {
            log_kv(LOG_LEVEL_ERROR, "webshell rules refused", "file", err.file, "line",
                   LOG_INT(err.line), "reason", err.reason, NULL);
            return -1;
        }
    }
    ag->started_ms = time_now_ms();
    ag->fim = fim_open(ag);
    if (!ag->fim)
        return -1;
    return 0;
}

static void teardown(agent_t *ag)
{
    fim_close(ag->fim);
    procmon_close(ag->procmon);
    baseline_close(ag->baseline);
    response_close(ag->response);
    webshell_close(ag->webshell);
    for (size_t i = 0; i < ag->n_auth_logs; i++)
        log_tail_close(&ag->auth_logs[i]);
    auth_journal_close(ag->auth_journal);
    bf_free(ag->bruteforce);
    login_anomaly_close(ag->login_anomaly);
    if (ag->spool)
        spool_sync(ag->spool);
    spool_close(ag->spool);
    client_free(ag->client);
    secret_wipe(&ag->identity, sizeof(ag->identity));
}

int agent_run(const agent_config_t *cfg)
{
    static agent_t ag; /* one per process; large (the configuration) */
    memset(&ag, 0, sizeof(ag));
    int ep = -1, sfd = -1, tfd = -1, rc = -1;
    if (setup(&ag, cfg))
        goto out;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    ep = epoll_create1(EPOLL_CLOEXEC);
    struct itimerspec tick = {.it_interval = {1, 0}, .it_value = {1, 0}};
    if (sfd < 0 || tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &tick, NULL) || add_fd(ep, sfd) ||
        add_fd(ep, tfd) || add_fd(ep, fim_fd(ag.fim)) ||
        (procmon_fd(ag.procmon) >= 0 && add_fd(ep, procmon_fd(ag.procmon)))) {
        log_kv(LOG_LEVEL_ERROR, "cannot set up the event loop", "error", strerror(errno), NULL);
        goto out;
    }
    log_kv(LOG_LEVEL_INFO, "rampart-agent started", "version", AGENT_VERSION, "host",
           host_name(&ag), "server", ag.cfg.server, "enrolled", ag.enrolled ? "yes" : "no", NULL);
    heartbeat(&ag, time_now_ms());
    fim_start(ag.fim);
    for (int running = 1; running;) {
        struct epoll_event evs[8];
        int n = epoll_wait(ep, evs, 8, -1);
        if (n < 0 && errno != EINTR) {
            log_kv(LOG_LEVEL_ERROR, "epoll_wait failed", "error", strerror(errno), NULL);
            goto out;
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == sfd) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                    if (si.ssi_signo == SIGHUP)
                        reload(&ag);
                    else
                        running = 0;
                }
            } else if (fd == tfd) {
                uint64_t expirations;
                if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
                    log_kv(LOG_LEVEL_WARN, "timer read failed", "error", strerror(errno), NULL);
                int64_t now = time_now_ms();
                if (now >= ag.next_heartbeat_ms)
                    heartbeat(&ag, now);
                fim_tick(ag.fim, now);
                read_auth_logs(&ag, now);
                procmon_tick(ag.procmon, now);
                baseline_tick(ag.baseline, &ag, now);
                response_tick(ag.response);
            } else if (fd == procmon_fd(ag.procmon)) {
                procmon_on_readable(ag.procmon);
            } else {
                fim_on_readable(ag.fim);
            }
        }
        spool_stats_t st;
        spool_stats(ag.spool, &st);
        if (st.pending) {
            if (spool_sync(ag.spool))
                log_kv(LOG_LEVEL_ERROR, "spool sync failed", "error", strerror(errno), NULL);
            send_events(&ag, time_now_ms());
        }
    }
    log_kv(LOG_LEVEL_INFO, "rampart-agent stopping", NULL);
    rc = 0;
out:
    if (ep >= 0)
        close(ep);
    if (sfd >= 0)
        close(sfd);
    if (tfd >= 0)
        close(tfd);
    teardown(&ag);
    return rc;
}
