/*
 * Proleptic Gregorian calendar arithmetic, exact for any year and free of
 * libc (no gmtime, no locale, no time zone): ISO dates, HTTP dates and
 * certificate validity all go through here.
 */
#ifndef PXESTICK_COMMON_CIVIL_H
#define PXESTICK_COMMON_CIVIL_H

#include <stdint.h>

#define CIVIL_SECS_PER_DAY 86400

/* Days since 1970-01-01 of year y, month m (1..12), day d (1..31). */
int64_t civil_to_days(int64_t y, unsigned m, unsigned d);

/* The inverse of civil_to_days(). */
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* a / b rounded towards minus infinity (b > 0). */
int64_t civil_floor_div(int64_t a, int64_t b);

/*
 * A UTC time as people write it: "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or
 * "YYYY-MM-DD HH:MM:SS" (a 'T' may stand for the blank), years 1970 to
 * 9999, each field in its range (no 30th of February).  0 and the unix
 * time in *t, or -1.
 */
int civil_parse_utc(const char *s, int64_t *t);
/* "YYYY-MM-DD HH:MM" of unix time t (out: at least 17 bytes). */
char *civil_format_utc(int64_t t, char *out, unsigned long size);

#endif
