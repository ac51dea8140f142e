/*
 * Howard Hinnant's days_from_civil / civil_from_days.  The year is taken to
 * start on March 1, so the leap day is the last day of its year; a shifted
 * month's first day is (153 * month + 2) / 5 days into the year (month 0 =
 * March), and year yoe of a 400-year era starts yoe * 365 + yoe/4 - yoe/100
 * days into it.
 */
#include <stdio.h>

#include "common/civil.h"

#define EPOCH_SHIFT  719468     /* days from 0000-03-01 to 1970-01-01 */
#define DAYS_PER_ERA 146097     /* days in 400 years */

int64_t
civil_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
civil_to_days(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = civil_floor_div(y, 400);
	yoe = y - era * 400;                                        /* [0, 399] */
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                /* [0, 146096] */
	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

void
civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	days += EPOCH_SHIFT;
	era = civil_floor_div(days, DAYS_PER_ERA);
	doe = days - era * DAYS_PER_ERA;                            /* [0, 146096] */
	/* Undo the leap days: one per 1460 days, except per 36524, except the
	 * era's last day. */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (yoe * 365 + yoe / 4 - yoe / 100);              /* [0, 365] */
	mp = (5 * doy + 2) / 153;                                   /* 0 = March */
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Two or four digits at s as a number, or -1. */
static int
digits(const char *s, unsigned n)
{
	int v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	return (unsigned)(civil_to_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
	    civil_to_days(y, m, 1));
}

int
civil_parse_utc(const char *s, int64_t *t)
{
	size_t len = 0;
	int y, mo, d, h = 0, mi = 0, se = 0;

	while (s[len] != '\0' && len < 20)
		len++;
	if ((len != 10 && len != 16 && len != 19) || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (len >= 16) {
		if ((s[10] != ' ' && s[10] != 'T') || s[13] != ':')
			return -1;
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		if (len == 19 && (s[16] != ':' || (se = digits(s + 17, 2)) < 0))
			return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > month_days(y, (unsigned)mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || se > 59)
		return -1;
	*t = civil_to_days(y, (unsigned)mo, (unsigned)d) * CIVIL_SECS_PER_DAY + h * 3600 +
	    mi * 60 + se;
	return 0;
}

char *
civil_format_utc(int64_t t, char *out, unsigned long size)
{
	int64_t days = civil_floor_div(t, CIVIL_SECS_PER_DAY), y;
	int64_t secs = t - days * CIVIL_SECS_PER_DAY;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04lld-%02u-%02u %02lld:%02lld", (long long)y, m, d,
	    (long long)(secs / 3600), (long long)(secs % 3600 / 60));
	return out;
}
