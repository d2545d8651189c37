/*
 * fim_baseline.c — the baseline table and its file (see fim_baseline.h).
 */
#include "fim_baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_sign.h"

#define HEADER "rampart-fim-baseline 1"

void fim_baseline_init(fim_baseline_t *b)
{
    memset(b, 0, sizeof(*b));
}

void fim_baseline_free(fim_baseline_t *b)
{
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i]) {
            free(b->slots[i]->path);
            free(b->slots[i]);
        }
    free(b->slots);
    memset(b, 0, sizeof(*b));
}

/* FNV-1a, 64 bits */
static uint64_t path_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot holding path, or the empty slot where it would go. */
static size_t find_slot(const fim_baseline_t *b, const char *path)
{
    size_t i = (size_t)path_hash(path) & (b->cap - 1);
    while (b->slots[i] && strcmp(b->slots[i]->path, path) != 0)
        i = (i + 1) & (b->cap - 1);
    return i;
}

fim_entry_t *fim_baseline_get(const fim_baseline_t *b, const char *path)
{
    return b->cap ? b->slots[find_slot(b, path)] : NULL;
}

static int grow(fim_baseline_t *b)
{
    size_t cap = b->cap ? b->cap * 2 : 1024;
    fim_entry_t **old = b->slots;
    size_t old_cap = b->cap;
    b->slots = calloc(cap, sizeof(*b->slots));
    if (!b->slots) {
        b->slots = old;
        return -1;
    }
    b->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            b->slots[find_slot(b, old[i]->path)] = old[i];
    free(old);
    return 0;
}

fim_entry_t *fim_baseline_put(fim_baseline_t *b, const fim_entry_t *e)
{
    if ((b->count + 1) * 4 > b->cap * 3 && grow(b))
        return NULL;
    size_t i = find_slot(b, e->path);
    fim_entry_t *slot = b->slots[i];
    if (slot) {
        char *keep = slot->path;
        *slot = *e;
        slot->path = keep;
        return slot;
    }
    slot = malloc(sizeof(*slot));
    char *path = strdup(e->path);
    if (!slot || !path) {
        free(slot);
        free(path);
        return NULL;
    }
    *slot = *e;
    slot->path = path;
    b->slots[i] = slot;
    b->count++;
    return slot;
}

void fim_baseline_remove(fim_baseline_t *b, const char *path)
{
    if (!b->cap)
        return;
    size_t i = find_slot(b, path);
    if (!b->slots[i])
        return;
    free(b->slots[i]->path);
    free(b->slots[i]);
    b->slots[i] = NULL;
    b->count--;
    /* linear probing: re-place the run after the hole */
    for (size_t j = (i + 1) & (b->cap - 1); b->slots[j]; j = (j + 1) & (b->cap - 1)) {
        fim_entry_t *e = b->slots[j];
        b->slots[j] = NULL;
        b->slots[find_slot(b, e->path)] = e;
    }
}

void fim_baseline_each(const fim_baseline_t *b, void (*cb)(void *ctx, fim_entry_t *e), void *ctx)
{
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i])
            cb(ctx, b->slots[i]);
}

int fim_entry_same(const fim_entry_t *a, const fim_entry_t *b)
{
    char diff[128];
    fim_entry_differences(a, b, diff, sizeof(diff));
    return diff[0] == '\0';
}

void fim_entry_differences(const fim_entry_t *a, const fim_entry_t *b, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
#define DIFF(name, differs)                                                                        \
    if ((differs) && used < size)                                                                  \
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", name);
    DIFF("hash", a->has_hash != b->has_hash ||
                     (a->has_hash && memcmp(a->hash, b->hash, FIM_HASH_LEN) != 0));
    DIFF("size", a->size != b->size);
    DIFF("mode", a->mode != b->mode);
    DIFF("owner", a->uid != b->uid);
    DIFF("group", a->gid != b->gid);
    DIFF("inode", a->ino != b->ino);
    DIFF("links", a->nlink != b->nlink);
    DIFF("mtime", a->mtime_ns != b->mtime_ns);
#undef DIFF
}

static void write_path(FILE *f, const char *p)
{
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c == 0x7f || c == '%')
            fprintf(f, "%%%02x", c);
        else
            fputc(c, f);
    }
}

typedef struct {
    FILE *f;
} save_ctx_t;

static void save_one(void *ctx, fim_entry_t *e)
{
    FILE *f = ((save_ctx_t *)ctx)->f;
    char hex[2 * FIM_HASH_LEN + 1] = "-";
    if (e->has_hash)
        agent_hex(e->hash, FIM_HASH_LEN, hex);
    fprintf(f,
            "%" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRId64
            " %s ",
            e->mode, e->ino, e->nlink, e->uid, e->gid, e->size, e->mtime_ns, hex);
    write_path(f, e->path);
    fputc('\n', f);
}

int fim_baseline_save(const fim_baseline_t *b, const char *path, const char *algo)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(f, HEADER " %s\n", algo);
    save_ctx_t ctx = {f};
    fim_baseline_each(b, save_one, &ctx);
    int rc = fflush(f) || ferror(f) || fsync(fileno(f));
    if (fclose(f) || rc || rename(tmp, path)) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a percent-encoded path in place; -1 on a bad escape. */
static int decode_path(char *s)
{
    char *out = s;
    for (char *p = s; *p; p++) {
        if (*p == '%') {
            int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *out++ = (char)(hi << 4 | lo);
            p += 2;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
    return 0;
}

int fim_baseline_load(fim_baseline_t *b, const char *path, const char *algo)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 1 : -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    char expected[64];
    snprintf(expected, sizeof(expected), HEADER " %s\n", algo);
    int rc = n > 0 && strcmp(line, expected) == 0 ? 0 : -1;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n') {
            rc = -1;
            break;
        }
        line[n - 1] = '\0';
        fim_entry_t e;
        memset(&e, 0, sizeof(e));
        char hex[2 * FIM_HASH_LEN + 2];
        int off = 0;
        if (sscanf(line,
                   "%" SCNu32 " %" SCNu64 " %" SCNu64 " %" SCNu32 " %" SCNu32 " %" SCNu64
                   " %" SCNd64 " %65s %n",
                   &e.mode, &e.ino, &e.nlink, &e.uid, &e.gid, &e.size, &e.mtime_ns, hex,
                   &off) != 8 ||
            off == 0 || line[off] != '/' || decode_path(line + off)) {
            rc = -1;
            break;
        }
        e.has_hash = strcmp(hex, "-") != 0;
        if (e.has_hash && agent_unhex(hex, e.hash, FIM_HASH_LEN)) {
            rc = -1;
            break;
        }
        e.path = line + off;
        if (!fim_baseline_put(b, &e)) {
            rc = -1;
            break;
        }
    }
    free(line);
    fclose(f);
    if (rc)
        fim_baseline_free(b);
    return rc;
}
