/*
 * seclang_parse_test.c — the SecLang parser: lexing, rule structure,
 * every error class with its exact line, Include, and whole rule sets
 * (OWASP CRS v4 from ../shared/crs, Debian's CRS 3.3 when installed).
 *
 * Error cases are rows of a table: input, expected line, expected reason.
 * The reasons are compared exactly because they are the interface a rule
 * writer reads.
 */
#include "test_util.h"

#include <glob.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seclang.h"

/* The time budget holds for the plain build; sanitizers slow parsing ~5x. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static sl_config_t *parse(const char *text, rp_error_t *err)
{
    return sl_parse_string(text, strlen(text), "t.conf", NULL, err);
}

static sl_config_t *parse_ok(const char *text)
{
    rp_error_t err;
    sl_config_t *c = parse(text, &err);
    if (!c)
        fail_msg("unexpected error %s:%u: %s", err.file, err.line, err.reason);
    return c;
}

static const char *action_value(const sl_item_t *it, const char *name)
{
    const sl_action_t *a = sl_action_find(it, name);
    return a ? a->value : NULL;
}

/* ------------------------------------------------------------ lexing */

static void test_lexing(void **state)
{
    (void)state;
    rp_error_t err;
    sl_config_t *c = parse("SecRule ARGS \"@rx a\\\"b\\\\\" \\\n"
                           "    \"id:1,\\\n"
                           "    phase:2,\\\n"
                           "    msg:'x, y',\\\n"
                           "    pass\"\r\n"
                           "SecRuleEngine\tOn\n",
                           &err);
    assert_non_null(c);
    const sl_item_t *r = c->first;
    assert_int_equal(r->kind, SL_RULE);
    assert_int_equal(r->line, 1);
    assert_string_equal(r->op_name, "rx");
    assert_string_equal(r->op_param, "a\"b\\\\");
    assert_int_equal(r->nactions, 4);
    assert_string_equal(action_value(r, "msg"), "x, y");
    assert_string_equal(r->actions[1].name, "phase");
    const sl_item_t *d = r->next;
    assert_int_equal(d->kind, SL_DIRECTIVE);
    assert_string_equal(d->name, "SecRuleEngine");
    assert_int_equal(d->line, 6);
    assert_int_equal(d->nargs, 1);
    assert_string_equal(d->args[0], "On");
    assert_int_equal(c->nitems, 2);
    sl_config_free(c);
}

static void test_comment_continuation(void **state)
{
    (void)state;
    /* CRS comments out whole multi-line rules line by line, and a comment
     * ending in a backslash swallows the next line. */
    sl_config_t *c = parse_ok("#SecAction \\\n"
                              "#    \"id:900000,\\\n"
                              "#    pass\"\n"
                              "# trailing \\\n"
                              "this line belongs to the comment\n"
                              "SecMarker END\n");
    assert_int_equal(c->nitems, 1);
    assert_int_equal(c->first->kind, SL_MARKER);
    assert_int_equal(c->first->line, 6);
    sl_config_free(c);
}

/* ---------------------------------------------------------- variables */

static void test_variables(void **state)
{
    (void)state;
    sl_config_t *c =
        parse_ok("SecRule \"ARGS|!ARGS:foo|&REQUEST_HEADERS:User-Agent|ARGS_NAMES:/^(a|b)\\/c$/|"
                 "!REQUEST_COOKIES:/__utm/|TX:'/LEAKAGE\\\\\\/ERRORS/'|XML:/*|"
                 "request_cookies:'my cookie'|tx:anomaly_score\" \"@unconditionalMatch\" "
                 "\"id:1,pass\"\n");
    const sl_item_t *r = c->first;
    assert_int_equal(r->nvars, 9);
    const struct {
        const char *coll, *sel;
        bool re, ex, cnt;
    } want[] = {
        {"ARGS", NULL, false, false, false},
        {"ARGS", "foo", false, true, false},
        {"REQUEST_HEADERS", "User-Agent", false, false, true},
        {"ARGS_NAMES", "^(a|b)\\/c$", true, false, false},
        {"REQUEST_COOKIES", "__utm", true, true, false},
        {"TX", "LEAKAGE\\\\\\/ERRORS", true, false, false},
        {"XML", "/*", false, false, false},
        {"REQUEST_COOKIES", "my cookie", false, false, false},
        {"TX", "anomaly_score", false, false, false},
    };
    for (size_t i = 0; i < r->nvars; i++) {
        const sl_var_t *v = &r->vars[i];
        assert_string_equal(v->collection, want[i].coll);
        if (want[i].sel)
            assert_string_equal(v->selector, want[i].sel);
        else
            assert_null(v->selector);
        assert_int_equal(v->selector_regex, want[i].re);
        assert_int_equal(v->exclude, want[i].ex);
        assert_int_equal(v->count, want[i].cnt);
    }
    sl_config_free(c);
}

/* ----------------------------------------------------------- operator */

static void test_operators(void **state)
{
    (void)state;
    const struct {
        const char *op;
        const char *name, *param;
        bool neg;
    } rows[] = {
        {"@rx ^a b$", "rx", "^a b$", false},
        {"!@rx ^$", "rx", "^$", true},
        {"^(?:GET|HEAD)$", "rx", "^(?:GET|HEAD)$", false},
        {"!^$", "rx", "^$", true},
        {"@detectSQLi", "detectSQLi", "", false},
        {"@pmFromFile  lfi-os-files.data", "pmFromFile", "lfi-os-files.data", false},
        {"!@within %{tx.allowed_methods}", "within", "%{tx.allowed_methods}", true},
        {"@geoLookup", "geoLookup", "", false}, /* SecLang; the compile step decides */
        {"", "rx", "", false},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char buf[256];
        snprintf(buf, sizeof(buf), "SecRule ARGS \"%s\" \"id:1,pass\"\n", rows[i].op);
        sl_config_t *c = parse_ok(buf);
        assert_string_equal(c->first->op_name, rows[i].name);
        assert_string_equal(c->first->op_param, rows[i].param);
        assert_int_equal(c->first->op_negated, rows[i].neg);
        sl_config_free(c);
    }
}

/* ------------------------------------------------------------ actions */

static void test_actions(void **state)
{
    (void)state;
    sl_config_t *c =
        parse_ok("SecRule REQUEST_URI \"@rx x\" \"id:'200000', phase:request,t:none,t:lowercase,"
                 "msg:'SQL Injection, with a comma',setvar:'tx.x=%{tx.y}',"
                 "ctl:ruleRemoveTargetById=942100;ARGS:foo,ctl:ruleEngine=DetectionOnly,"
                 "severity:'CRITICAL',logdata:'it\\'s %{MATCHED_VAR}',setvar:tx.z='a,b',"
                 "capture,nolog,\"\n");
    const sl_item_t *r = c->first;
    const struct {
        const char *name, *value;
    } want[] = {
        {"id", "200000"},
        {"phase", "request"},
        {"t", "none"},
        {"t", "lowercase"},
        {"msg", "SQL Injection, with a comma"},
        {"setvar", "tx.x=%{tx.y}"},
        {"ctl", "ruleRemoveTargetById=942100;ARGS:foo"},
        {"ctl", "ruleEngine=DetectionOnly"},
        {"severity", "CRITICAL"},
        {"logdata", "it\\'s %{MATCHED_VAR}"},
        {"setvar", "tx.z='a,b'"},
        {"capture", NULL},
        {"nolog", NULL},
    };
    assert_int_equal(r->nactions, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < r->nactions; i++) {
        assert_string_equal(r->actions[i].name, want[i].name);
        if (want[i].value)
            assert_string_equal(r->actions[i].value, want[i].value);
        else
            assert_null(r->actions[i].value);
    }
    assert_non_null(sl_action_find(r, "CTL"));
    assert_null(sl_action_find(r, "deny"));
    sl_config_free(c);
}

/* -------------------------------------------------- chains and markers */

static void test_chains(void **state)
{
    (void)state;
    sl_config_t *c = parse_ok("SecRule ARGS \"@rx a\" \"id:1,deny,chain\"\n"
                              "  SecRule ARGS \"@rx b\" \"chain\"\n"
                              "    SecRule ARGS \"@rx c\"\n"
                              "SecRule ARGS \"@rx d\" \"id:2,pass,skipAfter:END-X\"\n"
                              "SecAction \"id:3,pass,nolog\"\n"
                              "SecMarker \"END-X\"\n"
                              "SecMarker END-Y\n"
                              "SecMarker 'END-Z'\n");
    assert_int_equal(c->nitems, 6);
    assert_int_equal(c->nrules, 5);
    const sl_item_t *a = c->first;
    assert_non_null(a->chained);
    assert_string_equal(a->chained->op_param, "b");
    assert_int_equal(a->chained->line, 2);
    assert_non_null(a->chained->chained);
    assert_string_equal(a->chained->chained->op_param, "c");
    assert_null(a->chained->chained->chained);
    assert_null(a->chained->next);
    const sl_item_t *b = a->next;
    assert_string_equal(b->op_param, "d");
    assert_null(b->chained);
    assert_int_equal(b->next->kind, SL_ACTION);
    const char *markers[] = {"END-X", "END-Y", "END-Z"};
    const sl_item_t *m = b->next->next;
    for (size_t i = 0; i < 3; i++, m = m->next) {
        assert_int_equal(m->kind, SL_MARKER);
        assert_string_equal(m->name, markers[i]);
    }
    sl_config_free(c);
}

static void test_directives(void **state)
{
    (void)state;
    sl_config_t *c = parse_ok("secruleengine detectiononly\n"
                              "SecResponseBodyMimeType text/plain text/html text/xml\n"
                              "SecDefaultAction \"phase:2,log,auditlog,pass\"\n"
                              "SecRuleRemoveById 920100 920200-920210\n"
                              "SecRuleUpdateTargetById 942100 \"!ARGS:password|!ARGS:/^pw/\"\n"
                              "SecRuleUpdateActionById 942100 \"t:none,pass\"\n"
                              "SecArgumentSeparator &\n"
                              "SecUnicodeMapFile unicode.mapping 20127\n"
                              "SecAuditLogParts ABIJDEFHZ\n");
    const sl_item_t *it = c->first;
    assert_string_equal(it->name, "SecRuleEngine");
    assert_string_equal(it->args[0], "DetectionOnly"); /* canonical spelling */
    it = it->next;
    assert_int_equal(it->nargs, 3);
    assert_string_equal(it->args[2], "text/xml");
    it = it->next;
    assert_string_equal(it->name, "SecDefaultAction");
    assert_int_equal(it->nactions, 4);
    assert_string_equal(action_value(it, "phase"), "2");
    it = it->next;
    assert_int_equal(it->nargs, 2);
    it = it->next;
    assert_int_equal(it->nvars, 2);
    assert_true(it->vars[1].exclude && it->vars[1].selector_regex);
    it = it->next;
    assert_int_equal(it->nactions, 2);
    assert_int_equal(c->nitems, 9);
    sl_config_free(c);
}

/* ------------------------------------------------------------- errors */

typedef struct {
    const char *text;
    unsigned line;
    const char *reason;
} err_row_t;

static const err_row_t err_rows[] = {
    /* directives */
    {"\nSecFoo On\n", 2, "unknown directive SecFoo"},
    {"SecRuleEngine Maybe\n", 1,
     "SecRuleEngine: invalid value 'Maybe' (expected On, Off or DetectionOnly)"},
    {"SecRuleEngine On Off\n", 1, "SecRuleEngine takes 1 argument, got 2"},
    {"SecRuleEngine On # a comment only at line start\n", 1,
     "SecRuleEngine takes 1 argument, got 8"},
    {"SecRule ARGS\n", 1, "SecRule takes 2 to 3 arguments, got 1"},
    {"SecResponseBodyMimeType\n", 1, "SecResponseBodyMimeType takes at least 1 argument, got 0"},
    {"SecRequestBodyLimit 10k\n", 1, "SecRequestBodyLimit: '10k' is not a non-negative integer"},
    {"SecRequestBodyLimitAction Drop\n", 1,
     "SecRequestBodyLimitAction: invalid value 'Drop' (expected Reject or ProcessPartial)"},
    {"SecRuleRemoveById 1 x\n", 1, "SecRuleRemoveById: 'x' is not a rule id or id range"},
    {"SecArgumentSeparator &;\n", 1, "SecArgumentSeparator: expected one character, got '&;'"},
    {"SecDefaultAction \"id:5,phase:2,pass\"\n", 1, "SecDefaultAction cannot carry an id"},
    {"SecRuleUpdateTargetById 942100 \"!FOO:bar\"\n", 1, "unknown variable FOO"},
    /* quotes */
    {"SecRule ARGS \"@rx a\" \\\n  \"id:1,\\\n  pass\n", 2,
     "unbalanced quotes: \" opened on this line is never closed"},
    {"SecRule ARGS \"@rx a\" \"id:1,msg:'oops,pass\"\n", 1, "unbalanced quotes in the action list"},
    {"SecRule ARGS \"@rx a\" \"id:1,msg:'a'b,pass\"\n", 1, "msg: text after the closing quote"},
    /* variables */
    {"SecRule ARGS|FOO \"@rx a\" \"id:1,pass\"\n", 1, "unknown variable FOO"},
    {"SecRule ARGS:/abc \"@rx a\" \"id:1,pass\"\n", 1, "ARGS: regex selector without closing '/'"},
    {"SecRule ARGS: \"@rx a\" \"id:1,pass\"\n", 1, "ARGS: empty selector after ':'"},
    {"SecRule ARGS| \"@rx a\" \"id:1,pass\"\n", 1,
     "variable list: missing variable name at the end"},
    {"SecRule ARGS:/a/x \"@rx a\" \"id:1,pass\"\n", 1, "variable list: unexpected 'x' after ARGS"},
    {"SecRule !!ARGS:a \"@rx a\" \"id:1,pass\"\n", 1, "variable: '!' given twice"},
    /* operators */
    {"SecRule ARGS \"@foo a\" \"id:1,pass\"\n", 1, "unknown operator @foo"},
    {"SecRule ARGS \"@ a\" \"id:1,pass\"\n", 1, "operator: missing name after '@'"},
    {"SecRule ARGS \"@rx(a)\" \"id:1,pass\"\n", 1, "operator @rx: unexpected '(' after the name"},
    /* actions, on the exact physical line of a multi-line rule */
    {"SecRule ARGS \"@rx a\" \\\n  \"id:1,\\\n  phase:2,\\\n  t:none,t:bogus,\\\n  pass\"\n", 4,
     "unsupported transformation t:bogus"},
    {"SecRule ARGS \"@rx a\" \\\n  \"id:1,\\\n  frobnicate,\\\n  pass\"\n", 3,
     "unsupported action frobnicate"},
    {"SecRule ARGS \"@rx a\" \"id:1,phase:6,pass\"\n", 1,
     "phase:6: expected 1-5, request, response or logging"},
    {"SecRule ARGS \"@rx a\" \"id:0,pass\"\n", 1, "id:0: a rule id must be a positive integer"},
    {"SecRule ARGS \"@rx a\" \"id:-3,pass\"\n", 1, "id:-3: a rule id must be a positive integer"},
    {"SecRule ARGS \"@rx a\" \"id:12a,pass\"\n", 1, "id:12a: a rule id must be a positive integer"},
    {"SecRule ARGS \"@rx a\" \"id:1,id:2,pass\"\n", 1, "id given twice (id:1 and id:2)"},
    {"SecRule ARGS \"@rx a\" \"id:1,severity:8\"\n", 1,
     "severity:8: expected 0-7 or a severity name"},
    {"SecRule ARGS \"@rx a\" \"id:1,severity:BAD\"\n", 1,
     "severity:BAD: expected 0-7 or a severity name"},
    {"SecRule ARGS \"@rx a\" \"id:1,ctl:fooBar=1\"\n", 1, "unsupported ctl option fooBar"},
    {"SecRule ARGS \"@rx a\" \"id:1,ctl:ruleEngine=Maybe\"\n", 1,
     "ctl:ruleEngine: invalid value 'Maybe' (expected On, Off or DetectionOnly)"},
    {"SecRule ARGS \"@rx a\" \"id:1,ctl:ruleRemoveTargetById=942100\"\n", 1,
     "ctl:ruleRemoveTargetById: expected RULE;VARIABLE"},
    {"SecRule ARGS \"@rx a\" \"id:1,ctl:ruleRemoveTargetById=942100;BOGUS:x\"\n", 1,
     "unknown variable BOGUS"},
    {"SecRule ARGS \"@rx a\" \"id:1,ctl:ruleRemoveById=abc\"\n", 1,
     "ctl:ruleRemoveById: 'abc' is not a rule id or id range"},
    {"SecRule ARGS \"@rx a\" \"id:1,ctl\"\n", 1, "action ctl needs a value (ctl:...)"},
    {"SecRule ARGS \"@rx a\" \"id:1,deny:now\"\n", 1, "action deny takes no value"},
    {"SecRule ARGS \"@rx a\" \"id:1,,pass\"\n", 1, "empty action in the action list"},
    {"SecRule ARGS \"@rx a\" \"id:1,status:40\"\n", 1, "status:40: expected a 3-digit HTTP status"},
    {"SecRule ARGS \"@rx a\" \"id:1,skip:x\"\n", 1, "skip:x: expected a positive number of rules"},
    /* ids */
    {"SecRule ARGS \"@rx a\" \"phase:2,pass\"\n", 1, "rule has no id action"},
    {"SecRule ARGS \"@rx a\"\n", 1, "rule has no id action"},
    {"SecAction \"phase:1,pass\"\n", 1, "rule has no id action"},
    {"SecRule ARGS \"@rx a\" \"id:7,pass\"\n\nSecAction \\\n  \"phase:1,\\\n  id:7\"\n", 5,
     "duplicate rule id 7 (first at t.conf:1)"},
    {"SecRule ARGS \"@rx a\" \"id:1,chain\"\nSecRule ARGS \"@rx b\" \"id:2\"\n", 2,
     "id:2 on a chained rule (only the chain's first rule has an id)"},
    /* chains */
    {"SecRule ARGS \"@rx a\" \"id:1,chain\"\n", 1,
     "chain: the rule is the last of its file, no SecRule follows"},
    {"SecRule ARGS \"@rx a\" \"id:1,chain\"\n  SecRule ARGS \"@rx b\" \"chain\"\n\n", 2,
     "chain: the rule is the last of its file, no SecRule follows"},
    {"SecRule ARGS \"@rx a\" \"id:1,chain\"\nSecAction \"id:2,pass\"\n", 1,
     "chain: the next directive (SecAction at line 2) is not a SecRule"},
    {"SecAction \"id:1,chain\"\n", 1, "chain on SecAction (only SecRule can chain)"},
    /* skipAfter, checked at the end against all markers */
    {"SecMarker A\nSecRule ARGS \"@rx a\" \\\n  \"id:1,\\\n  skipAfter:B\"\nSecMarker C\n", 4,
     "skipAfter:B: no SecMarker B in the configuration"},
    {"SecMarker \"\"\n", 1, "SecMarker needs a name"},
    /* includes */
    {"Include /nonexistent/rampart-*.conf\n", 1,
     "Include: no file matches /nonexistent/rampart-*.conf"},
    {"SecRule ARGS \"@rx a\" \"id:1,chain\"\nInclude x.conf\n", 1,
     "chain: the next directive (Include at line 2) is not a SecRule"},
    {"SecRuleEngine \"On\0\"\n", 1, "NUL byte in the configuration"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(err_rows) / sizeof(err_rows[0]); i++) {
        const err_row_t *row = &err_rows[i];
        rp_error_t err;
        size_t len = strlen(row->text);
        if (strstr(row->reason, "NUL"))
            len += 3; /* the row's text holds a NUL byte */
        sl_config_t *c = sl_parse_string(row->text, len, "t.conf", NULL, &err);
        if (c) {
            sl_config_free(c);
            fail_msg("row %zu parsed, expected: %s", i, row->reason);
        }
        if (strcmp(err.reason, row->reason) != 0 || err.line != row->line ||
            strcmp(err.file, "t.conf") != 0)
            fail_msg("row %zu: got %s:%u: %s\n  expected t.conf:%u: %s", i, err.file, err.line,
                     err.reason, row->line, row->reason);
    }
}

/* ------------------------------------------------------------ Include */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(void)
{
    char pat[128];
    glob_t g;
    const char *pats[] = {"%s/sub/*", "%s/*"};
    for (size_t k = 0; k < 2; k++) {
        snprintf(pat, sizeof(pat), pats[k], tmpdir);
        if (glob(pat, 0, NULL, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; i++)
                remove(g.gl_pathv[i]);
        globfree(&g);
    }
    rmdir(tmpdir);
}

static void test_include(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/seclang_test_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);

    /* Globs are sorted, relative paths start at the including file. */
    write_file("main.conf", "SecMarker M0\nInclude sub/*.conf\nIncludeOptional none-*.conf\n"
                            "SecMarker M9\n");
    write_file("sub/b.conf", "SecMarker B\n");
    write_file("sub/a.conf", "SecMarker A\nInclude ../leaf.inc\n");
    write_file("leaf.inc", "\nSecRule ARGS \"@rx x\" \"id:5,pass,skipAfter:M9\"\n");
    char path[256];
    snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
    rp_error_t err;
    sl_config_t *c = sl_parse_file(path, &err);
    if (!c)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    const char *order[] = {"M0", "A", NULL, "B", "M9"};
    const sl_item_t *it = c->first;
    for (size_t i = 0; i < 5; i++, it = it->next) {
        assert_non_null(it);
        if (order[i]) {
            assert_int_equal(it->kind, SL_MARKER);
            assert_string_equal(it->name, order[i]);
        } else {
            assert_int_equal(it->kind, SL_RULE);
            assert_int_equal(it->line, 2);
            assert_non_null(strstr(it->file, "leaf.inc"));
        }
    }
    assert_null(it);
    sl_config_free(c);

    /* A relative Include from a string resolves against base_dir. */
    c = sl_parse_string(STR_AND_LEN("Include sub/b.conf\n"), "s", tmpdir, &err);
    assert_non_null(c);
    assert_string_equal(c->first->name, "B");
    sl_config_free(c);

    /* An error inside an included file names that file and line. */
    write_file("bad.conf", "SecMarker X\n\nSecFoo\n");
    write_file("incbad.conf", "Include bad.conf\n");
    snprintf(path, sizeof(path), "%s/incbad.conf", tmpdir);
    assert_null(sl_parse_file(path, &err));
    assert_non_null(strstr(err.file, "/bad.conf"));
    assert_int_equal(err.line, 3);
    assert_string_equal(err.reason, "unknown directive SecFoo");

    /* Cycles. */
    write_file("cyc1.conf", "SecMarker C1\nInclude cyc2.conf\n");
    write_file("cyc2.conf", "\nInclude cyc1.conf\n");
    snprintf(path, sizeof(path), "%s/cyc1.conf", tmpdir);
    assert_null(sl_parse_file(path, &err));
    assert_non_null(strstr(err.file, "cyc2.conf"));
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.reason, "Include cycle: "));
    assert_non_null(strstr(err.reason, "cyc1.conf is already being read"));

    /* Depth: d0 includes d1 ... d17; the 17th nested Include fails. */
    for (int i = 0; i <= 17; i++) {
        char name[32], text[64];
        snprintf(name, sizeof(name), "d%d.conf", i);
        snprintf(text, sizeof(text), "SecMarker D%d\nInclude d%d.conf\n", i, i + 1);
        write_file(name, text);
    }
    write_file("d18.conf", "SecMarker D18\n");
    snprintf(path, sizeof(path), "%s/d0.conf", tmpdir);
    assert_null(sl_parse_file(path, &err));
    assert_non_null(strstr(err.file, "d16.conf"));
    assert_int_equal(err.line, 2);
    assert_string_equal(err.reason, "Include nested deeper than 16 files");
    snprintf(path, sizeof(path), "%s/d2.conf", tmpdir); /* 16 levels below d2: fine */
    c = sl_parse_file(path, &err);
    if (!c)
        fail_msg("%s:%u: %s", err.file, err.line, err.reason);
    assert_int_equal(c->nitems, 17);
    sl_config_free(c);

    /* A missing top-level file. */
    snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
    assert_null(sl_parse_file(path, &err));
    assert_non_null(strstr(err.reason, "cannot open"));
    remove_tree();
}

/* ---------------------------------------------------------- rule sets */

/* Parse files in order through a generated Include list, as a deployment
 * would load crs-setup.conf and then the rules directory. */
static sl_config_t *parse_files(const char *const *patterns, size_t n, double *ms, rp_error_t *err)
{
    char list[8192] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(list + used, sizeof(list) - used, "Include %s\n", patterns[i]);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sl_config_t *c = sl_parse_string(list, used, "list", "/", err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    return c;
}

typedef struct {
    size_t top_rules, chained, markers, directives, skipafters;
} counts_t;

static bool has_marker(const sl_config_t *c, const char *name)
{
    for (const sl_item_t *it = c->first; it; it = it->next)
        if (it->kind == SL_MARKER && strcmp(it->name, name) == 0)
            return true;
    return false;
}

/* Counts, and every skipAfter target checked independently of the parser. */
static counts_t count_items(const sl_config_t *c)
{
    counts_t k = {0};
    for (const sl_item_t *it = c->first; it; it = it->next) {
        if (it->kind == SL_MARKER)
            k.markers++;
        else if (it->kind == SL_DIRECTIVE)
            k.directives++;
        else
            k.top_rules++;
        for (const sl_item_t *r = it; r; r = r->chained) {
            if (r != it)
                k.chained++;
            for (size_t i = 0; i < r->nactions; i++) {
                if (strcmp(r->actions[i].name, "skipAfter") != 0)
                    continue;
                k.skipafters++;
                if (!has_marker(c, r->actions[i].value))
                    fail_msg("skipAfter:%s at %s:%u has no marker", r->actions[i].value, r->file,
                             r->line);
            }
        }
    }
    assert_int_equal(k.top_rules + k.chained, c->nrules);
    assert_int_equal(k.top_rules + k.markers + k.directives, c->nitems);
    return k;
}

static const sl_item_t *find_rule(const sl_config_t *c, const char *id)
{
    for (const sl_item_t *it = c->first; it; it = it->next) {
        const char *v =
            (it->kind == SL_RULE || it->kind == SL_ACTION) ? action_value(it, "id") : NULL;
        if (v && strcmp(v, id) == 0)
            return it;
    }
    return NULL;
}

static size_t chain_length(const sl_item_t *r)
{
    size_t n = 0;
    for (; r; r = r->chained)
        n++;
    return n;
}

static bool dir_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_crs_v4(void **state)
{
    (void)state;
    char dir[1024];
    const char *env = getenv("RP_CRS_DIR");
    const char *data = getenv("RP_TEST_DATA");
    if (env)
        snprintf(dir, sizeof(dir), "%s", env);
    else
        snprintf(dir, sizeof(dir), "%s/../../../../shared/crs", data ? data : "tests/unit/data");
    if (!dir_exists(dir)) {
        print_message("SKIP: no CRS v4 at %s (set RP_CRS_DIR)\n", dir);
        skip();
    }
    char setup[1100], rules[1100];
    snprintf(setup, sizeof(setup), "%s/crs-setup.conf.example", dir);
    snprintf(rules, sizeof(rules), "%s/rules/*.conf", dir);
    const char *files[] = {setup, rules};
    rp_error_t err;
    double ms, best = 1e9;
    sl_config_t *c = NULL;
    for (int round = 0; round < 5; round++) {
        sl_config_free(c);
        c = parse_files(files, 2, &ms, &err);
        if (!c)
            fail_msg("CRS v4: %s:%u: %s", err.file, err.line, err.reason);
        best = ms < best ? ms : best;
    }
    counts_t k = count_items(c);
    print_message("CRS v4: %zu items, %zu SecRule/SecAction (%zu chained parts), %zu markers, "
                  "%zu directives, %zu skipAfter; parsed in %.2f ms\n",
                  c->nitems, c->nrules, k.chained, k.markers, k.directives, k.skipafters, best);
    /* Counted independently with grep over the joined logical lines. */
    assert_int_equal(c->nrules, 703); /* 695 SecRule + 8 SecAction */
    assert_int_equal(k.markers, 30);
    assert_int_equal(k.chained, 73);
    assert_int_equal(k.skipafters, 206);
    if (!UNDER_ASAN)
        assert_true(best < 100.0);

    const sl_item_t *r = find_rule(c, "942100");
    assert_non_null(r);
    assert_string_equal(r->op_name, "detectSQLi");
    assert_false(r->op_negated);
    const char *tf[] = {"none", "utf8toUnicode", "urlDecodeUni", "removeNulls"};
    size_t nt = 0;
    for (size_t i = 0; i < r->nactions; i++)
        if (strcmp(r->actions[i].name, "t") == 0) {
            assert_true(nt < 4);
            assert_string_equal(r->actions[i].value, tf[nt++]);
        }
    assert_int_equal(nt, 4);
    assert_string_equal(action_value(r, "phase"), "2");
    assert_string_equal(action_value(r, "msg"), "SQL Injection Attack Detected via libinjection");
    assert_non_null(strstr(r->file, "REQUEST-942-APPLICATION-ATTACK-SQLI.conf"));

    r = find_rule(c, "920100");
    assert_non_null(r);
    assert_true(r->op_negated);
    assert_string_equal(r->vars[0].collection, "REQUEST_LINE");

    /* Chains: 920180 has four parts, 932207 five. */
    assert_int_equal(chain_length(find_rule(c, "920180")), 4);
    assert_int_equal(chain_length(find_rule(c, "932207")), 5);
    assert_int_equal(chain_length(find_rule(c, "911100")), 1);
    sl_config_free(c);
}

static void test_crs_33_debian(void **state)
{
    (void)state;
    const char *load = "/usr/share/modsecurity-crs/owasp-crs.load";
    if (access(load, R_OK) != 0) {
        print_message("SKIP: Debian's modsecurity-crs is not installed (%s)\n", load);
        skip();
    }
    const char *modsec = access("/etc/nginx/modsecurity.conf", R_OK) == 0
                             ? "/etc/nginx/modsecurity.conf"
                             : "/etc/modsecurity/modsecurity.conf-recommended";
    const char *files[] = {modsec, load};
    rp_error_t err;
    double ms;
    sl_config_t *c = parse_files(files, 2, &ms, &err);
    if (!c)
        fail_msg("CRS 3.3: %s:%u: %s", err.file, err.line, err.reason);
    counts_t k = count_items(c);
    print_message("CRS 3.3 (Debian): %zu items, %zu SecRule/SecAction (%zu chained parts), "
                  "%zu markers, %zu directives; parsed in %.2f ms\n",
                  c->nitems, c->nrules, k.chained, k.markers, k.directives, ms);
    assert_true(c->nrules > 700);
    assert_non_null(find_rule(c, "942100"));
    sl_config_free(c);
}

/* --------------------------------------------------------- robustness */

static void test_garbage(void **state)
{
    (void)state;
    /* Deterministic noise over SecLang's own alphabet: never crashes,
     * always either a config or an error with a reason. */
    const char alphabet[] = "SecRule ARGS|!&:/'\"\\\n@rx,id:1chain#";
    uint32_t x = 12345;
    char buf[512];
    for (int round = 0; round < 20000; round++) {
        size_t len = 1 + round % (sizeof(buf) - 1);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
        }
        rp_error_t err;
        sl_config_t *c = sl_parse_string(buf, len, "g", "/nonexistent", &err);
        if (c)
            sl_config_free(c);
        else
            assert_true(err.reason[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexing),        cmocka_unit_test(test_comment_continuation),
        cmocka_unit_test(test_variables),     cmocka_unit_test(test_operators),
        cmocka_unit_test(test_actions),       cmocka_unit_test(test_chains),
        cmocka_unit_test(test_directives),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_include),       cmocka_unit_test(test_crs_v4),
        cmocka_unit_test(test_crs_33_debian), cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
