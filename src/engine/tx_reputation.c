/*
 * tx_reputation.c — address reputation: a client address in a "reputation
 * deny" list is refused (403, detector "reputation") unless it is also in
 * a "reputation allow" list (the exceptions to large deny ranges).
 */
#include "ip_ranges.h"
#include "policy_t.h"
#include "tx_t.h"

rp_status_t rp_tx_reputation(rp_tx_t *tx)
{
    const rp_policy_t *p = tx->policy;
    if (!p->reputation_deny || !ip_ranges_contains(p->reputation_deny, tx->client_addr))
        return RP_OK;
    if (p->reputation_allow && ip_ranges_contains(p->reputation_allow, tx->client_addr))
        return RP_OK;
    return rp_tx_add_match(tx, "reputation", "reputation", "client:address",
                           "address in a reputation deny list", "", 5, true, 403)
               ? RP_OK
               : RP_NOMEM;
}
