/*
 * idpassword.c — the directory's password policy and password changes
 * (see idpassword.h).
 */
#include "idpassword.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "password.h"
#include "timefmt.h"

/* The compiled list (common_passwords.c, generated from
 * etc/common-passwords.txt by CMakeLists.txt), lower case. */
extern const char *const rp_common_passwords[];
extern const size_t rp_common_passwords_count;

int idpw_is_common(const char *word)
{
    for (size_t i = 0; i < rp_common_passwords_count; i++)
        if (strcasecmp(word, rp_common_passwords[i]) == 0)
            return 1;
    return 0;
}

/* The word inside digits and punctuation at either end: "Pa55!" stays,
 * "Password123!" gives "password". */
static int common_core(const char *password)
{
    char core[PASSWORD_MAX_BYTES + 1];
    size_t len = strlen(password);
    if (len > PASSWORD_MAX_BYTES)
        return 0;
    size_t a = 0, b = len;
    while (a < b && !isalpha((unsigned char)password[a]))
        a++;
    while (b > a && !isalpha((unsigned char)password[b - 1]))
        b--;
    memcpy(core, password + a, b - a);
    core[b - a] = '\0';
    return (b > a && idpw_is_common(core)) || idpw_is_common(password);
}

static int contains_name(const char *password, const char *name)
{
    size_t n = strlen(name);
    if (n < 3) /* a two-letter name is in too many good passwords */
        return 0;
    for (const char *p = password; *p; p++)
        if (strncasecmp(p, name, n) == 0)
            return 1;
    return 0;
}

static int classes(const char *password)
{
    int lower = 0, upper = 0, digit = 0, other = 0;
    for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
        if (islower(*p))
            lower = 1;
        else if (isupper(*p))
            upper = 1;
        else if (isdigit(*p))
            digit = 1;
        else
            other = 1; /* punctuation, space, and any non-ASCII letter */
    }
    return lower + upper + digit + other;
}

/* Characters (UTF-8 code points), not bytes: a Chinese pass-phrase counts
 * what the user typed. */
static size_t characters(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static int in_history(const idconf_t *id, const dir_user_t *u, const char *password)
{
    if (u->pw_hash[0] && password_verify(u->pw_hash, password) == 1)
        return 1;
    json_t *hist = json_loads(u->pw_history, 0, NULL);
    size_t i;
    json_t *h;
    int found = 0;
    json_array_foreach(hist, i, h)
    {
        if ((int)i >= id->pw_history)
            break;
        if (json_string_value(h) && password_verify(json_string_value(h), password) == 1) {
            found = 1;
            break;
        }
    }
    json_decref(hist);
    return found;
}

const char *idpw_policy(const idconf_t *id, const dir_user_t *u, const char *password)
{
    static _Thread_local char why[160]; /* the reasons that name a setting's number */
    if (!password)
        return "password: a string is required";
    if (strlen(password) > PASSWORD_MAX_BYTES)
        return "password: at most 1024 bytes";
    if (characters(password) < (size_t)id->pw_min_length) {
        snprintf(why, sizeof(why), "password: at least %d characters", id->pw_min_length);
        return why;
    }
    if (classes(password) < id->pw_min_classes) {
        snprintf(why, sizeof(why),
                 "password: use at least %d of lower case, upper case, digits and symbols",
                 id->pw_min_classes);
        return why;
    }
    if (contains_name(password, u->name))
        return "password: must not contain the account name";
    if (common_core(password))
        return "password: too common (on the list of common passwords)";
    if (in_history(id, u, password)) {
        snprintf(why, sizeof(why),
                 "password: used recently (the last %d passwords cannot be reused)",
                 id->pw_history ? id->pw_history : 1);
        return why;
    }
    return NULL;
}

const char *idpw_set(const ctl_config_t *cfg, dir_user_t *u, const char *password)
{
    const char *why = idpw_policy(&cfg->id, u, password);
    if (why)
        return why;
    char hash[STORE_PWHASH_MAX + 1];
    if (password_hash(cfg, password, hash, sizeof(hash)))
        return "cannot hash the password";
    json_t *hist = json_loads(u->pw_history, 0, NULL);
    if (!json_is_array(hist)) {
        json_decref(hist);
        hist = json_array();
    }
    if (u->pw_hash[0])
        json_array_insert_new(hist, 0, json_string(u->pw_hash));
    while (json_array_size(hist) > (size_t)cfg->id.pw_history)
        json_array_remove(hist, json_array_size(hist) - 1);
    char *text = json_dumps(hist, JSON_COMPACT);
    json_decref(hist);
    /* hashes are ~100 bytes: five fit; drop the oldest should one not */
    if (!text || strlen(text) > DIR_HISTORY_MAX) {
        free(text);
        text = strdup("[]");
    }
    snprintf(u->pw_history, sizeof(u->pw_history), "%s", text ? text : "[]");
    free(text);
    snprintf(u->pw_hash, sizeof(u->pw_hash), "%s", hash);
    u->pw_changed = time_now_ms();
    return NULL;
}

json_t *idpw_policy_json(const idconf_t *id)
{
    return json_pack("{s:i, s:i, s:i}", "min_length", id->pw_min_length, "min_classes",
                     id->pw_min_classes, "history", id->pw_history);
}

int idpw_expired(const idconf_t *id, const dir_user_t *u, int64_t now_ms)
{
    /* pw_changed 0: set by an operator, to be changed at the first login */
    return u->pw_hash[0] && (u->pw_changed == 0 ||
                             (id->pw_max_age_days > 0 &&
                              now_ms - u->pw_changed > (int64_t)id->pw_max_age_days * 86400000LL));
}
