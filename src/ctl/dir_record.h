/*
 * dir_record.h — a directory user as JSON, in both directions, with every
 * field checked: the admin API, JSON import and CSV import (as a JSON
 * object of the row's text) share one validation, so no path stores
 * what another would refuse.
 *
 * Accepted fields: name (1-64 of A-Z a-z 0-9 . _ - @), display_name and
 * email (up to 256 bytes of UTF-8 without control characters; an e-mail
 * address has one @ with text either side), phone (up to 32 of digits,
 * space, + - ( ) .), ou (an organisation-unit path or ""), state (active,
 * locked, disabled, expired) and attributes (a JSON object, at most 4 KB
 * serialised). Paths: "/" then segments of 1-64 bytes, none of them
 * "." or "..", without "/" ";" "," or control characters, at most 256
 * bytes (";" separates a CSV cell's list of groups).
 */
#ifndef RAMPART_CTL_DIR_RECORD_H
#define RAMPART_CTL_DIR_RECORD_H

#include <jansson.h>

#include "store_dir.h"

int dir_valid_path(const char *path);
int dir_valid_state(const char *state);
/* UTF-8 text of at most max bytes without control characters. */
int dir_valid_text(const char *s, size_t max);

/* Sets u's fields from obj: every field on create (name required, the
 * rest default), only those present otherwise (the name cannot change).
 * NULL, or what is wrong ("email: ..."). */
const char *dir_user_from_json(json_t *obj, dir_user_t *u, int creating);

/* The user as the API shows it (never the password hash, its history or
 * the TOTP secret); groups and roles are arrays of names when given. */
json_t *dir_user_to_json(const dir_user_t *u, json_t *groups, json_t *roles);

/* A JSON array of names, checked: paths for groups, names for roles. */
const char *dir_names_from_json(json_t *arr, dir_kind_t kind, const char ***names, size_t *n);

#endif
