/* See LICENSE file for copyright and license details. */
/*
 * lib/pgval: values checked before they go to PostgreSQL.  Inputs are
 * (pointer, length), not NUL-terminated: V() passes a literal's length.
 */
#include <stdint.h>
#include <string.h>

#include "pgval.h"
#include "unit.h"

#define V(s)	(s), (sizeof(s) - 1)

static void
ints(void)
{
	CHECK(pgval_int(V("0"), 2));
	CHECK(pgval_int(V("007"), 2));
	CHECK(pgval_int(V("32767"), 2));
	CHECK(!pgval_int(V("32768"), 2));
	CHECK(pgval_int(V("-32768"), 2));
	CHECK(!pgval_int(V("-32769"), 2));
	CHECK(pgval_int(V("2147483647"), 4));
	CHECK(!pgval_int(V("2147483648"), 4));
	CHECK(pgval_int(V("-2147483648"), 4));
	CHECK(!pgval_int(V("-2147483649"), 4));
	CHECK(pgval_int(V("9223372036854775807"), 8));
	CHECK(!pgval_int(V("9223372036854775808"), 8));
	CHECK(pgval_int(V("-9223372036854775808"), 8));
	CHECK(!pgval_int(V("-9223372036854775809"), 8));
	CHECK(!pgval_int(V("99999999999999999999999"), 8));
	CHECK(!pgval_int(V(""), 8));
	CHECK(!pgval_int(V("-"), 8));
	CHECK(!pgval_int(V("+1"), 8));
	CHECK(!pgval_int(V(" 1"), 8));
	CHECK(!pgval_int(V("1 "), 8));
	CHECK(!pgval_int(V("1.0"), 8));
	CHECK(!pgval_int(V("1\0"), 8));
	CHECK(!pgval_int(V("--1"), 8));
	/* the length counts, not a NUL */
	CHECK(pgval_int("123x", 3, 4));
	CHECK(!pgval_int("123x", 4, 4));
}

static void
dates(void)
{
	CHECK(pgval_date(V("2024-01-05")));
	CHECK(pgval_date(V("0001-01-01")));
	CHECK(pgval_date(V("9999-12-31")));
	CHECK(!pgval_date(V("0000-01-01")));
	CHECK(pgval_date(V("2024-02-29")));
	CHECK(pgval_date(V("2000-02-29")));
	CHECK(!pgval_date(V("2023-02-29")));
	CHECK(!pgval_date(V("1900-02-29")));
	CHECK(!pgval_date(V("2024-02-30")));
	CHECK(!pgval_date(V("2024-04-31")));
	CHECK(pgval_date(V("2024-12-31")));
	CHECK(!pgval_date(V("2024-13-01")));
	CHECK(!pgval_date(V("2024-00-01")));
	CHECK(!pgval_date(V("2024-01-00")));
	CHECK(!pgval_date(V("2024-1-05")));
	CHECK(!pgval_date(V("2024/01/05")));
	CHECK(!pgval_date(V("2024-01-05 ")));
	CHECK(!pgval_date(V("2024-01-05T00:00")));
	CHECK(!pgval_date(V("")));
	CHECK(!pgval_date(V("20x4-01-05")));
}

static void
timestamps(void)
{
	CHECK(pgval_timestamp(V("2024-01-05")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56")));
	CHECK(pgval_timestamp(V("2024-01-05 02:56:06")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56:06.1")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56:06.123456789")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56:06.1234567890")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56:06.")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56:06.000Z")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56:06+00")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56:06-0530")));
	CHECK(pgval_timestamp(V("2024-01-05T02:56:06.123+05:30")));
	CHECK(pgval_timestamp(V("2024-01-05T23:59:60")));	/* leap second */
	CHECK(!pgval_timestamp(V("2024-01-05T24:00")));
	CHECK(!pgval_timestamp(V("2024-01-05T23:60")));
	CHECK(!pgval_timestamp(V("2024-01-05T23:59:61")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56Z ")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56:06+16")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56:06+05:60")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56:06+5")));
	CHECK(!pgval_timestamp(V("2024-01-05T02:56:06ZZ")));
	CHECK(!pgval_timestamp(V("2024-01-05X02:56")));
	CHECK(!pgval_timestamp(V("2024-01-05T2:56")));
	CHECK(!pgval_timestamp(V("2024-02-30T00:00")));
	CHECK(!pgval_timestamp(V("2024-01-05T")));
	CHECK(!pgval_timestamp(V("")));
}

static void
bools(void)
{
	static const char *yes[] = { "t", "f", "true", "false", "yes", "no",
	    "on", "off", "1", "0", "TRUE", "False", "ON", "oFf" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(pgval_bool(yes[i], strlen(yes[i])));
	CHECK(!pgval_bool(V("")));
	CHECK(!pgval_bool(V("tru")));
	CHECK(!pgval_bool(V("truee")));
	CHECK(!pgval_bool(V("2")));
	CHECK(!pgval_bool(V(" t")));
	CHECK(pgval_bool("true!", 4));
}

/* The uuid forms: 8-4-4-4-12 with dashes, or 32 bare hex digits. */
static void
uuids(void)
{
	CHECK(pgval_uuid(V("00000000-0000-4000-8000-000000000001")));
	CHECK(pgval_uuid(V("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")));
	CHECK(pgval_uuid(V("a0eebc999c0b4ef8bb6d6bb9bd380a11")));
	CHECK(!pgval_uuid(V("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1")));
	CHECK(!pgval_uuid(V("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111")));
	CHECK(!pgval_uuid(V("a0eebc999-c0b-4ef8-bb6d-6bb9bd380a11")));
	CHECK(!pgval_uuid(V("g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));
	CHECK(!pgval_uuid(V("a0eebc99-9c0b-4ef8-bb6d+6bb9bd380a11")));
	CHECK(!pgval_uuid(V("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}")));
	CHECK(!pgval_uuid(V("a0eebc999c0b4ef8bb6d6bb9bd380a1g")));
	CHECK(!pgval_uuid(V("a0eebc999c0b4ef8bb6d6bb9bd380a1")));
	CHECK(!pgval_uuid(V("")));
	CHECK(!pgval_uuid(V("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1\0")));
}

static void
intarrays(void)
{
	CHECK(pgval_intarray(V("{}")));
	CHECK(pgval_intarray(V("{1}")));
	CHECK(pgval_intarray(V("{1,-2,NULL}")));
	CHECK(pgval_intarray(V("{null,2147483647,-2147483648}")));
	CHECK(!pgval_intarray(V("{2147483648}")));
	CHECK(!pgval_intarray(V("{1,}")));
	CHECK(!pgval_intarray(V("{,1}")));
	CHECK(!pgval_intarray(V("{,}")));
	CHECK(!pgval_intarray(V("{1,,2}")));
	CHECK(!pgval_intarray(V("{ 1}")));
	CHECK(!pgval_intarray(V("{1")));
	CHECK(!pgval_intarray(V("1}")));
	CHECK(!pgval_intarray(V("{")));
	CHECK(!pgval_intarray(V("")));
	CHECK(!pgval_intarray(V("{{1}}")));
	CHECK(!pgval_intarray(V("{NULLx}")));
	CHECK(!pgval_intarray(V("[1,2]")));
}

int
main(void)
{
	RUN(ints);
	RUN(dates);
	RUN(timestamps);
	RUN(bools);
	RUN(uuids);
	RUN(intarrays);
	return unit_done("pgval");
}
