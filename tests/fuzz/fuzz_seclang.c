/*
 * fuzz_seclang.c — libFuzzer target for the SecLang parser.
 *
 * Arbitrary text goes into sl_parse_string. Looks for crashes, sanitizer
 * reports, leaks and broken invariants: a failure always carries a reason
 * and a line inside the input; a success has consistent counts and every
 * rule a known shape. Memory is bounded by the parser's capped arena.
 *
 * Inputs naming Include are skipped: they would read whatever the
 * machine's file system holds, which makes runs irreproducible (the unit
 * test covers Include on files it creates).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seclang.h"

static bool names_include(const char *s, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++)
        if (strncasecmp(s + i, "include", 7) == 0)
            return true;
    return false;
}

static void check_item(const sl_item_t *it)
{
    if (it->kind == SL_RULE && (!it->op_name || !it->op_param || it->nvars == 0))
        abort();
    for (size_t i = 0; i < it->nvars; i++)
        if (!it->vars[i].collection || (it->vars[i].selector_regex && !it->vars[i].selector))
            abort();
    for (size_t i = 0; i < it->nactions; i++)
        if (!it->actions[i].name)
            abort();
    if (it->kind == SL_MARKER && (!it->name || !it->name[0]))
        abort();
    for (size_t i = 0; i < it->nargs; i++)
        if (!it->args[i])
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (names_include(text, size))
        return 0;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';

    rp_error_t err;
    sl_config_t *c = sl_parse_string(text, size, "fuzz.conf", "/nonexistent", &err);
    if (!c) {
        if (err.reason[0] == '\0' || err.line > lines)
            abort();
        return 0;
    }
    size_t items = 0, rules = 0;
    for (const sl_item_t *it = c->first; it; it = it->next) {
        items++;
        for (const sl_item_t *r = it; r; r = r->chained) {
            check_item(r);
            rules += r->kind == SL_RULE || r->kind == SL_ACTION;
        }
    }
    if (items != c->nitems || rules != c->nrules)
        abort();
    sl_config_free(c);
    return 0;
}
