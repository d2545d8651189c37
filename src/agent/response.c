/*
 * response.c — active response rules, actions and their audit events
 * (see response.h).
 */
#include "response.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "proc_info.h"
#include "quarantine.h"
#include "response_nft.h"
#include "timefmt.h"

#define DEFAULT_BLOCK_SECONDS 600
#define NOTES_DIR             "response-audit"

/* A rule pushed by rampartd with the host's group: its own mode. */
typedef struct {
    response_rule_t rule;
    response_mode_t mode;
} pushed_rule_t;

struct response {
    agent_t *ag;
    pushed_rule_t pushed[AGENT_MAX_RESPONSES];
    size_t n_pushed;
};

response_t *response_open(agent_t *ag)
{
    response_t *r = calloc(1, sizeof(*r));
    if (r)
        r->ag = ag;
    return r;
}

void response_close(response_t *r)
{
    free(r);
}

/* The audit event of one action; d is taken. */
static void record(agent_t *ag, const char *action, int done, const char *target,
                   const char *client, json_t *d)
{
    char detection[48];
    snprintf(detection, sizeof(detection), "response.%s", action);
    json_object_set_new(d, "action", json_string(action));
    json_object_set_new(d, "done", json_boolean(done));
    log_kv(done ? LOG_LEVEL_WARN : LOG_LEVEL_INFO, "response", "action", action, "target", target,
           "done", done ? "yes" : "no", "error", json_string_value(json_object_get(d, "error")),
           NULL);
    /* "block" when something was done to the attacker, else "log" */
    agent_emit(ag, "response", detection, done ? "block" : "log", target, client, d);
}

static void block(response_t *r, const response_rule_t *rule, json_t *d, const char *client,
                  int dry)
{
    char addr[64], err[256] = "";
    int v6;
    agent_t *ag = r->ag;
    int seconds = rule->seconds ? rule->seconds : DEFAULT_BLOCK_SECONDS;
    json_object_set_new(d, "seconds", json_integer(seconds));
    if (nft_parse_address(client, addr, sizeof(addr), &v6)) {
        json_object_set_new(d, "error", json_string("the event names no source address"));
        record(ag, "block", 0, client ? client : "", NULL, d);
        return;
    }
    for (size_t i = 0; i < ag->cfg.n_response_never_block; i++)
        if (nft_cidr_match(ag->cfg.response_never_block[i], addr) == 1) {
            json_object_set_new(d, "error", json_string("the address is on response_never_block"));
            json_object_set_new(d, "never_block", json_string(ag->cfg.response_never_block[i]));
            record(ag, "block", 0, addr, addr, d);
            return;
        }
    char t[TIME_RFC3339_MAX];
    time_format_rfc3339(time_now_ms() + seconds * 1000LL, t);
    json_object_set_new(d, "expires", json_string(t));
    json_object_set_new(d, "table",
                        json_string(v6 ? "inet rampart blocked6" : "inet rampart blocked4"));
    if (ag->cfg.response_netns[0])
        json_object_set_new(d, "netns", json_string(ag->cfg.response_netns));
    int done = 0;
    if (!dry) {
        done = nft_block(ag->cfg.response_nft, ag->cfg.response_netns, addr, seconds, err,
                         sizeof(err)) == 0;
        if (!done)
            json_object_set_new(d, "error", json_string(err));
    }
    record(ag, "block", done, addr, addr, d);
}

static void kill_process(response_t *r, json_t *d, json_t *detail, int dry)
{
    json_int_t pid = json_integer_value(json_object_get(detail, "pid"));
    json_int_t start = json_integer_value(json_object_get(detail, "start"));
    char target[32];
    snprintf(target, sizeof(target), "pid:%lld", (long long)pid);
    json_object_set_new(d, "pid", json_integer(pid));
    proc_info_t p;
    const char *why = NULL;
    if (pid <= 1 || pid == getpid() || !json_is_integer(json_object_get(detail, "start")))
        why = "the event names no process that may be killed";
    else if (proc_info_read("/proc", (pid_t)pid, &p) || (json_int_t)p.start != start)
        why = "the process is gone (or its pid is another process's now)";
    if (why) {
        json_object_set_new(d, "error", json_string(why));
        record(r->ag, "kill", 0, target, NULL, d);
        return;
    }
    json_object_set_new(d, "exe", json_string(p.exe));
    int done = 0;
    if (!dry) {
        done = kill((pid_t)pid, SIGKILL) == 0;
        if (!done)
            json_object_set_new(d, "error", json_string(strerror(errno)));
    }
    record(r->ag, "kill", done, target, NULL, d);
}

static void quarantine(response_t *r, json_t *d, const char *object, const char *detection, int dry)
{
    if (!object || object[0] != '/') {
        json_object_set_new(d, "error", json_string("the event names no file"));
        record(r->ag, "quarantine", 0, object ? object : "", NULL, d);
        return;
    }
    int done = 0;
    if (!dry) {
        char id[QUARANTINE_ID_MAX], err[512];
        json_t *meta = NULL;
        done = quarantine_file(r->ag->cfg.state_dir, object, detection, id, &meta, err,
                               sizeof(err)) == 0;
        if (done) {
            json_object_set_new(d, "quarantine_id", json_string(id));
            json_object_set(d, "sha256", json_object_get(meta, "sha256"));
            json_decref(meta);
        } else {
            json_object_set_new(d, "error", json_string(err));
        }
    }
    record(r->ag, "quarantine", done, object, NULL, d);
}

/* Runs one matching rule's action in mode (dry-run or active). */
static void act(response_t *r, const response_rule_t *rule, int dry, const char *origin,
                const char *detection, const char *object, const char *client, json_t *detail)
{
    json_t *d = json_pack("{s:s, s:s, s:s}", "mode", dry ? "dry-run" : "active", "trigger",
                          detection, "rule_origin", origin);
    if (rule->action == RESPONSE_BLOCK)
        block(r, rule, d, client, dry);
    else if (rule->action == RESPONSE_KILL)
        kill_process(r, d, detail, dry);
    else
        quarantine(r, d, object, detection, dry);
}

void response_on_event(response_t *r, const char *category, const char *detection,
                       const char *object, const char *client, json_t *detail)
{
    agent_t *ag = r ? r->ag : NULL;
    if (!ag || !ag->caps.response || strcmp(category, "response") == 0)
        return;
    for (size_t i = 0; ag->cfg.response_mode != RESPONSE_OFF && i < ag->cfg.n_response_rules; i++)
        if (fnmatch(ag->cfg.response_rules[i].detection, detection, 0) == 0)
            act(r, &ag->cfg.response_rules[i], ag->cfg.response_mode == RESPONSE_DRY_RUN,
                "configuration", detection, object, client, detail);
    for (size_t i = 0; i < r->n_pushed; i++)
        if (r->pushed[i].mode != RESPONSE_OFF &&
            fnmatch(r->pushed[i].rule.detection, detection, 0) == 0)
            act(r, &r->pushed[i].rule, r->pushed[i].mode == RESPONSE_DRY_RUN, "rampartd", detection,
                object, client, detail);
}

static int parse_pushed(json_t *o, pushed_rule_t *out)
{
    const char *detection = json_string_value(json_object_get(o, "detection"));
    const char *action = json_string_value(json_object_get(o, "action"));
    const char *mode = json_string_value(json_object_get(o, "mode"));
    json_t *seconds = json_object_get(o, "seconds");
    memset(out, 0, sizeof(*out));
    if (!detection || !*detection || strlen(detection) >= sizeof(out->rule.detection) || !action ||
        !mode || (seconds && !json_is_integer(seconds)))
        return -1;
    snprintf(out->rule.detection, sizeof(out->rule.detection), "%s", detection);
    if (response_action_parse(action, &out->rule.action))
        return -1;
    json_int_t secs = seconds ? json_integer_value(seconds) : 0;
    if (secs < 0 || secs > RESPONSE_MAX_BLOCK_SECONDS)
        return -1;
    out->rule.seconds = (int)secs;
    if (strcmp(mode, "off") == 0)
        out->mode = RESPONSE_OFF;
    else if (strcmp(mode, "dry-run") == 0)
        out->mode = RESPONSE_DRY_RUN;
    else if (strcmp(mode, "active") == 0)
        out->mode = RESPONSE_ACTIVE;
    else
        return -1;
    return 0;
}

int response_set_pushed(response_t *r, json_t *rules)
{
    if (!r || !json_is_array(rules) || json_array_size(rules) > AGENT_MAX_RESPONSES)
        return -1;
    pushed_rule_t fresh[AGENT_MAX_RESPONSES];
    size_t i;
    json_t *o;
    json_array_foreach(rules, i, o)
    {
        if (parse_pushed(o, &fresh[i]))
            return -1;
    }
    size_t n = json_array_size(rules);
    int changed = n != r->n_pushed || memcmp(fresh, r->pushed, n * sizeof(fresh[0])) != 0;
    memcpy(r->pushed, fresh, n * sizeof(fresh[0]));
    r->n_pushed = n;
    if (changed)
        log_kv(LOG_LEVEL_INFO, "response rules from rampartd", "rules", LOG_INT(n), NULL);
    return 0;
}

size_t response_pushed_count(const response_t *r)
{
    return r ? r->n_pushed : 0;
}

/* ---- reversals (rampart-agent -U, -R) and their notes ------------------- */

/* Leaves the record of a reversal for the running agent to report. */
static void leave_note(const agent_config_t *cfg, const char *action, const char *target,
                       const char *client, json_t *d)
{
    char dir[AGENT_PATH_MAX + 32], path[AGENT_PATH_MAX + 96];
    snprintf(dir, sizeof(dir), "%s/" NOTES_DIR, cfg->state_dir);
    if (mkdir(dir, 0700) && errno != EEXIST) {
        fprintf(stderr, "rampart-agent: cannot record the reversal in %s: %s\n", dir,
                strerror(errno));
        json_decref(d);
        return;
    }
    snprintf(path, sizeof(path), "%s/%lld-%d.json", dir, (long long)time_now_ms(), (int)getpid());
    json_t *note = json_pack("{s:s, s:s, s:s?, s:o}", "action", action, "target", target, "client",
                             client, "detail", d);
    if (!note || json_dump_file(note, path, JSON_COMPACT))
        fprintf(stderr, "rampart-agent: cannot record the reversal in %s\n", path);
    json_decref(note);
}

int response_unblock_now(const agent_config_t *cfg, const char *addr)
{
    char clean[64], err[256];
    int v6;
    if (nft_parse_address(addr, clean, sizeof(clean), &v6)) {
        fprintf(stderr, "rampart-agent: %s is not an IPv4 or IPv6 address\n", addr);
        return 1;
    }
    int done = nft_unblock(cfg->response_nft, cfg->response_netns, clean, err, sizeof(err)) == 0;
    json_t *d = json_pack("{s:s, s:s, s:b}", "mode", "manual", "action", "unblock", "done", done);
    if (!done)
        json_object_set_new(d, "error", json_string(err));
    leave_note(cfg, "unblock", clean, clean, d);
    if (!done)
        fprintf(stderr, "rampart-agent: unblock %s: %s\n", clean, err);
    else
        printf("unblocked %s\n", clean);
    return done ? 0 : 1;
}

int response_restore_now(const agent_config_t *cfg, const char *id)
{
    char err[512] = "";
    json_t *meta = NULL;
    int done = quarantine_restore(cfg->state_dir, id, &meta, err, sizeof(err)) == 0;
    const char *path = json_string_value(json_object_get(meta, "path"));
    json_t *d = json_pack("{s:s, s:s, s:b, s:s}", "mode", "manual", "action", "restore", "done",
                          done, "quarantine_id", id);
    if (err[0])
        json_object_set_new(d, "error", json_string(err));
    leave_note(cfg, "restore", path ? path : id, NULL, d);
    if (!done)
        fprintf(stderr, "rampart-agent: restore %s: %s\n", id, err);
    else
        printf("restored %s to %s\n", id, path);
    json_decref(meta); /* path points into it */
    return done ? 0 : 1;
}

void response_tick(response_t *r)
{
    if (!r)
        return;
    char dir[AGENT_PATH_MAX + 32];
    snprintf(dir, sizeof(dir), "%s/" NOTES_DIR, r->ag->cfg.state_dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[AGENT_PATH_MAX + 300];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        json_error_t jerr;
        json_t *note = json_load_file(path, 0, &jerr);
        const char *action = json_string_value(json_object_get(note, "action"));
        const char *target = json_string_value(json_object_get(note, "target"));
        json_t *detail = json_object_get(note, "detail");
        if (action && target && json_is_object(detail) &&
            (strcmp(action, "unblock") == 0 || strcmp(action, "restore") == 0)) {
            char detection[32];
            snprintf(detection, sizeof(detection), "response.%s", action);
            int done = json_is_true(json_object_get(detail, "done"));
            agent_emit(r->ag, "response", detection, done ? "allow" : "log", target,
                       json_string_value(json_object_get(note, "client")), json_incref(detail));
        }
        json_decref(note);
        unlink(path);
    }
    closedir(d);
}
