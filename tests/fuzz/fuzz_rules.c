/*
 * fuzz_rules.c — the SecLang rule engine on arbitrary requests: a raw
 * request is parsed, run through every request and response step of a
 * transaction whose policy loads a small rule set that exercises what CRS
 * uses (collections and selectors, exclusions, counts, transformation
 * chains, multiMatch, capture, setvar with macros, chains, skipAfter, ctl,
 * the literal prefilter, phases 1-5). The response body is the request body
 * again, so phase 4 sees attacker bytes too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tx.h"

static const char rules[] =
    "SecRuleEngine On\n"
    "SecResponseBodyAccess On\n"
    "SecResponseBodyMimeType text/html\n"
    "SecDefaultAction \"phase:1,log,auditlog,pass\"\n"
    "SecDefaultAction \"phase:2,log,auditlog,pass\"\n"
    "SecAction \"id:1,phase:1,nolog,pass,setvar:tx.score=0,setvar:tx.pl=1\"\n"
    "SecRule TX:pl \"@lt 1\" \"id:2,phase:1,nolog,pass,skipAfter:END\"\n"
    "SecRule REQUEST_HEADERS:User-Agent|REQUEST_HEADERS:/^x-/ \"@rx (?i)(sqlmap|nikto)\" "
    "\"id:3,phase:1,capture,t:none,t:lowercase,msg:'%{TX.1} in %{MATCHED_VAR_NAME}',"
    "setvar:tx.score=+5\"\n"
    "SecRule &ARGS \"@gt 3\" \"id:4,phase:1,pass,msg:'many args %{MATCHED_VAR}'\"\n"
    "SecRule ARGS|ARGS_NAMES|!ARGS:safe|REQUEST_COOKIES \"@rx (?i)union\\s+select|<script\" "
    "\"id:5,phase:2,capture,t:none,t:urlDecodeUni,t:htmlEntityDecode,t:jsDecode,t:cssDecode,"
    "t:removeNulls,t:compressWhitespace,multiMatch,logdata:'%{TX.0}',setvar:'tx.score=+%{tx.pl}'"
    "\"\n"
    "SecRule ARGS \"@pm etc/passwd cmd.exe /bin/sh\" "
    "\"id:6,phase:2,t:none,t:normalizePath,t:cmdLine,"
    "chain,msg:'lfi or rce'\"\n"
    "  SecRule MATCHED_VARS \"@contains /\" \"setvar:tx.score=+3\"\n"
    "SecRule REQUEST_FILENAME|REQUEST_BASENAME|QUERY_STRING|REQUEST_BODY \"@rx \\.\\./|%00\" "
    "\"id:7,phase:2,t:none,t:utf8toUnicode,t:urlDecode,t:base64Decode,ctl:ruleRemoveTargetById=5;"
    "ARGS:q\"\n"
    "SecRule ARGS:/^id/ \"!@rx ^[0-9]+$\" \"id:8,phase:2,t:none,t:trim,setvar:!tx.pl\"\n"
    "SecRule XML:/* \"@detectXSS\" \"id:9,phase:2,t:none\"\n"
    "SecRule ARGS \"@detectSQLi\" \"id:10,phase:2,t:none,t:sqlHexDecode,t:replaceComments\"\n"
    "SecRule REQUEST_METHOD \"@streq PURGE\" \"id:11,phase:1,ctl:ruleRemoveById=5-7\"\n"
    "SecMarker END\n"
    "SecRule RESPONSE_HEADERS:Content-Type \"@beginsWith text\" \"id:12,phase:3,pass,nolog\"\n"
    "SecRule RESPONSE_BODY \"@rx (?i)sql syntax|root:x:0\" \"id:13,phase:4,t:none\"\n"
    "SecRule TX:score \"@ge 5\" \"id:14,phase:2,deny,status:403,msg:'score %{tx.score}'\"\n"
    "SecRule TX:score \"@ge 1\" \"id:15,phase:5,pass,msg:'final %{tx.score}'\"\n";

static rp_policy_t *load(void)
{
    char path[] = "/tmp/rampart-fuzz-rules-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    if (write(fd, rules, sizeof(rules) - 1) != (ssize_t)(sizeof(rules) - 1))
        abort();
    close(fd);
    char text[256];
    int n = snprintf(text, sizeof(text), "mode block\nevents all\nlimit body 1m\nrules %s\n", path);
    rp_error_t err;
    rp_policy_t *p = rp_policy_load_string(text, (size_t)n, "fuzz", &err);
    unlink(path);
    if (!p) {
        fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.reason);
        abort();
    }
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rp_policy_t *policy;
    if (!policy)
        policy = load();
    fuzz_tx_run(policy, data, size, true);
    return 0;
}
