/* See LICENSE file for copyright and license details. */
/*
 * lib/hll: the hashes and the storage format of postgresql-hll (schema
 * version 1, log2m 11, regwidth 5, sparse on, explicit cutoff auto).  The
 * expected values come from postgresql-hll's own regression output
 * (expected/hash_1.out); the register decoding below is written from the
 * format's description, apart from lib/hll.c, so that merging two sets
 * (what the server's hll_union does: the larger of each register) can be
 * checked against the set of all their members.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"
#include "unit.h"

#define NREGS	2048

static void
hashes(void)
{
	CHECK_INT(hll_hash4(0), -3485513579396041028LL);
	CHECK_INT(hll_hash4(100), -5003248654201747171LL);
	CHECK_INT(hll_hash4(-100), -2771615523823720964LL);
	CHECK_INT(hll_hash8(0), 2945182322382062539LL);
	CHECK_INT(hll_hash8(100), 8349353095166695771LL);
	CHECK_INT(hll_hash8(-100), -886862857196634693LL);
}

static void
text(struct hllset *s, char *buf)
{
	size_t n = hll_text(s, buf);

	CHECK(n < HLL_TEXTMAX);
	CHECK_INT(n, strlen(buf));
}

static void
empty(void)
{
	struct hllset s = { 0 };
	uint8_t b[HLL_BYTESMAX];
	char t[HLL_TEXTMAX];

	CHECK_INT(hll_bytes(&s, b), 3);
	CHECK_MEM(b, "\x11\x8b\x7f", 3);
	text(&s, t);
	CHECK_STR(t, "\\\\x118b7f");
	hll_free(&s);
}

/* hll_empty() || 42::hll_hashval in postgresql-hll's tests. */
static void
explicit_one(void)
{
	struct hllset s = { 0 };
	char t[HLL_TEXTMAX];

	hll_add(&s, 42);
	text(&s, t);
	CHECK_STR(t, "\\\\x128b7f000000000000002a");
	hll_free(&s);
}

/* An explicit set: sorted as signed numbers, repeats dropped. */
static void
explicit_sorted(void)
{
	struct hllset a = { 0 }, b = { 0 };
	uint8_t ba[HLL_BYTESMAX], bb[HLL_BYTESMAX];
	static const uint8_t want[] = { 0x12, 0x8b, 0x7f,
	    0x80, 0, 0, 0, 0, 0, 0, 0,			/* INT64_MIN */
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* -1 */
	    0, 0, 0, 0, 0, 0, 0, 5,
	    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t na, nb;
	int i;

	for (i = 0; i < 10; i++) {
		hll_add(&a, 5);
		hll_add(&a, -1);
	}
	hll_add(&a, INT64_MAX);
	hll_add(&a, INT64_MIN);
	hll_add(&b, INT64_MAX);
	hll_add(&b, 5);
	hll_add(&b, INT64_MIN);
	hll_add(&b, -1);
	na = hll_bytes(&a, ba);
	nb = hll_bytes(&b, bb);
	CHECK_INT(na, sizeof(want));
	CHECK_MEM(ba, want, sizeof(want));
	CHECK_INT(nb, na);
	CHECK_MEM(bb, ba, na);
	hll_free(&a);
	hll_free(&b);
}

/* The register a hash sets, as the server's compressed_add() does. */
static void
regadd(uint8_t *reg, uint64_t u)
{
	uint64_t w = u >> 11;
	int p = 0;

	if (w != 0)
		for (p = 1; (w & 1) == 0; w >>= 1)
			p++;
	if (p > 31)
		p = 31;
	if (reg[u & (NREGS - 1)] < p)
		reg[u & (NREGS - 1)] = p;
}

/* The registers of a set from its bytes; returns its type (1-4) or 0. */
static int
decode(const uint8_t *b, size_t n, uint8_t *reg)
{
	size_t i, bit;
	int type = b[0] & 15;

	memset(reg, 0, NREGS);
	if (n < 3 || b[0] >> 4 != 1 || b[1] != 0x8b || b[2] != 0x7f)
		return 0;
	b += 3;
	n -= 3;
	switch (type) {
	case 1:
		return n == 0 ? 1 : 0;
	case 2:
		if (n % 8 != 0)
			return 0;
		for (i = 0; i < n; i += 8) {
			uint64_t u = 0;
			int k;

			for (k = 0; k < 8; k++)
				u = u << 8 | b[i + k];
			regadd(reg, u);
		}
		return 2;
	case 3:
		if (n % 2 != 0)
			return 0;
		for (i = 0; i < n; i += 2) {
			unsigned w = (unsigned)b[i] << 8 | b[i + 1];

			reg[w >> 5] = w & 31;
		}
		return 3;
	case 4:
		if (n != NREGS * 5 / 8)
			return 0;
		for (i = 0, bit = 0; i < NREGS; i++, bit += 5) {
			unsigned w = (unsigned)b[bit / 8] << 8 |
			    (bit / 8 + 1 < n ? b[bit / 8 + 1] : 0);

			reg[i] = (w >> (11 - bit % 8)) & 31;
		}
		return 4;
	}
	return 0;
}

/* A set of hll_hash8(from..to-1); returns its type, registers in reg. */
static int
build(long long from, long long to, uint8_t *reg, size_t *np)
{
	struct hllset s = { 0 };
	uint8_t b[HLL_BYTESMAX];
	size_t n;
	long long i;

	for (i = from; i < to; i++)
		hll_add(&s, hll_hash8(i));
	n = hll_bytes(&s, b);
	CHECK(n <= HLL_BYTESMAX);
	if (np != NULL)
		*np = n;
	hll_free(&s);
	return decode(b, n, reg);
}

/* Explicit up to 160 members, then sparse, then full (the smaller). */
static void
promotion(void)
{
	uint8_t reg[NREGS], want[NREGS];
	size_t n;
	long long i;

	CHECK_INT(build(0, 160, reg, &n), 2);
	CHECK_INT(n, 3 + 160 * 8);
	CHECK_INT(build(0, 161, reg, &n), 3);
	memset(want, 0, sizeof(want));
	for (i = 0; i < 161; i++)
		regadd(want, (uint64_t)hll_hash8(i));
	CHECK_MEM(reg, want, NREGS);
	CHECK_INT(build(0, 20000, reg, &n), 4);
	CHECK_INT(n, HLL_BYTESMAX);
	memset(want, 0, sizeof(want));
	for (i = 0; i < 20000; i++)
		regadd(want, (uint64_t)hll_hash8(i));
	CHECK_MEM(reg, want, NREGS);
}

/*
 * The union of two sets' registers (hll_union) is the set of all their
 * members, whatever the types of the two.
 */
static void
merge(void)
{
	static const long long cut[][3] = {
		{ 0, 50, 120 },		/* explicit + explicit */
		{ 0, 100, 400 },	/* explicit + sparse */
		{ 0, 300, 600 },	/* sparse + sparse */
		{ 0, 250, 30000 },	/* sparse + full */
		{ 0, 15000, 30000 },	/* full + full */
		{ 0, 5000, 5000 },	/* with an empty set */
	};
	uint8_t a[NREGS], b[NREGS], all[NREGS];
	size_t k, i;

	for (k = 0; k < sizeof(cut) / sizeof(cut[0]); k++) {
		CHECK(build(cut[k][0], cut[k][1], a, NULL) != 0);
		CHECK(build(cut[k][1], cut[k][2], b, NULL) != 0);
		CHECK(build(cut[k][0], cut[k][2], all, NULL) != 0);
		for (i = 0; i < NREGS; i++)
			if (b[i] > a[i])
				a[i] = b[i];
		CHECK_MEM(a, all, NREGS);
	}
}

/* The order of adding and repeats do not change the bytes. */
static void
order(void)
{
	struct hllset up = { 0 }, down = { 0 };
	uint8_t bu[HLL_BYTESMAX], bd[HLL_BYTESMAX];
	size_t nu, nd;
	int i, r;

	for (r = 0; r < 3; r++)
		for (i = 0; i < 400; i++) {
			hll_add(&up, hll_hash4(i));
			hll_add(&down, hll_hash4(399 - i));
		}
	nu = hll_bytes(&up, bu);
	nd = hll_bytes(&down, bd);
	CHECK_INT(nu, nd);
	CHECK_MEM(bu, bd, nu);
	hll_free(&up);
	hll_free(&down);
}

/* hll_bytes may be called again, and members added after it. */
static void
again(void)
{
	struct hllset s = { 0 }, t = { 0 };
	uint8_t b1[HLL_BYTESMAX], b2[HLL_BYTESMAX];
	size_t n1, n2;
	int i;

	for (i = 0; i < 100; i++)
		hll_add(&s, hll_hash8(i));
	n1 = hll_bytes(&s, b1);
	n2 = hll_bytes(&s, b2);
	CHECK_INT(n1, n2);
	CHECK_MEM(b1, b2, n1);
	for (i = 100; i < 200; i++)
		hll_add(&s, hll_hash8(i));
	for (i = 0; i < 200; i++)
		hll_add(&t, hll_hash8(i));
	n1 = hll_bytes(&s, b1);
	n2 = hll_bytes(&t, b2);
	CHECK_INT(n1, n2);
	CHECK_MEM(b1, b2, n1);
	hll_free(&s);
	hll_free(&t);
}

/* After hll_free a set is empty and can be used again. */
static void
freed(void)
{
	struct hllset s = { 0 };
	uint8_t b[HLL_BYTESMAX];
	int i;

	for (i = 0; i < 5000; i++)
		hll_add(&s, hll_hash8(i));
	hll_free(&s);
	CHECK(s.h == NULL && s.reg == NULL && s.n == 0);
	CHECK_INT(hll_bytes(&s, b), 3);
	CHECK_MEM(b, "\x11\x8b\x7f", 3);
	hll_add(&s, 42);
	CHECK_INT(hll_bytes(&s, b), 11);
	hll_free(&s);
	hll_free(&s);
}

int
main(void)
{
	RUN(hashes);
	RUN(empty);
	RUN(explicit_one);
	RUN(explicit_sorted);
	RUN(promotion);
	RUN(merge);
	RUN(order);
	RUN(again);
	RUN(freed);
	return unit_done("hll");
}
