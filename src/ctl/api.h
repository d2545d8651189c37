/*
 * api.h — rampartd's HTTP API: the route table with each route's required
 * permission (api.c) and the handlers (api_*.c). docs/RAMPARTD.md is the
 * reference.
 *
 * Before any handler runs, api.c has: matched the route (404/405),
 * identified the caller (401 on a bad token), checked the permission for
 * the route (401 anonymous, 403 under-privileged), held accounts whose
 * password must change to the password endpoints (403), and checked the
 * CSRF token of cookie sessions on state-changing methods (403).
 */
#ifndef RAMPART_CTL_API_H
#define RAMPART_CTL_API_H

#include "http.h"

/* The libmicrohttpd glue's view of the API. */
const http_api_t *api_http(void);

/* Registers every route's latency histogram; call once before serving. */
void api_register_metrics(metrics_t *m);

/* The route table, for tests and documentation. */
const route_t *api_routes(size_t *count);

enum MHD_Result api_healthz(http_req_t *r);
enum MHD_Result api_gateway_data_keys(http_req_t *r);
enum MHD_Result api_readyz(http_req_t *r);
enum MHD_Result api_metrics(http_req_t *r);

enum MHD_Result api_login(http_req_t *r);
enum MHD_Result api_logout(http_req_t *r);
enum MHD_Result api_session(http_req_t *r);
enum MHD_Result api_password(http_req_t *r);

enum MHD_Result api_users_list(http_req_t *r);
enum MHD_Result api_users_create(http_req_t *r);
enum MHD_Result api_users_update(http_req_t *r);
enum MHD_Result api_users_delete(http_req_t *r);

enum MHD_Result api_tokens_list(http_req_t *r);
enum MHD_Result api_tokens_create(http_req_t *r);
enum MHD_Result api_tokens_revoke(http_req_t *r);

enum MHD_Result api_events_list(http_req_t *r);
enum MHD_Result api_events_get(http_req_t *r);
enum MHD_Result api_events_stats(http_req_t *r);
enum MHD_Result api_events_submit(http_req_t *r);
enum MHD_Result api_ingest_status(http_req_t *r);

enum MHD_Result api_audit_list(http_req_t *r);
enum MHD_Result api_audit_verify(http_req_t *r);
enum MHD_Result api_audit_public_key(http_req_t *r);
enum MHD_Result api_audit_seals(http_req_t *r);

enum MHD_Result api_apps_list(http_req_t *r);
enum MHD_Result api_apps_create(http_req_t *r);
enum MHD_Result api_apps_get(http_req_t *r);
enum MHD_Result api_inventory_get(http_req_t *r);
enum MHD_Result api_inventory_openapi(http_req_t *r);
enum MHD_Result api_apps_update(http_req_t *r);
enum MHD_Result api_apps_delete(http_req_t *r);
enum MHD_Result api_apps_switches(http_req_t *r);

enum MHD_Result api_policies_list(http_req_t *r);
enum MHD_Result api_policies_create(http_req_t *r);
enum MHD_Result api_policies_validate(http_req_t *r);
enum MHD_Result api_policies_get(http_req_t *r);
enum MHD_Result api_policies_delete(http_req_t *r);
enum MHD_Result api_policies_versions(http_req_t *r);
enum MHD_Result api_policies_add_version(http_req_t *r);
enum MHD_Result api_policies_version_get(http_req_t *r);
enum MHD_Result api_policies_diff(http_req_t *r);
enum MHD_Result api_policies_rollback(http_req_t *r);

enum MHD_Result api_bundle_get(http_req_t *r);
enum MHD_Result api_gateways_list(http_req_t *r);
enum MHD_Result api_agents_list(http_req_t *r);
enum MHD_Result api_agents_update(http_req_t *r);
enum MHD_Result api_agents_delete(http_req_t *r);
enum MHD_Result api_agents_enrolment_create(http_req_t *r);
enum MHD_Result api_agent_enrol(http_req_t *r);
enum MHD_Result api_agent_heartbeat(http_req_t *r);
enum MHD_Result api_agent_events(http_req_t *r);
enum MHD_Result api_agent_baseline_put(http_req_t *r); /* api_agent_baseline.c */
enum MHD_Result api_agents_baseline_get(http_req_t *r);

enum MHD_Result api_keys_list(http_req_t *r);
enum MHD_Result api_keys_create(http_req_t *r);
enum MHD_Result api_keys_rotate(http_req_t *r);
enum MHD_Result api_keys_jobs(http_req_t *r);
enum MHD_Result api_keys_master(http_req_t *r);
enum MHD_Result api_keys_master_rotate(http_req_t *r);
enum MHD_Result api_grants_list(http_req_t *r);
enum MHD_Result api_grants_create(http_req_t *r);
enum MHD_Result api_grants_delete(http_req_t *r);
enum MHD_Result api_crypto_encrypt(http_req_t *r);
enum MHD_Result api_crypto_decrypt(http_req_t *r);
enum MHD_Result api_crypto_rewrap(http_req_t *r);
enum MHD_Result api_crypto_blind_index(http_req_t *r);
enum MHD_Result api_crypto_tokenize(http_req_t *r);
enum MHD_Result api_crypto_detokenize(http_req_t *r);

/* Checks a host agent's request signature (PERM_AGENT routes) and fills
 * r->who; 0, or -1 with the 401/503 reply queued. */
int api_agent_authenticate(http_req_t *r);

/* Shared by handlers: a store failure as 503 (unavailable) or 500. */
enum MHD_Result api_store_error(http_req_t *r, int store_rc);

#endif
