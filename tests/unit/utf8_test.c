/* See LICENSE file for copyright and license details. */
/*
 * lib/utf8: RFC 3629's edge cases one by one, then utf8_valid() against
 * the fuzzers' independent reference (fuzz/oracle.h) on random bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "unit.h"
#include "../../fuzz/oracle.h"

#define LEN(lit)	utf8_len(lit, sizeof(lit) - 1)

static void
sequences(void)
{
	CHECK_INT(LEN("A"), 1);
	CHECK_INT(utf8_len("\0", 1), 1);
	CHECK_INT(LEN("\xc3\xa9"), 2);		/* é */
	CHECK_INT(LEN("\xe2\x82\xac"), 3);	/* € */
	CHECK_INT(LEN("\xf0\x9f\x98\x80"), 4);	/* U+1F600 */
	CHECK_INT(LEN("\xf4\x8f\xbf\xbf"), 4);	/* U+10FFFF */
	CHECK_INT(LEN("\xf4\x90\x80\x80"), 0);	/* above U+10FFFF */
	CHECK_INT(LEN("\xc0\x80"), 0);		/* overlong NUL */
	CHECK_INT(LEN("\xc1\xbf"), 0);
	CHECK_INT(LEN("\xe0\x80\x80"), 0);	/* overlong */
	CHECK_INT(LEN("\xf0\x80\x80\x80"), 0);
	CHECK_INT(LEN("\xed\xa0\x80"), 0);	/* surrogate */
	CHECK_INT(LEN("\x80"), 0);		/* lone continuation */
	CHECK_INT(LEN("\xff"), 0);
	CHECK_INT(utf8_len("\xc3\xa9", 1), 0);	/* cut short */
	CHECK_INT(utf8_len("\xe2\x82", 2), 0);
}

static void
buffers(void)
{
	char b[100];

	CHECK(utf8_valid("", 0));
	memset(b, 'a', sizeof(b));
	CHECK(utf8_valid(b, sizeof(b)));
	b[50] = '\0';
	CHECK(!utf8_valid(b, sizeof(b)));	/* no NUL in text */
	b[50] = 'a';
	b[17] = '\xc3';
	CHECK(!utf8_valid(b, sizeof(b)));
	b[18] = '\xa9';
	CHECK(utf8_valid(b, sizeof(b)));
	CHECK(!utf8_valid(b, 18));		/* ends inside a sequence */
	CHECK(utf8_valid("caf\xc3\xa9 \xe2\x82\xac", 9));
}

/* Random short buffers, biased to the bytes that matter, as the oracle. */
static void
oracle(void)
{
	static const unsigned char pick[] = { 'a', 0, 0x7f, 0x80, 0x8f, 0x90,
	    0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4,
	    0xf5, 0xff };
	unsigned char b[12];
	size_t n, i;
	long k, bad = 0;

	srand(19);
	for (k = 0; k < 2000000; k++) {
		n = (size_t)rand() % sizeof(b);
		for (i = 0; i < n; i++)
			b[i] = pick[(size_t)rand() % sizeof(pick)];
		if (!!utf8_valid(b, n) != !!oracle_utf8(b, n))
			bad++;
	}
	CHECK_INT(bad, 0);
}

int
main(void)
{
	RUN(sequences);
	RUN(buffers);
	RUN(oracle);
	return unit_done("utf8");
}
