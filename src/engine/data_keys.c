/*
 * data_keys.c — the data keys a gateway holds for field encryption
 * (docs/CRYPTO.md, "Field encryption at the gateway"). rampart sync
 * writes them from rampartd's gateway key endpoint, one version per line:
 *
 *     rpgk1 APP/FIELD VERSION sm4-gcm|aes-256-gcm HEX
 *
 * HEX is the version's encryption key only (16 bytes for SM4, 32 for
 * AES): the blind-index and token keys of a version never reach the
 * gateway. Errors name the line, never a key byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldenc_t.h"

#define DATA_KEYS_MAX_FILE (4u << 20)
#define DATA_KEYS_MAX      4096

struct rp_data_keys {
    atomic_int refs;
    rp_data_key_t *keys;
    size_t n;
};

static void keys_error(rp_error_t *err, const char *name, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void keys_error(rp_error_t *err, const char *name, unsigned line, const char *fmt, ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof(err->file), "%s", name ? name : "");
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
}

static int hex_val(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static bool name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* "APP/FIELD" (each part of name characters, 32 bytes in all) to the
 * envelope's key id "APP:FIELD"; false when it is not one. */
static bool key_name_to_id(const char *s, size_t n, char out[RP_ENVELOPE_KEY_ID + 1])
{
    const char *slash = memchr(s, '/', n);
    if (!slash || slash == s || slash == s + n - 1 || n > RP_ENVELOPE_KEY_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s + i != slash && !name_char(s[i]))
            return false;
    memcpy(out, s, n);
    out[n] = '\0';
    out[slash - s] = ':';
    return true;
}

void rp_data_keys_unref(rp_data_keys_t *k)
{
    if (!k || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    for (size_t i = 0; i < k->n; i++)
        rp_aead_key_wipe(&k->keys[i].aead);
    free(k->keys);
    free(k);
}

rp_data_keys_t *rp_data_keys_ref(rp_data_keys_t *k)
{
    if (k)
        atomic_fetch_add(&k->refs, 1);
    return k;
}

size_t rp_data_keys_count(const rp_data_keys_t *k)
{
    return k ? k->n : 0;
}

/* One line's words; false when the line is not "rpgk1 NAME VERSION ALG HEX". */
static bool parse_line(rp_data_key_t *key, char *line, const char **why)
{
    char *w[6];
    int nw = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t && nw < 6;
         t = strtok_r(NULL, " \t\r", &save))
        w[nw++] = t;
    if (nw != 5 || strcmp(w[0], "rpgk1") != 0) {
        *why = "not \"rpgk1 APP/FIELD VERSION ALGORITHM HEX\"";
        return false;
    }
    if (!key_name_to_id(w[1], strlen(w[1]), key->key_id)) {
        *why = "the key name is not APP/FIELD";
        return false;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(w[2], &end, 10);
    if (errno || end == w[2] || *end || v == 0 || v > UINT32_MAX || w[2][0] == '-') {
        *why = "the version is not a number from 1 to 4294967295";
        return false;
    }
    key->version = (uint32_t)v;
    rp_aead_alg_t alg;
    size_t klen;
    if (strcmp(w[3], "sm4-gcm") == 0) {
        alg = RP_AEAD_SM4_GCM;
        klen = 16;
    } else if (strcmp(w[3], "aes-256-gcm") == 0) {
        alg = RP_AEAD_AES_256_GCM;
        klen = 32;
    } else {
        *why = "the algorithm is not sm4-gcm or aes-256-gcm";
        return false;
    }
    uint8_t raw[32];
    size_t hl = strlen(w[4]);
    bool ok = hl == klen * 2;
    for (size_t i = 0; ok && i < klen; i++) {
        int hi = hex_val(w[4][2 * i]), lo = hex_val(w[4][2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        raw[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    explicit_bzero(w[4], hl);
    if (ok)
        ok = rp_aead_key_init(&key->aead, alg, raw, klen);
    explicit_bzero(raw, sizeof(raw));
    if (!ok)
        *why = alg == RP_AEAD_SM4_GCM ? "the key is not 32 hex digits (SM4)"
                                      : "the key is not 64 hex digits (AES-256)";
    return ok;
}

rp_data_keys_t *rp_data_keys_parse(const char *text, size_t len, const char *name, rp_error_t *err)
{
    rp_data_keys_t *k = calloc(1, sizeof(*k));
    if (!k) {
        keys_error(err, name, 0, "out of memory");
        return NULL;
    }
    atomic_init(&k->refs, 1);
    size_t cap = 0;
    unsigned lineno = 0;
    char line[512];
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        size_t ll = e - i;
        if (ll >= sizeof(line)) {
            keys_error(err, name, lineno, "line longer than %zu bytes", sizeof(line) - 1);
            goto fail;
        }
        memcpy(line, text + i, ll);
        line[ll] = '\0';
        i = e + 1;
        size_t s = strspn(line, " \t\r");
        if (line[s] == '\0' || line[s] == '#')
            continue;
        if (memchr(line, '\0', ll)) {
            keys_error(err, name, lineno, "NUL byte");
            goto fail;
        }
        if (k->n == DATA_KEYS_MAX) {
            keys_error(err, name, lineno, "more than %d key versions", DATA_KEYS_MAX);
            goto fail;
        }
        if (k->n == cap) {
            cap = cap ? cap * 2 : 16;
            rp_data_key_t *g = realloc(k->keys, cap * sizeof(*g));
            if (!g) {
                keys_error(err, name, lineno, "out of memory");
                goto fail;
            }
            k->keys = g;
        }
        rp_data_key_t *key = &k->keys[k->n];
        memset(key, 0, sizeof(*key));
        const char *why = "";
        bool ok = parse_line(key, line, &why);
        explicit_bzero(line, sizeof(line));
        if (!ok) {
            keys_error(err, name, lineno, "%s", why);
            goto fail;
        }
        if (rp_data_key_find(k, key->key_id, key->version)) {
            keys_error(err, name, lineno, "key version given twice");
            rp_aead_key_wipe(&key->aead);
            goto fail;
        }
        k->n++;
    }
    return k;
fail:
    explicit_bzero(line, sizeof(line));
    rp_data_keys_unref(k);
    return NULL;
}

rp_data_keys_t *rp_data_keys_load(const char *path, rp_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        keys_error(err, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        keys_error(err, path, 0, "not a regular file");
        close(fd);
        return NULL;
    }
    if (st.st_mode & 077) {
        keys_error(err, path, 0, "mode %03o: a data keys file must be 0600 (or 0400)",
                   (unsigned)(st.st_mode & 0777));
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size > DATA_KEYS_MAX_FILE) {
        keys_error(err, path, 0, "larger than %u bytes", DATA_KEYS_MAX_FILE);
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf) {
        keys_error(err, path, 0, "out of memory");
        return NULL;
    }
    rp_data_keys_t *k = rp_data_keys_parse(buf, got, path, err);
    explicit_bzero(buf, got);
    free(buf);
    return k;
}

const rp_data_key_t *rp_data_key_find(const rp_data_keys_t *k, const char *key_id, uint32_t version)
{
    for (size_t i = 0; k && i < k->n; i++)
        if (k->keys[i].version == version && strcmp(k->keys[i].key_id, key_id) == 0)
            return &k->keys[i];
    return NULL;
}

const rp_data_key_t *rp_data_key_current(const rp_data_keys_t *k, const char *key_id)
{
    const rp_data_key_t *best = NULL;
    for (size_t i = 0; k && i < k->n; i++)
        if (strcmp(k->keys[i].key_id, key_id) == 0 && (!best || k->keys[i].version > best->version))
            best = &k->keys[i];
    return best;
}
