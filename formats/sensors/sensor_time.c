/* sensor_time.c: timestamps to UTC seconds and back. Hand-written because
 * strptime/timegm depend on the locale and the process time zone; the
 * civil-date arithmetic is Howard Hinnant's days_from_civil. */
#include "sensor_reader.h"

#include <stdio.h>
#include <string.h>

int64_t sensor_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sensor_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void sensor_time_format(int64_t t, char buf[32])
{
    int64_t days = t / 86400, sec = t % 86400;
    if (sec < 0) {
        sec += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    sensor_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(buf, 32, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, (int)(sec / 3600),
                 (int)(sec / 60 % 60), (int)(sec % 60));
        return;
    }
    /* By hand: this runs once per reading, and snprintf was a tenth of an ingest. */
    int v[] = {(int)y / 100, (int)y % 100, (int)m, (int)d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60)};
    static const char sep[] = {0, '-', '-', 'T', ':', ':', 'Z'};
    char *p = buf;
    for (int i = 0; i < 7; i++) {
        *p++ = (char)('0' + v[i] / 10);
        *p++ = (char)('0' + v[i] % 10);
        if (sep[i])
            *p++ = sep[i];
    }
    *p = '\0';
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int sensor_tz_parse(const char *s, int *out)
{
    if (!strcmp(s, "Z") || !strcmp(s, "z") || !strcmp(s, "UTC")) {
        *out = 0;
        return 0;
    }
    if (*s != '+' && *s != '-')
        return -1;
    int sign = *s == '-' ? -1 : 1, h, m = 0;
    const char *p = s + 1;
    if (digits(&p, 2, &h))
        return -1;
    if (*p == ':')
        p++;
    if (*p && digits(&p, 2, &m))
        return -1;
    if (*p || h > 14 || m > 59)
        return -1;
    *out = sign * (h * 3600 + m * 60);
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int sensor_time_parse(const char *s, int has_tz, int tz_offset, int64_t *out, const char **why)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    if (n == 0) {
        *why = "empty time";
        return -1;
    }
    size_t nd = 0;
    while (nd < n && s[nd] >= '0' && s[nd] <= '9')
        nd++;
    if (nd == n && n <= 16) {
        /* Epoch: 10 digits are seconds until 2286; 13 or more are milliseconds. */
        int64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (s[i] - '0');
        *out = n >= 13 ? v / 1000 : v;
        return 0;
    }
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        goto bad;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            goto bad;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &se))
                goto bad;
            if (*p == '.' || *p == ',') {
                p++;
                if (*p < '0' || *p > '9')
                    goto bad;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        if (h > 24 || mi > 59 || se > 60 || (h == 24 && (mi || se)))
            goto bad;
    }
    int off;
    size_t rest = n - (size_t)(p - s);
    if (rest == 0) {
        if (!has_tz) {
            *why = "time without UTC offset; give --tz";
            return -1;
        }
        off = tz_offset;
    } else {
        char tz[16];
        if (rest >= sizeof tz)
            goto bad;
        memcpy(tz, p, rest);
        tz[rest] = '\0';
        if (sensor_tz_parse(tz, &off))
            goto bad;
    }
    *out = sensor_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    return 0;
bad:
    *why = "not an ISO 8601 time or epoch seconds/milliseconds";
    return -1;
}
