/*
 * soft_authenticator.c — the tests' software WebAuthn authenticator as a
 * command (the core is soft_authenticator_core.c):
 *
 *   soft_authenticator create|get --state FILE --origin ORIGIN
 *       [--alg es256|rs256] [--fmt none|packed] [--uv] [--fault NAME]...
 *       < options.json > credential.json
 *
 * The options are what rampartd gave the page; the output is what the
 * page would post back. Faults: wrong-origin, wrong-challenge,
 * bad-signature, no-up, counter-regression, wrong-type, wrong-rp,
 * cross-origin, wrong-credential. Exit status 0, or 1 with the reason on
 * stderr (2 for usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soft_authenticator_core.h"

static int usage(void)
{
    fprintf(stderr, "usage: soft_authenticator create|get --state FILE --origin ORIGIN "
                    "[--alg es256|rs256] [--fmt none|packed] [--uv] [--fault NAME]... "
                    "< options.json\n");
    return 2;
}

static char *read_all(FILE *f)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "create") && strcmp(argv[1], "get")))
        return usage();
    const char *state = NULL;
    soft_params_t p = {0};
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(arg, "--uv")) {
            p.user_verified = 1;
            continue;
        }
        if (!val)
            return usage();
        i++;
        if (!strcmp(arg, "--state")) {
            state = val;
        } else if (!strcmp(arg, "--origin")) {
            p.origin = val;
        } else if (!strcmp(arg, "--fmt")) {
            p.fmt = val;
        } else if (!strcmp(arg, "--alg") && (!strcmp(val, "es256") || !strcmp(val, "rs256"))) {
            p.alg = !strcmp(val, "es256") ? -7 : -257;
        } else if (!strcmp(arg, "--fault") && soft_fault_by_name(val)) {
            p.faults |= soft_fault_by_name(val);
        } else {
            return usage();
        }
    }
    if (!state || !p.origin)
        return usage();
    soft_authn_t *a = soft_authn_new();
    char *options = read_all(stdin);
    if (!a || !options || soft_authn_load(a, state) < 0) {
        fprintf(stderr, "soft_authenticator: cannot read the options or the state %s\n", state);
        return 1;
    }
    char err[256];
    char *out = !strcmp(argv[1], "create") ? soft_authn_create(a, options, &p, err, sizeof(err))
                                           : soft_authn_get(a, options, &p, err, sizeof(err));
    int rc = 1;
    if (!out)
        fprintf(stderr, "soft_authenticator: %s\n", err);
    else if (soft_authn_save(a, state) < 0)
        fprintf(stderr, "soft_authenticator: cannot write the state %s\n", state);
    else
        rc = printf("%s\n", out) < 0;
    free(out);
    free(options);
    soft_authn_free(a);
    return rc;
}
