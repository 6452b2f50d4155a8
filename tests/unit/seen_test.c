/* See LICENSE file for copyright and license details. */
/*
 * lib/seen: exactly the last `window` distinct hashes are remembered.
 * Checked against a plain FIFO model, with hashes chosen to collide in
 * the index (same first 8 bytes) so that probing and the backward-shift
 * deletion on eviction are exercised.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"
#include "unit.h"

/* A hash from two numbers: a picks the index slot, b the rest. */
static void
mk(unsigned char *h, uint64_t a, uint64_t b)
{
	memcpy(h, &a, 8);
	memcpy(h + 8, &b, 8);
}

/* seen_add of the hash mk(a, b). */
static int
add(struct seen *s, uint64_t a, uint64_t b)
{
	unsigned char h[16];

	mk(h, a, b);
	return seen_add(s, h);
}

static void
basic(void)
{
	struct seen *s = seen_new(2);		/* window 4 */
	int i;

	for (i = 0; i < 4; i++)
		CHECK_INT(add(s, (uint64_t)i, 0), 0);
	for (i = 0; i < 4; i++)
		CHECK_INT(add(s, (uint64_t)i, 0), 1);
	CHECK_INT(add(s, 4, 0), 0);		/* evicts 0 */
	CHECK_INT(add(s, 0, 0), 0);		/* forgotten: new, evicts 1 */
	CHECK_INT(add(s, 2, 0), 1);
	CHECK_INT(add(s, 1, 0), 0);
	/* a repeat does not refresh: 2 is the oldest now */
	CHECK_INT(add(s, 9, 0), 0);
	CHECK_INT(add(s, 2, 0), 0);
	seen_free(s);
	seen_free(NULL);
}

/* All 128 bits count: the second half alone tells two hashes apart. */
static void
fullhash(void)
{
	struct seen *s = seen_new(4);
	unsigned char h[16];

	CHECK_INT(add(s, 7, 1), 0);
	mk(h, 7, 2);
	CHECK_INT(seen_add(s, h), 0);
	h[15] ^= 0x80;
	CHECK_INT(seen_add(s, h), 0);
	CHECK_INT(add(s, 7, 1), 1);
	seen_free(s);
}

/* 0 is taken as 1 (a window of 2). */
static void
clamp(void)
{
	struct seen *s = seen_new(0);

	add(s, 1, 1);
	add(s, 2, 2);
	CHECK_INT(add(s, 1, 1), 1);
	CHECK_INT(add(s, 3, 3), 0);		/* evicts 1 */
	CHECK_INT(add(s, 1, 1), 0);
	seen_free(s);
}

/* Random operations against a FIFO of the last `window` distinct hashes. */
static void
model(void)
{
	enum { LOG2 = 4, WIN = 1 << LOG2, OPS = 200000 };
	struct seen *s = seen_new(LOG2);
	uint64_t fifo[WIN][2], a, b;
	unsigned x = 12345;
	size_t n = 0, head = 0, i;
	int want, got, bad = 0, op;

	for (op = 0; op < OPS; op++) {
		x = x * 1103515245 + 12345;
		/* few distinct index slots and few second halves */
		a = (x >> 8) % 5 + ((x >> 20) % 3) * 32;
		b = (x >> 12) % 9;
		want = 0;
		for (i = 0; i < n; i++)
			if (fifo[i][0] == a && fifo[i][1] == b)
				want = 1;
		got = add(s, a, b);
		bad += got != want;
		if (!want) {
			if (n < WIN)
				i = n++;
			else {
				i = head;
				head = (head + 1) % WIN;
			}
			fifo[i][0] = a;
			fifo[i][1] = b;
		}
	}
	CHECK_INT(bad, 0);
	seen_free(s);
}

int
main(void)
{
	RUN(basic);
	RUN(fullhash);
	RUN(clamp);
	RUN(model);
	return unit_done("seen");
}
