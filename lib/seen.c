/* See LICENSE file for copyright and license details. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"
#include "util.h"

struct seen {
	unsigned char	(*ring)[16];	/* the window, oldest at pos when full */
	uint32_t	*slot;		/* index: ring position + 1, 0 = empty */
	size_t		 window, mask, pos, count;
};

struct seen *
seen_new(unsigned log2window)
{
	struct seen *s;

	if (log2window < 1)
		log2window = 1;
	if (log2window > 28)
		log2window = 28;
	s = xcalloc(1, sizeof(*s));
	s->window = (size_t)1 << log2window;
	s->mask = 2 * s->window - 1;
	s->ring = xcalloc(s->window, sizeof(*s->ring));
	s->slot = xcalloc(2 * s->window, sizeof(*s->slot));
	return s;
}

/* The hash is uniform already: its first 8 bytes pick the home slot. */
static size_t
home(const struct seen *s, const unsigned char *h)
{
	uint64_t v;

	memcpy(&v, h, sizeof(v));
	return (size_t)v & s->mask;
}

static void
evict(struct seen *s, size_t r)
{
	size_t j, k, hk;

	for (j = home(s, s->ring[r]); s->slot[j] != r + 1; j = (j + 1) & s->mask)
		;
	s->slot[j] = 0;
	/* Backward-shift: pull later entries of the run into the hole. */
	for (k = (j + 1) & s->mask; s->slot[k] != 0; k = (k + 1) & s->mask) {
		hk = home(s, s->ring[s->slot[k] - 1]);
		/* Stays if its home lies cyclically in (j, k]. */
		if (j < k ? (hk > j && hk <= k) : (hk > j || hk <= k))
			continue;
		s->slot[j] = s->slot[k];
		s->slot[k] = 0;
		j = k;
	}
}

int
seen_add(struct seen *s, const unsigned char *h)
{
	size_t i;

	for (i = home(s, h); s->slot[i] != 0; i = (i + 1) & s->mask)
		if (memcmp(s->ring[s->slot[i] - 1], h, 16) == 0)
			return 1;
	if (s->count == s->window) {
		evict(s, s->pos);
		for (i = home(s, h); s->slot[i] != 0; i = (i + 1) & s->mask)
			;
	} else
		s->count++;
	memcpy(s->ring[s->pos], h, 16);
	s->slot[i] = (uint32_t)(s->pos + 1);
	s->pos = (s->pos + 1) & (s->window - 1);
	return 0;
}

void
seen_free(struct seen *s)
{
	if (s == NULL)
		return;
	free(s->ring);
	free(s->slot);
	free(s);
}
