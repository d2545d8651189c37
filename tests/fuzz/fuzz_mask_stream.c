/*
 * fuzz_mask_stream.c — libFuzzer target for the streaming response masker
 * (mask_stream.c).
 *
 * Input: one byte choosing the rule (styles, labels, JSON or text), one
 * byte for the chunk size, then the body. Contract: the output is the same
 * whatever the chunking (one chunk vs. the fuzzed chunk size); discovery
 * (no output) counts the same classes as masking; a body that parses as
 * JSON gives masked output that parses as JSON; a rule without labelled
 * keys (the verbatim path: structure-only lexer, runs emitted up to each
 * value) gives the same output and counts as the same rule with a labelled
 * key that the body does not hold (the full lexer).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mask_stream.h"
#include "rampart/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY_LINE "mask_hash_key /tmp/rampart-fuzz-mask.key\n"
static const char *const rules[] = {
    "mask / names=name,n addresses=addr keys=id\n",
    ("mask / styles=id:redact,phone:hash,bankcard:redact,name:redact names=name keys=k\n" KEY_LINE),
    ("mask / format=text styles=email:redact,plate:hash\n" KEY_LINE),
    "mask / classes=id,phone styles=address:redact addresses=a,b\n",
};

static rp_policy_t *policies[4];

/* the verbatim path against the full lexer: a names= word no body holds */
#define SENTINEL "rampartfuzznokeyhasthisname"
static const char *const pair[] = {"mask /\n", "mask / names=" SENTINEL "\n"};
static rp_policy_t *pair_policies[2];

static bool holds_sentinel(const char *s, size_t n)
{
    size_t k = sizeof(SENTINEL) - 1;
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && (s[i + j] | 32) == SENTINEL[j])
            j++;
        if (j == k)
            return true;
    }
    return false;
}

#include "policy_t.h"

static char *run(const rp_mask_rule_t *r, bool json, const uint8_t *key, const char *s, size_t n,
                 size_t chunk, size_t *out_len, rp_mask_report_t *rep, bool discover)
{
    rp_arena_t *a = rp_arena_new(0, 0);
    rp_abuf_t out;
    rp_abuf_init(&out, a);
    rp_mask_stream_t st;
    rp_mask_stream_init(&st, r, json, key, key ? 32 : 0);
    for (size_t i = 0; i < n; i += chunk)
        if (rp_mask_stream_feed(&st, s + i, i + chunk > n ? n - i : chunk, false,
                                discover ? NULL : &out) != 0)
            abort();
    if (rp_mask_stream_feed(&st, "", 0, true, discover ? NULL : &out) != 0)
        abort();
    *rep = st.report;
    rp_mask_stream_free(&st);
    char *copy = malloc(out.len + 1);
    if (!copy)
        abort();
    if (out.len)
        memcpy(copy, out.data, out.len);
    *out_len = out.len;
    rp_arena_free(a);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (!policies[0]) {
        FILE *f = fopen("/tmp/rampart-fuzz-mask.key", "w");
        if (!f)
            abort();
        fputs("cmFtcGFydC1mdXp6LWhhc2gta2V5LTAxMjM0NTY3ODk\n", f);
        fclose(f);
        for (int i = 0; i < 4; i++) {
            rp_error_t e;
            policies[i] = rp_policy_load_string(rules[i], strlen(rules[i]), "f.policy", &e);
            if (!policies[i])
                abort();
        }
        for (int i = 0; i < 2; i++) {
            rp_error_t e;
            pair_policies[i] = rp_policy_load_string(pair[i], strlen(pair[i]), "f.policy", &e);
            if (!pair_policies[i])
                abort();
        }
    }
    int which = data[0] & 3;
    const rp_mask_rule_t *r = rp_mask_rule_for(policies[which]->masks, "/", 1);
    const rp_mask_rules_t *m = policies[which]->masks;
    bool json = r->format != RP_MASK_FORMAT_TEXT;
    const uint8_t *key = m->hash_key_len ? m->hash_key : NULL;
    size_t chunk = 1 + data[1] % 97;
    const char *s = (const char *)data + 2;
    size_t n = size - 2;
    size_t l1, l2, l3;
    rp_mask_report_t r1, r2, r3;
    char *one = run(r, json, key, s, n, n ? n : 1, &l1, &r1, false);
    char *many = run(r, json, key, s, n, chunk, &l2, &r2, false);
    char *none = run(r, json, key, s, n, chunk, &l3, &r3, true);
    if (l1 != l2 || memcmp(one, many, l1) != 0)
        abort();
    if (l3 != 0 || memcmp(r1.counts, r2.counts, sizeof(r1.counts)) != 0 ||
        memcmp(r1.counts, r3.counts, sizeof(r1.counts)) != 0)
        abort();
    if (json) {
        json_t *in = json_loadb(s, n, JSON_DECODE_ANY, NULL);
        if (in) {
            json_t *out = json_loadb(one, l1, JSON_DECODE_ANY, NULL);
            if (!out)
                abort();
            json_decref(out);
            json_decref(in);
        }
    }
    free(one);
    free(many);
    free(none);
    if (!holds_sentinel(s, n)) {
        const rp_mask_rule_t *plain = rp_mask_rule_for(pair_policies[0]->masks, "/", 1);
        const rp_mask_rule_t *full = rp_mask_rule_for(pair_policies[1]->masks, "/", 1);
        char *a = run(plain, true, NULL, s, n, chunk, &l1, &r1, false);
        char *b = run(full, true, NULL, s, n, chunk, &l2, &r2, false);
        if (l1 != l2 || memcmp(a, b, l1) != 0 ||
            memcmp(r1.counts, r2.counts, sizeof(r1.counts)) != 0)
            abort();
        free(a);
        free(b);
    }
    return 0;
}
