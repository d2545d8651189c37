/*
 * fuzz_operator.c — libFuzzer target for the operators' parameter parsers
 * and validators.
 *
 * The first byte picks a parameter length k; the next k bytes are a
 * parameter, the rest a value. The parameter is compiled as
 * @validateByteRange, @ipMatch and @pm (load errors are fine, crashes and
 * unterminated messages are not) and every compiled operator runs on the
 * value; the value alone also goes through @validateUrlEncoding,
 * @validateUtf8Encoding, the string and numeric comparisons and a fixed
 * @rx. Invariants checked: verdicts are one of the four results, captures
 * lie inside the value, and @validateByteRange "0-255" never matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "operator.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const rp_op_t *op, const char *v, size_t n, const char *param, size_t plen)
{
    rp_op_captures_t cap;
    rp_op_result_t r = rp_op_execute(op, v, n, rp_op_dynamic(op) ? param : NULL,
                                     rp_op_dynamic(op) ? plen : 0, &cap);
    if (r != RP_OP_MATCH && r != RP_OP_NOMATCH && r != RP_OP_LIMIT && r != RP_OP_FAIL)
        abort();
    if (r != RP_OP_MATCH && cap.n != 0)
        abort();
    for (size_t i = 0; r == RP_OP_MATCH && i < cap.n; i++)
        if (cap.group[i].p < v || cap.group[i].p + cap.group[i].len > v + n)
            abort();
}

static void try_compile(const char *name, const char *p, size_t pl, const char *v, size_t n)
{
    char err[128];
    memset(err, 'x', sizeof(err));
    rp_op_t *op = rp_op_compile(name, p, pl, "/nonexistent", err, sizeof(err));
    if (!op) {
        if (!memchr(err, '\0', sizeof(err)) || err[0] == '\0')
            abort();
        return;
    }
    run(op, v, n, p, pl);
    rp_op_free(op);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t k = data[0] % 64;
    if (k > size - 1)
        k = size - 1;
    const char *p = (const char *)data + 1, *v = p + k;
    size_t n = size - 1 - k;

    try_compile("validateByteRange", p, k, v, n);
    try_compile("ipMatch", p, k, v, n);
    try_compile("pm", p, k, v, n);
    try_compile("within", p, k, v, n);
    try_compile("containsWord", p, k, v, n);
    try_compile("gt", p, k, v, n);

    static rp_op_t *fixed[6];
    if (!fixed[0]) {
        fixed[0] = rp_op_compile("validateUrlEncoding", "", 0, NULL, NULL, 0);
        fixed[1] = rp_op_compile("validateUtf8Encoding", "", 0, NULL, NULL, 0);
        fixed[2] = rp_op_compile("validateByteRange", "0-255", 5, NULL, NULL, 0);
        fixed[3] = rp_op_compile("ipMatch", "10.0.0.0/8,::1,2001:db8::/32", 28, NULL, NULL, 0);
        fixed[4] = rp_op_compile("rx", "(?i)(\\w+)\\s*=\\s*(['\"]?)(.*?)\\2", 30, NULL, NULL, 0);
        fixed[5] = rp_op_compile("eq", "%{tx.x}", 7, NULL, NULL, 0);
        for (int i = 0; i < 6; i++)
            if (!fixed[i])
                abort();
    }
    for (int i = 0; i < 6; i++)
        run(fixed[i], v, n, p, k);
    if (rp_op_execute(fixed[2], v, n, NULL, 0, NULL) != RP_OP_NOMATCH)
        abort();
    return 0;
}
