/*
 * fuzz_xss.c — libFuzzer target for rp_detect_xss() and the HTML tokenizer.
 *
 * Besides "no crash, no sanitizer report", it checks the contract: the
 * verdict does not depend on whether a result is asked for, and a result
 * describes a region inside the input with a NUL-terminated fingerprint.
 * The input is copied to an exact-size heap buffer so that ASan catches any
 * read past len (the detector must never rely on a terminating NUL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rampart/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    rp_detect_result_t r;
    bool hit;

    if (!buf) {
        return 0;
    }
    if (size) {
        memcpy(buf, data, size);
    }
    memset(&r, 0xAA, sizeof(r));
    hit = rp_detect_xss(buf, size, &r);
    if (hit != rp_detect_xss(buf, size, NULL)) {
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
    free(buf);
    return 0;
}
