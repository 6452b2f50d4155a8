/* See LICENSE file for copyright and license details. */
/*
 * lib/progress: the lines it formats and when they are due.  No timing
 * is asserted: every = 0 makes a line due at each clock check, and a
 * huge every makes none due.
 */
#include <stdio.h>
#include <string.h>

#include "progress.h"
#include "unit.h"

static void
start(void)
{
	struct progress p;
	char buf[128], unit[16];
	unsigned long long n;
	double s, r;

	progress_init(&p, "lines", 1.0);
	CHECK_INT(p.n, 0);
	progress_done(&p, buf, sizeof(buf));
	CHECK_INT(sscanf(buf, "%llu lines in %lf s (%lf %15[a-z]/s)", &n, &s,
	    &r, unit), 4);
	CHECK_INT(n, 0);
	CHECK(r == 0);
	CHECK_STR(unit, "lines");
}

/* The clock is looked at once every 64 calls: never sooner. */
static void
amortised(void)
{
	struct progress p;
	char buf[128];
	int i, due = 0;

	progress_init(&p, "rows", 0);
	for (i = 1; i < 64; i++)
		due += progress_add(&p, 2, buf, sizeof(buf));
	CHECK_INT(due, 0);
	CHECK_INT(p.n, 126);
	CHECK_INT(progress_add(&p, 2, buf, sizeof(buf)), 1);
	CHECK_INT(strncmp(buf, "128 rows, ", 10), 0);
	CHECK(strstr(buf, " rows/s") != NULL);
	/* and again 64 calls later */
	for (i = 1; i < 64; i++)
		due += progress_add(&p, 1, buf, sizeof(buf));
	CHECK_INT(due, 0);
	CHECK_INT(progress_add(&p, 1, buf, sizeof(buf)), 1);
	CHECK_INT(strncmp(buf, "192 rows, ", 10), 0);
}

/* Not due before every seconds; the count goes on regardless. */
static void
notdue(void)
{
	struct progress p;
	char buf[128] = "untouched";
	int i, due = 0;

	progress_init(&p, "objects", 1e9);
	for (i = 0; i < 1000; i++)
		due += progress_add(&p, 1000, buf, sizeof(buf));
	CHECK_INT(due, 0);
	CHECK_STR(buf, "untouched");
	CHECK_INT(p.n, 1000000);
	progress_done(&p, buf, sizeof(buf));
	CHECK_INT(strncmp(buf, "1000000 objects in ", 19), 0);
	CHECK(strstr(buf, " objects/s)") != NULL);
}

/* A short buffer: truncated, always NUL-terminated. */
static void
truncated(void)
{
	struct progress p;
	char buf[16];
	int i;

	memset(buf, 'x', sizeof(buf));
	progress_init(&p, "lines", 0);
	for (i = 0; i < 64; i++)
		progress_add(&p, 123456789, buf, 8);
	CHECK_INT(strlen(buf), 7);
	CHECK_INT(buf[8], 'x');
	CHECK_STR(buf, "7901234");
	progress_done(&p, buf, 5);
	CHECK_STR(buf, "7901");
}

int
main(void)
{
	RUN(start);
	RUN(amortised);
	RUN(notdue);
	RUN(truncated);
	return unit_done("progress");
}
