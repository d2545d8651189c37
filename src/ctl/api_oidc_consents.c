/*
 * api_oidc_consents.c — the portal user's remembered OpenID Connect
 * consents (docs/IDENTITY.md "Consent"): what each relying party was
 * allowed, and taking it back.
 *
 *   GET    /api/v1/id/oidc/consents              {"consents": [{client_id, name, scopes, created}]}
 *   DELETE /api/v1/id/oidc/consents/{client_id}  204: forgotten, and the
 *          client's tokens for the user revoked; the next authorization asks again
 *
 * Portal session required (api_id.h); DELETE needs the CSRF token.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "api_id.h"
#include "api_oidc.h"
#include "idevent.h"
#include "store_oidc.h"
#include "timefmt.h"

static int add_consent(void *ctx, const oidc_consent_t *c)
{
    json_t *scopes = json_array();
    char copy[sizeof(c->scopes)];
    snprintf(copy, sizeof(copy), "%s", c->scopes);
    for (char *save = NULL, *tok = strtok_r(copy, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save))
        json_array_append_new(scopes, json_string(tok));
    char when[TIME_RFC3339_MAX];
    time_format_rfc3339(c->created * 1000, when);
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:o, s:s}", "client_id", c->client_id, "name",
                                         c->name[0] ? c->name : c->client_id, "scopes", scopes,
                                         "created", when));
    return 0;
}

enum MHD_Result api_oidc_portal_consents(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 0, &c, &u, &rc))
        return rc;
    json_t *list = json_array();
    int st = oidc_consent_list(r->ctl->store, u.id, add_consent, list);
    if (st != STORE_OK) {
        json_decref(list);
        return api_store_error(r, st);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "consents", list));
}

enum MHD_Result api_oidc_portal_consent_revoke(http_req_t *r)
{
    enum MHD_Result rc;
    idclaims_t c;
    dir_user_t u;
    if (api_id_caller(r, 1, &c, &u, &rc))
        return rc;
    int st = strlen(r->arg) < sizeof(((oidc_consent_t *)0)->client_id)
                 ? oidc_consent_delete(r->ctl->store, u.id, r->arg)
                 : STORE_NOT_FOUND;
    if (st == STORE_NOT_FOUND)
        return http_reply_error(r, 404, "not_found", "no consent of yours for that client");
    if (st != STORE_OK)
        return api_store_error(r, st);
    idevent(r, "oidc.consent.revoke", "success", 204, u.name,
            json_pack("{s:s}", "client_id", r->arg));
    return http_reply(r, 204, NULL, NULL, 0);
}
