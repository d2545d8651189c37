/*
 * keyring_test.c — the master key file provider and the key service over a
 * SQLite store: the file's creation (0600), refusals (permissions, a
 * missing file beside existing keys, malformed lines), wrapping under each
 * master version, master rotation and retirement; data keys and their
 * versions surviving a restart, data-key rotation, a master-key rotation
 * job run to the end, a foreign master key refused at open, and a wrapped
 * data key copied onto another key's row refused.
 */
#include "ctl_test_util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "keyring.h"
#include "timefmt.h"

static void key_path(const char *dir, char out[300])
{
    snprintf(out, 300, "%s/master.key", dir);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    chmod(path, mode);
}

static void test_file_provider(void **state)
{
    (void)state;
    char dir[256], path[300];
    temp_dir(dir);
    key_path(dir, path);
    rp_error_t err;
    /* not made when the store already has keys */
    assert_null(keyprov_file_open(path, 0, &err));
    assert_non_null(strstr(err.reason, "restore"));
    keyprov_t *p = keyprov_file_open(path, 1, &err);
    assert_non_null(p);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(p->ops->current(p), 1);
    const uint8_t secret[] = "a data key of 32 bytes, or so..";
    uint8_t w1[200], w2[200], out[200];
    size_t w1_len, w2_len, out_len;
    assert_int_equal(p->ops->wrap(p, 1, secret, sizeof(secret), w1, sizeof(w1), &w1_len), 0);
    assert_int_equal(p->ops->wrap(p, 9, secret, sizeof(secret), w2, sizeof(w2), &w2_len), -1);
    keyprov_close(p);

    /* the same key after a restart */
    p = keyprov_file_open(path, 0, &err);
    assert_non_null(p);
    assert_int_equal(p->ops->unwrap(p, 1, w1, w1_len, out, sizeof(out), &out_len), 0);
    assert_int_equal(out_len, sizeof(secret));
    assert_memory_equal(out, secret, sizeof(secret));
    /* a flipped bit, or the wrong version, never unwraps */
    w1[w1_len - 1] ^= 1;
    assert_int_equal(p->ops->unwrap(p, 1, w1, w1_len, out, sizeof(out), &out_len), -1);
    w1[w1_len - 1] ^= 1;
    assert_int_equal(p->ops->unwrap(p, 2, w1, w1_len, out, sizeof(out), &out_len), -1);

    /* rotation: version 2 (AES-256-GCM) wraps, 1 still unwraps; retiring
     * 1 destroys it, in the file too */
    uint32_t v = 0;
    assert_int_equal(p->ops->rotate(p, RP_AEAD_AES_256_GCM, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(p->ops->current(p), 2);
    assert_int_equal(p->ops->wrap(p, 2, secret, sizeof(secret), w2, sizeof(w2), &w2_len), 0);
    assert_int_equal(p->ops->unwrap(p, 1, w1, w1_len, out, sizeof(out), &out_len), 0);
    assert_int_equal(p->ops->retire(p, 2), 0);
    assert_false(p->ops->has(p, 1));
    assert_int_equal(p->ops->unwrap(p, 1, w1, w1_len, out, sizeof(out), &out_len), -1);
    keyprov_close(p);
    p = keyprov_file_open(path, 0, &err);
    assert_non_null(p);
    assert_false(p->ops->has(p, 1));
    assert_int_equal(p->ops->unwrap(p, 2, w2, w2_len, out, sizeof(out), &out_len), 0);
    assert_memory_equal(out, secret, sizeof(secret));
    keyprov_close(p);

    /* others may read it: refused */
    chmod(path, 0640);
    assert_null(keyprov_file_open(path, 0, &err));
    assert_non_null(strstr(err.reason, "chmod 600"));
    /* malformed */
    write_file(path, "rpmk1 1 sm4-gcm 00112233\n", 0600);
    assert_null(keyprov_file_open(path, 0, &err));
    assert_non_null(strstr(err.reason, "malformed"));
    write_file(path,
               "rpmk1 2 sm4-gcm 00112233445566778899aabbccddeeff\n"
               "rpmk1 1 sm4-gcm 00112233445566778899aabbccddeeff\n",
               0600);
    assert_null(keyprov_file_open(path, 0, &err)); /* versions must ascend */
    write_file(path, "# comment\nrpmk1 3 sm4-gcm 00112233445566778899aabbccddeeff\n", 0600);
    p = keyprov_file_open(path, 0, &err);
    assert_non_null(p);
    assert_int_equal(p->ops->current(p), 3);
    keyprov_close(p);
    temp_dir_remove(dir);
}

static keyring_t *open_keyring(store_t *s, const char *dir)
{
    char path[300];
    key_path(dir, path);
    int64_t total = 0, below = 0;
    assert_int_equal(s->keys->count_below(s, UINT32_MAX, &total, &below), STORE_OK);
    rp_error_t err;
    keyprov_t *p = keyprov_file_open(path, total == 0, &err);
    if (!p)
        fail_msg("provider: %s", err.reason);
    keyring_t *kr = keyring_open(s, p, NULL, NULL, &err);
    if (!kr)
        fail_msg("keyring: %s", err.reason);
    return kr;
}

/* Seals "hello" with a handle into text. */
static void seal(const key_handle_t *h, char *text, size_t cap)
{
    uint8_t bin[128];
    size_t n;
    assert_int_equal(rp_envelope_seal_random(&h->aead, h->envelope_id, h->version,
                                             (const uint8_t *)"hello", 5, bin, sizeof(bin), &n),
                     RP_ENV_OK);
    assert_int_equal(rp_envelope_to_text(bin, n, text, cap), RP_ENV_OK);
}

static void assert_opens(const key_handle_t *h, const char *text)
{
    uint8_t bin[128], plain[16];
    size_t n;
    rp_envelope_t env;
    assert_int_equal(rp_envelope_from_text(text, strlen(text), bin, sizeof(bin), &n), RP_ENV_OK);
    assert_int_equal(rp_envelope_parse(bin, n, &env), RP_ENV_OK);
    assert_int_equal(env.key_version, h->version);
    assert_int_equal(rp_envelope_open(&h->aead, h->envelope_id, h->version, &env, plain),
                     RP_ENV_OK);
    assert_memory_equal(plain, "hello", 5);
}

static int job_of(void *ctx, const store_key_job_t *j)
{
    store_key_job_t *out = ctx;
    if (!out->id)
        *out = *j;
    return 0;
}

static void test_keys_rotation_and_master_rotation(void **state)
{
    (void)state;
    char dir[256];
    temp_dir(dir);
    store_t *s = open_store(dir);
    keyring_t *kr = open_keyring(s, dir);
    assert_false(keyring_valid_name("nofield"));
    assert_false(keyring_valid_name("a/b/c"));
    assert_false(keyring_valid_name("/b"));
    assert_false(keyring_valid_name("a b/c"));
    assert_true(keyring_valid_name("billing/card_no-2.v"));
    store_key_t k;
    assert_int_equal(keyring_create(kr, "billing/card", RP_AEAD_SM4_GCM, "admin", &k), KEYRING_OK);
    assert_int_equal(keyring_create(kr, "billing/card", RP_AEAD_SM4_GCM, "admin", &k),
                     KEYRING_CONFLICT);
    assert_int_equal(keyring_create(kr, "crm/phone", RP_AEAD_AES_256_GCM, "admin", &k), KEYRING_OK);
    const key_handle_t *h1, *h2, *again;
    assert_int_equal(keyring_get(kr, "billing/card", 0, &h1), KEYRING_OK);
    assert_int_equal(h1->version, 1);
    assert_string_equal(h1->envelope_id, "billing:card");
    char old[256], fresh[256];
    seal(h1, old, sizeof(old));
    uint32_t version = 0;
    assert_int_equal(keyring_rotate(kr, "billing/card", &version), KEYRING_OK);
    assert_int_equal(version, 2);
    assert_int_equal(keyring_get(kr, "billing/card", 0, &h2), KEYRING_OK);
    assert_int_equal(h2->version, 2);
    assert_memory_not_equal(h1->mac, h2->mac, 32);
    seal(h2, fresh, sizeof(fresh));
    assert_int_equal(keyring_get(kr, "billing/card", 1, &again), KEYRING_OK);
    assert_ptr_equal(again, h1); /* cached */
    assert_int_equal(keyring_get(kr, "billing/card", 7, &again), KEYRING_NOT_FOUND);
    assert_int_equal(keyring_get(kr, "billing/none", 0, &again), KEYRING_NOT_FOUND);
    assert_int_equal(keyring_rotate(kr, "billing/none", &version), KEYRING_NOT_FOUND);

    /* a master-key rotation rewraps all three versions and retires 1 */
    store_key_job_t job;
    assert_int_equal(keyring_master_rotate(kr, RP_AEAD_SM4_GCM, 0, "admin", &job), KEYRING_OK);
    assert_int_equal(job.target, 2);
    assert_int_equal(job.total, 3);
    int64_t deadline = time_now_ms() + 10000, total = 0, below = 1;
    store_key_job_t seen;
    do {
        usleep(20000);
        memset(&seen, 0, sizeof(seen));
        assert_int_equal(s->keys->job_list(s, job_of, &seen), STORE_OK);
    } while (strcmp(seen.state, "done") != 0 && time_now_ms() < deadline);
    assert_string_equal(seen.state, "done");
    assert_int_equal(seen.done, 3);
    assert_int_equal(s->keys->count_below(s, 2, &total, &below), STORE_OK);
    assert_int_equal(below, 0);
    keyring_close(kr);

    /* after a restart (fresh unwraps under master 2) old and new still open */
    kr = open_keyring(s, dir);
    assert_int_equal(keyring_master_version(kr), 2);
    assert_int_equal(keyring_get(kr, "billing/card", 1, &h1), KEYRING_OK);
    assert_opens(h1, old);
    assert_int_equal(keyring_get(kr, "billing/card", 2, &h2), KEYRING_OK);
    assert_opens(h2, fresh);

    /* a wrapped key copied onto another key's row is refused */
    store_key_t card, phone;
    assert_int_equal(s->keys->get(s, "billing/card", &card), STORE_OK);
    assert_int_equal(s->keys->get(s, "crm/phone", &phone), STORE_OK);
    store_key_version_t stolen;
    assert_int_equal(s->keys->version_get(s, card.id, 1, &stolen), STORE_OK);
    stolen.key_id = phone.id;
    assert_int_equal(s->keys->rewrap(s, phone.id, 1, 2, &stolen), STORE_OK);
    assert_int_equal(keyring_get(kr, "crm/phone", 1, &again), KEYRING_UNAVAILABLE);
    keyring_close(kr);

    /* another installation's master key file: refused at open */
    char other[256], path[300], other_path[300];
    temp_dir(other);
    key_path(dir, path);
    key_path(other, other_path);
    rp_error_t err;
    keyprov_t *foreign = keyprov_file_open(other_path, 1, &err);
    uint32_t v2;
    assert_int_equal(foreign->ops->rotate(foreign, RP_AEAD_SM4_GCM, &v2), 0); /* has 1 and 2 */
    keyprov_close(foreign);
    assert_int_equal(rename(other_path, path), 0);
    keyprov_t *p = keyprov_file_open(path, 0, &err);
    assert_non_null(p);
    assert_null(keyring_open(s, p, NULL, NULL, &err));
    assert_non_null(strstr(err.reason, "does not unwrap"));
    store_close(s);
    temp_dir_remove(other);
    temp_dir_remove(dir);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR); /* expected refusals log errors */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_provider),
        cmocka_unit_test(test_keys_rotation_and_master_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
