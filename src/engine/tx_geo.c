/*
 * tx_geo.c — country and region rules: one MaxMind DB lookup of the
 * client address per transaction, then the first matching "geo" rule
 * decides: allow (pass, later geo rules skipped), deny (403, detector
 * "geo") or challenge (the bot challenge unless the client holds a
 * clearance). Unmatched requests pass.
 */
#include <stdio.h>
#include <string.h>

#include "geo_policy.h"
#include "policy_t.h"
#include "tx_t.h"

rp_status_t rp_tx_geo(rp_tx_t *tx)
{
    const rp_geo_policy_t *gp = tx->policy->geo;
    geo_place_t place;
    geo_lookup(gp, tx->client_addr, &place);
    const char *path = tx->path ? tx->path : tx->uri;
    const geo_rule_t *r = geo_policy_match(gp, path, &place);
    if (!r || r->action == GEO_ALLOW)
        return RP_OK;
    char buf[96];
    if (place.region[0]) /* ISO 3166-2: CN-BJ */
        snprintf(buf, sizeof(buf), "country %s region %s-%s", place.country, place.country,
                 place.region);
    else
        snprintf(buf, sizeof(buf), "country %s", place.country[0] ? place.country : "unknown");
    const char *why = rp_arena_strndup(tx->arena, buf, strlen(buf));
    if (!why)
        return RP_NOMEM;
    if (r->action == GEO_CHALLENGE) {
        if (rp_tx_bot_cleared(tx))
            return RP_OK;
        return rp_tx_bot_challenge(tx, "client:address", why);
    }
    return rp_tx_add_match(tx, "geo", "geo", "client:address", why, "", 5, true, 403) ? RP_OK
                                                                                      : RP_NOMEM;
}
