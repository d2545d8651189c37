/*
 * fuzz_detectors.c — libFuzzer target for Rampart's detectors beyond SQLi
 * and XSS: rp_detect_cmdi, _ssti, _deser, _nosql, _traversal, _ssrf, _ldap,
 * _crlf, and the key checks rp_detect_nosql_key / rp_detect_deser_type_key.
 *
 * Besides "no crash, no sanitizer report", it checks each detector's
 * contract: the verdict does not depend on whether a result is asked for,
 * and a result describes a region inside the input with a NUL-terminated
 * fingerprint. The input is copied to an exact-size heap buffer so that ASan
 * catches any read past len (no detector may rely on a terminating NUL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef bool (*detector_t)(const char *, size_t, rp_detect_result_t *);

static const detector_t detectors[] = {
    rp_detect_cmdi,      rp_detect_ssti, rp_detect_deser, rp_detect_nosql,
    rp_detect_traversal, rp_detect_ssrf, rp_detect_ldap,  rp_detect_crlf,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    size_t i, split;

    if (!buf) {
        return 0;
    }
    if (size) {
        memcpy(buf, data, size);
    }
    for (i = 0; i < sizeof(detectors) / sizeof(detectors[0]); i++) {
        rp_detect_result_t r;
        bool hit;

        memset(&r, 0xAA, sizeof(r));
        hit = detectors[i](buf, size, &r);
        if (hit != detectors[i](buf, size, NULL)) {
            abort();
        }
        if (hit) {
            if (memchr(r.fingerprint, '\0', sizeof(r.fingerprint)) == NULL) {
                abort();
            }
            if (r.offset > size || r.length > size - r.offset) {
                abort();
            }
        }
    }
    /* the key checks: the first byte splits key from value */
    split = size ? (size_t)data[0] % (size + 1) : 0;
    (void)rp_detect_nosql_key(buf, split);
    (void)rp_detect_deser_type_key(buf, split, buf + split, size - split);
    free(buf);
    return 0;
}
