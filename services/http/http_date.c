/*
 * HTTP-date (RFC 9110 5.6.7): IMF-fixdate out, all three formats in.
 *
 * Calendar arithmetic is done here on day numbers (days since 1970-01-01
 * in the proleptic Gregorian calendar), in 400-year eras of exactly
 * 146097 days, so it is exact for every year 0000-9999 and needs neither
 * gmtime_r() nor timegm() nor the TZ environment.
 */
#include <string.h>
#include <time.h>

#include "common/civil.h"
#include "common/util.h"
#include "http/http_parse.h"

#define SECS_PER_DAY 86400
/* Days from 0000-03-01 to 1970-01-01. */

static const char wkday[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const weekday[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char month_name[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
days_in_month(int64_t y, int m)
{
	static const unsigned char n[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* The calendar lives in common/civil.c; these adapt its types. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	return civil_to_days(y, (unsigned)m, (unsigned)d);
}

static void
civil_from_days_int(int64_t z, int64_t *y, int *m, int *d)
{
	unsigned um, ud;

	civil_from_days(z, y, &um, &ud);
	*m = (int)um;
	*d = (int)ud;
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t
http_date_format(int64_t t, char out[HTTP_DATE_SIZE])
{
	int64_t days, secs, y;
	int m, d;

	if (t < HTTP_DATE_MIN || t > HTTP_DATE_MAX) {
		out[0] = '\0';
		return 0;
	}
	days = civil_floor_div(t, SECS_PER_DAY);
	secs = t - days * SECS_PER_DAY;
	civil_from_days_int(days, &y, &m, &d);
	/* "Sun, 06 Nov 1994 08:49:37 GMT"; 1970-01-01 was a Thursday. */
	memcpy(out, wkday[(days % 7 + 11) % 7], 3);
	memcpy(out + 3, ", ", 2);
	put2(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, month_name[m - 1], 3);
	out[11] = ' ';
	put2(out + 12, (int)(y / 100));
	put2(out + 14, (int)(y % 100));
	out[16] = ' ';
	put2(out + 17, (int)(secs / 3600));
	out[19] = ':';
	put2(out + 20, (int)(secs / 60 % 60));
	out[22] = ':';
	put2(out + 23, (int)(secs % 60));
	memcpy(out + 25, " GMT", 4);
	out[HTTP_DATE_LEN] = '\0';
	return HTTP_DATE_LEN;
}

static int
find_name(const char *p, size_t n, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strlen(names[i]) == n && memcmp(p, names[i], n) == 0)
			return (int)i;
	}
	return -1;
}

static int
find_month(const char *p)
{
	for (int i = 0; i < 12; i++) {
		if (memcmp(p, month_name[i], 3) == 0)
			return i + 1;
	}
	return -1;
}

static int
find_wkday(const char *p)
{
	for (int i = 0; i < 7; i++) {
		if (memcmp(p, wkday[i], 3) == 0)
			return i;
	}
	return -1;
}

/* time-of-day "HH:MM:SS" at p (8 bytes): seconds into the day, or -1. */
static int64_t
time_of_day(const char *p)
{
	int h = parse_digits(p, 2), m = parse_digits(p + 3, 2), s = parse_digits(p + 6, 2);

	if (p[2] != ':' || p[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 ||
	    s < 0 || s > 60)
		return -1;
	return (int64_t)h * 3600 + m * 60 + s;
}

static int
make_time(int64_t y, int m, int d, int64_t tod, int64_t *t)
{
	if (y < 0 || m < 1 || d < 1 || d > days_in_month(y, m) || tod < 0)
		return -1;
	*t = days_from_civil(y, m, d) * SECS_PER_DAY + tod;
	return 0;
}

/* RFC 9110 5.6.7: a two-digit year more than 50 years ahead of now is in
 * the past century; we read the whole window as now-49 .. now+50. */
static int64_t
two_digit_year(int yy, int64_t now)
{
	int64_t y, cand;
	int m, d;

	civil_from_days_int(civil_floor_div(now, SECS_PER_DAY), &y, &m, &d);
	cand = y - (y % 100 + 100) % 100 + yy;
	if (cand > y + 50)
		cand -= 100;
	else if (cand <= y - 50)
		cand += 100;
	return cand;
}

int
http_date_parse_at(const char *s, size_t len, int64_t now, int64_t *t)
{
	const char *comma;
	size_t k;

	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (len == 29 && s[3] == ',') {
		if (find_wkday(s) < 0 || s[4] != ' ' || s[7] != ' ' ||
		    s[11] != ' ' || s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
			return -1;
		return make_time(parse_digits(s + 12, 4), find_month(s + 8),
		    parse_digits(s + 5, 2), time_of_day(s + 17), t);
	}
	/* asctime-date: "Sun Nov  6 08:49:37 1994" (day SP DIGIT or 2DIGIT) */
	if (len == 24 && s[3] == ' ') {
		int d;

		if (find_wkday(s) < 0 || s[7] != ' ' || s[10] != ' ' ||
		    s[19] != ' ')
			return -1;
		d = s[8] == ' ' ? parse_digits(s + 9, 1) : parse_digits(s + 8, 2);
		return make_time(parse_digits(s + 20, 4), find_month(s + 4), d,
		    time_of_day(s + 11), t);
	}
	/* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
	comma = len > 0 ? memchr(s, ',', len < 10 ? len : 10) : NULL;
	if (comma == NULL)
		return -1;
	k = (size_t)(comma - s);
	if (len != k + 24 || find_name(s, k, weekday, 7) < 0 || s[k + 1] != ' ' ||
	    s[k + 4] != '-' || s[k + 8] != '-' || s[k + 11] != ' ' ||
	    s[k + 20] != ' ' || memcmp(s + k + 21, "GMT", 3) != 0)
		return -1;
	{
		int yy = parse_digits(s + k + 9, 2);

		if (yy < 0)
			return -1;
		return make_time(two_digit_year(yy, now), find_month(s + k + 5),
		    parse_digits(s + k + 2, 2), time_of_day(s + k + 12), t);
	}
}

int
http_date_parse(const char *s, size_t len, int64_t *t)
{
	return http_date_parse_at(s, len, (int64_t)time(NULL), t);
}
