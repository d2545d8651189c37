/*
 * policy_why.c — see policy_why.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "policy_why.h"

int policy_why(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}
