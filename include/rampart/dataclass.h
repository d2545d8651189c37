/*
 * dataclass.h — sensitive-data classes of Chinese personal and business
 * identifiers: their checksums, a scanner that finds them in text or JSON
 * and the masking styles applied to them (docs/DATA-CLASSES.md).
 *
 * Everything here is a pure function over caller buffers: no allocation, no
 * state, safe from any thread, linear time.
 */
#ifndef RAMPART_DATACLASS_H
#define RAMPART_DATACLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    RP_DC_NONE = 0,
    RP_DC_RESIDENT_ID = 1, /* GB 11643 citizen ID number, 18 characters */
    RP_DC_MOBILE = 2,      /* mainland mobile number, 11 digits (+86 allowed) */
    RP_DC_LANDLINE = 3,    /* area code + subscriber number: 010-12345678 */
    RP_DC_BANK_CARD = 4,   /* payment card number, Luhn, known IIN and length */
    RP_DC_USCC = 5,        /* GB 32100 unified social credit code */
    RP_DC_PASSPORT = 6,    /* PRC passport number (E12345678, EA1234567...) */
    RP_DC_EMAIL = 7,       /* e-mail address */
    RP_DC_PLATE = 8,       /* motor vehicle licence plate (京A12345) */
    RP_DC_COUNT
} rp_data_class_t;

#define RP_DC_BIT(c) (1u << (c))
#define RP_DC_ALL    (((1u << RP_DC_COUNT) - 1) & ~1u)

/* "resident_id", "mobile", ... (NULL for an unknown class). */
const char *rp_data_class_name(rp_data_class_t c);
/* The class named (as rp_data_class_name spells it), or RP_DC_NONE. */
rp_data_class_t rp_data_class_from_name(const char *name, size_t len);

/* ---- checks on one whole value ---- */

/* GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character (0-9 or
 * X/x), a province code that exists, a real birth date 1900-01-01..2099-12-31. */
bool rp_resident_id_valid(const char *s, size_t len);
/* Looks like an ID number: 17 digits and 0-9/X, a province code, and a real
 * birth date or the right check character. An 18-character value of this
 * shape is an ID number or a mistyped one, never another class (an 18-digit
 * card of this shape is not reported: docs/DATA-CLASSES.md). */
bool rp_resident_id_shape(const char *s, size_t len);
/* 18 characters whose first 17 are digits and the last 0-9/X/x, graded
 * at once: RP_ID_VALID (rp_resident_id_valid), RP_ID_SHAPED (the shape
 * only), RP_ID_NOT_SHAPED. */
enum { RP_ID_NOT_SHAPED = 0, RP_ID_SHAPED, RP_ID_VALID };
int rp_resident_id_grade(const char *s);
/* YYYYMMDD (8 digits, not checked here) is a real date in 1900..2099. */
bool rp_birth_date_valid(const char *yyyymmdd);
/* The check character for 17 digits ('0'-'9' or 'X'). */
char rp_resident_id_check_char(const char digits17[17]);
/* Luhn (ISO/IEC 7812-1) over len digits. */
bool rp_luhn_valid(const char *digits, size_t len);
/* GB 32100-2015: 18 characters of 0-9 A-H J-N P-R T U W-Y, a registration
 * authority and one of its organisation types, a 6-digit region code of a
 * province (or 10xxxx, national), MOD 31 check character. */
bool rp_uscc_valid(const char *s, size_t len);

/* ---- scanner ---- */

typedef struct {
    rp_data_class_t cls;
    size_t offset; /* into the scanned buffer */
    size_t length;
} rp_data_match_t;

/* The first match at or after *pos of a class in mask (RP_DC_BIT set):
 * fills *m, moves *pos past it, returns true; false when there is none.
 * Matches are whole tokens (not glued to ASCII letters or digits, not part
 * of a decimal). Works on plain text and on JSON text as it is (a match
 * never crosses a quote); Chinese text separates tokens ("手机13812345678"
 * holds a mobile number). Call again with the same pos to continue. */
bool rp_data_scan_next(const char *s, size_t len, size_t *pos, unsigned mask, rp_data_match_t *m);
/* The same, for many calls over one buffer with *pos only moving on:
 * *at_cache (0 before the first call) keeps where the next '@' is, so the
 * buffer is searched for it once rather than once per call. */
bool rp_data_scan_next_cached(const char *s, size_t len, size_t *pos, unsigned mask,
                              rp_data_match_t *m, size_t *at_cache);

/* ---- masking ---- */

typedef enum {
    RP_MASK_PARTIAL = 0, /* same length, some characters kept: 110105********1234 */
    RP_MASK_HASH = 1,    /* "<class>:" + base64url of 12 bytes of HMAC-SM3 (a stable pseudonym) */
    RP_MASK_REDACT = 2,  /* "[<class>]" */
} rp_mask_style_t;

/* Longest output of rp_data_mask for an input of len bytes. */
#define RP_DATA_MASK_MAX(len) ((len) > 32 ? (len) : 32)

/* Write the masked form of one matched value (as rp_data_scan_next found
 * it) into out; returns its length, or 0 if cap is too small or the hash
 * style has no key. hash_key: the HMAC key for RP_MASK_HASH (ignored
 * otherwise). */
size_t rp_data_mask(rp_data_class_t cls, rp_mask_style_t style, const char *value, size_t len,
                    const uint8_t *hash_key, size_t hash_key_len, char *out, size_t cap);

/* Mask every match in place with the partial style (same length); returns
 * how many values were masked. */
size_t rp_data_mask_partial_inplace(char *s, size_t len, unsigned mask);

#endif
