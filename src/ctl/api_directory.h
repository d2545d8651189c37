/*
 * api_directory.h — what the directory's API files (api_directory*.c)
 * share, and their handlers (routes in api.c).
 */
#ifndef RAMPART_CTL_API_DIRECTORY_H
#define RAMPART_CTL_API_DIRECTORY_H

#include "http.h"
#include "store_dir.h"

/* A user's group paths or role names as a JSON array; NULL on a store error. */
json_t *api_dir_names(store_t *s, int64_t user_id, dir_kind_t kind);
/* 404 for STORE_NOT_FOUND (what: the message), else the store error. */
enum MHD_Result api_dir_not_found(http_req_t *r, int rc, const char *what);
/* The limit query parameter (1-1000, default 100); -1 when malformed. */
int api_dir_limit(http_req_t *r, int *limit);

enum MHD_Result api_dir_users_list(http_req_t *r);
enum MHD_Result api_dir_users_get(http_req_t *r);
enum MHD_Result api_dir_users_create(http_req_t *r);
enum MHD_Result api_dir_users_update(http_req_t *r);
enum MHD_Result api_dir_users_delete(http_req_t *r);
enum MHD_Result api_dir_users_password(http_req_t *r);
enum MHD_Result api_dir_users_unlock(http_req_t *r);
enum MHD_Result api_dir_users_mfa_reset(http_req_t *r);

enum MHD_Result api_dir_groups_list(http_req_t *r);
enum MHD_Result api_dir_groups_get(http_req_t *r);
enum MHD_Result api_dir_groups_create(http_req_t *r);
enum MHD_Result api_dir_groups_update(http_req_t *r);
enum MHD_Result api_dir_groups_delete(http_req_t *r);
enum MHD_Result api_dir_roles_list(http_req_t *r);
enum MHD_Result api_dir_roles_get(http_req_t *r);
enum MHD_Result api_dir_roles_create(http_req_t *r);
enum MHD_Result api_dir_roles_update(http_req_t *r);
enum MHD_Result api_dir_roles_delete(http_req_t *r);

enum MHD_Result api_dir_export(http_req_t *r);
enum MHD_Result api_dir_import(http_req_t *r);

#endif
