/*
 * Howard Hinnant's days_from_civil / civil_from_days.  The year is taken to
 * start on March 1, so the leap day is the last day of its year; a shifted
 * month's first day is (153 * month + 2) / 5 days into the year (month 0 =
 * March), and year yoe of a 400-year era starts yoe * 365 + yoe/4 - yoe/100
 * days into it.
 */
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
