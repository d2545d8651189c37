/*
 * api_idsessions.c — directory sessions for operators, and the identity
 * feed for gateways.
 *
 *   GET    /api/v1/directory/sessions[?user=NAME]     (directory:read)
 *   DELETE /api/v1/directory/sessions/{sid}           (idsessions:manage)
 *   DELETE /api/v1/directory/users/{name}/sessions    (idsessions:manage)
 *          every session of the user: "logout everywhere" by an operator
 *   GET    /api/v1/gateway/revocations?since=SEQ&wait=S   (gateway tokens)
 *          {"seq", "entries": [{seq, kind, id, t}], "complete", "keys"}:
 *          entries after since; complete when since is older than the
 *          oldest kept entry (the answer is then the whole list); keys is
 *          the key set's version (idkeys.h), so a gateway refetches keys
 *          when it changes. With wait (1-25 s) and nothing newer, the
 *          answer waits for the next revocation (long-poll).
 *   GET    /api/v1/gateway/identity-keys            (gateway tokens)
 *          the session keys and every application's upstream key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_directory.h"
#include "api_id.h"
#include "audit_hook.h"
#include "idevent.h"
#include "idkeys.h"
#include "idsession.h"
#include "store_idsess.h"
#include "timefmt.h"

#define MAX_WAIT_S 25

enum MHD_Result api_idsessions_list(http_req_t *r)
{
    const char *name = http_query(r, "user");
    int64_t uid = 0;
    if (name) {
        dir_user_t u;
        int st = dir_user_get(r->ctl->store, NULL, name, &u);
        if (st != STORE_OK)
            return api_dir_not_found(r, st, "no such directory user");
        uid = u.id;
    }
    int st;
    json_t *list = api_id_session_list(r->ctl->store, uid, NULL, &st);
    if (st != STORE_OK) {
        json_decref(list);
        return api_store_error(r, st);
    }
    return http_reply_json(r, 200, json_pack("{s:o}", "sessions", list));
}

enum MHD_Result api_idsessions_revoke(http_req_t *r)
{
    audit_note(r, "identity.session.revoke", NULL);
    idsess_t s;
    int st = idsess_get(r->ctl->store, r->arg, &s);
    if (st != STORE_OK)
        return api_dir_not_found(r, st, "no such session");
    idsession_revoke_sid(r->ctl, s.sid, s.expires / 1000, "revoked by an operator");
    idevent(r, "session.revoke", "success", 204, s.user, json_pack("{s:s}", "sid", s.sid));
    return http_reply(r, 204, NULL, NULL, 0);
}

enum MHD_Result api_idsessions_revoke_user(http_req_t *r)
{
    dir_user_t u;
    int st = dir_user_get(r->ctl->store, NULL, r->arg, &u);
    if (st != STORE_OK)
        return api_dir_not_found(r, st, "no such directory user");
    idsession_revoke_user(r->ctl, u.id, "logout everywhere by an operator");
    idevent(r, "logout.everywhere", "success", 204, u.name, NULL);
    return http_reply(r, 204, NULL, NULL, 0);
}

/* ---- gateways ------------------------------------------------------------------ */

static int add_entry(void *ctx, const idrev_t *e)
{
    json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:I}", "seq", (json_int_t)e->seq, "kind",
                                         e->kind, "id", e->ident, "t", (json_int_t)e->t));
    return 0;
}

static enum MHD_Result reply_revocations(http_req_t *r, int64_t since)
{
    int64_t seq = 0, pruned = 0;
    int st = idrev_head(r->ctl->store, &seq, &pruned);
    int complete = since < pruned || since > seq; /* older than kept, or a reset store */
    json_t *entries = json_array();
    if (st == STORE_OK)
        st = idrev_since(r->ctl->store, complete ? 0 : since, add_entry, entries);
    if (st != STORE_OK) {
        json_decref(entries);
        return api_store_error(r, st);
    }
    char keys[17];
    idkeys_version(r->ctl->identity->keys, keys);
    return http_reply_json(r, 200,
                           json_pack("{s:I, s:o, s:b, s:s}", "seq", (json_int_t)seq, "entries",
                                     entries, "complete", complete, "keys", keys));
}

static void suspend_request(void *arg)
{
    http_suspend(arg);
}

static void wake_request(void *arg)
{
    http_resume(arg);
}

static int parse_int(const char *s, long long max, long long *out)
{
    if (!s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

enum MHD_Result api_gateway_revocations(http_req_t *r)
{
    long long since = 0, wait_s = 0;
    if (parse_int(http_query(r, "since"), INT64_MAX, &since) ||
        parse_int(http_query(r, "wait"), MAX_WAIT_S, &wait_s))
        return http_reply_error(r, 400, "bad_request", "since: a seq (>= 0); wait: 0-25 seconds");
    idservice_t *svc = r->ctl->identity;
    if (r->state || wait_s == 0)
        return reply_revocations(r, since);
    int *marker = malloc(sizeof(*marker));
    if (!marker)
        return http_reply_error(r, 500, "internal", "out of memory");
    r->state = marker;
    r->state_free = free;
    int64_t deadline = time_now_ms() + wait_s * 1000;
    if (idfeed_wait(svc->feed, since, deadline, suspend_request, wake_request, r) == 0)
        return MHD_YES; /* suspended until a revocation or the deadline */
    return reply_revocations(r, since);
}

enum MHD_Result api_gateway_identity_keys(http_req_t *r)
{
    json_t *keys = idkeys_gateway_json(r->ctl, r->ctl->identity->keys);
    if (!keys)
        return api_store_error(r, STORE_ERROR);
    return http_reply_json(r, 200, keys);
}
