/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_UNIT_H
#define S3LOGS_UNIT_H

/*
 * The few checks the unit tests of lib/ share; no framework.  A test file
 * defines its cases as functions and calls RUN() on each from main, which
 * returns unit_done().  A failed check prints its file, line and values on
 * stderr and the case goes on (so one run shows every failure); the
 * program exits 1 if any failed.  stdout gets one summary line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_cases, unit_failed_cases, unit_checks, unit_fails;
static const char *unit_case;

static int
unit_fail(const char *file, int line)
{
	unit_fails++;
	fprintf(stderr, "%s:%d: %s: ", file, line, unit_case);
	return 0;
}

#define CHECK(c) do { \
	unit_checks++; \
	if (!(c)) { \
		unit_fail(__FILE__, __LINE__); \
		fprintf(stderr, "CHECK(%s) failed\n", #c); \
	} \
} while (0)

/* Two integers (of any integer type up to 64 bits), printed on failure. */
#define CHECK_INT(a, b) do { \
	long long unit_a = (long long)(a), unit_b = (long long)(b); \
	unit_checks++; \
	if (unit_a != unit_b) { \
		unit_fail(__FILE__, __LINE__); \
		fprintf(stderr, "%s == %s: %lld != %lld\n", #a, #b, \
		    unit_a, unit_b); \
	} \
} while (0)

/* Two NUL-terminated strings (a NULL is not equal to any string). */
#define CHECK_STR(a, b) do { \
	const char *unit_a = (a), *unit_b = (b); \
	unit_checks++; \
	if (unit_a == NULL || unit_b == NULL || strcmp(unit_a, unit_b) != 0) { \
		unit_fail(__FILE__, __LINE__); \
		fprintf(stderr, "%s == %s: \"%s\" != \"%s\"\n", #a, #b, \
		    unit_a ? unit_a : "(null)", unit_b ? unit_b : "(null)"); \
	} \
} while (0)

/* n bytes at a and at b. */
#define CHECK_MEM(a, b, n) do { \
	unit_checks++; \
	if (memcmp((a), (b), (n)) != 0) { \
		unit_fail(__FILE__, __LINE__); \
		fprintf(stderr, "%s == %s (%zu bytes) differ\n", #a, #b, \
		    (size_t)(n)); \
	} \
} while (0)

/* n bytes at p (NULL fails) are those of the string literal lit. */
#define CHECK_BYTES(p, n, lit) do { \
	unit_checks++; \
	if ((p) == NULL || (n) != sizeof(lit) - 1 || \
	    memcmp((p), (lit), sizeof(lit) - 1) != 0) { \
		unit_fail(__FILE__, __LINE__); \
		fprintf(stderr, "%s (%zu bytes) is not %s\n", #p, \
		    (size_t)(n), #lit); \
	} \
} while (0)

#define RUN(f) unit_run(#f, f)

static void
unit_run(const char *name, void (*f)(void))
{
	int before = unit_fails;

	unit_case = name;
	unit_cases++;
	f();
	if (unit_fails != before)
		unit_failed_cases++;
}

/* The summary line; the exit status for main. */
static int
unit_done(const char *module)
{
	printf("%s: %d cases, %d checks, %d failed\n", module, unit_cases,
	    unit_checks, unit_failed_cases);
	return unit_fails ? 1 : 0;
}

#endif
