/*
 * detect_ldap.c — rp_detect_ldap(): does this value rewrite an LDAP search
 * filter (RFC 4515) it is pasted into?
 *
 * An application builds "(&(uid=VALUE)(objectClass=person))"; a value that
 * closes the item and opens others changes the query. What that takes is
 * filter syntax no sentence contains:
 *
 *   composition     "(&(", "(|(", "(!(" followed by an attribute item:
 *                   (&(uid=admin)(!(&(1=0)(userPassword=q)))), *(|(objectclass=*))
 *   break-out       ")(" then an attribute and a filter operator (=, >=, <=,
 *                   ~=): admin)(uid=*))(|(uid=*, *)(objectClass=*
 *   extensible      attr:2.5.13.18:= (a matching rule OID), attr:dn:=,
 *   match           attr:caseExactMatch:= (RFC 4515 extensible match)
 *
 * Attributes are RFC 4512 descriptors or numeric OIDs. "(a)(b)" lists,
 * "(No. 2024-0315)" and "x=1" are not filters and stay clean.
 *
 * Pure, allocation-free and linear.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <string.h>

/* An attribute description at s[i]: a descriptor (letter, then letters,
 * digits, '-') or a numeric OID, with options (";binary"). Returns its
 * length or 0. */
static size_t attribute_at(const char *s, size_t n, size_t i)
{
    size_t k = i;

    if (k < n && du_is_alpha((unsigned char)s[k])) {
        while (k < n && k - i < 128 &&
               (du_is_alnum((unsigned char)s[k]) || s[k] == '-' || s[k] == ';')) {
            k++;
        }
    } else if (k < n && du_is_digit((unsigned char)s[k])) {
        while (k < n && k - i < 128 && (du_is_digit((unsigned char)s[k]) || s[k] == '.')) {
            k++;
        }
    }
    return k - i;
}

/* A filter operator right after an attribute: = ~= >= <= or an extensible
 * match ":dn:=", ":1.2.3:=", ":ruleName:=". Returns its length or 0. */
static size_t filter_op_at(const char *s, size_t n, size_t i, bool *extensible)
{
    size_t k;

    *extensible = false;
    if (i < n && s[i] == '=') {
        return 1;
    }
    if (i + 1 < n && (s[i] == '~' || s[i] == '>' || s[i] == '<') && s[i + 1] == '=') {
        return 2;
    }
    if (i < n && s[i] == ':') {
        /* up to two ":part" components, then ":=" */
        k = i;
        for (int parts = 0; parts < 2 && k < n && s[k] == ':'; parts++) {
            size_t a = attribute_at(s, n, k + 1);
            if (a == 0) {
                break;
            }
            k += 1 + a;
        }
        if (k > i && k + 1 < n && s[k] == ':' && s[k + 1] == '=') {
            *extensible = true;
            return k + 2 - i;
        }
    }
    return 0;
}

/* "(attr OP" at s[i] (s[i] == '('). */
static bool item_at(const char *s, size_t n, size_t i, size_t *end)
{
    size_t a = attribute_at(s, n, i + 1), o;
    bool ext;

    if (a == 0) {
        return false;
    }
    o = filter_op_at(s, n, i + 1 + a, &ext);
    if (o == 0) {
        return false;
    }
    *end = i + 1 + a + o;
    return true;
}

static bool hit(rp_detect_result_t *out, const char *fp, size_t off, size_t len)
{
    du_result(out, "ldap:", fp, strlen(fp), off, len);
    return true;
}

bool rp_detect_ldap(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i, e;
    bool ext;

    if (!s || n < 4 || (!memchr(s, '(', n) && !memchr(s, ':', n))) {
        return false;
    }
    for (i = 0; i + 3 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '(' && (s[i + 1] == '&' || s[i + 1] == '|' || s[i + 1] == '!')) {
            size_t k = i + 2;
            while (k < n && s[k] == ' ') {
                k++;
            }
            /* "(|(" then an item or a nested composition */
            if (k + 1 < n && s[k] == '(' &&
                (item_at(s, n, k, &e) || s[k + 1] == '&' || s[k + 1] == '|' || s[k + 1] == '!')) {
                return hit(out, "compose", i, k + 1 - i);
            }
        } else if (c == ')' && s[i + 1] == '(') {
            if (item_at(s, n, i + 1, &e)) {
                return hit(out, "breakout", i, e - i);
            }
        } else if (du_is_alpha(c) && (i == 0 || !du_is_alnum((unsigned char)s[i - 1]))) {
            size_t a = attribute_at(s, n, i);
            /* only an attribute followed by ':' can start an extensible match */
            if (a > 0 && i + a < n && s[i + a] == ':' && filter_op_at(s, n, i + a, &ext) && ext) {
                return hit(out, "extensible", i, a + 1);
            }
            i += a > 0 ? a - 1 : 0;
        }
    }
    return false;
}
