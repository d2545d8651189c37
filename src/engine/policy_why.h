/*
 * policy_why.h — the reason a directive is refused, printf-style, for the
 * directive parsers that report through a (why, why_len) buffer.
 */
#ifndef RAMPART_POLICY_WHY_H
#define RAMPART_POLICY_WHY_H

#include <stddef.h>

/* Format the reason into why; returns -1 (the parsers' failure). */
int policy_why(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
