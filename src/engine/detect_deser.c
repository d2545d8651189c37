/*
 * detect_deser.c — rp_detect_deser(): does this value carry a serialized
 * object that an application deserializer would turn into live objects
 * (the gadget chains of Java, .NET, PHP, Python, Ruby and YAML libraries)?
 *
 * A serialized object is recognised by the format's own signature, never by
 * what it contains, so the detector needs no gadget list for binary formats:
 *
 *   Java serialization   AC ED 00 05 raw, "rO0AB" in Base64 (either
 *                        alphabet), "aced0005" in hex; "H4sIA" (gzip) is
 *                        not enough on its own
 *   .NET BinaryFormatter 00 01 00 00 00 FF FF FF FF: "AAEAAAD/////" Base64
 *   Python pickle        Base64 of protocol 2-5 (80 02..05) whose decoded
 *                        prefix names a callable (os/posix system, eval,
 *                        subprocess...); protocol 0 text "cos\nsystem\n"
 *   Ruby Marshal         04 08 'o' ':' (an object): "BAhvO" in Base64
 *   PHP serialize()      O:8:"stdClass":1:{...} and C:... (objects; arrays
 *                        a:2:{...} are plain data and stay clean)
 *   YAML tags            !!python/object, !!python/name, !ruby/object,
 *                        !!javax.script.ScriptEngineManager, !!java.x.Y
 *   polymorphic JSON     "@type" / "$type" / "@class" / "__type" /
 *                        "javaClass" naming a qualified class
 *                        ("com.sun.rowset.JdbcRowSetImpl",
 *                        "System.Windows.Data.ObjectDataProvider, ...");
 *                        JSON-LD's "@type": "Person" is not a class name
 *
 * A Base64 signature counts only at the start of a token (the value's start
 * or after a byte outside the alphabet), followed by enough alphabet bytes
 * to be a payload, so a random identifier that happens to contain "rO0AB"
 * in the middle is not one. rp_detect_deser_type_key() is the same
 * class-name test for a JSON key/value pair the body parser already split.
 *
 * Pure, allocation-free and linear.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <string.h>

#define MIN_B64_PAYLOAD 24 /* alphabet bytes after a signature's start */

static bool is_b64(unsigned char c)
{
    return du_is_alnum(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

/* Alphabet bytes from s[i] on (bounded). */
static size_t b64_run(const char *s, size_t n, size_t i, size_t cap)
{
    size_t k = i;

    while (k < n && k - i < cap && is_b64((unsigned char)s[k])) {
        k++;
    }
    return k - i;
}

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

/* Decodes up to cap bytes of the Base64 token at s[0..n). */
static size_t b64_prefix(const char *s, size_t n, unsigned char *dst, size_t cap)
{
    size_t i, o = 0;
    unsigned acc = 0;
    int bits = 0;

    for (i = 0; i < n && o < cap; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0) {
            break;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o;
}

static bool contains(const unsigned char *b, size_t n, const char *lit)
{
    return memmem(b, n, lit, strlen(lit)) != NULL;
}

/* A binary pickle (protocol 2 and later) that reaches a callable. */
static bool pickle_b64(const char *s, size_t n)
{
    unsigned char b[768];
    size_t bn = b64_prefix(s, n, b, sizeof(b));
    static const char *const callables[] = {
        "system", "popen",    "subprocess",   "eval",  "exec",        "__import__", "getattr",
        "posix",  "builtins", "check_output", "Popen", "__builtin__", NULL,
    };

    if (bn < 8 || b[0] != 0x80 || b[1] < 2 || b[1] > 5) {
        return false;
    }
    for (const char *const *c = callables; *c; c++) {
        if (contains(b, bn, *c)) {
            return true;
        }
    }
    return false;
}

/* Protocol-0 pickle: GLOBAL opcode "c<module>\n<name>\n" for a module that
 * runs code. */
static bool pickle_text(const char *s, size_t n, size_t i)
{
    static const char *const globals[] = {
        "cos\nsystem",        "cposix\nsystem",        "cnt\nsystem",        "csubprocess\n",
        "c__builtin__\neval", "c__builtin__\nexec",    "cbuiltins\neval",    "cbuiltins\nexec",
        "cos\npopen",         "c__builtin__\ngetattr", "cbuiltins\ngetattr", NULL,
    };

    for (const char *const *g = globals; *g; g++) {
        if (du_prefix(s + i, n - i, *g)) {
            return true;
        }
    }
    return false;
}

/* O:<len>:"<Class>":<n>:{ or C:<len>:"<Class>":<n>:{ (PHP objects). */
static bool php_object(const char *s, size_t n, size_t i, size_t *end)
{
    size_t k = i + 2, len = 0, start;

    if (k >= n || !du_is_digit((unsigned char)s[k])) {
        return false;
    }
    while (k < n && du_is_digit((unsigned char)s[k]) && len < 100000) {
        len = len * 10 + (size_t)(s[k] - '0');
        k++;
    }
    if (k + 1 >= n || s[k] != ':' || s[k + 1] != '"') {
        return false;
    }
    start = k + 2;
    k = start;
    while (k < n && k - start < 256 && (du_is_ident((unsigned char)s[k]) || s[k] == '\\')) {
        k++;
    }
    if (k == start || k + 3 >= n || s[k] != '"' || s[k + 1] != ':') {
        return false;
    }
    k += 2;
    if (!du_is_digit((unsigned char)s[k])) {
        return false;
    }
    while (k < n && du_is_digit((unsigned char)s[k])) {
        k++;
    }
    if (k + 1 >= n || s[k] != ':' || s[k + 1] != '{') {
        return false;
    }
    *end = k + 2;
    return true;
}

/* A qualified class name: "com.sun.rowset.JdbcRowSetImpl",
 * "java.lang.Runtime", "System.Windows.Data.ObjectDataProvider, Presentation
 * Framework" — identifiers joined by at least two dots, or one dot and an
 * assembly name after a comma. Returns its length or 0. */
static size_t class_name(const char *s, size_t n)
{
    size_t k = 0, dots = 0, seg = 0;

    while (k < n && k < 256) {
        unsigned char c = (unsigned char)s[k];
        if (du_is_ident(c) || c == '$') {
            if (seg == 0 && du_is_digit(c)) {
                return 0;
            }
            seg++;
        } else if (c == '.') {
            if (seg == 0) {
                return 0;
            }
            dots++;
            seg = 0;
        } else {
            break;
        }
        k++;
    }
    if (seg == 0) {
        return 0;
    }
    if (dots >= 2 || (dots >= 1 && k < n && s[k] == ',')) {
        return k;
    }
    return 0;
}

static const char *const type_keys[] = {
    "@type", "$type", "@class", "__type", "javaClass", "@c", NULL,
};

/* "@type" : "com.x.Y" inside text (a JSON document held in a string). */
static bool json_type_tag(const char *s, size_t n, size_t i, size_t *end)
{
    const char *const *key;
    size_t k;

    for (key = type_keys; *key; key++) {
        size_t kl = strlen(*key);
        if (i + 1 + kl < n && memcmp(s + i + 1, *key, kl) == 0 && s[i + 1 + kl] == '"') {
            k = i + 2 + kl;
            while (k < n && (s[k] == ' ' || s[k] == '\t')) {
                k++;
            }
            if (k >= n || s[k] != ':') {
                return false;
            }
            k++;
            while (k < n && (s[k] == ' ' || s[k] == '\t')) {
                k++;
            }
            if (k >= n || s[k] != '"') {
                return false;
            }
            k++;
            size_t cl = class_name(s + k, n - k);
            if (cl) {
                *end = k + cl;
                return true;
            }
            return false;
        }
    }
    return false;
}

/* YAML tags that construct language objects. */
static bool yaml_tag(const char *s, size_t n, size_t i, size_t *end)
{
    static const char *const tags[] = {
        "!!python/", "!python/", "!ruby/", "!!ruby/", "!php/object", NULL,
    };
    const char *const *t;

    for (t = tags; *t; t++) {
        if (du_prefix(s + i, n - i, *t)) {
            *end = i + strlen(*t);
            return true;
        }
    }
    /* !!javax.script.ScriptEngineManager, !!com.sun.rowset.JdbcRowSetImpl */
    if (i + 2 < n && s[i] == '!' && s[i + 1] == '!') {
        size_t cl = class_name(s + i + 2, n - i - 2);
        if (cl) {
            *end = i + 2 + cl;
            return true;
        }
    }
    return false;
}

/* A token starts at the value's start or after a byte that cannot be
 * inside Base64 text; '/' counts as a separator (a path segment, "a/rO0AB..."):
 * a signature right after a '/' inside one Base64 blob is a 1 in 2^30
 * accident. */
static bool token_start(const char *s, size_t i)
{
    return i == 0 || s[i - 1] == '/' || !is_b64((unsigned char)s[i - 1]);
}

static bool hit(rp_detect_result_t *out, const char *fp, size_t off, size_t len)
{
    du_result(out, "deser:", fp, strlen(fp), off, len);
    return true;
}

bool rp_detect_deser(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i, e;

    if (!s || n < 4) {
        return false;
    }
    for (i = 0; i + 3 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case 0xAC:
            if ((unsigned char)s[i + 1] == 0xED && s[i + 2] == 0 && s[i + 3] == 5) {
                return hit(out, "java", i, 4);
            }
            break;
        case 0x00:
            if (i + 8 < n && memcmp(s + i, "\x00\x01\x00\x00\x00\xff\xff\xff\xff", 9) == 0) {
                return hit(out, "dotnet", i, 9);
            }
            break;
        case 'r':
            if (token_start(s, i) && du_prefix(s + i, n - i, "rO0AB") &&
                b64_run(s, n, i, MIN_B64_PAYLOAD + 1) > MIN_B64_PAYLOAD) {
                return hit(out, "java", i, 5);
            }
            break;
        case 'a':
        case 'A':
            if (token_start(s, i) && du_prefix_ci(s + i, n - i, "aced0005") &&
                b64_run(s, n, i, MIN_B64_PAYLOAD + 1) > MIN_B64_PAYLOAD) {
                return hit(out, "java", i, 8);
            }
            if (token_start(s, i) && du_prefix(s + i, n - i, "AAEAAAD/////") &&
                b64_run(s, n, i, MIN_B64_PAYLOAD + 1) > MIN_B64_PAYLOAD) {
                return hit(out, "dotnet", i, 12);
            }
            break;
        case 'g':
            if (token_start(s, i) && s[i + 1] == 'A' &&
                b64_run(s, n, i, MIN_B64_PAYLOAD + 1) > MIN_B64_PAYLOAD &&
                pickle_b64(s + i, b64_run(s, n, i, 1024))) {
                return hit(out, "pickle", i, 4);
            }
            break;
        case 'c':
            if ((i == 0 || !du_is_alnum((unsigned char)s[i - 1])) &&
                memchr(s + i, '\n', n - i < 16 ? n - i : 16) && pickle_text(s, n, i)) {
                return hit(out, "pickle", i, 4);
            }
            break;
        case 'B':
            if (token_start(s, i) && du_prefix(s + i, n - i, "BAhvO") &&
                b64_run(s, n, i, MIN_B64_PAYLOAD + 1) > MIN_B64_PAYLOAD) {
                return hit(out, "ruby", i, 5);
            }
            break;
        case 'O':
        case 'C':
            if (s[i + 1] == ':' && (i == 0 || !du_is_alnum((unsigned char)s[i - 1])) &&
                php_object(s, n, i, &e)) {
                return hit(out, "php", i, e - i);
            }
            break;
        case '!':
            if (yaml_tag(s, n, i, &e)) {
                return hit(out, "yaml", i, e - i);
            }
            break;
        case '"':
            if ((s[i + 1] == '@' || s[i + 1] == '$' || s[i + 1] == '_' || s[i + 1] == 'j') &&
                json_type_tag(s, n, i, &e)) {
                return hit(out, "type", i, e - i);
            }
            break;
        default:
            break;
        }
    }
    return false;
}

bool rp_detect_deser_type_key(const char *key, size_t key_len, const char *value, size_t value_len)
{
    const char *const *k;
    size_t cl;

    /* every type key is 2 to 9 bytes and starts with one of these: most
     * JSON keys end here */
    if (key_len < 2 || key_len > 9 ||
        (key[0] != '@' && key[0] != '$' && key[0] != '_' && key[0] != 'j')) {
        return false;
    }
    for (k = type_keys; *k; k++) {
        size_t kl = strlen(*k);
        if (key_len == kl && memcmp(key, *k, kl) == 0) {
            cl = class_name(value, value_len);
            return cl > 0;
        }
    }
    return false;
}
