/*
 * api_names.h — what the API accepts as an account or token name.
 */
#ifndef RAMPART_CTL_API_NAMES_H
#define RAMPART_CTL_API_NAMES_H

#include <string.h>

/* 1 to 64 bytes of letters, digits and . _ - @: safe in logs, URLs and
 * file names without escaping. */
static inline int api_valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return 0;
    }
    return 1;
}

#endif
