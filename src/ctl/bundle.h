/*
 * bundle.h — the distribution bundle: applications, their protection
 * switches and the policies they use, as one versioned, hashed JSON
 * document (docs/RAMPARTD.md, "Distribution").
 *
 * rampartd builds it (bundle_build) every time something in it changes;
 * gateways (rampart sync) check it (bundle_verify) before they install
 * it. The same validators guard the API's input and the gateway's
 * installation, because a bundle's values end up in nginx configuration
 * and file names: nothing outside a narrow alphabet ever gets there.
 *
 * Shape:
 *   {"format":1,"version":N,"created":"RFC 3339","hash":"<sha256 hex>",
 *    "apps":[{"name","host","path_prefix","upstream","policy"|null,
 *             "switches":{"waf":"block",...}}],
 *    "policies":[{"name","version":N,"text"}]}
 * hash is the SHA-256 of the canonical JSON (compact, keys sorted, UTF-8)
 * of the object without "hash".
 */
#ifndef RAMPART_CTL_BUNDLE_H
#define RAMPART_CTL_BUNDLE_H

#include <jansson.h>
#include <stddef.h>

#define BUNDLE_FORMAT 1

/* The protections an application can switch: the WAF today; the names
 * later modules fill in are registered now so switches can be set ahead. */
#define BUNDLE_PROTECTIONS 8
extern const char *const bundle_protections[BUNDLE_PROTECTIONS];
/* The default mode of each protection for a new application. */
extern const char *const bundle_protection_defaults[BUNDLE_PROTECTIONS];

/* 1 for "block", "detect", "off". */
int bundle_valid_mode(const char *mode);

/* Validators: 1, or 0 with a reason for a person in why. */
int bundle_valid_name(const char *name, char *why, size_t why_size);
int bundle_valid_host(const char *host, char *why, size_t why_size);
int bundle_valid_path_prefix(const char *prefix, char *why, size_t why_size);
int bundle_valid_upstream(const char *url, char *why, size_t why_size);

/* Completes a switches object: every known protection present (defaults
 * for the missing ones). 0, or -1 with why when it holds an unknown
 * protection or a mode other than block|detect|off. */
int bundle_switches_complete(json_t *switches, char *why, size_t why_size);

/* 1 when the array of policies holds one named name. */
int bundle_has_policy(json_t *policies, const char *name);

/* SHA-256 of the canonical JSON of bundle without its "hash" member, as
 * 64 hex digits. 0 or -1 (out of memory). */
int bundle_hash(json_t *bundle, char out[65]);

/* What a gateway checks before installing: format, version, hash, every
 * application's fields and switches, every policy named by an app present
 * exactly once, and every policy compiled by the engine. 0, or -1 with
 * why (a policy error as "NAME.policy:LINE: reason"). Policies whose name
 * and text equal one in trusted (an array of policies verified before, or
 * NULL) are not compiled again: a switch change must not wait for a CRS
 * policy to compile (seconds). */
int bundle_verify(json_t *bundle, json_t *trusted, char *why, size_t why_size);

#endif
