/*
 * agent_sign.h — how a rampart-agent signs its requests to rampartd and how
 * rampartd checks them. Both sides compile this one file.
 *
 * After enrolment an agent holds an id and a 256-bit secret shared with
 * rampartd. Each request carries three headers:
 *
 *   X-Rampart-Agent:     the agent's id (decimal)
 *   X-Rampart-Timestamp: milliseconds since the epoch when it was signed
 *   X-Rampart-Signature: lowercase hex of HMAC-SHA-256 (RFC 2104, FIPS 180-4)
 *                        over the canonical text below, keyed by the secret
 *
 *   RAMPART-AGENT-HMAC-SHA256 "\n" METHOD "\n" PATH "\n" AGENT-ID "\n"
 *   TIMESTAMP "\n" hex(SHA-256(body))
 *
 * rampartd accepts a request only when the signature matches (compared in
 * constant time), the timestamp is within AGENT_SIGN_WINDOW_MS of its clock
 * and strictly after the last timestamp it accepted from that agent: a
 * captured request cannot be replayed, not even inside the window. The
 * agent sends one request at a time, so its timestamps only grow.
 */
#ifndef RAMPART_CTL_AGENT_SIGN_H
#define RAMPART_CTL_AGENT_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_SECRET_LEN     32
#define AGENT_SIGN_HEX_LEN   64
#define AGENT_SIGN_WINDOW_MS (300 * 1000)

#define AGENT_HEADER_ID        "X-Rampart-Agent"
#define AGENT_HEADER_TIMESTAMP "X-Rampart-Timestamp"
#define AGENT_HEADER_SIGNATURE "X-Rampart-Signature"

typedef enum {
    AGENT_SIGN_OK,
    AGENT_SIGN_BAD,   /* the signature does not match */
    AGENT_SIGN_STALE, /* the timestamp is outside the window */
    AGENT_SIGN_REPLAY /* not after the last accepted timestamp */
} agent_sign_result_t;

/* The signature as 64 lowercase hex characters and a NUL. */
void agent_sign(const unsigned char key[AGENT_SECRET_LEN], const char *method, const char *path,
                int64_t agent_id, int64_t ts_ms, const void *body, size_t body_len,
                char out[AGENT_SIGN_HEX_LEN + 1]);

/* Checks a received signature (any text; wrong length is AGENT_SIGN_BAD)
 * and the timestamp against now_ms and the agent's last accepted one. */
agent_sign_result_t agent_sign_verify(const unsigned char key[AGENT_SECRET_LEN], const char *method,
                                      const char *path, int64_t agent_id, int64_t ts_ms,
                                      const void *body, size_t body_len, const char *signature,
                                      int64_t now_ms, int64_t last_ts_ms);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void agent_hex(const unsigned char *in, size_t n, char *out);

/* Parses exactly 2n hex characters into n bytes; -1 otherwise. */
int agent_unhex(const char *hex, unsigned char *out, size_t n);

#endif
