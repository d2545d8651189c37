/*
 * rules_multipart_test.c — the multipart variables SecLang rules read,
 * through whole transactions: MULTIPART_PART_HEADERS (also the lines of a
 * refused header block, as CRS 922130 needs), FILES, FILES_SIZES,
 * FILES_COMBINED_SIZE, MULTIPART_NAME, MULTIPART_FILENAME and the
 * MULTIPART_* flags, with Rampart's strict parser still refusing what it
 * refused (REQBODY_ERROR, MULTIPART_STRICT_ERROR).
 *
 * The rules live in a SecLang file written to a temporary directory; each
 * logs its id, and a test states exactly which ids a request must log.
 */
#include "test_util.h"

#include <unistd.h>

#include "rampart/http.h"
#include "rampart/rampart.h"

static char g_dir[64];
static char g_rules[128];
static rp_policy_t *g_policy;

static const char rules[] =
    "SecRuleEngine DetectionOnly\n"
    "SecRequestBodyAccess On\n"
    "SecRule MULTIPART_PART_HEADERS:up \"@rx ^content-type\\s*:\\s*text/x-evil$\" "
    "\"id:1,phase:2,pass,log,t:none,t:lowercase\"\n"
    "SecRule &MULTIPART_PART_HEADERS:up \"@eq 2\" \"id:2,phase:2,pass,log\"\n"
    "SecRule FILES_SIZES:up \"@eq 10\" \"id:3,phase:2,pass,log\"\n"
    "SecRule FILES_COMBINED_SIZE \"@eq 13\" \"id:4,phase:2,pass,log\"\n"
    "SecRule FILES \"@contains \\\"\" \"id:5,phase:2,pass,log\"\n"
    "SecRule MULTIPART_FILENAME \"@beginsWith te\" \"id:6,phase:2,pass,log\"\n"
    "SecRule MULTIPART_NAME \"@streq up2\" \"id:7,phase:2,pass,log\"\n"
    "SecRule MULTIPART_BOUNDARY_QUOTED \"@eq 1\" \"id:8,phase:2,pass,log\"\n"
    "SecRule MULTIPART_STRICT_ERROR \"@eq 0\" \"id:9,phase:2,pass,log\"\n"
    "SecRule MULTIPART_PART_HEADERS \"@rx [^\\x21-\\x7E][\\x21-\\x39\\x3B-\\x7E]*:\" "
    "\"id:10,phase:2,pass,log\"\n"
    "SecRule REQBODY_ERROR \"@eq 1\" \"id:11,phase:2,pass,log\"\n"
    "SecRule MULTIPART_INVALID_QUOTING \"@eq 1\" \"id:12,phase:2,pass,log\"\n"
    "SecRule ARGS_POST:txt \"@streq hello\" \"id:13,phase:2,pass,log\"\n"
    "SecRule &MULTIPART_PART_HEADERS \"@eq 0\" \"id:14,phase:2,pass,log\"\n"
    "SecRule MULTIPART_DATA_AFTER \"@eq 1\" \"id:15,phase:2,pass,log\"\n";

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/rp-mp-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_rules, sizeof(g_rules), "%s/mp.conf", g_dir);
    FILE *f = fopen(g_rules, "w");
    if (!f)
        return -1;
    fputs(rules, f);
    fclose(f);
    char policy[512];
    int n = snprintf(policy, sizeof(policy),
                     "version t\nmode detect\ndetect sqli off\ndetect xss off\nevents matched\n"
                     "anomaly body_malformed ignore\nrules %s\n",
                     g_rules);
    rp_error_t err;
    g_policy = rp_policy_load_string(policy, (size_t)n, "test.policy", &err);
    if (!g_policy) {
        fprintf(stderr, "policy: %s:%u: %s\n", err.file, err.line, err.reason);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rp_policy_unref(g_policy);
    unlink(g_rules);
    rmdir(g_dir);
    return 0;
}

/* Run a multipart POST (body fed in chunks of `chunk` bytes, 0: whole) and
 * write the ids of the rules that logged, ascending, as "1,2,3". */
static void run(const char *ct, const char *body, size_t chunk, char *ids, size_t ids_size)
{
    char raw[4096];
    int n = snprintf(raw, sizeof(raw),
                     "POST /up HTTP/1.1\r\nHost: gov.example\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     ct, strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof(raw));
    rp_http_request_t req;
    char buf[4096];
    rp_error_t err = {0};
    assert_int_equal(rp_http_parse_request(raw, (size_t)n, &req, buf, sizeof(buf), &err), RP_OK);
    rp_tx_t *tx = rp_tx_new(g_policy);
    assert_non_null(tx);
    rp_tx_connection(tx, STR_AND_LEN("192.0.2.7"), 5555, STR_AND_LEN("127.0.0.1"), 8080);
    rp_tx_request_line(tx, req.method, req.method_len, req.uri, req.uri_len, req.protocol,
                       req.protocol_len);
    for (size_t i = 0; i < req.nheaders; i++)
        rp_tx_request_header(tx, req.headers[i].name, req.headers[i].name_len, req.headers[i].value,
                             req.headers[i].value_len);
    rp_tx_request_headers_done(tx);
    size_t step = chunk ? chunk : req.body_len;
    for (size_t off = 0; off < req.body_len; off += step)
        rp_tx_request_body(tx, req.body + off,
                           req.body_len - off < step ? req.body_len - off : step);
    rp_tx_request_end(tx);
    const rp_verdict_t *v = rp_tx_verdict(tx);
    int seen[32] = {0};
    for (size_t i = 0; i < v->nmatches; i++)
        if (v->matches[i].rule_id && v->matches[i].rule_id < 32)
            seen[v->matches[i].rule_id] = 1;
    size_t len = 0;
    ids[0] = '\0';
    for (int id = 1; id < 32; id++)
        if (seen[id])
            len += (size_t)snprintf(ids + len, ids_size - len, "%s%d", len ? "," : "", id);
    rp_tx_free(tx);
}

static void check(const char *ct, const char *body, const char *want)
{
    char ids[128];
    static const size_t chunks[] = {0, 1, 7};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        run(ct, body, chunks[i], ids, sizeof(ids));
        if (strcmp(ids, want) != 0)
            fail_msg("chunk %zu: logged %s, want %s", chunks[i], ids, want);
    }
}

#define CD "Content-Disposition: form-data; "

static void test_parts_and_files(void **state)
{
    (void)state;
    check("multipart/form-data; boundary=\"XyZ\"",
          "--XyZ\r\n" CD "name=\"txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
          "--XyZ\r\n" CD "name=\"up\"; filename=\"te\\\"st.txt\"\r\n"
          "Content-Type: TEXT/X-EVIL\r\n\r\n0123456789\r\n"
          "--XyZ\r\n" CD "name=\"up2\"; filename=\"b.txt\"\r\n\r\nabc\r\n--XyZ--\r\n",
          "1,2,3,4,5,6,7,8,9,13");
}

static void test_refused_header_block(void **state)
{
    (void)state;
    /* Refused (REQBODY_ERROR, strict error), yet the offending line is in
     * MULTIPART_PART_HEADERS for rules such as CRS 922130. */
    check("multipart/form-data; boundary=XyZ",
          "--XyZ\r\n\x0e" CD "name=\"up\"\r\n" CD "name=\"txt\"\r\n\r\nhello\r\n--XyZ--\r\n",
          "10,11");
    check("multipart/form-data; boundary=XyZ",
          "--XyZ\r\nContent- Disposition: form-data; name=\"up\"\r\n\r\nx\r\n--XyZ--\r\n", "10,11");
    check("multipart/form-data; boundary=XyZ",
          "--XyZ\r\n" CD "name=\"txt\"\r\n\r\nhello\r\n--XyZ--\r\nmore", "11,13,15");
}

static void test_flags_and_empty(void **state)
{
    (void)state;
    /* An apostrophe is flagged as ModSecurity does, and accepted. */
    check("multipart/form-data; boundary=XyZ",
          "--XyZ\r\n" CD "name=\"txt\"; filename=\"O'Brien.txt\"\r\n\r\nx\r\n--XyZ--\r\n", "9,12");
    check("multipart/form-data; boundary=XyZ", "--XyZ--\r\n", "9,14");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_and_files),
        cmocka_unit_test(test_refused_header_block),
        cmocka_unit_test(test_flags_and_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
