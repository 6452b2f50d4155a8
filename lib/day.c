/* See LICENSE file for copyright and license details. */
#include <stddef.h>

#include "day.h"

/* Howard Hinnant's days_from_civil, with the month brought to 1..12. */
long
day_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	if (m < 1 || m > 12) {
		y += (m - 1) / 12 - (m < 1);
		m = (m - 1) % 12 + (m < 1 ? 13 : 1);
	}
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Howard Hinnant's civil_from_days. */
void
day_to_civil(long z, long *yp, int *mp, int *dp)
{
	long era, doe, yoe, y, doy, mp5;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp5 = (5 * doy + 2) / 153;
	*dp = (int)(doy - (153 * mp5 + 2) / 5 + 1);
	*mp = (int)(mp5 < 10 ? mp5 + 3 : mp5 - 9);
	*yp = y + (*mp <= 2);
}

int
day_mdays(long y, int m)
{
	static const unsigned char d[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
day_valid(long y, int m, int d)
{
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= day_mdays(y, m);
}

int
day_parse(const char *s, size_t n, long *z)
{
	int i, v[3] = { 0, 0, 0 };

	if (n < 10)
		return -1;
	/* YYYY-MM-DD: v[] gets the year, the month and the day. */
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -1;
		} else if (s[i] < '0' || s[i] > '9')
			return -1;
		else
			v[(i > 4) + (i > 7)] = v[(i > 4) + (i > 7)] * 10 +
			    (s[i] - '0');
	if (!day_valid(v[0], v[1], v[2]))
		return -1;
	if (z != NULL)
		*z = day_from_civil(v[0], v[1], v[2]);
	return 0;
}

void
day_format(long z, char *buf)
{
	long y;
	int m, d;

	/* By hand: pgload formats a day for every row. */
	day_to_civil(z, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + d / 10);
	buf[9] = (char)('0' + d % 10);
	buf[10] = '\0';
}
