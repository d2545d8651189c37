/*
 * password.c — argon2id hashing and the password policy (see password.h).
 */
#include "password.h"

#include <argon2.h>
#include <string.h>
#include <strings.h>

#include "secret.h"

#define SALT_LEN 16
#define HASH_LEN 32

int password_hash(const ctl_config_t *cfg, const char *password, char *out, size_t out_size)
{
    unsigned char salt[SALT_LEN];
    if (secret_random(salt, sizeof(salt)))
        return -1;
    int rc = argon2id_hash_encoded(cfg->argon2_iterations, cfg->argon2_memory_kib,
                                   cfg->argon2_parallelism, password, strlen(password), salt,
                                   sizeof(salt), HASH_LEN, out, out_size);
    return rc == ARGON2_OK ? 0 : -1;
}

int password_verify(const char *encoded, const char *password)
{
    if (strncmp(encoded, "$argon2id$", 10) != 0)
        return -1;
    int rc = argon2id_verify(encoded, password, strlen(password));
    if (rc == ARGON2_OK)
        return 1;
    return rc == ARGON2_VERIFY_MISMATCH ? 0 : -1;
}

void password_waste_time(const ctl_config_t *cfg, const char *password)
{
    char scratch[256];
    password_hash(cfg, password, scratch, sizeof(scratch));
    secret_wipe(scratch, sizeof(scratch));
}

/* Counts characters, not bytes: a Chinese passphrase is as long as it
 * reads. */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

const char *password_policy_check(const char *account, const char *password)
{
    size_t bytes = strlen(password);
    if (utf8_length(password) < PASSWORD_MIN_LENGTH)
        return "the password must have at least 12 characters";
    if (bytes > PASSWORD_MAX_BYTES)
        return "the password must have at most 1024 bytes";
    if (account && strcasecmp(account, password) == 0)
        return "the password must not be the account name";
    size_t same = 1;
    while (same < bytes && password[same] == password[0])
        same++;
    if (same == bytes)
        return "the password must not repeat a single character";
    return NULL;
}
