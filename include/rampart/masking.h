/*
 * masking.h — response masking by the gateway (docs/DATA-CLASSES.md,
 * "Masking responses"; the policy's "mask" directives in docs/POLICY.md).
 *
 * The host tells the transaction the route, the application's masking
 * switch and who is looking (the verified session's user, roles and
 * groups); the engine then rewrites response bodies through
 * rp_tx_response_body/_end as the route's rule says, and sums up what the
 * body held in a data event the host sends beside the transaction's event.
 */
#ifndef RAMPART_MASKING_H
#define RAMPART_MASKING_H

#include <stdbool.h>
#include <stddef.h>

#include "rampart/policy.h"
#include "rampart/transaction.h"

/* A verified viewer: the session's claims as they are in the token
 * (roles and groups comma-separated, percent-encoded). */
typedef struct {
    const char *user;
    size_t user_len;
    const char *roles;
    size_t roles_len;
    const char *groups;
    size_t groups_len;
} rp_viewer_t;

/* Before rp_tx_response_headers_done: path is the host's normalised path
 * (nginx: $uri); mode the masking switch (block masks, detect only
 * reports, off does nothing); viewer NULL when there is no valid session.
 * Strings are copied. A no-op for policies without mask rules. */
void rp_tx_set_masking(rp_tx_t *tx, const char *path, size_t path_len, rp_mode_t mode,
                       const rp_viewer_t *viewer);

/* Does a rule mask this path? *identity_only (may be NULL): the policy
 * says mask_encoding identity, so the host asks upstream for unencoded
 * bodies (it removes Accept-Encoding). */
bool rp_policy_mask_route(const rp_policy_t *p, const char *path, size_t len, bool *identity_only);
/* Does any rule let roles or groups see clear values (so the host must
 * learn who is looking)? */
bool rp_policy_mask_needs_viewer(const rp_policy_t *p);

/* The data event of the exchange (one JSON line), after the response
 * ended: category "data-access" when the viewer saw sensitive classes in
 * clear (always), "data-discovery" when a route's body held classes that
 * were masked or only detected (at most one per rule and mask_discovery
 * interval in the process). NULL when there is nothing to report. Valid
 * until rp_tx_free. */
const char *rp_tx_data_event(rp_tx_t *tx, size_t *len);

#endif
