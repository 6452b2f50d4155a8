/* See LICENSE file for copyright and license details. */
/* lib/util: parse_num, hexval, std_option, the x*alloc that succeed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"

static void
numbers(void)
{
	static const char *einval[] = { "", "-1", "+1", " 1", "1 ", "1x",
	    "0x10", "1.5", "abc" };
	long long v = -7;
	size_t i;

	CHECK_INT(parse_num("0", 0, 10, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse_num("0042", 0, 100, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(parse_num("9223372036854775807", 0, 9223372036854775807LL,
	    &v), 0);
	CHECK_INT(v, 9223372036854775807LL);
	for (i = 0; i < sizeof(einval) / sizeof(einval[0]); i++) {
		v = -7;
		errno = 0;
		CHECK_INT(parse_num(einval[i], 0, 100, &v), -1);
		CHECK_INT(errno, EINVAL);
		CHECK_INT(v, -7);
	}
	errno = 0;
	CHECK_INT(parse_num("101", 0, 100, &v), -1);
	CHECK_INT(errno, ERANGE);
	errno = 0;
	CHECK_INT(parse_num("4", 5, 100, &v), -1);
	CHECK_INT(errno, ERANGE);
	errno = 0;
	CHECK_INT(parse_num("99999999999999999999", 0, 9223372036854775807LL,
	    &v), -1);
	CHECK_INT(errno, ERANGE);
	CHECK_INT(v, -7);
}

static void
hex(void)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	size_t i;

	for (i = 0; i < 16; i++)
		CHECK_INT(hexval(digits[i]), i);
	for (i = 16; i < 22; i++)
		CHECK_INT(hexval(digits[i]), i - 6);
	CHECK_INT(hexval('g'), -1);
	CHECK_INT(hexval('G'), -1);
	CHECK_INT(hexval('/'), -1);
	CHECK_INT(hexval(':'), -1);
	CHECK_INT(hexval('\0'), -1);
	CHECK_INT(hexval(0xe9), -1);
	CHECK_INT(hexval(-1), -1);
}

static void
options(void)
{
	char *help[] = { "p", "-x", "--help", "--version", NULL };
	char *ver[] = { "p", "--version", "--help", NULL };
	char *late[] = { "p", "--", "--help", NULL };
	char *none[] = { "p", "-h", "--helpme", NULL };

	CHECK_INT(std_option(4, help), 'h');
	CHECK_INT(std_option(3, ver), 'V');
	CHECK_INT(std_option(3, late), 0);
	CHECK_INT(std_option(3, none), 0);
	CHECK_INT(std_option(1, none), 0);
	CHECK(s3logs_version[0] != '\0');
}

static void
alloc(void)
{
	char *s, *p;
	int *a;

	s = xstrdup("hello");
	CHECK_STR(s, "hello");
	free(s);
	s = xstrndup("hello", 3);
	CHECK_STR(s, "hel");
	free(s);
	s = xstrndup("hi\0there", 8);		/* stops at the NUL */
	CHECK_STR(s, "hi");
	free(s);
	p = xmalloc(0);				/* a pointer, not NULL */
	CHECK(p != NULL);
	free(p);
	a = xcalloc(0, 0);
	CHECK(a != NULL);
	free(a);
	a = xcalloc(4, sizeof(*a));
	CHECK(a[0] == 0 && a[3] == 0);
	a = xreallocarray(a, 1000, sizeof(*a));
	a[999] = 5;
	CHECK_INT(a[0], 0);
	free(a);
}

int
main(void)
{
	RUN(numbers);
	RUN(hex);
	RUN(options);
	RUN(alloc);
	return unit_done("util");
}
