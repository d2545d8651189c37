/*
 * bundle.c — validators, hash and verification of distribution bundles
 * (see bundle.h). Linked into rampartd and into the `rampart` CLI, whose
 * sync command runs on gateways.
 */
#include "bundle.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/policy.h"

/* The API protections (rate_limit, openapi, bot, baseline) default to
 * block, which lets the application's policy decide: they act only where the
 * policy has their directives (docs/API-SECURITY.md "Switches"). */
const char *const bundle_protections[BUNDLE_PROTECTIONS] = {
    "waf", "identity", "masking", "encryption", "rate_limit", "openapi", "bot", "baseline"};
const char *const bundle_protection_defaults[BUNDLE_PROTECTIONS] = {
    "block", "off", "off", "off", "block", "block", "block", "block"};

static int fail(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t why_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
    return 0;
}

int bundle_valid_mode(const char *mode)
{
    return mode &&
           (strcmp(mode, "block") == 0 || strcmp(mode, "detect") == 0 || strcmp(mode, "off") == 0);
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int bundle_valid_name(const char *name, char *why, size_t why_size)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return fail(why, why_size, "must be 1 to 64 characters");
    if (!is_alnum(name[0]))
        return fail(why, why_size, "must start with a letter or digit");
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
            return fail(why, why_size, "may hold only letters, digits, '.', '_' and '-'");
    return 1;
}

/* A DNS name (RFC 1123 labels) or a dotted IPv4 address. */
static int valid_dns_name(const char *h, size_t n)
{
    if (n == 0 || n > 253)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == '.') {
            if (label == 0 || h[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!is_alnum(c) && c != '-')
            return 0;
        if (c == '-' && label == 0)
            return 0;
        if (++label > 63)
            return 0;
    }
    return label > 0 && h[n - 1] != '-';
}

int bundle_valid_host(const char *host, char *why, size_t why_size)
{
    if (host && strcmp(host, "*") == 0)
        return 1;
    if (!host || !valid_dns_name(host, strlen(host)))
        return fail(why, why_size,
                    "must be \"*\" (any host) or a host name such as www.example.gov.cn "
                    "(letters, digits, '-' and '.'; no port)");
    return 1;
}

int bundle_valid_path_prefix(const char *prefix, char *why, size_t why_size)
{
    size_t n = prefix ? strlen(prefix) : 0;
    if (n == 0 || prefix[0] != '/')
        return fail(why, why_size, "must start with '/'");
    if (n > 512)
        return fail(why, why_size, "must be at most 512 characters");
    for (size_t i = 0; i < n; i++) {
        char c = prefix[i];
        if (!is_alnum(c) && !strchr("/-._~%:@!+,=", c))
            return fail(why, why_size,
                        "may hold only letters, digits and / - . _ ~ %% : @ ! + , = "
                        "(found '%c' at %zu)",
                        (c > 32 && c < 127) ? c : '?', i + 1);
    }
    /* "." and ".." segments would be resolved away by the gateway, so a
     * prefix holding them never matches what it seems to */
    for (const char *s = prefix; *s;) {
        const char *e = strchr(s + 1, '/');
        size_t len = e ? (size_t)(e - s - 1) : strlen(s + 1);
        if ((len == 1 && s[1] == '.') || (len == 2 && s[1] == '.' && s[2] == '.'))
            return fail(why, why_size, "must not hold '.' or '..' segments");
        if (!e)
            break;
        if (e == s + 1 && s != prefix)
            return fail(why, why_size, "must not hold empty segments ('//')");
        s = e;
    }
    return 1;
}

int bundle_valid_upstream(const char *url, char *why, size_t why_size)
{
    static const char form[] =
        "must be http://HOST[:PORT] or https://HOST[:PORT] (a host name, IPv4 or [IPv6] "
        "address; no path)";
    if (!url)
        return fail(why, why_size, form);
    const char *p;
    if (strncmp(url, "http://", 7) == 0)
        p = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        p = url + 8;
    else
        return fail(why, why_size, form);
    const char *host_end;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end || host_end == p + 1)
            return fail(why, why_size, form);
        for (const char *q = p + 1; q < host_end; q++)
            if (!strchr("0123456789abcdefABCDEF:.", *q))
                return fail(why, why_size, form);
        host_end++;
    } else {
        host_end = p + strcspn(p, ":/");
        if (!valid_dns_name(p, (size_t)(host_end - p)))
            return fail(why, why_size, form);
    }
    if (*host_end == ':') {
        const char *d = host_end + 1;
        size_t digits = strspn(d, "0123456789");
        long port = digits && digits <= 5 ? strtol(d, NULL, 10) : 0;
        if (port < 1 || port > 65535 || d[digits] != '\0')
            return fail(why, why_size, "%s; the port must be 1 to 65535", form);
        return 1;
    }
    if (*host_end != '\0')
        return fail(why, why_size, form);
    return 1;
}

int bundle_switches_complete(json_t *switches, char *why, size_t why_size)
{
    const char *key;
    json_t *value;
    json_object_foreach(switches, key, value)
    {
        int known = 0;
        for (int i = 0; i < BUNDLE_PROTECTIONS; i++)
            known |= strcmp(key, bundle_protections[i]) == 0;
        if (!known) {
            fail(why, why_size,
                 "unknown protection \"%.64s\" (known: waf, identity, masking, "
                 "encryption, rate_limit, openapi, bot, baseline)",
                 key);
            return -1;
        }
        if (!bundle_valid_mode(json_string_value(value))) {
            fail(why, why_size, "switch %s must be \"block\", \"detect\" or \"off\"", key);
            return -1;
        }
    }
    for (int i = 0; i < BUNDLE_PROTECTIONS; i++)
        if (!json_object_get(switches, bundle_protections[i]) &&
            json_object_set_new(switches, bundle_protections[i],
                                json_string(bundle_protection_defaults[i])) != 0) {
            fail(why, why_size, "out of memory");
            return -1;
        }
    return 0;
}

int bundle_hash(json_t *bundle, char out[65])
{
    json_t *copy = json_copy(bundle);
    if (!copy)
        return -1;
    json_object_del(copy, "hash");
    char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    if (!text)
        return -1;
    unsigned char md[32];
    unsigned md_len = 0;
    int ok = EVP_Digest(text, strlen(text), md, &md_len, EVP_sha256(), NULL);
    free(text);
    if (!ok || md_len != 32)
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

/* A string member that passes a validator, named in the reason. */
static int check_field(json_t *obj, const char *key, int (*valid)(const char *, char *, size_t),
                       const char *app, char *why, size_t why_size)
{
    char reason[200];
    const char *v = json_string_value(json_object_get(obj, key));
    if (!v || !valid(v, reason, sizeof(reason))) {
        snprintf(why, why_size, "app %.64s: %s %s", app, key, v ? reason : "is missing");
        return -1;
    }
    return 0;
}

/* 1 when trusted (an array of policies already verified) holds this exact
 * name and text. */
static int already_verified(json_t *trusted, const char *name, const char *text)
{
    size_t i;
    json_t *p;
    json_array_foreach(trusted, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        const char *t = json_string_value(json_object_get(p, "text"));
        if (n && t && strcmp(n, name) == 0 && strcmp(t, text) == 0)
            return 1;
    }
    return 0;
}

static int verify_policies(json_t *policies, json_t *trusted, char *why, size_t why_size)
{
    size_t i;
    json_t *p;
    json_array_foreach(policies, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *text = json_string_value(json_object_get(p, "text"));
        char reason[200];
        if (!name || !bundle_valid_name(name, reason, sizeof(reason))) {
            snprintf(why, why_size, "policy %zu: name %s", i, name ? reason : "is missing");
            return -1;
        }
        if (!text || !json_is_integer(json_object_get(p, "version"))) {
            snprintf(why, why_size, "policy %s: text or version missing", name);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(policies, j), "name")),
                       name) == 0) {
                snprintf(why, why_size, "policy %s appears twice", name);
                return -1;
            }
        if (already_verified(trusted, name, text))
            continue;
        char file[96];
        snprintf(file, sizeof(file), "%s.policy", name);
        rp_error_t err = {0};
        rp_policy_t *compiled =
            rp_policy_load_string(text, json_string_length(json_object_get(p, "text")), file, &err);
        if (!compiled) {
            snprintf(why, why_size, "%s:%u: %s", err.file[0] ? err.file : file, err.line,
                     err.reason);
            return -1;
        }
        rp_policy_unref(compiled);
    }
    return 0;
}

int bundle_has_policy(json_t *policies, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(policies, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return 1;
    }
    return 0;
}

int bundle_verify(json_t *bundle, json_t *trusted, char *why, size_t why_size)
{
    json_t *apps = json_object_get(bundle, "apps");
    json_t *policies = json_object_get(bundle, "policies");
    json_t *version = json_object_get(bundle, "version");
    const char *hash = json_string_value(json_object_get(bundle, "hash"));
    if (!json_is_object(bundle) ||
        json_integer_value(json_object_get(bundle, "format")) != BUNDLE_FORMAT) {
        snprintf(why, why_size, "not a bundle of format %d", BUNDLE_FORMAT);
        return -1;
    }
    if (!json_is_integer(version) || json_integer_value(version) < 1 || !json_is_array(apps) ||
        !json_is_array(policies) || !hash) {
        snprintf(why, why_size, "version, hash, apps or policies missing");
        return -1;
    }
    char computed[65];
    if (bundle_hash(bundle, computed) != 0 || strcmp(computed, hash) != 0) {
        snprintf(why, why_size, "hash mismatch: the bundle was altered or damaged");
        return -1;
    }
    if (verify_policies(policies, trusted, why, why_size) != 0)
        return -1;
    size_t i;
    json_t *app;
    json_array_foreach(apps, i, app)
    {
        char reason[200];
        const char *name = json_string_value(json_object_get(app, "name"));
        if (!name || !bundle_valid_name(name, reason, sizeof(reason))) {
            snprintf(why, why_size, "app %zu: name %s", i, name ? reason : "is missing");
            return -1;
        }
        if (check_field(app, "host", bundle_valid_host, name, why, why_size) ||
            check_field(app, "path_prefix", bundle_valid_path_prefix, name, why, why_size) ||
            check_field(app, "upstream", bundle_valid_upstream, name, why, why_size))
            return -1;
        json_t *policy = json_object_get(app, "policy");
        if (!json_is_null(policy) &&
            (!json_is_string(policy) || !bundle_has_policy(policies, json_string_value(policy)))) {
            snprintf(why, why_size, "app %s: its policy is not in the bundle", name);
            return -1;
        }
        json_t *switches = json_object_get(app, "switches");
        if (!json_is_object(switches) ||
            bundle_switches_complete(switches, reason, sizeof(reason)) != 0) {
            snprintf(why, why_size, "app %s: %s", name,
                     json_is_object(switches) ? reason : "switches missing");
            return -1;
        }
    }
    return 0;
}
