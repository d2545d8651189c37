/*
 * timefmt.c — clocks and RFC 3339 timestamps (see timefmt.h).
 *
 * The parser is strict about the shape RFC 3339 section 5.6 gives and
 * checks ranges (month 1-12, day within the month, hour 0-23, minute and
 * second 0-59; a leap second 60 is folded into 59 as most systems do), so
 * a malformed gateway event is rejected with a reason instead of being
 * stored at a nonsense time.
 */
#include "timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
    if (at + count > n)
        return -1;
    int v = 0;
    for (size_t i = 0; i < count; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
        return 29;
    return days[month - 1];
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), without
 * timegm's dependence on the process time zone. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int time_parse_rfc3339(const char *s, size_t n, int64_t *ms_out)
{
    int year, month, day, hour, minute, second;
    if (digits(s, n, 0, 4, &year) || n < 5 || s[4] != '-' || digits(s, n, 5, 2, &month) || n < 8 ||
        s[7] != '-' || digits(s, n, 8, 2, &day) || n < 11 ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s, n, 11, 2, &hour) || n < 14 ||
        s[13] != ':' || digits(s, n, 14, 2, &minute) || n < 17 || s[16] != ':' ||
        digits(s, n, 17, 2, &second))
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
        minute > 59 || second > 60)
        return -1;
    if (second == 60)
        second = 59;
    size_t at = 19;
    int ms = 0;
    if (at < n && s[at] == '.') {
        at++;
        size_t start = at;
        int scale = 100;
        while (at < n && s[at] >= '0' && s[at] <= '9') {
            ms += (s[at] - '0') * scale;
            scale /= 10;
            at++;
        }
        if (at == start)
            return -1;
    }
    if (at >= n)
        return -1;
    int offset_min = 0;
    if (s[at] == 'Z' || s[at] == 'z') {
        at++;
    } else if (s[at] == '+' || s[at] == '-') {
        int oh, om;
        if (digits(s, n, at + 1, 2, &oh) || at + 3 >= n || s[at + 3] != ':' ||
            digits(s, n, at + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_min = (oh * 60 + om) * (s[at] == '-' ? -1 : 1);
        at += 6;
    } else {
        return -1;
    }
    if (at != n)
        return -1;
    int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                   (int64_t)offset_min * 60;
    *ms_out = secs * 1000 + ms;
    return 0;
}

int time_parse_param(const char *s, int64_t *ms_out)
{
    if (!s || !*s)
        return -1;
    size_t n = strlen(s);
    if (n <= 15 && strspn(s, "0123456789") == n) {
        *ms_out = strtoll(s, NULL, 10);
        return 0;
    }
    return time_parse_rfc3339(s, n, ms_out);
}

void time_format_rfc3339(int64_t ms, char out[TIME_RFC3339_MAX])
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int millis = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t w = strftime(out, TIME_RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + w, TIME_RFC3339_MAX - w, ".%03dZ", millis);
}
