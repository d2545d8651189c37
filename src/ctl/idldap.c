/*
 * idldap.c — authentication against an LDAP server by binding as the
 * user (see idldap.h). One connection per login: logins are rare next to
 * requests, and a fresh connection never carries another user's bind.
 */
#define LDAP_DEPRECATED 0
#include "idldap.h"

#include <ldap.h>
#include <stdio.h>
#include <string.h>

#include "secret.h"

int idldap_enabled(const ctl_config_t *cfg)
{
    return cfg->ldap_url[0] != '\0';
}

int idldap_escape(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s; s++) {
        int special = strchr("*()\\", *s) != NULL;
        if (n + (special ? 3 : 1) >= size)
            return -1;
        if (special)
            n += (size_t)snprintf(out + n, size - n, "\\%02x", (unsigned char)*s);
        else
            out[n++] = *s;
    }
    out[n] = '\0';
    return 0;
}

/* The service account's password: the file's first line. */
static int read_secret(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    if (!path[0])
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(out, (int)size, f) != NULL;
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    return ok ? 0 : -1;
}

static int simple_bind(LDAP *ld, const char *dn, const char *password)
{
    struct berval cred = {strlen(password), (char *)password};
    return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* The connection with its options, or NULL. */
static LDAP *connect_to(const ctl_config_t *cfg)
{
    LDAP *ld = NULL;
    if (ldap_initialize(&ld, cfg->ldap_url) != LDAP_SUCCESS)
        return NULL;
    int version = LDAP_VERSION3, off = 0;
    struct timeval tv = {cfg->ldap_timeout_ms / 1000, (cfg->ldap_timeout_ms % 1000) * 1000};
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, &off); /* never follow a referral elsewhere */
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    if (strncmp(cfg->ldap_url, "ldaps://", 8) == 0) {
        int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
        if (cfg->ldap_ca[0])
            ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ldap_ca);
        ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    }
    return ld;
}

static void first_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t size)
{
    out[0] = '\0';
    struct berval **v = ldap_get_values_len(ld, e, attr);
    if (v && v[0] && v[0]->bv_len < size && !memchr(v[0]->bv_val, '\0', v[0]->bv_len)) {
        memcpy(out, v[0]->bv_val, v[0]->bv_len);
        out[v[0]->bv_len] = '\0';
    }
    ldap_value_free_len(v);
}

static int search(const ctl_config_t *cfg, LDAP *ld, const char *base, const char *filter,
                  char **attrs, int limit, LDAPMessage **res)
{
    struct timeval tv = {cfg->ldap_timeout_ms / 1000, (cfg->ldap_timeout_ms % 1000) * 1000};
    *res = NULL;
    return ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv, limit,
                             res);
}

/* Finds the user's entry (exactly one) and reads its attributes. */
static idldap_result_t find_user(const ctl_config_t *cfg, LDAP *ld, const char *name,
                                 idldap_user_t *out, const char **why)
{
    char escaped[DIR_NAME_MAX * 3 + 1], filter[CONFIG_PATH_MAX + sizeof(escaped)];
    if (idldap_escape(name, escaped, sizeof(escaped)) || !strstr(cfg->ldap_user_filter, "%s")) {
        *why = "ldap_user_filter";
        return IDLDAP_UNAVAILABLE;
    }
    /* the filter is the operator's, with one %s (checked above) */
    const char *at = strstr(cfg->ldap_user_filter, "%s");
    snprintf(filter, sizeof(filter), "%.*s%s%s", (int)(at - cfg->ldap_user_filter),
             cfg->ldap_user_filter, escaped, at + 2);
    char *attrs[] = {(char *)cfg->ldap_attr_display, (char *)cfg->ldap_attr_email,
                     (char *)cfg->ldap_attr_phone, NULL};
    LDAPMessage *res;
    int rc = search(cfg, ld, cfg->ldap_user_base, filter, attrs, 2, &res);
    idldap_result_t result = IDLDAP_UNAVAILABLE;
    int n = res ? ldap_count_entries(ld, res) : 0;
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && rc != LDAP_NO_SUCH_OBJECT) {
        *why = "user search failed";
    } else if (n != 1) {
        *why = n ? "several entries match the user" : "unknown_user";
        result = IDLDAP_REFUSED;
    } else {
        LDAPMessage *e = ldap_first_entry(ld, res);
        char *dn = ldap_get_dn(ld, e);
        if (dn && strlen(dn) < sizeof(out->dn)) {
            snprintf(out->dn, sizeof(out->dn), "%s", dn);
            first_value(ld, e, cfg->ldap_attr_display, out->display_name,
                        sizeof(out->display_name));
            first_value(ld, e, cfg->ldap_attr_email, out->email, sizeof(out->email));
            first_value(ld, e, cfg->ldap_attr_phone, out->phone, sizeof(out->phone));
            result = IDLDAP_OK;
        } else {
            *why = "user DN unreadable";
        }
        ldap_memfree(dn);
    }
    ldap_msgfree(res);
    return result;
}

static idldap_result_t find_groups(const ctl_config_t *cfg, LDAP *ld, idldap_user_t *out,
                                   const char **why)
{
    if (!cfg->ldap_group_base[0])
        return IDLDAP_OK;
    char escaped[sizeof(out->dn) * 3], filter[CONFIG_PATH_MAX + sizeof(escaped)];
    const char *at = strstr(cfg->ldap_group_filter, "%s");
    if (!at || idldap_escape(out->dn, escaped, sizeof(escaped))) {
        *why = "ldap_group_filter";
        return IDLDAP_UNAVAILABLE;
    }
    snprintf(filter, sizeof(filter), "%.*s%s%s", (int)(at - cfg->ldap_group_filter),
             cfg->ldap_group_filter, escaped, at + 2);
    char *attrs[] = {"cn", NULL};
    LDAPMessage *res;
    int rc = search(cfg, ld, cfg->ldap_group_base, filter, attrs, IDLDAP_MAX_GROUPS, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && rc != LDAP_NO_SUCH_OBJECT) {
        ldap_msgfree(res);
        *why = "group search failed";
        return IDLDAP_UNAVAILABLE;
    }
    for (LDAPMessage *e = res ? ldap_first_entry(ld, res) : NULL;
         e && out->n_groups < IDLDAP_MAX_GROUPS; e = ldap_next_entry(ld, e)) {
        char *cn = out->groups[out->n_groups];
        first_value(ld, e, "cn", cn, DIR_NAME_MAX + 1);
        out->n_groups += cn[0] != '\0';
    }
    ldap_msgfree(res);
    return IDLDAP_OK;
}

idldap_result_t idldap_authenticate(const ctl_config_t *cfg, const char *name, const char *password,
                                    idldap_user_t *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    /* An empty password is an unauthenticated bind (RFC 4513 §5.1.2),
     * which servers answer with success: never a login. */
    if (!password[0]) {
        *why = "bad_password";
        return IDLDAP_REFUSED;
    }
    char secret[512];
    if (read_secret(cfg->ldap_bind_password_file, secret, sizeof(secret))) {
        *why = "ldap_bind_password_file unreadable";
        return IDLDAP_UNAVAILABLE;
    }
    LDAP *ld = connect_to(cfg);
    idldap_result_t result = IDLDAP_UNAVAILABLE;
    *why = "directory unavailable";
    const char *service_dn = cfg->ldap_bind_dn[0] ? cfg->ldap_bind_dn : NULL;
    int rc = ld ? simple_bind(ld, service_dn, secret) : LDAP_CONNECT_ERROR;
    if (rc == LDAP_SUCCESS)
        result = find_user(cfg, ld, name, out, why);
    else if (rc != LDAP_SERVER_DOWN && rc != LDAP_CONNECT_ERROR && rc != LDAP_TIMEOUT)
        *why = "service bind refused";
    if (result == IDLDAP_OK) {
        rc = simple_bind(ld, out->dn, password);
        if (rc == LDAP_INVALID_CREDENTIALS) {
            *why = "bad_password";
            result = IDLDAP_REFUSED;
        } else if (rc != LDAP_SUCCESS) {
            *why = "user bind failed";
            result = IDLDAP_UNAVAILABLE;
        }
    }
    /* groups are read as the service account: users may not read them */
    if (result == IDLDAP_OK && simple_bind(ld, service_dn, secret) != LDAP_SUCCESS) {
        *why = "service bind refused";
        result = IDLDAP_UNAVAILABLE;
    }
    secret_wipe(secret, sizeof(secret));
    if (result == IDLDAP_OK)
        result = find_groups(cfg, ld, out, why);
    if (ld)
        ldap_unbind_ext_s(ld, NULL, NULL);
    return result;
}
