/* See LICENSE file for copyright and license details. */
#include <stdlib.h>
#include <string.h>

#include "hll.h"
#include "util.h"

#define LOG2M		11
#define NREGS		(1 << LOG2M)
#define REGWIDTH	5
#define REGMAX		((1 << REGWIDTH) - 1)
#define FULLBYTES	(NREGS * REGWIDTH / 8)		/* 1280 */
#define EXPLICITMAX	(FULLBYTES / 8)			/* "auto": 160 */
/* Version 1 and type; (regwidth - 1) << 5 | log2m; sparse on, auto. */
#define HDR(type)	(0x10 | (type)), ((REGWIDTH - 1) << 5 | LOG2M), 0x7f
enum { T_EMPTY = 1, T_EXPLICIT = 2, T_SPARSE = 3, T_FULL = 4 };

/* MurmurHash3_x64_128 (Austin Appleby, public domain), first half. */
static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* Keys shorter than 16 bytes only: the tail is all there is. */
static int64_t
murmur(const uint8_t *p, size_t len)
{
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	uint64_t h1 = 0, h2 = 0, k1 = 0;
	size_t i;

	for (i = len; i-- > 0;)
		k1 = k1 << 8 | p[i];	/* little-endian, as on x86 */
	k1 *= c1;
	k1 = rotl(k1, 31);
	k1 *= c2;
	h1 ^= k1;
	h1 ^= len;
	h2 ^= len;
	h1 += h2;
	h2 += h1;
	h1 = fmix(h1);
	h2 = fmix(h2);
	h1 += h2;
	return (int64_t)h1;
}

/*
 * The server hashes the integer's bytes in its own (little-endian on
 * every platform Debian ships PostgreSQL for but s390x) order.
 */
static int64_t
hashle(uint64_t u, int n)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < n; i++)
		b[i] = u >> (8 * i);
	return murmur(b, n);
}

int64_t
hll_hash4(int32_t v)
{
	return hashle((uint32_t)v, 4);
}

int64_t
hll_hash8(int64_t v)
{
	return hashle((uint64_t)v, 8);
}

/* As the server's compressed_add(). */
static void
regadd(uint8_t *reg, int64_t hash)
{
	uint64_t u = (uint64_t)hash, w = u >> LOG2M;
	int p = w == 0 ? 0 : __builtin_ctzll(w) + 1;

	if (p > REGMAX)
		p = REGMAX;
	if (reg[u & (NREGS - 1)] < p)
		reg[u & (NREGS - 1)] = p;
}

/*
 * Sort h[n] ascending: a Shell sort (Ciura's gaps), since explicit sets
 * are short (uniq() sorts at most twice EXPLICITMAX hashes) and qsort()'s
 * calls of a comparison function were more than half of the time it took.
 */
static void
sort64(int64_t *h, size_t n)
{
	static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
	size_t g, i, j, k;
	int64_t x;

	for (k = 0; k < sizeof(gaps) / sizeof(gaps[0]); k++) {
		if ((g = gaps[k]) >= n)
			continue;
		for (i = g; i < n; i++) {
			x = h[i];
			for (j = i; j >= g && h[j - g] > x; j -= g)
				h[j] = h[j - g];
			h[j] = x;
		}
	}
}

/* Sort the hashes and drop repeats (explicit sets are signed-ascending). */
static void
uniq(struct hllset *s)
{
	size_t i, j;

	if (s->n < 2)
		return;
	sort64(s->h, s->n);
	for (i = j = 1; i < s->n; i++)
		if (s->h[i] != s->h[j - 1])
			s->h[j++] = s->h[i];
	s->n = j;
}

static void
promote(struct hllset *s)
{
	size_t i;

	s->reg = xcalloc(NREGS, 1);
	for (i = 0; i < s->n; i++)
		regadd(s->reg, s->h[i]);
	free(s->h);
	s->h = NULL;
	s->n = s->cap = 0;
}

void
hll_add(struct hllset *s, int64_t hash)
{
	if (s->reg != NULL) {
		regadd(s->reg, hash);
		return;
	}
	if (s->n == s->cap) {
		/* Repeats are dropped only now and then: a set is promoted
		 * when its distinct members outgrow an explicit set. */
		uniq(s);
		if (s->n > EXPLICITMAX) {
			promote(s);
			regadd(s->reg, hash);
			return;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 4;
			s->h = xreallocarray(s->h, s->cap, sizeof(*s->h));
		}
	}
	s->h[s->n++] = hash;
}

static char *
hex(char *p, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		*p++ = digits[b[i] >> 4];
		*p++ = digits[b[i] & 15];
	}
	return p;
}

size_t
hll_bytes(struct hllset *s, uint8_t *b)
{
	uint8_t *q = b;
	size_t i, nfill, bit;

	if (s->reg == NULL) {
		uniq(s);
		if (s->n > EXPLICITMAX)
			promote(s);
	}
	if (s->reg == NULL) {
		const uint8_t h[] = { HDR(s->n ? T_EXPLICIT : T_EMPTY) };

		memcpy(q, h, 3);
		q += 3;
		for (i = 0; i < s->n; i++) {
			uint64_t u = (uint64_t)s->h[i];
			int k;

			for (k = 0; k < 8; k++)
				*q++ = u >> (56 - 8 * k);
		}
		return q - b;
	}
	for (i = nfill = 0; i < NREGS; i++)
		nfill += s->reg[i] != 0;
	/* Sparse while its 16-bit (index, value) words are the smaller. */
	if (2 * nfill < FULLBYTES) {
		const uint8_t h[] = { HDR(T_SPARSE) };

		memcpy(q, h, 3);
		q += 3;
		for (i = 0; i < NREGS; i++)
			if (s->reg[i] != 0) {
				unsigned w = (unsigned)i << REGWIDTH | s->reg[i];

				*q++ = w >> 8;
				*q++ = w & 0xff;
			}
	} else {
		const uint8_t h[] = { HDR(T_FULL) };

		memcpy(q, h, 3);
		q += 3;
		memset(q, 0, FULLBYTES);
		for (i = 0, bit = 0; i < NREGS; i++, bit += REGWIDTH) {
			/* 5 bits, big-endian, from the top of the byte. */
			unsigned v = s->reg[i], sh = 16 - REGWIDTH - bit % 8;
			unsigned w = v << sh;

			q[bit / 8] |= w >> 8;
			if (bit / 8 + 1 < FULLBYTES)
				q[bit / 8 + 1] |= w & 0xff;
		}
		q += FULLBYTES;
	}
	return q - b;
}

size_t
hll_text(struct hllset *s, char *buf)
{
	uint8_t b[HLL_BYTESMAX];
	char *p = buf;

	*p++ = '\\';
	*p++ = '\\';
	*p++ = 'x';
	p = hex(p, b, hll_bytes(s, b));
	*p = '\0';
	return p - buf;
}

void
hll_free(struct hllset *s)
{
	free(s->h);
	free(s->reg);
	memset(s, 0, sizeof(*s));
}
