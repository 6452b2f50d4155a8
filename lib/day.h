/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_DAY_H
#define S3LOGS_DAY_H

#include <stddef.h>

/*
 * Day numbers: days since 1970-01-01 in the proleptic Gregorian calendar
 * (negative before it), the way the log line parser, s3ls's look-back
 * window and the report count days.  libc only (the parser is fuzzed on
 * its own); no time zones, no time_t.
 */

/*
 * The day number of y-m-d.  m and d out of their range count on linearly
 * (month 13 is January of y + 1, day 32 of January is February 1st).
 */
long	 day_from_civil(long y, int m, int d);

/* The date of day number z. */
void	 day_to_civil(long z, long *y, int *m, int *d);

/* Days in month m (1..12) of year y. */
int	 day_mdays(long y, int m);

/* Whether y-m-d is a real date with y >= 1. */
int	 day_valid(long y, int m, int d);

/*
 * Parse a "YYYY-MM-DD" date at the start of s (n bytes, n >= 10; what
 * follows is not looked at).  Returns 0 and its day number in *z (if z
 * is not NULL), or -1 if those 10 bytes are not a real date of year 1 or
 * later.
 */
int	 day_parse(const char *s, size_t n, long *z);

/*
 * Write day z as "YYYY-MM-DD" and a NUL into buf (11 bytes).  A year
 * outside 0..9999 is written 0000.
 */
void	 day_format(long z, char *buf);

#endif
