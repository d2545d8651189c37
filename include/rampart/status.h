/*
 * status.h — the small return vocabulary every librampart function speaks,
 * and the error object that carries detail (file:line for configuration).
 *
 * Callers branch on rp_status_t, never on strings. Detail for a human goes
 * into an rp_error_t the caller owns.
 */
#ifndef RAMPART_STATUS_H
#define RAMPART_STATUS_H

#include <stddef.h>

typedef enum {
    RP_OK = 0,
    RP_ERROR = -1,    /* malformed input or failure; see the error/reason */
    RP_AGAIN = -2,    /* more input needed before a decision */
    RP_BLOCK = -3,    /* the transaction's verdict is to block */
    RP_DECLINED = -4, /* nothing to do (e.g. no response inspection needed) */
    RP_LIMIT = -5,    /* a configured limit was exceeded */
    RP_NOMEM = -6     /* allocation failed */
} rp_status_t;

/* Where and why something failed. file is empty when no file is involved,
 * line is 0 when no line is. reason is always NUL-terminated. */
typedef struct {
    char file[256];
    unsigned line;
    char reason[256];
} rp_error_t;

/* Human-readable name of a status ("ok", "error", ...). Never NULL. */
const char *rp_status_name(rp_status_t status);

#endif
