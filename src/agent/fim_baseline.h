/*
 * fim_baseline.h — the file integrity baseline: what each watched path
 * looked like when last seen (AIDE's database, in memory and on disk).
 *
 * An entry records the attributes AIDE's "p+i+n+u+g+s+m+sha256" group
 * covers: permissions and type (mode), inode, link count, owner, group,
 * size, mtime, and the content hash (SHA-256 or SM3; for a symbolic link
 * the hash of its target text, which is never followed). Files larger
 * than fim_hash_max_size carry no hash and are compared by metadata.
 *
 * In memory: an open-addressing hash table keyed by path. On disk
 * (STATE_DIR/fim.baseline): a header line "rampart-fim-baseline 1 ALGO",
 * then one line per entry of space-separated fields with the path last,
 * percent-encoded (bytes below 0x21, 0x7f and '%'), so any file name round
 * trips; written to a temporary file, fsync'd and renamed.
 */
#ifndef RAMPART_AGENT_FIM_BASELINE_H
#define RAMPART_AGENT_FIM_BASELINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FIM_HASH_LEN 32 /* SHA-256 and SM3 both */

typedef struct {
    char *path; /* owned */
    uint64_t ino, size, nlink;
    int64_t mtime_ns;
    uint32_t mode, uid, gid;
    int has_hash;
    unsigned char hash[FIM_HASH_LEN];
    uint32_t seen; /* scan generation that last saw it */
} fim_entry_t;

typedef struct {
    fim_entry_t **slots;
    size_t cap, count;
} fim_baseline_t;

void fim_baseline_init(fim_baseline_t *b);
void fim_baseline_free(fim_baseline_t *b);

fim_entry_t *fim_baseline_get(const fim_baseline_t *b, const char *path);

/* Inserts or replaces the entry for e->path (copied); returns the stored
 * entry, NULL on allocation failure. */
fim_entry_t *fim_baseline_put(fim_baseline_t *b, const fim_entry_t *e);

void fim_baseline_remove(fim_baseline_t *b, const char *path);

/* Calls cb for every entry (the table must not change meanwhile). */
void fim_baseline_each(const fim_baseline_t *b, void (*cb)(void *ctx, fim_entry_t *e), void *ctx);

/* 1 when the two describe the same file state. */
int fim_entry_same(const fim_entry_t *a, const fim_entry_t *b);

/* Which attributes differ, as a comma-separated list ("hash,size,mtime"). */
void fim_entry_differences(const fim_entry_t *a, const fim_entry_t *b, char *out, size_t size);

/* Saves to path atomically; 0 or -1 (errno). algo names the hash. */
int fim_baseline_save(const fim_baseline_t *b, const char *path, const char *algo);

/* Loads path into an empty table. 0, 1 when there is no file, -1 when it
 * is malformed or of another hash algorithm (the caller rebuilds it). */
int fim_baseline_load(fim_baseline_t *b, const char *path, const char *algo);

#endif
