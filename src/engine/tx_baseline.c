/*
 * tx_baseline.c — the configuration baseline of an application, learnt
 * passively from its responses ("baseline detect|fix", docs/POLICY.md):
 * security headers (CSP with frame-ancestors, HSTS, X-Content-Type-Options,
 * X-Frame-Options, Referrer-Policy) on HTML, cookie flags (Secure,
 * HttpOnly, SameSite), version banners (Server with a version,
 * X-Powered-By, X-AspNet-Version), error responses that name the software,
 * and sensitive paths (/.git/, /.env, backups, actuator endpoints) that
 * answer 200. The checks follow the OWASP Secure Headers Project and
 * Mozilla Observatory's tests.
 *
 * Findings are deduplicated per application: each is recorded at most
 * once an hour (a one-token bucket per application and finding in the
 * policy's collections store), with a remediation text, and with it the
 * response's score out of 100. With "fix" the gateway also adds the
 * missing headers and cookie flags (rp_tx_header_fixes).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy_t.h"
#include "rampart/ratelimit.h"
#include "tx_t.h"

typedef struct {
    const char *id;
    int weight; /* points off the score of 100 */
    const char *target;
    const char *remediation;
} finding_t;

enum {
    F_CSP = 0,
    F_FRAME,
    F_HSTS,
    F_NOSNIFF,
    F_REFERRER,
    F_COOKIE_SECURE,
    F_COOKIE_HTTPONLY,
    F_COOKIE_SAMESITE,
    F_BANNER_SERVER,
    F_BANNER_POWERED,
    F_VERBOSE_ERROR,
    F_SENSITIVE_PATH,
    F_TLS_FIRST, /* the RP_TLS_* bits from here, in their order */
    F_TLS_OLD_PROTOCOL = F_TLS_FIRST,
    F_TLS_WEAK_CIPHER,
    F_TLS_NO_FORWARD_SECRECY,
    F_TLS_WEAK_KEY,
    F_TLS_CERT_EXPIRED,
    F_TLS_CERT_EXPIRING,
    F_TLS_SELF_SIGNED,
    F_COUNT
};

static const finding_t findings[F_COUNT] = {
    [F_CSP] = {"csp-missing", 20, "response:header:Content-Security-Policy",
               "no Content-Security-Policy on HTML: send one (start with default-src 'self'; "
               "object-src 'none'; frame-ancestors 'self')"},
    [F_FRAME] = {"framing-allowed", 15, "response:header:X-Frame-Options",
                 "HTML can be framed (clickjacking): send CSP frame-ancestors 'self' or "
                 "X-Frame-Options: SAMEORIGIN"},
    [F_HSTS] = {"hsts-missing", 15, "response:header:Strict-Transport-Security",
                "no Strict-Transport-Security: send max-age=31536000; includeSubDomains on HTTPS"},
    [F_NOSNIFF] = {"nosniff-missing", 5, "response:header:X-Content-Type-Options",
                   "no X-Content-Type-Options: send nosniff"},
    [F_REFERRER] = {"referrer-policy-missing", 5, "response:header:Referrer-Policy",
                    "no Referrer-Policy on HTML: send strict-origin-when-cross-origin"},
    [F_COOKIE_SECURE] = {"cookie-not-secure", 10, "response:header:Set-Cookie",
                         "a cookie without Secure: add Secure (sent over HTTPS only)"},
    [F_COOKIE_HTTPONLY] = {"cookie-not-httponly", 10, "response:header:Set-Cookie",
                           "a cookie without HttpOnly: add HttpOnly unless scripts must read it"},
    [F_COOKIE_SAMESITE] = {"cookie-no-samesite", 5, "response:header:Set-Cookie",
                           "a cookie without SameSite: add SameSite=Lax (or Strict)"},
    [F_BANNER_SERVER] = {"server-version", 5, "response:header:Server",
                         "the Server header names a version: hide it (nginx: server_tokens off; "
                         "Apache: ServerTokens Prod)"},
    [F_BANNER_POWERED] = {"powered-by", 5, "response:header:X-Powered-By",
                          "X-Powered-By or X-AspNet-Version names the platform: remove it "
                          "(PHP: expose_php Off; Express: app.disable('x-powered-by'))"},
    [F_VERBOSE_ERROR] = {"verbose-error", 15, "response:status",
                         "an error response names its software (a framework's error page): "
                         "turn off debug mode and serve a generic error page"},
    [F_SENSITIVE_PATH] = {"sensitive-path", 30, "response:status",
                          "a sensitive path answers 200 (source control, environment file, "
                          "backup or management endpoint): deny it at the server"},
    /* the gateway's own TLS (tls_baseline.c; Mozilla "intermediate", RFC 8996) */
    [F_TLS_OLD_PROTOCOL] = {"tls-old-protocol", 20, "tls:protocols",
                            "TLS 1.0 or 1.1 is enabled (deprecated, RFC 8996): nginx "
                            "ssl_protocols TLSv1.2 TLSv1.3"},
    [F_TLS_WEAK_CIPHER] = {"tls-weak-cipher", 20, "tls:ciphers",
                           "weak ciphers are offered (RC4, DES, 3DES, NULL, anonymous, MD5 or "
                           "under 128 bits): nginx ssl_ciphers with Mozilla's intermediate list "
                           "(ECDHE with AES-GCM or ChaCha20-Poly1305)"},
    [F_TLS_NO_FORWARD_SECRECY] = {"tls-no-forward-secrecy", 5, "tls:ciphers",
                                  "ciphers with RSA key exchange are offered (no forward "
                                  "secrecy): keep ECDHE/DHE suites only in ssl_ciphers"},
    [F_TLS_WEAK_KEY] = {"tls-weak-key", 20, "tls:certificate",
                        "the certificate's key is too short (RSA/DSA under 2048 bits, EC under "
                        "256): issue a new certificate with RSA 2048+ or ECDSA P-256"},
    [F_TLS_CERT_EXPIRED] = {"tls-cert-expired", 30, "tls:certificate",
                            "the certificate has expired: renew it and reload the gateway"},
    [F_TLS_CERT_EXPIRING] = {"tls-cert-expiring", 10, "tls:certificate",
                             "the certificate expires within 30 days: renew it (automate "
                             "with ACME, RFC 8555)"},
    [F_TLS_SELF_SIGNED] = {"tls-self-signed", 15, "tls:certificate",
                           "the certificate is self-signed: browsers refuse it; use one "
                           "issued by a trusted CA"},
};

/* Paths whose answering with 200 is a finding (prefix match, or suffix
 * match for the backup extensions). */
static const char *const sensitive_prefixes[] = {
    "/.git/",    "/.git",          "/.svn/",       "/.hg/",     "/.env",      "/.DS_Store",
    "/actuator", "/server-status", "/phpinfo.php", "/WEB-INF/", "/.htpasswd", "/backup",
};
static const char *const backup_suffixes[] = {".bak", ".old", ".orig",   ".swp",
                                              "~",    ".sql", ".tar.gz", ".zip"};

static bool has_token(const char *v, size_t len, const char *token)
{
    size_t tl = strlen(token);
    for (size_t i = 0; i + tl <= len; i++)
        if (strncasecmp(v + i, token, tl) == 0)
            return true;
    return false;
}

static bool header_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

void rp_tx_baseline_header(rp_tx_t *tx, const char *name, size_t name_len, const char *value,
                           size_t value_len)
{
    baseline_state_t *b = &tx->baseline;
    if (header_is(name, name_len, "content-type")) {
        b->html = has_token(value, value_len, "text/html");
    } else if (header_is(name, name_len, "content-security-policy")) {
        b->csp = true;
        b->frame_ok |= has_token(value, value_len, "frame-ancestors");
    } else if (header_is(name, name_len, "x-frame-options")) {
        b->frame_ok = true;
    } else if (header_is(name, name_len, "strict-transport-security")) {
        b->hsts = true;
    } else if (header_is(name, name_len, "x-content-type-options")) {
        b->nosniff = has_token(value, value_len, "nosniff");
    } else if (header_is(name, name_len, "referrer-policy")) {
        b->referrer = true;
    } else if (header_is(name, name_len, "server")) {
        for (size_t i = 0; i < value_len; i++)
            if (value[i] >= '0' && value[i] <= '9')
                b->found |= 1u << F_BANNER_SERVER;
        b->verbose_name = has_token(value, value_len, "apache-coyote");
    } else if (header_is(name, name_len, "x-powered-by") ||
               header_is(name, name_len, "x-aspnet-version")) {
        b->found |= 1u << F_BANNER_POWERED;
    } else if (header_is(name, name_len, "set-cookie")) {
        size_t index = b->ncookies++;
        /* the attributes follow the first ';' (RFC 6265 section 4.1.1) */
        const char *semi = memchr(value, ';', value_len);
        size_t al = semi ? value_len - (size_t)(semi - value) : 0;
        unsigned missing = 0;
        if (!semi || !has_token(semi, al, "secure"))
            missing |= 1u << F_COOKIE_SECURE;
        if (!semi || !has_token(semi, al, "httponly"))
            missing |= 1u << F_COOKIE_HTTPONLY;
        if (!semi || !has_token(semi, al, "samesite"))
            missing |= 1u << F_COOKIE_SAMESITE;
        b->found |= missing;
        /* a value with control bytes (a NUL would cut it short in the
         * host) is reported, not rewritten */
        bool clean = true;
        for (size_t i = 0; i < value_len && clean; i++)
            clean = (unsigned char)value[i] >= 0x20 || value[i] == '\t';
        if (missing && clean && tx->policy->baseline == RP_BASELINE_FIX &&
            index < BASELINE_MAX_FIXES / 2) {
            char fixed[1024];
            int n = snprintf(fixed, sizeof(fixed), "%.*s%s%s%s", (int)value_len, value,
                             missing & (1u << F_COOKIE_SECURE) ? "; Secure" : "",
                             missing & (1u << F_COOKIE_HTTPONLY) ? "; HttpOnly" : "",
                             missing & (1u << F_COOKIE_SAMESITE) ? "; SameSite=Lax" : "");
            if (n > 0 && (size_t)n < sizeof(fixed) && b->nfixes < BASELINE_MAX_FIXES) {
                rp_header_fix_t *f = &b->fixes[b->nfixes];
                f->op = RP_FIX_SET_COOKIE;
                f->name = "Set-Cookie";
                f->index = index;
                if ((f->value = rp_arena_strndup(tx->arena, fixed, (size_t)n)))
                    b->nfixes++;
            }
        }
    }
}

static bool sensitive_path(const char *path)
{
    for (size_t i = 0; i < sizeof(sensitive_prefixes) / sizeof(sensitive_prefixes[0]); i++)
        if (strncmp(path, sensitive_prefixes[i], strlen(sensitive_prefixes[i])) == 0)
            return true;
    size_t pl = strlen(path);
    for (size_t i = 0; i < sizeof(backup_suffixes) / sizeof(backup_suffixes[0]); i++) {
        size_t sl = strlen(backup_suffixes[i]);
        if (pl > sl + 1 && strcmp(path + pl - sl, backup_suffixes[i]) == 0)
            return true;
    }
    return false;
}

/* True the first time in an hour this application shows this finding. */
static bool first_in_hour(rp_tx_t *tx, const char *id)
{
    rp_collections_t *store = tx->policy->collections_explicit || !tx->collections
                                  ? tx->policy->collections
                                  : tx->collections;
    char key[160];
    int kl = snprintf(key, sizeof(key), "baseline\x1f%s\x1f%s", tx->app ? tx->app : "", id);
    rp_rl_rule_t once = {
        .algorithm = RP_RL_TOKEN_BUCKET, .limit = 1, .period_us = 3600ull * 1000000u};
    rp_rl_decision_t d;
    if (kl < 0 || (size_t)kl >= sizeof(key) ||
        rp_ratelimit_take(store, &once, key, (size_t)kl, rp_ratelimit_now_us(), &d) != RP_OK)
        return false;
    return d.allowed && !d.store_failed;
}

static void add_fix(baseline_state_t *b, rp_fix_op_t op, const char *name, const char *value)
{
    if (b->nfixes < BASELINE_MAX_FIXES)
        b->fixes[b->nfixes++] = (rp_header_fix_t){op, name, value, 0};
}

void rp_tx_baseline_tls(rp_tx_t *tx, unsigned tls_findings)
{
    tx->baseline.found |= (tls_findings & ((1u << (F_COUNT - F_TLS_FIRST)) - 1)) << F_TLS_FIRST;
}

void rp_tx_baseline_done(rp_tx_t *tx)
{
    baseline_state_t *b = &tx->baseline;
    int status = tx->response_status;
    if (b->html) {
        if (!b->csp)
            b->found |= 1u << F_CSP;
        if (!b->frame_ok)
            b->found |= 1u << F_FRAME;
        if (!b->referrer)
            b->found |= 1u << F_REFERRER;
    }
    if (!b->hsts && status < 300)
        b->found |= 1u << F_HSTS;
    if (!b->nosniff)
        b->found |= 1u << F_NOSNIFF;
    if (status >= 500 && b->verbose_name)
        b->found |= 1u << F_VERBOSE_ERROR;
    const char *path = tx->path ? tx->path : tx->uri;
    if (status == 200 && path && sensitive_path(path))
        b->found |= 1u << F_SENSITIVE_PATH;

    if (tx->policy->baseline == RP_BASELINE_FIX) {
        if (b->found & (1u << F_NOSNIFF))
            add_fix(b, RP_FIX_ADD, "X-Content-Type-Options", "nosniff");
        if (b->found & (1u << F_FRAME))
            add_fix(b, RP_FIX_ADD, "X-Frame-Options", "SAMEORIGIN");
        if (b->found & (1u << F_REFERRER))
            add_fix(b, RP_FIX_ADD, "Referrer-Policy", "strict-origin-when-cross-origin");
        if (b->found & (1u << F_BANNER_POWERED)) {
            add_fix(b, RP_FIX_REMOVE, "X-Powered-By", NULL);
            add_fix(b, RP_FIX_REMOVE, "X-AspNet-Version", NULL);
        }
    }

    int score = 100;
    char list[512] = "";
    size_t ll = 0;
    for (int f = 0; f < F_COUNT; f++) {
        if (!(b->found & (1u << f)))
            continue;
        score -= findings[f].weight;
        int n = snprintf(list + ll, sizeof(list) - ll, "%s%s", ll ? " " : "", findings[f].id);
        if (n > 0 && (size_t)n < sizeof(list) - ll)
            ll += (size_t)n;
        if (first_in_hour(tx, findings[f].id))
            rp_tx_add_match(tx, "baseline", "baseline", findings[f].target, findings[f].remediation,
                            findings[f].id, 0, false, 0);
    }
    if (score < 0)
        score = 0;
    b->score = score;
    char sid[32];
    snprintf(sid, sizeof(sid), "score-%d", score);
    if (b->found && first_in_hour(tx, sid)) {
        char detail[600];
        snprintf(detail, sizeof(detail), "baseline score %d/100: %s", score, list);
        const char *d = rp_arena_strndup(tx->arena, detail, strlen(detail));
        if (d)
            rp_tx_add_match(tx, "baseline", "baseline", "response", d, "", 0, false, 0);
    }
}

size_t rp_tx_header_fixes(const rp_tx_t *tx, const rp_header_fix_t **fixes)
{
    *fixes = tx->baseline.fixes;
    /* a baseline switched to detect reports and leaves the response alone */
    return tx->protection[RP_PROTECTION_BASELINE] == RP_MODE_DETECT ? 0 : tx->baseline.nfixes;
}

int rp_tx_baseline_score(const rp_tx_t *tx)
{
    return tx->policy->baseline ? tx->baseline.score : -1;
}
