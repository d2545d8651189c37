/*
 * webauthn_client_data.h — the checks on clientDataJSON (WebAuthn Level 2
 * §5.8.1, §7.1 steps 7-11, §7.2 steps 11-15):
 *
 *   type         "webauthn.create" or "webauthn.get", as the ceremony is
 *   challenge    base64url of exactly the bytes issued (compared in
 *                constant time)
 *   origin       one of the relying party's origins, compared exactly
 *   crossOrigin  absent or false (rampartd's pages never run the ceremony
 *                inside a foreign frame)
 *   tokenBinding absent, or a status other than "present" (not supported)
 *
 * The JSON is parsed with jansson, duplicate members refused; members not
 * named above are ignored, as the specification asks.
 */
#ifndef RAMPART_CTL_WEBAUTHN_CLIENT_DATA_H
#define RAMPART_CTL_WEBAUTHN_CLIENT_DATA_H

#include "webauthn.h"

#define WEBAUTHN_TYPE_CREATE "webauthn.create"
#define WEBAUTHN_TYPE_GET    "webauthn.get"

webauthn_result_t webauthn_client_data_check(const unsigned char *json, size_t len,
                                             const char *type, const webauthn_ceremony_t *ceremony,
                                             char *err, size_t err_size);

#endif
