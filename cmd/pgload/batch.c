/* See LICENSE file for copyright and license details. */
/*
 * A logs batch (struct batch, in pgload.h): its memory, sized once for -b
 * rows, and its table of repeats.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgload.h"

/* Room for a batch of up to rows rows (the line buffer grows). */
void
batch_alloc(struct batch *b, long long rows)
{
	b->rowid = xreallocarray(NULL, rows, ND * sizeof(*b->rowid));
	b->fact = xreallocarray(NULL, rows, sizeof(*b->fact));
	b->off = xreallocarray(NULL, rows + 1, sizeof(*b->off));
	b->dup = xmalloc(rows);
	b->fo = xreallocarray(NULL, rows, (NLOGCOLS + 1) * sizeof(*b->fo));
	b->lines = xreallocarray(NULL, rows, sizeof(*b->lines));
	b->months = hmap_new();
}

/* Empty b for the reader to fill again. */
void
batch_clear(struct batch *b)
{
	b->n = b->len = 0;
	if (b->seen != NULL)
		memset(b->seen, 0, b->seencap * sizeof(*b->seen));
	b->nseen = 0;
	hmap_clear(b->months);
}

/* Everything of b's. */
void
batch_free(struct batch *b)
{
	free(b->rowid);
	free(b->fact);
	free(b->buf);
	free(b->off);
	free(b->dup);
	free(b->fo);
	free(b->lines);
	free(b->seen);
	hmap_free(b->months);
}

/*
 * The rows of a batch by line hash and time text, to find repeats: an
 * open-addressing table of row numbers with a tag made of the hash's first
 * 16 digits (the hash is random already), so that a lookup hashes and
 * copies nothing and compares the lines themselves only when the tags
 * agree.  The tag needs nothing but the hash, so the reader can prefetch
 * its slot as soon as it has the line: the table is megabytes, and its
 * probe would otherwise wait for memory.
 */
uint64_t
seentag(const char *hash)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < 16; i++)
		t = t << 4 | hexdigit(hash[i]);
	return t;
}

/* Whether row a of batch bp has this hash (any case) and time text. */
static int
samerow(const struct batch *bp, size_t a, const char *hash, const char *tm,
    size_t tmlen)
{
	const char *line = bp->buf + bp->off[a];
	const uint32_t *o = bp->fo + a * (NLOGCOLS + 1);
	enum { TIME = C(LL_TIME) };
	int i;

	if (o[TIME + 1] - o[TIME] - 1 != tmlen ||
	    memcmp(line + o[TIME], tm, tmlen) != 0)
		return 0;
	for (i = 0; i < 32; i++)
		if ((line[i] | 0x20) != (hash[i] | 0x20))
			return 0;
	return 1;
}

/* Whether row (hash, tm) repeats one of batch bp's; if not, it is added. */
int
seenrow(struct batch *bp, size_t row, const char *hash, const char *tm,
    size_t tmlen)
{
	uint64_t tag = seentag(hash);
	struct seen *s;
	size_t i, j, mask;

	if ((bp->nseen + 1) * 2 > bp->seencap) {
		struct seen *old = bp->seen;
		size_t oldcap = bp->seencap;

		bp->seencap = oldcap ? oldcap * 2 : 1024;
		bp->seen = xcalloc(bp->seencap, sizeof(*bp->seen));
		mask = bp->seencap - 1;
		for (i = 0; i < oldcap; i++) {
			if (old[i].row == 0)
				continue;
			for (j = old[i].tag & mask; bp->seen[j].row != 0;
			    j = (j + 1) & mask)
				;
			bp->seen[j] = old[i];
		}
		free(old);
	}
	mask = bp->seencap - 1;
	for (j = tag & mask; (s = &bp->seen[j])->row != 0; j = (j + 1) & mask)
		if (s->tag == tag && samerow(bp, s->row - 1, hash, tm, tmlen))
			return 1;
	s->tag = tag;
	s->row = (uint32_t)row + 1;
	bp->nseen++;
	return 0;
}

