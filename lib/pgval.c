/* See LICENSE file for copyright and license details. */
#include <stdint.h>
#include <strings.h>

#include "day.h"
#include "pgval.h"

int
pgval_int(const char *s, size_t n, int bytes)
{
	unsigned long long v = 0, lim;
	size_t i = 0;

	lim = bytes == 2 ? INT16_MAX : bytes == 4 ? INT32_MAX : INT64_MAX;
	if (n > 0 && s[0] == '-') {
		i++;
		lim++;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (v > (lim - (unsigned)(s[i] - '0')) / 10)
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return 1;
}

/* n digits at s: their value, or -1. */
static int
num(const char *s, size_t n)
{
	int v = 0;

	for (; n > 0; s++, n--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The date at the start of s[0..n). */
static int
dateprefix(const char *s, size_t n)
{
	return day_parse(s, n, NULL) == 0;
}

int
pgval_date(const char *s, size_t n)
{
	return n == 10 && dateprefix(s, n);
}

/* Two digits at s no greater than max. */
static int
two(const char *s, int max)
{
	int v = num(s, 2);

	return v >= 0 && v <= max;
}

int
pgval_timestamp(const char *s, size_t n)
{
	size_t i, f;

	if (!dateprefix(s, n))
		return 0;
	if (n == 10)
		return 1;
	if (n < 16 || (s[10] != 'T' && s[10] != ' ') || !two(s + 11, 23) ||
	    s[13] != ':' || !two(s + 14, 59))
		return 0;
	i = 16;
	if (i < n && s[i] == ':') {
		if (n < 19 || !two(s + 17, 60))
			return 0;
		i = 19;
		if (i < n && s[i] == '.') {
			for (f = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				;
			if (i == f || i - f > 9)
				return 0;
		}
	}
	if (i == n)
		return 1;
	if (s[i] == 'Z')
		return i + 1 == n;
	if (s[i] != '+' && s[i] != '-')
		return 0;
	i++;
	switch (n - i) {
	case 2:
		return two(s + i, 15);
	case 4:
		return two(s + i, 15) && two(s + i + 2, 59);
	case 5:
		return two(s + i, 15) && s[i + 2] == ':' && two(s + i + 3, 59);
	default:
		return 0;
	}
}

int
pgval_bool(const char *s, size_t n)
{
	static const char *const words[] = { "t", "f", "true", "false", "yes",
	    "no", "on", "off", "1", "0", "y", "n" };
	size_t i, k;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (k = 0; words[i][k] != '\0'; k++)
			;
		if (k == n && strncasecmp(words[i], s, n) == 0)
			return 1;
	}
	return 0;
}

static int
ishex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

int
pgval_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36 && n != 32)
		return 0;
	for (i = 0; i < n; i++) {
		if (n == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return 0;
		} else if (!ishex(s[i]))
			return 0;
	}
	return 1;
}

int
pgval_intarray(const char *s, size_t n)
{
	size_t i, j;

	if (n < 2 || s[0] != '{' || s[n - 1] != '}')
		return 0;
	if (n == 2)
		return 1;
	for (i = 1; i < n; i = j + 1) {
		for (j = i; s[j] != ',' && j < n - 1; j++)
			;
		if (!(j - i == 4 && strncasecmp(s + i, "NULL", 4) == 0) &&
		    !pgval_int(s + i, j - i, 4))
			return 0;
	}
	return 1;
}
