/*
 * keyprov_pkcs11.c — the master key in a PKCS#11 token (an HSM; SoftHSM2
 * in the tests), see keyprov.h and docs/CRYPTO.md "Master key providers".
 *
 * Each master version is a secret key object of the token: CKK_AES, 256
 * bits, CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE (the
 * token never hands the material out), CKA_LABEL the configured label and
 * CKA_ID the version as 4 bytes, big-endian. rampartd finds them at start
 * (C_FindObjects on the label), creates version 1 with C_GenerateKey when
 * there is none and the store holds no data key yet, and makes the next
 * version the same way on rotation; retire destroys the objects.
 *
 * wrap and unwrap are C_Encrypt and C_Decrypt with CKM_AES_GCM inside the
 * token (PKCS#11 v2.40 section 2.14.3 / 3.0; NIST SP 800-38D): a 96-bit
 * random IV, a 128-bit tag, and as additional data "rampart-master" and
 * the version, so a blob authenticates only under the version it names.
 * Blob: IV (12) || ciphertext || tag (16), 28 bytes more than what it
 * wraps.
 *
 * The module is loaded with dlopen and C_GetFunctionList (the standard's
 * entry point), initialised with CKF_OS_LOCKING_OK; one logged-in R/W
 * session is used under a mutex (key unwraps are rare: the key service
 * caches data keys). The PIN is read from a file of mode 0600 owned by
 * rampartd's user, kept only until C_Login, wiped, never logged.
 * Algorithms: tokens hold AES here; a rotation asking for SM4 gets AES-256
 * (SM4 in hardware is the GM/T 0018 SDF path, docs/CRYPTO.md).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "keyprov.h"
#include "keyprov_pkcs11.h"
#include "secret.h"

#define MAX_VERSIONS 32
#define IV_LEN       12
#define TAG_LEN      16
#define AAD_PREFIX   "rampart-master"

typedef struct {
    uint32_t version;
    CK_OBJECT_HANDLE handle;
} p11_version_t;

typedef struct {
    keyprov_t base;
    void *module;
    CK_FUNCTION_LIST_PTR f;
    CK_SESSION_HANDLE session;
    int initialized, logged_in, session_open;
    pthread_mutex_t lock;
    char label[65];
    p11_version_t v[MAX_VERSIONS]; /* ascending */
    int n;
} p11_prov_t;

static p11_version_t *find(p11_prov_t *k, uint32_t version)
{
    for (int i = 0; i < k->n; i++)
        if (k->v[i].version == version)
            return &k->v[i];
    return NULL;
}

static void version_id(uint32_t version, CK_BYTE id[4])
{
    id[0] = (CK_BYTE)(version >> 24);
    id[1] = (CK_BYTE)(version >> 16);
    id[2] = (CK_BYTE)(version >> 8);
    id[3] = (CK_BYTE)version;
}

static void aad_of(uint32_t version, CK_BYTE aad[sizeof(AAD_PREFIX) - 1 + 4])
{
    memcpy(aad, AAD_PREFIX, sizeof(AAD_PREFIX) - 1);
    version_id(version, aad + sizeof(AAD_PREFIX) - 1);
}

static uint32_t current(keyprov_t *p)
{
    p11_prov_t *k = (p11_prov_t *)p;
    pthread_mutex_lock(&k->lock);
    uint32_t v = k->n ? k->v[k->n - 1].version : 0;
    pthread_mutex_unlock(&k->lock);
    return v;
}

/* C_EncryptInit/C_Encrypt (or Decrypt) with AES-GCM under `version`. */
static int gcm(p11_prov_t *k, int encrypt, uint32_t version, CK_BYTE *iv, const uint8_t *in,
               size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    CK_BYTE aad[sizeof(AAD_PREFIX) - 1 + 4];
    aad_of(version, aad);
    CK_GCM_PARAMS params = {
        .iv_ptr = iv,
        .iv_len = IV_LEN,
        .iv_bits = IV_LEN * 8,
        .aad_ptr = aad,
        .aad_len = sizeof(aad),
        .tag_bits = TAG_LEN * 8,
    };
    CK_MECHANISM mech = {CKM_AES_GCM, &params, sizeof(params)};
    CK_ULONG n = cap;
    pthread_mutex_lock(&k->lock);
    p11_version_t *v = find(k, version);
    CK_RV rv = CKR_KEY_HANDLE_INVALID;
    if (v && encrypt) {
        rv = k->f->C_EncryptInit(k->session, &mech, v->handle);
        if (rv == CKR_OK)
            rv = k->f->C_Encrypt(k->session, (CK_BYTE_PTR)in, len, out, &n);
    } else if (v) {
        rv = k->f->C_DecryptInit(k->session, &mech, v->handle);
        if (rv == CKR_OK)
            rv = k->f->C_Decrypt(k->session, (CK_BYTE_PTR)in, len, out, &n);
    }
    pthread_mutex_unlock(&k->lock);
    if (rv != CKR_OK)
        return -1;
    *out_len = n;
    return 0;
}

static int wrap(keyprov_t *p, uint32_t version, const uint8_t *in, size_t len, uint8_t *out,
                size_t cap, size_t *out_len)
{
    if (cap < IV_LEN + len + TAG_LEN || secret_random(out, IV_LEN) != 0)
        return -1;
    size_t n = 0;
    if (gcm((p11_prov_t *)p, 1, version, out, in, len, out + IV_LEN, cap - IV_LEN, &n) != 0)
        return -1;
    *out_len = IV_LEN + n;
    return 0;
}

static int unwrap(keyprov_t *p, uint32_t version, const uint8_t *in, size_t len, uint8_t *out,
                  size_t cap, size_t *out_len)
{
    if (len < IV_LEN + TAG_LEN)
        return -1;
    /* the token writes plaintext and tag-checks in one call: give it room
     * for both, then keep the plaintext */
    uint8_t buf[1024];
    CK_BYTE iv[IV_LEN];
    memcpy(iv, in, IV_LEN);
    size_t n = 0;
    int rc = gcm((p11_prov_t *)p, 0, version, iv, in + IV_LEN, len - IV_LEN, buf, sizeof(buf), &n);
    if (rc == 0 && n <= cap) {
        memcpy(out, buf, n);
        *out_len = n;
    } else {
        rc = -1;
    }
    secret_wipe(buf, sizeof(buf));
    return rc;
}

/* A new AES-256 key object for `version`; 0 or -1. Caller holds the lock
 * (or is alone: open). */
static int generate(p11_prov_t *k, uint32_t version)
{
    if (k->n == MAX_VERSIONS)
        return -1;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ULONG value_len = 32;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_BYTE id[4];
    version_id(version, id);
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_VALUE_LEN, &value_len, sizeof(value_len)},
        {CKA_LABEL, k->label, strlen(k->label)},
        {CKA_ID, id, sizeof(id)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_ENCRYPT, &yes, sizeof(yes)},
        {CKA_DECRYPT, &yes, sizeof(yes)},
    };
    CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
    CK_OBJECT_HANDLE h;
    if (k->f->C_GenerateKey(k->session, &mech, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &h) != CKR_OK)
        return -1;
    k->v[k->n].version = version;
    k->v[k->n].handle = h;
    k->n++;
    return 0;
}

static int rotate(keyprov_t *p, rp_aead_alg_t alg, uint32_t *version)
{
    (void)alg; /* AES-256 in the token (see the head of this file) */
    p11_prov_t *k = (p11_prov_t *)p;
    pthread_mutex_lock(&k->lock);
    uint32_t next = k->n ? k->v[k->n - 1].version + 1 : 1;
    int rc = generate(k, next);
    pthread_mutex_unlock(&k->lock);
    if (rc == 0)
        *version = next;
    return rc;
}

static int retire(keyprov_t *p, uint32_t keep_from)
{
    p11_prov_t *k = (p11_prov_t *)p;
    pthread_mutex_lock(&k->lock);
    int kept = 0, rc = 0;
    for (int i = 0; i < k->n; i++) {
        if (k->v[i].version < keep_from &&
            k->f->C_DestroyObject(k->session, k->v[i].handle) == CKR_OK)
            continue;
        if (k->v[i].version < keep_from)
            rc = -1; /* kept, and said */
        k->v[kept++] = k->v[i];
    }
    k->n = kept;
    pthread_mutex_unlock(&k->lock);
    return rc;
}

static int has(keyprov_t *p, uint32_t version)
{
    p11_prov_t *k = (p11_prov_t *)p;
    pthread_mutex_lock(&k->lock);
    int found = find(k, version) != NULL;
    pthread_mutex_unlock(&k->lock);
    return found;
}

static void close_prov(keyprov_t *p)
{
    p11_prov_t *k = (p11_prov_t *)p;
    if (k->logged_in)
        k->f->C_Logout(k->session);
    if (k->session_open)
        k->f->C_CloseSession(k->session);
    if (k->initialized)
        k->f->C_Finalize(NULL);
    if (k->module)
        dlclose(k->module);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static const keyprov_ops_t pkcs11_ops = {
    .name = "pkcs11",
    .current = current,
    .wrap = wrap,
    .unwrap = unwrap,
    .rotate = rotate,
    .retire = retire,
    .has = has,
    .close = close_prov,
};

static keyprov_t *fail(p11_prov_t *k, rp_error_t *err, const char *fmt, const char *arg, CK_RV rv)
{
    char why[200];
    snprintf(why, sizeof(why), fmt, arg);
    if (rv != CKR_OK)
        snprintf(err->reason, sizeof(err->reason), "pkcs11: %s (CKR 0x%lx)", why,
                 (unsigned long)rv);
    else
        snprintf(err->reason, sizeof(err->reason), "pkcs11: %s", why);
    if (k)
        close_prov(&k->base);
    return NULL;
}

/* The PIN: the first line of a 0600 file of rampartd's user. 0, or -1
 * with the reason. */
static int read_pin(const char *path, char *pin, size_t size, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "cannot read the PIN file %s";
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if ((st.st_mode & 077) || st.st_uid != geteuid()) {
        close(fd);
        *why = "the PIN file %s must be mode 0600 and belong to the user rampartd runs as";
        return -1;
    }
    ssize_t n = read(fd, pin, size - 1);
    close(fd);
    if (n <= 0) {
        *why = "the PIN file %s is empty";
        return -1;
    }
    pin[n] = '\0';
    pin[strcspn(pin, "\r\n")] = '\0';
    if (!pin[0]) {
        *why = "the PIN file %s is empty";
        return -1;
    }
    return 0;
}

/* The slot whose token's label is `label` (blank-padded to 32 bytes in
 * CK_TOKEN_INFO). */
static int find_slot(p11_prov_t *k, const char *label, CK_SLOT_ID *slot)
{
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    if (k->f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
        return -1;
    size_t len = strlen(label);
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO info;
        if (k->f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
            continue;
        const char *l = (const char *)info.label;
        size_t end = sizeof(info.label);
        while (end > 0 && l[end - 1] == ' ')
            end--;
        if (end == len && memcmp(l, label, len) == 0) {
            *slot = slots[i];
            return 0;
        }
    }
    return -1;
}

static int by_version(const void *a, const void *b)
{
    uint32_t x = ((const p11_version_t *)a)->version, y = ((const p11_version_t *)b)->version;
    return x < y ? -1 : x > y;
}

/* The label's secret keys and their versions (CKA_ID). */
static int load_versions(p11_prov_t *k)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_LABEL, k->label, strlen(k->label)},
    };
    if (k->f->C_FindObjectsInit(k->session, tmpl, 2) != CKR_OK)
        return -1;
    CK_OBJECT_HANDLE h[MAX_VERSIONS + 1];
    CK_ULONG n = 0;
    CK_RV rv = k->f->C_FindObjects(k->session, h, MAX_VERSIONS + 1, &n);
    k->f->C_FindObjectsFinal(k->session);
    if (rv != CKR_OK || n > MAX_VERSIONS)
        return -1;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_BYTE id[4];
        CK_ATTRIBUTE a = {CKA_ID, id, sizeof(id)};
        if (k->f->C_GetAttributeValue(k->session, h[i], &a, 1) != CKR_OK || a.ulValueLen != 4)
            return -1;
        k->v[k->n].version =
            (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
        k->v[k->n].handle = h[i];
        if (k->v[k->n].version == 0 || find(k, k->v[k->n].version))
            return -1;
        k->n++;
    }
    qsort(k->v, (size_t)k->n, sizeof(k->v[0]), by_version);
    return 0;
}

keyprov_t *keyprov_pkcs11_open(const keyprov_pkcs11_config_t *cfg, int may_create, rp_error_t *err)
{
    memset(err, 0, sizeof(*err)); /* the reason names what failed; no file:line */
    p11_prov_t *k = calloc(1, sizeof(*k));
    if (!k)
        return fail(NULL, err, "out of memory%s", "", CKR_OK);
    k->base.ops = &pkcs11_ops;
    pthread_mutex_init(&k->lock, NULL);
    snprintf(k->label, sizeof(k->label), "%s", cfg->key_label);
    k->module = dlopen(cfg->module, RTLD_NOW | RTLD_LOCAL);
    if (!k->module)
        return fail(k, err, "cannot load the module %s", cfg->module, CKR_OK);
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(k->module, "C_GetFunctionList");
    if (!get || get(&k->f) != CKR_OK || !k->f)
        return fail(k, err, "%s is no PKCS#11 module (no C_GetFunctionList)", cfg->module, CKR_OK);
    CK_C_INITIALIZE_ARGS init = {.flags = CKF_OS_LOCKING_OK};
    CK_RV rv = k->f->C_Initialize(&init);
    if (rv != CKR_OK)
        return fail(k, err, "C_Initialize of %s failed", cfg->module, rv);
    k->initialized = 1;
    CK_SLOT_ID slot;
    if (find_slot(k, cfg->token, &slot) != 0)
        return fail(k, err, "no token labelled \"%s\"", cfg->token, CKR_OK);
    rv = k->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &k->session);
    if (rv != CKR_OK)
        return fail(k, err, "cannot open a session with token \"%s\"", cfg->token, rv);
    k->session_open = 1;
    char pin[256];
    const char *why = NULL;
    if (read_pin(cfg->pin_file, pin, sizeof(pin), &why) != 0) {
        secret_wipe(pin, sizeof(pin));
        return fail(k, err, why, cfg->pin_file, CKR_OK);
    }
    rv = k->f->C_Login(k->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    secret_wipe(pin, sizeof(pin));
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED)
        return fail(k, err,
                    "token \"%s\" refused the PIN of pkcs11_pin_file (wrong, locked or expired)",
                    cfg->token, rv);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
        return fail(k, err, "cannot log in to token \"%s\"", cfg->token, rv);
    k->logged_in = 1;
    if (load_versions(k) != 0)
        return fail(k, err,
                    "cannot read the master keys labelled \"%s\" (each needs a 4-byte "
                    "CKA_ID, the version)",
                    k->label, CKR_OK);
    if (k->n == 0 && !may_create)
        return fail(k, err,
                    "token holds no key labelled \"%s\", and the store holds data keys wrapped "
                    "by it: wrong token or key label",
                    k->label, CKR_OK);
    if (k->n == 0 && generate(k, 1) != 0)
        return fail(k, err, "cannot create master key version 1 labelled \"%s\"", k->label, CKR_OK);
    return &k->base;
}
