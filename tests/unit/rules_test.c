/*
 * rules_test.c — the SecLang rule engine (rules_compile.c, rules_exec.c,
 * rules_vars.c, rules_macro.c) through the public transaction API.
 *
 * Each test writes a small SecLang file to a temporary directory, loads a
 * policy whose `rules` directive names it (Rampart's own detectors off, so
 * every match is a rule's), runs requests and responses with rp_tx_* and
 * checks which rules matched, what they logged (msg, data, severity, tags),
 * the verdict and the JSON event. Compile errors are checked with
 * sl_parse_string + rl_compile directly, and through a policy.
 *
 * The last test loads OWASP CRS v4 (third_party/owasp-crs) once for the
 * whole file (group setup): the repository root comes from $RP_SOURCE_DIR,
 * else from the RP_SOURCE_DIR compile definition (CMakeLists.txt).
 */
#include "test_util.h"

#include <dirent.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include "rampart/rampart.h"
#include "rules.h"
#include "seclang.h"

/* ------------------------------------------------------------ fixture */

static char g_dir[64];    /* temporary directory for SecLang files */
static unsigned g_nfiles; /* files written there */
static rp_policy_t *g_crs;
static rp_error_t g_crs_err;
static double g_crs_load_s;

static const char *source_dir(void)
{
    const char *env = getenv("RP_SOURCE_DIR");
    if (env && *env)
        return env;
#ifdef RP_SOURCE_DIR
    return RP_SOURCE_DIR;
#else
    return ".";
#endif
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Write a SecLang file into the temporary directory; its path in path. */
static void write_conf(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "%s/r%03u.conf", g_dir, g_nfiles++);
    write_text(path, text);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/rules_test.XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    /* OWASP CRS v4, as tests/crs/run_rampart.sh loads it: Rampart's base
     * configuration, crs-setup.conf.example, then every rule file. */
    const char *root = source_dir();
    char text[2048];
    snprintf(text, sizeof(text),
             "version crs-smoke\n"
             "mode block\n"
             "detect sqli off\n"
             "detect xss off\n"
             "events all\n"
             "rules %s/policies/seclang/base.conf\n"
             "rules %s/third_party/owasp-crs/crs-setup.conf.example\n"
             "rules %s/third_party/owasp-crs/rules/*.conf\n",
             root, root, root);
    char name[128];
    snprintf(name, sizeof(name), "%s/crs.policy", g_dir);
    double t0 = now_s();
    g_crs = rp_policy_load_string(text, strlen(text), name, &g_crs_err);
    g_crs_load_s = now_s() - t0;
    return 0; /* a load failure is reported by the CRS test itself */
}

static int group_teardown(void **state)
{
    (void)state;
    rp_policy_unref(g_crs);
    DIR *d = opendir(g_dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", g_dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(g_dir);
    return 0;
}

/* ------------------------------------------------------------ policies */

#define POLICY_BASE "detect sqli off\ndetect xss off\nevents all\n"

/* A policy of POLICY_BASE, extra policy lines, and `rules FILE` for a file
 * holding seclang. NULL (and *err) when the load fails. */
static rp_policy_t *load_ex(const char *extra, const char *seclang, rp_error_t *err)
{
    char path[256];
    write_conf(path, sizeof(path), seclang);
    char text[1024];
    snprintf(text, sizeof(text), POLICY_BASE "%s\nrules %s\n", extra ? extra : "", path);
    char name[128];
    snprintf(name, sizeof(name), "%s/test.policy", g_dir);
    return rp_policy_load_string(text, strlen(text), name, err);
}

static rp_policy_t *load_with(const char *extra, const char *seclang)
{
    rp_error_t err = {0};
    rp_policy_t *p = load_ex(extra, seclang, &err);
    if (!p)
        fail_msg("policy: %s:%u: %s", err.file, err.line, err.reason);
    return p;
}

static rp_policy_t *load(const char *seclang)
{
    return load_with(NULL, seclang);
}

/* ------------------------------------------------------------ exchanges */

typedef struct {
    const char *method;       /* default GET, or POST with a body */
    const char *uri;          /* default "/" */
    const char *headers;      /* more request headers, "Name: value\n" lines */
    const char *ctype;        /* request body Content-Type */
    const char *body;         /* request body, NULL: none */
    int resp_status;          /* 0: no response */
    const char *resp_headers; /* "Name: value\n" lines */
    const char *resp_body;    /* fed in 5-byte chunks */
    bool no_event;            /* do not build the event (phase 5 not run) */
} req_t;

typedef struct {
    rp_tx_t *tx;
    rp_status_t status;       /* RP_BLOCK when a step blocked, else RP_OK */
    int blocked_at;           /* 1 request headers, 2 request end, 3 response
                                 headers, 4 response end; 0 not blocked */
    rp_status_t resp_hdrs_rc; /* rp_tx_response_headers_done's answer */
    const rp_verdict_t *v;    /* rp_tx_verdict, after the event */
    const char *event;        /* "" when not built */
    char ids[512];            /* rule ids matched, in order: "1,2,3" */
} res_t;

static void send_headers(rp_tx_t *tx, const char *lines, bool response)
{
    for (const char *p = lines; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        if (!colon)
            fail_msg("bad header line in test: %.*s", (int)n, p);
        const char *val = colon + 1;
        while (*val == ' ')
            val++;
        size_t vlen = (size_t)(p + n - val);
        if (response)
            rp_tx_response_header(tx, p, (size_t)(colon - p), val, vlen);
        else
            rp_tx_request_header(tx, p, (size_t)(colon - p), val, vlen);
        p = nl ? nl + 1 : p + n;
    }
}

static void step(res_t *r, int which, rp_status_t rc)
{
    if (rc == RP_BLOCK && !r->blocked_at) {
        r->blocked_at = which;
        r->status = RP_BLOCK;
    }
}

static void collect_ids(res_t *r)
{
    size_t n = 0;
    r->ids[0] = '\0';
    for (size_t i = 0; i < r->v->nmatches; i++) {
        if (!r->v->matches[i].rule_id)
            continue;
        n += (size_t)snprintf(r->ids + n, sizeof(r->ids) - n, "%s%lu", n ? "," : "",
                              r->v->matches[i].rule_id);
        if (n >= sizeof(r->ids))
            break;
    }
}

/* Refresh verdict and ids (after rp_tx_event ran phase 5, say). */
static void refresh(res_t *r)
{
    r->v = rp_tx_verdict(r->tx);
    collect_ids(r);
}

/* One exchange as a host drives it: stop at the first block. The
 * transaction stays alive for assertions; done() frees it. */
static void exchange(rp_policy_t *p, const req_t *q, res_t *r)
{
    memset(r, 0, sizeof(*r));
    r->status = RP_OK;
    rp_tx_t *tx = rp_tx_new(p);
    assert_non_null(tx);
    r->tx = tx;
    rp_tx_set_request_id(tx, STR_AND_LEN("rules-test-1"));
    rp_tx_set_app(tx, STR_AND_LEN("test"));
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.7"), 5555, STR_AND_LEN("127.0.0.1"), 8080);
    const char *m = q->method ? q->method : q->body ? "POST" : "GET";
    const char *u = q->uri ? q->uri : "/";
    step(r, 1, rp_tx_request_line(tx, m, strlen(m), u, strlen(u), STR_AND_LEN("HTTP/1.1")));
    rp_tx_request_header(tx, STR_AND_LEN("Host"), STR_AND_LEN("gov.example"));
    if (!q->headers || !strstr(q->headers, "User-Agent:"))
        rp_tx_request_header(tx, STR_AND_LEN("User-Agent"), STR_AND_LEN("rules-test/1.0"));
    if (q->body) {
        char cl[32];
        snprintf(cl, sizeof(cl), "%zu", strlen(q->body));
        const char *ct = q->ctype ? q->ctype : "application/x-www-form-urlencoded";
        rp_tx_request_header(tx, STR_AND_LEN("Content-Type"), ct, strlen(ct));
        rp_tx_request_header(tx, STR_AND_LEN("Content-Length"), cl, strlen(cl));
    }
    send_headers(tx, q->headers, false);
    step(r, 1, rp_tx_request_headers_done(tx));
    if (!r->blocked_at) {
        if (q->body)
            step(r, 2, rp_tx_request_body(tx, q->body, strlen(q->body)));
        step(r, 2, rp_tx_request_end(tx));
    }
    if (!r->blocked_at && q->resp_status) {
        rp_tx_response_status(tx, q->resp_status);
        send_headers(tx, q->resp_headers, true);
        r->resp_hdrs_rc = rp_tx_response_headers_done(tx);
        step(r, 3, r->resp_hdrs_rc);
        const void *out;
        size_t out_len;
        /* The body is passed even when the engine declined it: it must
         * then be ignored. */
        const char *b = q->resp_body ? q->resp_body : "";
        for (size_t off = 0, len = strlen(b); !r->blocked_at && off < len; off += 5) {
            size_t n = len - off < 5 ? len - off : 5;
            step(r, 4, rp_tx_response_body(tx, b + off, n, &out, &out_len));
        }
        if (!r->blocked_at)
            step(r, 4, rp_tx_response_end(tx, &out, &out_len));
    }
    r->event = "";
    if (!q->no_event) {
        size_t len = 0;
        const char *ev = rp_tx_event(tx, &len);
        r->event = ev ? ev : "";
    }
    refresh(r);
}

static void done(res_t *r)
{
    rp_tx_free(r->tx);
    r->tx = NULL;
}

static const rp_match_t *find_rule(const res_t *r, unsigned long id)
{
    for (size_t i = 0; i < r->v->nmatches; i++)
        if (r->v->matches[i].rule_id == id)
            return &r->v->matches[i];
    return NULL;
}

static size_t count_rule(const res_t *r, unsigned long id)
{
    size_t n = 0;
    for (size_t i = 0; i < r->v->nmatches; i++)
        n += r->v->matches[i].rule_id == id;
    return n;
}

/* The exact list of rule ids that matched, in order. */
#define EXPECT_IDS(r, want)                                                                        \
    do {                                                                                           \
        if (strcmp((r)->ids, (want)) != 0)                                                         \
            fail_msg("rules matched: \"%s\", expected \"%s\"\nevent: %s", (r)->ids, (want),        \
                     (r)->event);                                                                  \
    } while (0)

#define EXPECT_EVENT_HAS(r, needle)                                                                \
    do {                                                                                           \
        if (!strstr((r)->event, (needle)))                                                         \
            fail_msg("event lacks %s\nevent: %s", (needle), (r)->event);                           \
    } while (0)

/* A matched rule's msg (fails when the rule did not match). */
static const char *msg_of(const res_t *r, unsigned long id)
{
    const rp_match_t *m = find_rule(r, id);
    if (!m)
        fail_msg("rule %lu did not match (matched: %s)\nevent: %s", id, r->ids, r->event);
    return m->msg ? m->msg : "(null)";
}

/* Run a GET and compare the rule ids. */
static void expect_get(rp_policy_t *p, const char *uri, const char *ids)
{
    res_t r;
    exchange(p, &(req_t){.uri = uri}, &r);
    if (strcmp(r.ids, ids) != 0)
        fail_msg("GET %s: rules matched \"%s\", expected \"%s\"\nevent: %s", uri, r.ids, ids,
                 r.event);
    done(&r);
}

static void expect_allowed(const res_t *r)
{
    if (r->status != RP_OK || r->blocked_at || r->v->action != RP_ACTION_ALLOW)
        fail_msg("expected no block (status %d, step %d, action %d)\nevent: %s", r->status,
                 r->blocked_at, r->v->action, r->event);
}

static void expect_blocked(const res_t *r, int at, int status)
{
    if (r->status != RP_BLOCK || r->v->action != RP_ACTION_BLOCK)
        fail_msg("expected a block (status %d, action %d)\nevent: %s", r->status, r->v->action,
                 r->event);
    assert_int_equal(r->blocked_at, at);
    assert_int_equal(r->v->status, status);
}

/* ------------------------------------------------------ compile errors */

/* Parse and compile text as file "t.conf"; on success free and return
 * true, else fill *err. *stage: 1 the parser refused, 2 the compiler. */
static bool compile_text(const char *text, rp_error_t *err, int *stage)
{
    memset(err, 0, sizeof(*err));
    *stage = 1;
    sl_config_t *cfg = sl_parse_string(text, strlen(text), "t.conf", NULL, err);
    if (!cfg)
        return false;
    *stage = 2;
    rl_ruleset_t *rs = rl_compile(cfg, err);
    sl_config_free(cfg);
    if (!rs)
        return false;
    rl_ruleset_free(rs);
    return true;
}

static void expect_compile_error(const char *text, int stage, unsigned line, const char *needle1,
                                 const char *needle2)
{
    rp_error_t err;
    int got_stage;
    if (compile_text(text, &err, &got_stage))
        fail_msg("compiled, expected an error at t.conf:%u:\n%s", line, text);
    if (got_stage != stage || strcmp(err.file, "t.conf") != 0 || err.line != line ||
        !strstr(err.reason, needle1) || (needle2 && !strstr(err.reason, needle2)))
        fail_msg("error (stage %d) %s:%u: %s\nexpected stage %d t.conf:%u with \"%s\"%s%s%s",
                 got_stage, err.file, err.line, err.reason, stage, line, needle1,
                 needle2 ? " and \"" : "", needle2 ? needle2 : "", needle2 ? "\"" : "");
}

static void expect_compile_ok(const char *text)
{
    rp_error_t err;
    int stage;
    if (!compile_text(text, &err, &stage))
        fail_msg("stage %d: %s:%u: %s\n%s", stage, err.file, err.line, err.reason, text);
}

#define HDR "# a comment\n\nSecRuleEngine On\n" /* 3 lines before the rule */

static void test_compile_errors(void **state)
{
    (void)state;
    /* the positive control: the same shapes without the faulty part */
    expect_compile_ok(HDR "SecRule ARGS \"@rx x\" \"id:1,phase:1,pass,log\"\n"
                          "SecRule XML:/* \"@rx x\" \"id:2,phase:2,pass\"\n"
                          "SecRule ARGS \"@rx x\" \"id:3,ctl:ruleRemoveTargetById=1;ARGS:a\"\n");

    /* exec: the compiler refuses it at the rule's line, even when the
     * rule spans several lines */
    expect_compile_error(HDR "SecRule ARGS \"@rx x\" \\\n    \"id:1,phase:1,pass,\\\n"
                             "    exec:/usr/bin/id\"\n",
                         2, 4, "exec", "not supported");
    /* XPath beyond the all-nodes forms */
    expect_compile_error(HDR "SecRule ARGS \"@rx x\" \"id:1,phase:2,pass\"\n"
                             "SecRule XML:/foo/bar \"@rx x\" \"id:2,phase:2,pass\"\n",
                         2, 5, "XML:/foo/bar", "XPath");
    /* an unknown variable in a ctl target: the parser already knows */
    expect_compile_error(HDR "SecRule ARGS \"@rx x\" \"id:1,ctl:ruleRemoveTargetById=2;FOO:bar\"\n",
                         1, 4, "FOO", NULL);
    /* a variable the parser knows but the engine cannot read as a ctl
     * target is the compiler's error */
    expect_compile_error(HDR
                         "SecRule ARGS \"@rx x\" \"id:1,ctl:ruleRemoveTargetById=2;XML:/a/b\"\n",
                         2, 4, "XML:/a/b", NULL);
    /* operators ModSecurity has and Rampart refuses, with the reason */
    expect_compile_error(HDR "SecRule REMOTE_ADDR \"@rbl sbl-xbl.spamhaus.org\" \"id:1,phase:1\"\n",
                         2, 4, "@rbl", "DNS block list");
    expect_compile_error(HDR "\n\nSecRule REMOTE_ADDR \"@geoLookup\" \"id:1,phase:1,chain\"\n"
                             "  SecRule GEO:COUNTRY_CODE \"@streq XX\"\n",
                         2, 6, "@geoLookup", "GeoIP");
    /* in a chained link: the link's own line */
    expect_compile_error(HDR "SecRule ARGS \"@rx x\" \"id:1,phase:1,chain\"\n"
                             "  SecRule REMOTE_ADDR \"@rbl bl.example\" \"t:none\"\n",
                         2, 5, "@rbl", NULL);
}

static void test_policy_with_broken_rules_file(void **state)
{
    (void)state;
    rp_error_t err = {0};
    /* a compile error on line 4 of the SecLang file */
    assert_null(load_ex(NULL,
                        "SecRuleEngine On\n"
                        "SecRule ARGS \"@rx x\" \"id:1,phase:1,pass\"\n"
                        "# the next rule needs a DNS block list\n"
                        "SecRule REMOTE_ADDR \"@rbl bl.example\" \"id:2,phase:1,deny\"\n",
                        &err));
    char want[256];
    snprintf(want, sizeof(want), "%s/r%03u.conf", g_dir, g_nfiles - 1);
    assert_string_equal(err.file, want);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.reason, "@rbl"));

    /* a parse error: the same */
    memset(&err, 0, sizeof(err));
    assert_null(
        load_ex(NULL, "SecRuleEngine On\n\nSecRule ARGS \"@rx x\" \"id:1,t:bogus\"\n", &err));
    snprintf(want, sizeof(want), "%s/r%03u.conf", g_dir, g_nfiles - 1);
    assert_string_equal(err.file, want);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.reason, "bogus"));

    /* a rules file that does not exist: the policy's own line */
    memset(&err, 0, sizeof(err));
    const char *text = "mode block\n\nrules /nonexistent/rampart/rules.conf\n";
    assert_null(rp_policy_load_string(text, strlen(text), "x.policy", &err));
    assert_string_equal(err.file, "x.policy");
    assert_int_equal(err.line, 3);
}

/* ------------------------------------------------------------- phases */

static void test_phase1_args_get(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRuleEngine On\n"
                          "SecRule ARGS_GET:q \"@streq attack\" "
                          "\"id:100,phase:1,deny,status:403,msg:'p1 %{MATCHED_VAR_NAME}'\"\n"
                          "SecRule ARGS_POST \"@rx .\" \"id:101,phase:1,pass,log\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/a?q=attack"}, &r);
    expect_blocked(&r, 1, 403);
    EXPECT_IDS(&r, "100");
    assert_string_equal(msg_of(&r, 100), "p1 ARGS_GET:q");
    done(&r);
    /* a body is not read yet in phase 1: ARGS_POST is empty there */
    exchange(p, &(req_t){.uri = "/a?q=fine", .body = "q=attack"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "");
    done(&r);
    rp_policy_unref(p);
}

static void test_phase2_bodies(void **state)
{
    (void)state;
    rp_policy_t *p =
        load("SecRuleEngine On\n"
             "SecRequestBodyAccess On\n"
             "SecRule ARGS \"@streq evil\" \"id:199,phase:1,pass,log\"\n"
             "SecRule ARGS_POST:a \"@streq evil\" "
             "\"id:200,phase:2,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
             "SecRule ARGS_POST:json.a.b \"@streq evil\" "
             "\"id:201,phase:2,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
             "SecRule ARGS:json.n.1 \"@streq two\" \"id:202,phase:2,pass,log\"\n"
             "SecRule XML:/* \"@streq evil\" \"id:203,phase:2,pass,log\"\n"
             "SecRule XML://@* \"@streq attr\" \"id:204,phase:2,pass,log\"\n"
             "SecRule REQBODY_PROCESSOR \"@streq JSON\" \"id:205,phase:2,pass,log\"\n"
             "SecRule ARGS_POST \"@streq stop\" \"id:206,phase:2,deny,status:406\"\n"
             "SecRule REQUEST_BODY \"@contains raw-marker\" \"id:207,phase:2,pass,log\"\n"
             "SecRule REQUEST_HEADERS:Content-Type \"@streq application/vnd.custom\" "
             "\"id:208,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"
             "SecRule ARGS_POST:json.k \"@streq v\" \"id:209,phase:2,pass,log\"\n");
    res_t r;
    /* urlencoded form */
    exchange(p, &(req_t){.body = "x=1&a=evil"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "200");
    assert_string_equal(msg_of(&r, 200), "ARGS_POST:a");
    done(&r);
    /* JSON: arguments named json.a.b, array elements by index */
    exchange(p,
             &(req_t){.ctype = "application/json",
                      .body = "{\"a\":{\"b\":\"evil\"},\"n\":[\"one\",\"two\"]}"},
             &r);
    EXPECT_IDS(&r, "201,202,205");
    assert_string_equal(msg_of(&r, 201), "ARGS_POST:json.a.b");
    done(&r);
    /* XML: text nodes and attribute values */
    exchange(p,
             &(req_t){.ctype = "application/xml", .body = "<r><b>evil</b><c k=\"attr\">x</c></r>"},
             &r);
    EXPECT_IDS(&r, "203,204");
    done(&r);
    /* the raw body */
    exchange(p, &(req_t){.body = "a=1&b=raw-marker"}, &r);
    EXPECT_IDS(&r, "207");
    done(&r);
    /* ctl:requestBodyProcessor picks the grammar of an unknown type */
    exchange(p, &(req_t){.ctype = "application/vnd.custom", .body = "{\"k\":\"v\"}"}, &r);
    EXPECT_IDS(&r, "205,209");
    done(&r);
    /* a phase-2 deny blocks at the end of the request */
    exchange(p, &(req_t){.body = "a=stop"}, &r);
    expect_blocked(&r, 2, 406);
    EXPECT_IDS(&r, "206");
    done(&r);
    rp_policy_unref(p);
}

static void test_phase3_response_headers(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRuleEngine On\n"
        "SecRule RESPONSE_STATUS \"@rx .\" \"id:299,phase:2,pass,log\"\n"
        "SecRule RESPONSE_HEADERS:x-leak \"@contains secret\" "
        "\"id:300,phase:3,pass,log,msg:'leak %{MATCHED_VAR_NAME}=%{MATCHED_VAR}'\"\n"
        "SecRule RESPONSE_STATUS \"@streq 500\" "
        "\"id:301,phase:3,deny,status:502,msg:'status %{RESPONSE_STATUS}'\"\n"
        "SecRule RESPONSE_HEADERS_NAMES \"@streq X-Powered-By\" \"id:302,phase:3,pass,log\"\n"
        "SecRule RESPONSE_CONTENT_TYPE \"@beginsWith text/html\" \"id:303,phase:3,pass,log\"\n");
    res_t r;
    exchange(p,
             &(req_t){.resp_status = 500,
                      .resp_headers = "Content-Type: text/html\nX-Leak: top secret\n"},
             &r);
    expect_blocked(&r, 3, 502);
    EXPECT_IDS(&r, "300,301"); /* 303 comes after the deny */
    assert_string_equal(msg_of(&r, 300), "leak RESPONSE_HEADERS:X-Leak=top secret");
    assert_string_equal(msg_of(&r, 301), "status 500");
    done(&r);
    exchange(
        p,
        &(req_t){.resp_status = 200,
                 .resp_headers = "X-Powered-By: PHP\nContent-Type: text/html; charset=utf-8\n"},
        &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "302,303");
    done(&r);
    rp_policy_unref(p);
}

static void test_phase4_response_body(void **state)
{
    (void)state;
    const char *rules = "SecRuleEngine On\n"
                        "SecResponseBodyAccess %s\n"
                        "SecResponseBodyMimeType text/plain text/html\n"
                        "SecRule RESPONSE_BODY \"@contains SQL syntax\" "
                        "\"id:400,phase:4,deny,status:500,msg:'leak'\"\n"
                        "SecRule RESPONSE_BODY \"@rx .\" \"id:401,phase:3,pass,log\"\n";
    char text[1024];
    snprintf(text, sizeof(text), rules, "On");
    rp_policy_t *p = load(text);
    const char *body = "<p>You have an error in your SQL syntax near ''</p>";
    res_t r;
    exchange(p,
             &(req_t){.resp_status = 200,
                      .resp_headers = "Content-Type: text/html; charset=utf-8\n",
                      .resp_body = body},
             &r);
    assert_int_equal(r.resp_hdrs_rc, RP_OK); /* the engine wants the body */
    expect_blocked(&r, 4, 500);
    EXPECT_IDS(&r, "400");
    done(&r);
    /* a type outside SecResponseBodyMimeType is not read */
    exchange(p,
             &(req_t){.resp_status = 200,
                      .resp_headers = "Content-Type: application/octet-stream\n",
                      .resp_body = body},
             &r);
    assert_int_equal(r.resp_hdrs_rc, RP_DECLINED);
    expect_allowed(&r);
    EXPECT_IDS(&r, "");
    done(&r);
    rp_policy_unref(p);
    /* nor any body with SecResponseBodyAccess Off */
    snprintf(text, sizeof(text), rules, "Off");
    p = load(text);
    exchange(p,
             &(req_t){.resp_status = 200,
                      .resp_headers = "Content-Type: text/html\n",
                      .resp_body = body},
             &r);
    assert_int_equal(r.resp_hdrs_rc, RP_DECLINED);
    expect_allowed(&r);
    EXPECT_IDS(&r, "");
    done(&r);
    rp_policy_unref(p);
}

static void test_phase5_runs_with_the_event(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRuleEngine On\n"
                          "SecAction \"id:500,phase:5,pass,log,msg:'logging phase'\"\n"
                          "SecRule REQUEST_METHOD \"@streq GET\" "
                          "\"id:501,phase:5,deny,status:403,msg:'phase 5 never blocks'\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/", .resp_status = 200, .no_event = true}, &r);
    EXPECT_IDS(&r, ""); /* not yet */
    size_t len = 0;
    const char *ev = rp_tx_event(r.tx, &len);
    assert_non_null(ev);
    r.event = ev;
    refresh(&r);
    EXPECT_IDS(&r, "500,501");
    assert_string_equal(msg_of(&r, 500), "logging phase");
    expect_allowed(&r);
    EXPECT_EVENT_HAS(&r, "\"rule_id\":\"500\"");
    EXPECT_EVENT_HAS(&r, "\"msg\":\"phase 5 never blocks\"");
    /* only once */
    rp_tx_event(r.tx, &len);
    refresh(&r);
    assert_int_equal(count_rule(&r, 500), 1);
    done(&r);
    rp_policy_unref(p);
}

/* ------------------------------------------------------------- targets */

static void test_targets_collections(void **state)
{
    (void)state;
    rp_policy_t *p =
        load("SecRule ARGS \"@streq evil\" \"id:600,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
             "SecRule ARGS:FOO \"@streq evil\" \"id:601,phase:1,pass,log\"\n"
             "SecRule ARGS:/^id_/ \"@streq evil\" "
             "\"id:602,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
             "SecRule ARGS|!ARGS:safe \"@streq evil\" \"id:603,phase:1,pass,log\"\n"
             "SecRule &ARGS \"@eq 2\" \"id:604,phase:1,pass,log\"\n"
             "SecRule &ARGS:foo \"@eq 0\" \"id:605,phase:1,pass,log\"\n"
             "SecRule ARGS_NAMES \"@streq secret\" "
             "\"id:606,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}=%{MATCHED_VAR}'\"\n"
             "SecRule ARGS|!ARGS:/^skip_/ \"@streq evil\" \"id:607,phase:1,pass,log\"\n");
    expect_get(p, "/?foo=evil&x=1", "600,601,603,604,607");
    expect_get(p, "/?ID_user=evil&safe=1", "600,602,603,604,605,607");
    expect_get(p, "/?safe=evil", "600,605,607");
    expect_get(p, "/?skip_me=evil", "600,603,605");
    expect_get(p, "/?secret=1&b=2", "604,605,606");
    res_t r;
    exchange(p, &(req_t){.uri = "/?Foo=evil"}, &r);
    assert_string_equal(msg_of(&r, 600), "ARGS:Foo");
    done(&r);
    exchange(p, &(req_t){.uri = "/?Id_X=evil"}, &r);
    assert_string_equal(msg_of(&r, 602), "ARGS:Id_X");
    done(&r);
    exchange(p, &(req_t){.uri = "/?secret=1"}, &r);
    assert_string_equal(msg_of(&r, 606), "ARGS_NAMES:secret=secret");
    done(&r);
    rp_policy_unref(p);
}

static void test_targets_request_line_and_headers(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRule REQUEST_FILENAME \"@streq /app/my dir/file.php\" \"id:610,phase:1,pass,log\"\n"
        "SecRule REQUEST_BASENAME \"@streq file.php\" \"id:611,phase:1,pass,log\"\n"
        "SecRule QUERY_STRING \"@streq a=1&b=%41\" \"id:612,phase:1,pass,log\"\n"
        "SecRule REQUEST_LINE \"@streq GET /app/my%20dir/file.php?a=1&b=%41 HTTP/1.1\" "
        "\"id:613,phase:1,pass,log\"\n"
        "SecRule REQUEST_METHOD \"@streq GET\" \"id:614,phase:1,pass,log\"\n"
        "SecRule REQUEST_HEADERS:User-Agent \"@contains sqlmap\" "
        "\"id:615,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
        "SecRule REQUEST_HEADERS:x-custom \"@streq v\" \"id:616,phase:1,pass,log\"\n"
        "SecRule &REQUEST_HEADERS:X-Missing \"@eq 0\" \"id:617,phase:1,pass,log\"\n"
        "SecRule REQUEST_COOKIES:sess \"@streq abc\" \"id:618,phase:1,pass,log\"\n"
        "SecRule ARGS:b \"@streq A\" \"id:619,phase:1,pass,log\"\n"
        "SecRule REMOTE_ADDR \"@ipMatch 192.0.2.0/24\" \"id:630,phase:1,pass,log\"\n"
        "SecRule REMOTE_PORT \"@eq 5555\" \"id:631,phase:1,pass,log\"\n"
        "SecRule SERVER_PORT \"@eq 8080\" \"id:632,phase:1,pass,log\"\n"
        "SecRule SERVER_NAME \"@streq gov.example\" \"id:633,phase:1,pass,log\"\n"
        "SecRule REQUEST_PROTOCOL \"@streq HTTP/1.1\" \"id:634,phase:1,pass,log\"\n"
        "SecRule UNIQUE_ID \"@streq rules-test-1\" \"id:635,phase:1,pass,log\"\n"
        "SecRule REQUEST_HEADERS_NAMES \"@streq x-custom\" "
        "\"id:636,phase:1,pass,log,t:lowercase\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/app/my%20dir/file.php?a=1&b=%41"}, &r);
    EXPECT_IDS(&r, "610,611,612,613,614,617,619,630,631,632,633,634,635");
    done(&r);
    exchange(p,
             &(req_t){.uri = "/x",
                      .headers = "User-Agent: Mozilla/5.0 sqlmap/1.7\nX-Custom: v\n"
                                 "Cookie: sess=abc; other=1\n"},
             &r);
    EXPECT_IDS(&r, "614,615,616,617,618,630,631,632,633,634,635,636");
    assert_string_equal(msg_of(&r, 615), "REQUEST_HEADERS:User-Agent");
    done(&r);
    rp_policy_unref(p);
}

/* The prefilter remembers its verdict on header and cookie values per
 * thread (rules_pf_cache.c): a value seen before, under another name, in
 * another order or under a reloaded policy must give what a fresh scan
 * gives. */
static void test_prefilter_cache_across_requests(void **state)
{
    (void)state;
    const char *rules =
        "SecRule REQUEST_HEADERS:User-Agent \"@rx sqlmap/\\d\" \"id:650,phase:1,pass,log\"\n"
        "SecRule REQUEST_HEADERS \"@rx (?i)union\\s+select\" "
        "\"id:651,phase:1,pass,log,t:urlDecode\"\n"
        "SecRule REQUEST_COOKIES \"@contains evil\" \"id:652,phase:1,pass,log,t:lowercase\"\n"
        "SecRule REQUEST_HEADERS_NAMES \"@rx ^x-attack$\" \"id:653,phase:1,pass,log,t:lowercase\"\n"
        "SecRule ARGS_NAMES \"@rx ^cmd$\" \"id:654,phase:1,pass,log\"\n"
        "SecRule REQUEST_FILENAME \"@contains /admin\" \"id:655,phase:1,pass,log\"\n";
    rp_policy_t *p = load(rules);
    static const struct {
        const char *headers, *ids, *uri;
    } seq[] = {
        {"User-Agent: sqlmap/1.7\n", "650", "/x"},
        {"User-Agent: Mozilla/5.0\n", "", "/x"},
        {"User-Agent: sqlmap/1.7\n", "650", "/x"},
        {"X-Other: sqlmap/1.7\n", "", "/x"}, /* same value, a name 650 does not read */
        {"Referer: a%20UNION%20select\n", "651", "/x"},
        {"Referer: a%20UNION%20select\n", "651", "/x"},
        {"Cookie: s=EVIL\n", "652", "/x"},
        {"Cookie: s=EVIL\n", "652", "/x"},
        {"X-Attack: 1\n", "653", "/x"},
        {"X-Attack: 1\n", "653", "/x"},
        {"User-Agent: Mozilla/5.0\n", "654", "/x?cmd=1"},
        {"User-Agent: Mozilla/5.0\n", "654", "/x?cmd=1"},
        {"User-Agent: Mozilla/5.0\n", "", "/x?cmdx=1"},
        {"User-Agent: Mozilla/5.0\n", "655", "/admin/x"},
        {"User-Agent: Mozilla/5.0\n", "", "/x?admin=1"},
        {"User-Agent: Mozilla/5.0\n", "655", "/admin/x"},
    };
    for (size_t round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
            res_t r;
            exchange(p, &(req_t){.uri = seq[i].uri, .headers = seq[i].headers}, &r);
            if (strcmp(r.ids, seq[i].ids) != 0)
                fail_msg("round %zu request %zu (%s): matched \"%s\", want \"%s\"", round, i,
                         seq[i].headers, r.ids, seq[i].ids);
            done(&r);
        }
    rp_policy_unref(p);
    /* a reloaded policy with other literals: the old verdicts do not apply */
    p = load("SecRule REQUEST_HEADERS:User-Agent \"@rx mozilla\" "
             "\"id:660,phase:1,pass,log,t:lowercase\"\n");
    for (int i = 0; i < 2; i++) {
        res_t r;
        exchange(p, &(req_t){.uri = "/x", .headers = "User-Agent: Mozilla/5.0\n"}, &r);
        assert_string_equal(r.ids, "660");
        done(&r);
    }
    rp_policy_unref(p);
}

static void test_targets_tx(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecAction \"id:620,phase:1,pass,nolog,setvar:tx.score=5,setvar:tx.score_pl2=7\"\n"
        "SecRule TX:score \"@eq 5\" "
        "\"id:621,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}=%{MATCHED_VAR}'\"\n"
        "SecRule TX:/^score_/ \"@eq 7\" \"id:622,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
        "SecRule TX:SCORE \"@eq 5\" \"id:623,phase:1,pass,log\"\n"
        "SecRule &TX:score \"@eq 1\" \"id:624,phase:1,pass,log\"\n"
        "SecRule TX \"@eq 7\" \"id:625,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
        "SecRule TX:missing \"@eq 0\" \"id:626,phase:1,pass,log\"\n"
        "SecRule TX:score \"@eq 5\" \"id:627,phase:2,pass,log\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/"}, &r);
    EXPECT_IDS(&r, "621,622,623,624,625,627"); /* a missing variable has no value */
    assert_string_equal(msg_of(&r, 621), "TX:score=5");
    assert_string_equal(msg_of(&r, 622), "TX:score_pl2");
    assert_string_equal(msg_of(&r, 625), "TX:score_pl2");
    done(&r);
    rp_policy_unref(p);
}

/* TX names are case-insensitive for ASCII letters only (rules_vars.c
 * compares eight bytes at a time): every case mix of a stored name finds
 * it; a byte that differs from a letter by 0x20 without being one ('@' and
 * '`', '[' and '{', 0xC1 and 0xE1) does not, at every position and length. */
static void test_map_name_case(void **state)
{
    (void)state;
    rl_state_t st;
    memset(&st, 0, sizeof st);
    st.arena = rp_arena_new(4096, 1 << 20);
    assert_non_null(st.arena);
    rl_map_t m;
    memset(&m, 0, sizeof m);
    char name[40], probe[40];
    for (size_t len = 1; len < sizeof name; len++) {
        for (size_t i = 0; i < len; i++)
            name[i] = (char)('a' + (i * 7 + len) % 26);
        name[len / 2] = '@';
        if (len / 3 != len / 2)
            name[len / 3] = '[';
        if (len > 4)
            name[len - 1] = '\xe1';
        assert_int_equal(rl_map_set(&st, &m, name, len, "v", 1), 0);
        for (size_t i = 0; i < len; i++) {
            memcpy(probe, name, len);
            bool letter = probe[i] >= 'a' && probe[i] <= 'z';
            if (letter) { /* another case: found */
                probe[i] = (char)(probe[i] - 32);
                assert_non_null(rl_map_get(&m, probe, len));
            }
            /* 0x20 apart but not letters ('@' '`', '[' '{', 0xE1 0xC1), or
             * an upper-case letter with bit 7 set: not found */
            if (name[i] == '@')
                probe[i] = '`';
            else if (name[i] == '[')
                probe[i] = '{';
            else if (name[i] == '\xe1')
                probe[i] = '\xc1';
            else
                probe[i] = (char)((name[i] - 32) | 0x80);
            assert_null(rl_map_get(&m, probe, len));
        }
    }
    rp_arena_free(st.arena);
}

/* rl_fold_ascii8 (TX names, the prefilter's case-only comparison) against
 * the per-byte rule for every pair of bytes at every position of a word:
 * equal after folding exactly when the bytes are equal or the same ASCII
 * letter in another case. */
static void test_fold_ascii8_every_byte(void **state)
{
    (void)state;
    for (unsigned x = 0; x < 256; x++)
        for (unsigned y = 0; y < 256; y++) {
            bool want =
                x == y || ((x | 0x20) == (y | 0x20) && (x | 0x20) >= 'a' && (x | 0x20) <= 'z');
            for (unsigned pos = 0; pos < 8; pos++) {
                uint64_t base =
                    0x2d6e3f41617a5a30ull; /* neighbours: letters, digits, punctuation */
                uint64_t wx = (base & ~(0xffull << (8 * pos))) | ((uint64_t)x << (8 * pos));
                uint64_t wy = (base & ~(0xffull << (8 * pos))) | ((uint64_t)y << (8 * pos));
                if ((rl_fold_ascii8(wx) == rl_fold_ascii8(wy)) != want)
                    fail_msg("bytes %#x and %#x at %u: folded equal %d, expected %d", x, y, pos,
                             !want, want);
            }
        }
}

/* rl_format_ll writes what snprintf's "%lld" writes: the limits, powers of
 * ten and their neighbours, and pseudo-random values of every magnitude. */
static void test_format_ll_matches_printf(void **state)
{
    (void)state;
    long long fixed[] = {
        0, 1, -1, 9, 10, -10, 99, 100, LLONG_MAX, LLONG_MIN, LLONG_MAX - 1, LLONG_MIN + 1};
    char want[64], got[RL_LL_BUF];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        snprintf(want, sizeof want, "%lld", fixed[i]);
        assert_int_equal(rl_format_ll(got, fixed[i]), strlen(want));
        assert_string_equal(got, want);
    }
    long long p = 1;
    for (int k = 0; k < 18; k++, p *= 10)
        for (long long d = -1; d <= 1; d++)
            for (int sign = -1; sign <= 1; sign += 2) {
                long long v = sign * (p + d);
                snprintf(want, sizeof want, "%lld", v);
                assert_int_equal(rl_format_ll(got, v), strlen(want));
                assert_string_equal(got, want);
            }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long long v = (long long)(x >> (x % 64)); /* every magnitude */
        if ((x & 1) && v != LLONG_MIN)
            v = -v;
        snprintf(want, sizeof want, "%lld", v);
        assert_int_equal(rl_format_ll(got, v), strlen(want));
        assert_string_equal(got, want);
    }
}

/* ------------------------------------------------------ transformations */

static void test_transformations(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecDefaultAction \"phase:1,log,pass,t:lowercase\"\n"
        /* in order: base64 first, then lower case; the other way round
         * decodes garbage */
        "SecRule ARGS:a \"@streq hello\" \"id:700,phase:1,t:none,t:base64Decode,t:lowercase\"\n"
        "SecRule ARGS:a \"@streq hello\" \"id:701,phase:1,t:none,t:lowercase,t:base64Decode\"\n"
        /* SecDefaultAction's t:lowercase applies unless t:none clears it */
        "SecRule ARGS:b \"@streq ABC\" \"id:710,phase:1\"\n"
        "SecRule ARGS:b \"@streq ABC\" \"id:711,phase:1,t:none\"\n"
        "SecRule ARGS:b \"@streq abc\" \"id:712,phase:1\"\n"
        "SecRule ARGS:b \"@streq abc\" \"id:713,phase:1,t:none,t:uppercase,t:lowercase\"\n"
        "SecRule ARGS:b \"@streq ABC\" \"id:714,phase:2,pass,log\"\n"
        /* multiMatch: the operator also sees each intermediate value */
        "SecRule ARGS:c \"@streq %41\" \"id:720,phase:1,t:none,t:urlDecode,multiMatch\"\n"
        "SecRule ARGS:c \"@streq %41\" \"id:721,phase:1,t:none,t:urlDecode\"\n"
        "SecRule ARGS:c \"@streq A\" \"id:722,phase:1,t:none,t:urlDecode,multiMatch\"\n"
        "SecRule ARGS:c \"@streq %41\" \"id:723,phase:1,t:none,multiMatch\"\n"
        /* multiMatch tries the value, then after each step that changed it
         * (the steps' results come from the transaction's table): on "%2541"
         * the lowercase steps change nothing, the urlDecodes give "%41" and
         * "A" — three tries, for a list value and for a TX value (which is
         * transformed afresh each time, never from the table) */
        "SecRule ARGS:d \"@rx .\" \"id:724,phase:1,pass,nolog,t:none,t:lowercase,t:urlDecode,"
        "t:lowercase,t:urlDecode,multiMatch,setvar:tx.mm=+1\"\n"
        "SecRule ARGS:d \"@rx .\" \"id:725,phase:1,pass,nolog,setvar:tx.d=%2541\"\n"
        "SecRule TX:d \"@rx .\" \"id:726,phase:1,pass,nolog,t:none,t:lowercase,t:urlDecode,"
        "t:lowercase,t:urlDecode,multiMatch,setvar:tx.mt=+1\"\n"
        "SecRule TX:mm \"@eq 3\" \"id:727,phase:1,pass,log\"\n"
        "SecRule TX:mt \"@eq 3\" \"id:728,phase:1,pass,log\"\n");
    expect_get(p, "/?a=SEVMTE8%3D", "700");
    expect_get(p, "/?b=ABC", "711,712,713,714");
    res_t r;
    exchange(p, &(req_t){.uri = "/?c=%2541"}, &r); /* c is "%41" */
    EXPECT_IDS(&r, "720,722,723");
    assert_int_equal(count_rule(&r, 720), 1); /* one match per rule */
    done(&r);
    expect_get(p, "/?d=%252541", "727,728");
    rp_policy_unref(p);
}

/* A transformed value is computed once per transaction and reused
 * (rules_chain.c): the reuse must tell chains and values apart, and across
 * phases and the prefilter give what computing it afresh gives. */
static void test_transformation_reuse(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        /* same value, chains that differ only in their last step */
        "SecRule ARGS \"@streq abc\" \"id:730,phase:1,pass,log,t:none,t:lowercase\"\n"
        "SecRule ARGS \"@streq ABC\" \"id:731,phase:1,pass,log,t:none,t:uppercase\"\n"
        "SecRule ARGS \"@streq abc\" \"id:732,phase:1,pass,log,t:none,t:uppercase,t:lowercase\"\n"
        /* same chain, values of the same length */
        "SecRule ARGS:b \"@streq xyz\" \"id:733,phase:1,pass,log,t:none,t:lowercase\"\n"
        "SecRule ARGS:a \"@streq xyz\" \"id:734,phase:1,pass,log,t:none,t:lowercase\"\n"
        /* phase 2 reuses phase 1's result; a literal rule goes through the
         * prefilter, which transforms first */
        "SecRule ARGS \"@contains xyz\" \"id:735,phase:2,pass,log,t:none,t:lowercase\"\n"
        "SecRule ARGS \"@contains XYZ\" \"id:736,phase:2,pass,log,t:none,t:lowercase\"\n"
        /* TX values change under setvar: never served from the cache */
        "SecAction \"id:737,phase:1,pass,nolog,setvar:tx.v=AAA\"\n"
        "SecRule TX:v \"@streq aaa\" \"id:738,phase:1,pass,log,t:none,t:lowercase\"\n"
        "SecAction \"id:739,phase:1,pass,nolog,setvar:tx.v=BBB\"\n"
        "SecRule TX:v \"@streq bbb\" \"id:740,phase:1,pass,log,t:none,t:lowercase\"\n");
    expect_get(p, "/?a=AbC&b=XyZ", "730,731,732,733,738,740,735");
    rp_policy_unref(p);
}

/* ------------------------------------------------------------- actions */

static void test_setvar(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecAction \"id:800,phase:1,pass,nolog,setvar:tx.a=10,setvar:tx.a=+5,setvar:tx.b=3,"
        "setvar:tx.b=-1,setvar:tx.c=1,setvar:!tx.c,setvar:tx.d,setvar:tx.e=+3,setvar:TX.Mixed=x\"\n"
        "SecRule TX:a \"@eq 15\" \"id:801,phase:1,pass,log,msg:'a=%{tx.a}'\"\n"
        "SecRule TX:b \"@eq 2\" \"id:802,phase:1,pass,log\"\n"
        "SecRule &TX:c \"@eq 0\" \"id:803,phase:1,pass,log\"\n"
        "SecRule TX:d \"@eq 1\" \"id:804,phase:1,pass,log\"\n"
        "SecRule TX:e \"@eq 3\" \"id:805,phase:1,pass,log\"\n"
        "SecAction \"id:806,phase:2,pass,log,msg:'%{tx.a}/%{tx.b}/%{tx.c}/%{tx.d}/%{tx.mixed}'\"\n"
        /* macros in values and names */
        "SecRule ARGS:q \"@contains bad\" \"id:810,phase:1,pass,nolog,"
        "setvar:'tx.mv=%{MATCHED_VAR}',setvar:'tx.mvn=%{MATCHED_VAR_NAME}',"
        "setvar:tx.rid=%{rule.id},setvar:'tx.copy=%{tx.rid}-x',setvar:tx.by_%{rule.id}=1,"
        "setvar:'tx.sum=+%{tx.a}'\"\n"
        "SecAction \"id:811,phase:1,pass,log,"
        "msg:'%{tx.mv}|%{tx.mvn}|%{tx.rid}|%{tx.copy}|%{tx.by_810}|%{tx.sum}|%{tx.nothing}|'\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?q=very+bad"}, &r);
    EXPECT_IDS(&r, "801,802,803,804,805,811,806");
    assert_string_equal(msg_of(&r, 801), "a=15");
    assert_string_equal(msg_of(&r, 806), "15/2//1/x");
    assert_string_equal(msg_of(&r, 811), "very bad|ARGS:q|810|810-x|1|15||");
    done(&r);
    rp_policy_unref(p);
    /* a rule's setvar runs for every value it matches (ModSecurity v3),
     * the rule is logged once */
    p = load("SecRule ARGS \"@rx ^v\" \"id:820,phase:1,pass,log,setvar:tx.n=+1\"\n"
             "SecAction \"id:821,phase:1,pass,log,msg:'n=%{tx.n}'\"\n");
    exchange(p, &(req_t){.uri = "/?a=v1&b=x&c=v2&d=v3"}, &r);
    EXPECT_IDS(&r, "820,821");
    assert_string_equal(msg_of(&r, 821), "n=3");
    done(&r);
    rp_policy_unref(p);
}

/* IP, GLOBAL, SESSION, USER and RESOURCE live as long as the transaction
 * (no persistent store): what a rule sets there, a later rule reads back,
 * and none of it shows up as a TX variable. */
static void test_other_collections(void **state)
{
    (void)state;
    rp_policy_t *p =
        load("SecAction \"id:830,phase:1,pass,nolog,initcol:ip=%{REMOTE_ADDR},"
             "setvar:ip.reput=7,setvar:global.hits=+2,setvar:tx.own=1\"\n"
             "SecRule IP:reput \"@eq 7\" \"id:831,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
             "SecRule GLOBAL:hits \"@eq 2\" \"id:832,phase:1,pass,log\"\n"
             "SecAction \"id:833,phase:1,pass,log,msg:'%{ip.reput}/%{global.hits}'\"\n"
             "SecRule &TX \"@eq 1\" \"id:834,phase:1,pass,log\"\n"
             /* reput, and initcol's KEY, TIMEOUT, CREATE_TIME, UPDATE_COUNTER, IS_NEW */
             "SecRule &IP \"@eq 6\" \"id:835,phase:1,pass,log\"\n"
             "SecRule TX:/reput/ \"@rx .\" \"id:836,phase:1,pass,log\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/"}, &r);
    EXPECT_IDS(&r, "831,832,833,834,835");
    assert_string_equal(msg_of(&r, 831), "IP:reput");
    assert_string_equal(msg_of(&r, 833), "7/2");
    done(&r);
    rp_policy_unref(p);
}

static void test_capture(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRule ARGS:a \"@rx ^(\\w+)\" \"id:819,phase:1,pass,log,msg:'[%{tx.0}]'\"\n"
        "SecRule ARGS:a \"@rx ^(\\w+)-(\\d+)$\" "
        "\"id:820,phase:1,pass,log,capture,msg:'%{TX.0}|%{tx.1}|%{tx.2}',setvar:tx.num=%{tx.2}\"\n"
        "SecRule TX:num \"@eq 123\" \"id:821,phase:1,pass,log\"\n"
        "SecRule TX:1 \"@streq abc\" \"id:822,phase:2,pass,log\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=abc-123"}, &r);
    EXPECT_IDS(&r, "819,820,821,822");
    assert_string_equal(msg_of(&r, 819), "[]"); /* no capture action, no TX.0 */
    assert_string_equal(msg_of(&r, 820), "abc-123|abc|123");
    done(&r);
    rp_policy_unref(p);
}

static void test_msg_logdata_severity_tags(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRule ARGS \"@rx (?i)union\\s+select\" \"id:900,phase:2,pass,log,"
        "msg:'SQL injection in %{MATCHED_VAR_NAME}',"
        "logdata:'Matched Data: %{MATCHED_VAR} found within %{MATCHED_VAR_NAME}',"
        "severity:CRITICAL,tag:'attack-sqli',tag:'paranoia-level/1'\"\n"
        "SecRule ARGS:b \"@streq x\" \"id:901,phase:2,pass,log,severity:'4',msg:'plain'\"\n"
        "SecAction \"id:902,phase:2,pass,log\"\n"
        "SecRule HIGHEST_SEVERITY \"@eq 2\" \"id:903,phase:2,pass,log\"\n"
        "SecAction \"id:904,phase:2,pass,log,"
        "msg:'%{tx.none}|%{NOSUCHVAR}|%{REQUEST_METHOD}%{request_method}|50% and %{ open'\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?q=1%20union%20select%202&b=x"}, &r);
    EXPECT_IDS(&r, "900,901,902,903,904");
    /* text that only looks like a macro stays; unknown macros are empty */
    assert_string_equal(msg_of(&r, 904), "||GETGET|50% and %{ open");
    const rp_match_t *m = find_rule(&r, 900);
    assert_string_equal(m->detector, "rules");
    assert_string_equal(m->category, "sqli"); /* from the attack-sqli tag */
    assert_string_equal(m->msg, "SQL injection in ARGS:q");
    assert_string_equal(m->data, "Matched Data: 1 union select 2 found within ARGS:q");
    assert_int_equal(m->severity, 2);
    assert_int_equal(m->ntags, 2);
    assert_string_equal(m->tags[0], "attack-sqli");
    assert_string_equal(m->tags[1], "paranoia-level/1");
    assert_int_equal(find_rule(&r, 901)->severity, 4);
    assert_string_equal(find_rule(&r, 901)->msg, "plain");
    assert_null(find_rule(&r, 901)->data);
    assert_null(find_rule(&r, 902)->msg);
    assert_int_equal(find_rule(&r, 902)->severity, -1);
    EXPECT_EVENT_HAS(&r, "\"rule_id\":\"900\",\"msg\":\"SQL injection in ARGS:q\","
                         "\"data\":\"Matched Data: 1 union select 2 found within ARGS:q\","
                         "\"severity\":2,\"tags\":[\"attack-sqli\",\"paranoia-level/1\"]");
    EXPECT_EVENT_HAS(&r, "\"rule_id\":\"901\",\"msg\":\"plain\",\"severity\":4}");
    EXPECT_EVENT_HAS(&r, "\"rule_id\":\"902\"}");
    EXPECT_EVENT_HAS(&r, "\"action\":\"log\"");
    done(&r);
    /* citizen identifiers a rule quotes are masked in the event (the
     * verdict keeps the rule's text) */
    exchange(p, &(req_t){.uri = "/?q=11010519491231002X%20union%20select%201"}, &r);
    assert_non_null(strstr(find_rule(&r, 900)->data, "11010519491231002X"));
    if (strstr(r.event, "11010519491231002X"))
        fail_msg("identifier not masked in the event: %s", r.event);
    done(&r);
    rp_policy_unref(p);
}

static void test_nolog_noauditlog(void **state)
{
    (void)state;
    rp_policy_t *p =
        load("SecRule ARGS:a \"@streq x\" \"id:910,phase:1,pass,nolog,setvar:tx.seen=1\"\n"
             "SecRule ARGS:a \"@streq x\" \"id:911,phase:1,pass,noauditlog\"\n"
             "SecRule ARGS:a \"@streq x\" \"id:912,phase:1,pass,log\"\n"
             "SecRule TX:seen \"@eq 1\" \"id:913,phase:1,pass,log\"\n"
             "SecRule ARGS:b \"@streq y\" \"id:914,phase:1,deny,status:403,nolog\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=x"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "912,913"); /* nolog still ran its setvar */
    done(&r);
    /* a block is reported even from a nolog rule */
    exchange(p, &(req_t){.uri = "/?b=y"}, &r);
    expect_blocked(&r, 1, 403);
    EXPECT_IDS(&r, "914");
    done(&r);
    rp_policy_unref(p);
}

static void test_chain(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRuleEngine On\n"
                          "SecRule ARGS:a \"@streq x\" "
                          "\"id:920,phase:1,pass,log,msg:'chain',setvar:tx.head=1,chain\"\n"
                          "  SecRule ARGS:b \"@streq y\" \"chain\"\n"
                          "  SecRule REQUEST_METHOD \"@streq GET\" \"setvar:tx.chained=1\"\n"
                          "SecRule TX:chained \"@eq 1\" \"id:921,phase:1,pass,log\"\n"
                          "SecRule TX:head \"@eq 1\" \"id:922,phase:1,pass,log\"\n"
                          "SecRule ARGS:a \"@streq x\" \"id:923,phase:1,deny,status:406,chain\"\n"
                          "  SecRule ARGS:c \"@streq z\" \"t:none\"\n"
                          "SecAction \"id:924,phase:1,pass,log\"\n");
    expect_get(p, "/?a=x&b=y", "920,921,922,924");
    expect_get(p, "/?a=x&b=n", "922,924"); /* the head's own setvar ran */
    expect_get(p, "/?a=n&b=y", "924");
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=x&c=z"}, &r);
    expect_blocked(&r, 1, 406);
    EXPECT_IDS(&r, "922,923");
    assert_int_equal(count_rule(&r, 923), 1);
    done(&r);
    rp_policy_unref(p);
    /* a link reads what the link before it matched */
    p = load("SecRule ARGS \"@contains evil\" \"id:925,phase:1,pass,log,chain\"\n"
             "  SecRule MATCHED_VARS_NAMES \"@streq ARGS:b\" \"chain\"\n"
             "  SecRule MATCHED_VAR \"@streq ARGS:b\"\n");
    expect_get(p, "/?a=1&b=evil", "925");
    expect_get(p, "/?a=evil&b=1", "");
    rp_policy_unref(p);
}

static void test_skip(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecAction \"id:930,phase:1,pass,nolog,skip:2\"\n"
                          "SecAction \"id:931,phase:1,pass,log\"\n"
                          "SecRule ARGS:a \"@rx .\" \"id:932,phase:1,pass,log,chain\"\n"
                          "  SecRule ARGS:a \"@rx .\"\n"
                          "SecAction \"id:933,phase:1,pass,log\"\n"
                          "SecRule ARGS:a \"@streq skip\" \"id:934,phase:1,pass,nolog,skip:1\"\n"
                          "SecAction \"id:935,phase:1,pass,log\"\n"
                          "SecAction \"id:936,phase:1,pass,log\"\n");
    expect_get(p, "/?a=1", "933,935,936"); /* a chain counts as one rule */
    expect_get(p, "/?a=skip", "933,936");  /* skip only when the rule matched */
    rp_policy_unref(p);
}

static void test_skip_after(void **state)
{
    (void)state;
    rp_policy_t *p =
        load("SecMarker EARLY\n"
             "SecRule ARGS:a \"@streq go\" \"id:940,phase:1,pass,nolog,skipAfter:END-940\"\n"
             "SecAction \"id:941,phase:1,pass,log\"\n"
             "SecMarker END-940\n"
             "SecAction \"id:942,phase:1,pass,log\"\n"
             "SecRule ARGS:b \"@streq go\" \"id:943,phase:1,pass,nolog,skipAfter:EARLY\"\n"
             "SecAction \"id:944,phase:1,pass,log\"\n"
             "SecAction \"id:945,phase:2,pass,log\"\n"
             "SecAction \"id:946,phase:2,pass,nolog,skipAfter:'END-940'\"\n"
             "SecAction \"id:947,phase:2,pass,log\"\n");
    expect_get(p, "/?a=go", "942,944,945");
    /* EARLY is not after 943: the rest of phase 1 is skipped, phase 2 runs */
    expect_get(p, "/?b=go", "941,942,945");
    expect_get(p, "/?x=1", "941,942,944,945");
    rp_policy_unref(p);
}

static void test_ctl_rule_remove_by_id(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRuleEngine On\n"
        "SecRule ARGS:off \"@streq 1\" \"id:950,phase:1,pass,nolog,ctl:ruleRemoveById=951-953\"\n"
        "SecAction \"id:951,phase:1,pass,log\"\n"
        "SecAction \"id:952,phase:2,pass,log\"\n"
        "SecRule ARGS:x \"@streq evil\" \"id:953,phase:1,deny,status:403\"\n"
        "SecAction \"id:954,phase:2,pass,log\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?off=1&x=evil"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "954");
    done(&r);
    exchange(p, &(req_t){.uri = "/?off=0&x=evil"}, &r);
    expect_blocked(&r, 1, 403);
    EXPECT_IDS(&r, "951,953");
    done(&r);
    rp_policy_unref(p);
    p = load(
        "SecRule ARGS:off \"@streq 1\" \"id:955,phase:1,pass,nolog,ctl:ruleRemoveByTag=noisy\"\n"
        "SecAction \"id:956,phase:1,pass,log,tag:'noisy'\"\n"
        "SecAction \"id:957,phase:2,pass,log,tag:'other',tag:'noisy'\"\n"
        "SecAction \"id:958,phase:2,pass,log,tag:'other'\"\n");
    expect_get(p, "/?off=1", "958");
    expect_get(p, "/?off=0", "956,957,958");
    rp_policy_unref(p);
}

static void test_ctl_rule_remove_target_by_id(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRule REQUEST_FILENAME \"@streq /login\" \"id:960,phase:1,pass,nolog,"
        "ctl:ruleRemoveTargetById=961;ARGS:password,ctl:ruleRemoveTargetById=962;ARGS:password\"\n"
        "SecRule ARGS \"@contains evil\" \"id:961,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
        "SecRule ARGS \"@contains evil\" \"id:962,phase:2,pass,log\"\n"
        "SecRule REQUEST_FILENAME \"@streq /login\" \"id:963,phase:1,pass,nolog,"
        "ctl:ruleRemoveTargetByTag=creds;ARGS:password\"\n"
        "SecRule ARGS \"@contains evil\" \"id:964,phase:2,pass,log,tag:'creds'\"\n");
    expect_get(p, "/login?password=evil", "");
    expect_get(p, "/login?user=evil", "961,962,964");
    expect_get(p, "/other?password=evil", "961,962,964");
    res_t r;
    exchange(p, &(req_t){.uri = "/login?password=evil&user=evil"}, &r);
    EXPECT_IDS(&r, "961,962,964");
    assert_string_equal(msg_of(&r, 961), "ARGS:user");
    done(&r);
    rp_policy_unref(p);
}

static void test_ctl_rule_engine(void **state)
{
    (void)state;
    rp_policy_t *p =
        load("SecRuleEngine On\n"
             "SecRule ARGS:mode \"@streq off\" \"id:970,phase:1,pass,nolog,ctl:ruleEngine=Off\"\n"
             "SecRule ARGS:mode \"@streq detect\" "
             "\"id:971,phase:1,pass,nolog,ctl:ruleEngine=DetectionOnly\"\n"
             "SecRule ARGS:x \"@streq evil\" \"id:972,phase:1,deny,status:403\"\n"
             "SecRule ARGS:x \"@streq evil\" \"id:973,phase:2,deny,status:403\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?mode=off&x=evil"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "");
    done(&r);
    exchange(p, &(req_t){.uri = "/?mode=detect&x=evil"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "972,973");
    done(&r);
    exchange(p, &(req_t){.uri = "/?x=evil"}, &r);
    expect_blocked(&r, 1, 403);
    EXPECT_IDS(&r, "972");
    done(&r);
    rp_policy_unref(p);
    /* SecRuleEngine Off: no rule runs, logging phase included */
    p = load("SecRuleEngine Off\n"
             "SecRule ARGS:x \"@streq evil\" \"id:975,phase:1,deny,status:403\"\n"
             "SecAction \"id:976,phase:5,pass,log\"\n");
    exchange(p, &(req_t){.uri = "/?x=evil"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "");
    done(&r);
    rp_policy_unref(p);
}

static void test_sec_rule_remove(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRuleEngine On\n"
                          "SecRuleRemoveById 1003\n"
                          "SecAction \"id:1000,phase:1,pass,log\"\n"
                          "SecAction \"id:1001,phase:1,pass,log,tag:'remove-me'\"\n"
                          "SecAction \"id:1002,phase:1,pass,log,tag:'keep-me'\"\n"
                          "SecAction \"id:1003,phase:1,pass,log\"\n"
                          "SecAction \"id:1004,phase:1,pass,log\"\n"
                          "SecAction \"id:1005,phase:2,pass,log\"\n"
                          "SecRule ARGS \"@rx .\" \"id:1006,phase:1,deny,status:403,chain\"\n"
                          "  SecRule ARGS \"@rx .\"\n"
                          "SecAction \"id:1007,phase:2,pass,log\"\n"
                          "SecAction \"id:1008,phase:2,pass,log,msg:'remove by msg'\"\n"
                          "SecRuleRemoveById 1000 1004-1006\n"
                          "SecRuleRemoveByTag remove-me\n"
                          "SecRuleRemoveByMsg 'remove by msg'\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=1"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1002,1007");
    done(&r);
    rp_policy_unref(p);
}

static void test_sec_rule_update_target(void **state)
{
    (void)state;
    rp_policy_t *p = load(
        "SecRule ARGS \"@streq evil\" \"id:1010,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
        "SecRuleUpdateTargetById 1010 \"!ARGS:safe\"\n"
        "SecRule ARGS:a \"@streq evil\" \"id:1011,phase:1,pass,log,msg:'%{MATCHED_VAR_NAME}'\"\n"
        "SecRuleUpdateTargetById 1011 REQUEST_HEADERS:X-Extra\n"
        "SecRule ARGS:old \"@streq evil\" \"id:1012,phase:1,pass,log\"\n"
        "SecRuleUpdateTargetById 1012 ARGS:new ARGS:old\n"
        "SecRule ARGS \"@streq evil\" \"id:1013,phase:1,pass,log,tag:'t-1013'\"\n"
        "SecRuleUpdateTargetByTag t-1013 !ARGS:safe|!ARGS:old\n");
    expect_get(p, "/?safe=evil", "");
    expect_get(p, "/?other=evil", "1010,1013");
    expect_get(p, "/?old=evil", "1010");
    expect_get(p, "/?new=evil", "1010,1012,1013");
    res_t r;
    exchange(p, &(req_t){.uri = "/", .headers = "X-Extra: evil\n"}, &r);
    EXPECT_IDS(&r, "1011");
    assert_string_equal(msg_of(&r, 1011), "REQUEST_HEADERS:X-Extra");
    done(&r);
    rp_policy_unref(p);
}

static void test_sec_rule_update_action(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRuleEngine On\n"
                          "SecRule ARGS:a \"@streq x\" "
                          "\"id:1020,phase:1,deny,status:403,msg:'old',severity:2\"\n"
                          "SecRuleUpdateActionById 1020 \"pass,msg:'new'\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=x"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1020");
    assert_string_equal(msg_of(&r, 1020), "new");
    assert_int_equal(find_rule(&r, 1020)->severity, 2);
    done(&r);
    rp_policy_unref(p);
}

static void test_default_action_per_phase(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRuleEngine On\n"
                          "SecDefaultAction \"phase:1,log,auditlog,deny,status:418\"\n"
                          "SecDefaultAction \"phase:2,log,auditlog,pass\"\n"
                          "SecRule ARGS:a \"@streq x\" \"id:1030,phase:1,block,msg:'p1'\"\n"
                          "SecRule ARGS:b \"@streq y\" \"id:1031,phase:2,block,msg:'p2'\"\n"
                          "SecRule ARGS:c \"@streq z\" \"id:1032,phase:1,pass,msg:'explicit'\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?b=y&c=z"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1032,1031");
    done(&r);
    exchange(p, &(req_t){.uri = "/?a=x"}, &r);
    expect_blocked(&r, 1, 418); /* block: phase 1's deny, with its status */
    EXPECT_IDS(&r, "1030");
    done(&r);
    rp_policy_unref(p);
}

/* ---------------------------------------------------------- disruptive */

static const char *const deny_rules = "SecRuleEngine %s\n"
                                      "SecRule ARGS:a \"@streq x\" "
                                      "\"id:1040,phase:1,deny,status:451,msg:'denied'\"\n"
                                      "SecAction \"id:1041,phase:1,pass,log\"\n"
                                      "SecAction \"id:1042,phase:2,pass,log\"\n"
                                      "SecAction \"id:1043,phase:5,pass,log\"\n";

static void test_deny_blocks_and_stops(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text), deny_rules, "On");
    rp_policy_t *p = load(text);
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=x", .resp_status = 200}, &r);
    expect_blocked(&r, 1, 451);
    EXPECT_IDS(&r, "1040,1043"); /* logging still runs */
    assert_false(r.v->detect_only);
    assert_string_equal(msg_of(&r, 1040), "denied");
    EXPECT_EVENT_HAS(&r, "\"action\":\"block\",\"status\":451");
    /* later request steps stay blocked */
    assert_int_equal(rp_tx_request_end(r.tx), RP_BLOCK);
    done(&r);
    exchange(p, &(req_t){.uri = "/?a=y"}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1041,1042,1043");
    done(&r);
    rp_policy_unref(p);
}

static void test_detection_only(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text), deny_rules, "DetectionOnly");
    rp_policy_t *p = load(text);
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=x", .resp_status = 200}, &r);
    expect_allowed(&r);
    assert_int_equal(r.v->status, 0);
    EXPECT_IDS(&r, "1040,1041,1042,1043"); /* recorded, nothing stopped */
    done(&r);
    rp_policy_unref(p);
}

static void test_policy_mode_detect(void **state)
{
    (void)state;
    char text[512];
    snprintf(text, sizeof(text), deny_rules, "On");
    rp_policy_t *p = load_with("mode detect", text);
    res_t r;
    exchange(p, &(req_t){.uri = "/?a=x", .resp_status = 200}, &r);
    expect_allowed(&r);
    assert_true(r.v->detect_only);
    assert_non_null(find_rule(&r, 1040));
    assert_string_equal(msg_of(&r, 1040), "denied");
    EXPECT_EVENT_HAS(&r, "\"action\":\"detect\"");
    EXPECT_EVENT_HAS(&r, "\"mode\":\"detect\"");
    done(&r);
    exchange(p, &(req_t){.uri = "/?a=y", .resp_status = 200}, &r);
    expect_allowed(&r);
    assert_false(r.v->detect_only);
    done(&r);
    rp_policy_unref(p);
}

static const char *const allow_rules =
    "SecRuleEngine On\n"
    "SecRule ARGS:allow \"@streq all\" \"id:1050,phase:1,allow,msg:'allow all'\"\n"
    "SecRule ARGS:allow \"@streq phase\" \"id:1051,phase:1,allow:phase\"\n"
    "SecRule ARGS:allow \"@streq request\" \"id:1052,phase:1,allow:request\"\n"
    "SecRule ARGS:x \"@streq evil\" \"id:1053,phase:1,deny,status:403\"\n"
    "SecRule ARGS:x \"@streq evil\" \"id:1054,phase:2,deny,status:403\"\n"
    "SecRule RESPONSE_STATUS \"@streq 200\" \"id:1055,phase:3,pass,log\"\n"
    "SecAction \"id:1056,phase:5,pass,log\"\n";

static void test_allow(void **state)
{
    (void)state;
    rp_policy_t *p = load(allow_rules);
    res_t r;
    /* allow: the rest of the transaction (but logging) */
    exchange(p, &(req_t){.uri = "/?allow=all&x=evil", .resp_status = 200}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1050,1056");
    done(&r);
    /* allow:phase: the rest of this phase only */
    exchange(p, &(req_t){.uri = "/?allow=phase&x=evil", .resp_status = 200}, &r);
    expect_blocked(&r, 2, 403);
    EXPECT_IDS(&r, "1051,1054,1056");
    done(&r);
    /* allow:request: the request phases, the response is still checked */
    exchange(p, &(req_t){.uri = "/?allow=request&x=evil", .resp_status = 200}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1052,1055,1056");
    done(&r);
    exchange(p, &(req_t){.uri = "/?x=evil", .resp_status = 200}, &r);
    expect_blocked(&r, 1, 403);
    EXPECT_IDS(&r, "1053,1056");
    done(&r);
    rp_policy_unref(p);
}

static void test_drop(void **state)
{
    (void)state;
    rp_policy_t *p = load("SecRule ARGS:x \"@streq evil\" \"id:1060,phase:1,drop\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?x=evil"}, &r);
    expect_blocked(&r, 1, 444); /* nginx's "close the connection" */
    EXPECT_IDS(&r, "1060");
    done(&r);
    rp_policy_unref(p);
}

static void test_redirect(void **state)
{
    (void)state;
    /* A redirect is its own verdict, with the expanded Location. */
    rp_policy_t *p =
        load("SecRule ARGS:x \"@streq evil\" "
             "\"id:1061,phase:1,redirect:'https://gov.example/blocked?r=%{rule.id}'\"\n");
    res_t r;
    exchange(p, &(req_t){.uri = "/?x=evil"}, &r);
    EXPECT_IDS(&r, "1061");
    assert_int_equal(r.status, RP_BLOCK);
    assert_int_equal(r.v->action, RP_ACTION_REDIRECT);
    assert_int_equal(r.v->status, 302);
    assert_non_null(r.v->location);
    assert_string_equal(r.v->location, "https://gov.example/blocked?r=1061");
    EXPECT_EVENT_HAS(&r, "\"action\":\"redirect\"");
    done(&r);
    rp_policy_unref(p);
}

/* Rampart's detect mode must report what block mode would block: a
 * request that an allow rule lets through in block mode is no would-be
 * block in detect mode. */
static void test_allow_in_detect_mode(void **state)
{
    (void)state;
    rp_policy_t *p = load_with("mode detect", allow_rules);
    res_t r;
    exchange(p, &(req_t){.uri = "/?allow=all&x=evil", .resp_status = 200}, &r);
    expect_allowed(&r);
    EXPECT_IDS(&r, "1050,1056");
    assert_false(r.v->detect_only);
    done(&r);
    rp_policy_unref(p);
}

/* The rule engine's prefilter reads the phrases of @pm / @pmFromFile
 * (rp_op_literals). */
static void test_pm_literals(void **state)
{
    (void)state;
    char why[256] = "";
    rp_op_t *op = rp_op_compile("pm", STR_AND_LEN("union select |41 42|"), NULL, why, sizeof(why));
    if (!op)
        fail_msg("@pm: %s", why);
    const char *const *ph = NULL;
    const size_t *lens = NULL;
    assert_int_equal(rp_op_literals(op, &ph, &lens), 3);
    assert_string_equal(ph[0], "union");
    assert_string_equal(ph[1], "select");
    assert_int_equal(lens[2], 2);
    assert_memory_equal(ph[2], "AB", 2);
    rp_op_free(op);

    char path[256];
    write_conf(path, sizeof(path), "# words\nfoo\n\nbar baz\n");
    op = rp_op_compile("pmFromFile", path, strlen(path), NULL, why, sizeof(why));
    if (!op)
        fail_msg("@pmFromFile: %s", why);
    assert_int_equal(rp_op_literals(op, &ph, &lens), 2);
    assert_string_equal(ph[0], "foo");
    assert_string_equal(ph[1], "bar baz");
    assert_int_equal(rp_op_execute(op, STR_AND_LEN("xx BAR BAZ yy"), NULL, 0, NULL), RP_OP_MATCH);
    rp_op_free(op);
}

/* ------------------------------------------------------------- CRS v4 */

static void test_crs_smoke(void **state)
{
    (void)state;
    if (!g_crs)
        fail_msg("loading CRS v4 from %s: %s:%u: %s", source_dir(), g_crs_err.file, g_crs_err.line,
                 g_crs_err.reason);
    print_message("CRS v4 policy loaded in %.2f s\n", g_crs_load_s);
    const char *hdrs = "Accept: text/html,application/xhtml+xml\n"
                       "Accept-Language: zh-CN,zh;q=0.9\n";
    res_t r;
    exchange(g_crs, &(req_t){.uri = "/search?id=1%27%20OR%20%271%27%3D%271", .headers = hdrs}, &r);
    expect_blocked(&r, 2, 403);
    if (!find_rule(&r, 942100) || !find_rule(&r, 949110))
        fail_msg("expected 942100 and 949110, matched %s\nevent: %s", r.ids, r.event);
    assert_string_equal(find_rule(&r, 942100)->msg,
                        "SQL Injection Attack Detected via libinjection");
    assert_int_equal(find_rule(&r, 942100)->severity, 2);
    EXPECT_EVENT_HAS(&r, "\"rule_id\":\"949110\"");
    done(&r);
    exchange(g_crs,
             &(req_t){.uri = "/services/apply?page=2&lang=zh-CN",
                      .headers = hdrs,
                      .resp_status = 200,
                      .resp_headers = "Content-Type: text/html; charset=utf-8\n",
                      .resp_body = "<html><body>hello</body></html>"},
             &r);
    expect_allowed(&r);
    if (r.v->nmatches)
        fail_msg("benign request matched %s\nevent: %s", r.ids, r.event);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_policy_with_broken_rules_file),
        cmocka_unit_test(test_phase1_args_get),
        cmocka_unit_test(test_phase2_bodies),
        cmocka_unit_test(test_phase3_response_headers),
        cmocka_unit_test(test_phase4_response_body),
        cmocka_unit_test(test_phase5_runs_with_the_event),
        cmocka_unit_test(test_targets_collections),
        cmocka_unit_test(test_targets_request_line_and_headers),
        cmocka_unit_test(test_prefilter_cache_across_requests),
        cmocka_unit_test(test_targets_tx),
        cmocka_unit_test(test_map_name_case),
        cmocka_unit_test(test_fold_ascii8_every_byte),
        cmocka_unit_test(test_format_ll_matches_printf),
        cmocka_unit_test(test_transformations),
        cmocka_unit_test(test_transformation_reuse),
        cmocka_unit_test(test_setvar),
        cmocka_unit_test(test_other_collections),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_msg_logdata_severity_tags),
        cmocka_unit_test(test_nolog_noauditlog),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_skip_after),
        cmocka_unit_test(test_ctl_rule_remove_by_id),
        cmocka_unit_test(test_ctl_rule_remove_target_by_id),
        cmocka_unit_test(test_ctl_rule_engine),
        cmocka_unit_test(test_sec_rule_remove),
        cmocka_unit_test(test_sec_rule_update_target),
        cmocka_unit_test(test_sec_rule_update_action),
        cmocka_unit_test(test_default_action_per_phase),
        cmocka_unit_test(test_deny_blocks_and_stops),
        cmocka_unit_test(test_detection_only),
        cmocka_unit_test(test_policy_mode_detect),
        cmocka_unit_test(test_allow),
        cmocka_unit_test(test_allow_in_detect_mode),
        cmocka_unit_test(test_drop),
        cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_pm_literals),
        cmocka_unit_test(test_crs_smoke),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
