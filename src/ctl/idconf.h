/*
 * idconf.h — the identity service's settings in rampartd.conf (the id_*
 * and oidc_* directives, config.c): directory users' password policy,
 * portal login-failure handling, session timeouts, the TOTP issuer and
 * the OpenID Connect lifetimes. The defaults below are the values the
 * service had before they were settings; docs/RAMPARTD.md and
 * docs/IDENTITY.md list every directive with its bounds. SIGHUP applies
 * them to the next request (a session keeps the timeouts it was issued
 * with: they are in its token).
 */
#ifndef RAMPART_CTL_IDCONF_H
#define RAMPART_CTL_IDCONF_H

#define IDCONF_TOTP_ISSUER_MAX 64

typedef struct {
    /* passwords (idpassword.c) */
    int pw_min_length;   /* characters, not bytes */
    int pw_min_classes;  /* of lower case, upper case, digits, others */
    int pw_history;      /* earlier passwords that cannot come back */
    int pw_max_age_days; /* 0: never expire */
    /* portal login failures per account (idlogin.c) */
    int login_delay_after; /* failures before each attempt must wait 2^(n-k) s */
    int login_lock_after;  /* failures that lock the account */
    int login_lock_s;      /* for this long */
    /* sessions (api_id.c; the gateways enforce what the token says) */
    int session_idle_s;
    int session_absolute_s;
    /* TOTP: the issuer authenticator apps show (otpauth URI, totp.h) */
    char totp_issuer[IDCONF_TOTP_ISSUER_MAX + 1];
    /* OpenID Connect lifetimes (api_oidc_authorize.c, api_oidc_token.c) */
    int oidc_code_s;
    int oidc_access_s;
    int oidc_id_token_s;
} idconf_t;

#define IDCONF_DEFAULTS                                                                            \
    {                                                                                              \
        .pw_min_length = 12, .pw_min_classes = 3, .pw_history = 5, .pw_max_age_days = 90,          \
        .login_delay_after = 3, .login_lock_after = 10, .login_lock_s = 900,                       \
        .session_idle_s = 1800, .session_absolute_s = 43200, .totp_issuer = "Rampart",             \
        .oidc_code_s = 60, .oidc_access_s = 600, .oidc_id_token_s = 600,                           \
    }

struct ctl;
/* The configured absolute session lifetime of a running rampartd. */
int idconf_session_absolute_s(struct ctl *ctl);

#endif
