/* See LICENSE file for copyright and license details. */
/*
 * lib/day: day numbers against libc's gmtime_r() over 4,000 years, known
 * dates, the calendar's edge cases, and the YYYY-MM-DD forms.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "day.h"
#include "unit.h"

static void
known(void)
{
	CHECK_INT(day_from_civil(1970, 1, 1), 0);
	CHECK_INT(day_from_civil(1969, 12, 31), -1);
	CHECK_INT(day_from_civil(2000, 1, 1), 10957);
	CHECK_INT(day_from_civil(2000, 3, 1), 11017);
	CHECK_INT(day_from_civil(2024, 1, 5), 19727);
	/* Out-of-range months and days count on. */
	CHECK_INT(day_from_civil(2023, 13, 1), day_from_civil(2024, 1, 1));
	CHECK_INT(day_from_civil(2024, 1, 32), day_from_civil(2024, 2, 1));
}

/* Both directions agree with gmtime_r() for every day of 1000..4999. */
static void
libc(void)
{
	long z, y;
	int m, d, bad = 0;
	struct tm tm;
	time_t t;

	for (z = day_from_civil(1000, 1, 1); z < day_from_civil(5000, 1, 1);
	    z++) {
		t = (time_t)z * 86400;
		gmtime_r(&t, &tm);
		day_to_civil(z, &y, &m, &d);
		if (y != tm.tm_year + 1900L || m != tm.tm_mon + 1 ||
		    d != tm.tm_mday ||
		    day_from_civil(y, m, d) != z)
			bad++;
	}
	CHECK_INT(bad, 0);
}

static void
valid(void)
{
	CHECK(day_valid(2024, 2, 29));
	CHECK(!day_valid(2023, 2, 29));
	CHECK(!day_valid(1900, 2, 29));
	CHECK(day_valid(2000, 2, 29));
	CHECK(!day_valid(2024, 4, 31));
	CHECK(!day_valid(2024, 0, 1));
	CHECK(!day_valid(2024, 13, 1));
	CHECK(!day_valid(2024, 1, 0));
	CHECK(!day_valid(0, 1, 1));
	CHECK(day_valid(1, 1, 1));
	CHECK_INT(day_mdays(2024, 2), 29);
	CHECK_INT(day_mdays(2100, 2), 28);
	CHECK_INT(day_mdays(2023, 12), 31);
}

static void
forms(void)
{
	char b[11];
	long z = 12345;

	day_format(0, b);
	CHECK_STR(b, "1970-01-01");
	day_format(day_from_civil(2024, 2, 29), b);
	CHECK_STR(b, "2024-02-29");
	day_format(day_from_civil(10000, 1, 1), b);
	CHECK_STR(b, "0000-01-01");
	CHECK_INT(day_parse("2024-02-29T00:00:00Z", 20, &z), 0);
	CHECK_INT(z, day_from_civil(2024, 2, 29));
	CHECK_INT(day_parse("2024-01-05", 10, NULL), 0);
	CHECK_INT(day_parse("2023-02-29", 10, &z), -1);
	CHECK_INT(day_parse("2024-13-01", 10, &z), -1);
	CHECK_INT(day_parse("0000-01-01", 10, &z), -1);
	CHECK_INT(day_parse("2024-1-05 ", 10, &z), -1);
	CHECK_INT(day_parse("2024/01/05", 10, &z), -1);
	CHECK_INT(day_parse("2024-01-0x", 10, &z), -1);
	/* Every day of 1..9999 formats and parses back to itself. */
	{
		long w, bad = 0;

		for (w = day_from_civil(1, 1, 1);
		    w <= day_from_civil(9999, 12, 31); w += 7) {
			day_format(w, b);
			if (day_parse(b, 10, &z) != 0 || z != w)
				bad++;
		}
		CHECK_INT(bad, 0);
	}
}

int
main(void)
{
	RUN(known);
	RUN(libc);
	RUN(valid);
	RUN(forms);
	return unit_done("day");
}
